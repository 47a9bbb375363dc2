#!/bin/sh
# Crash consistency of intake: kill -9 at random points, a full disk and
# failed fsyncs injected; after each, `dossier check` must find nothing lost
# or corrupt and every dossier must be whole (all its pages or none).
# CRASH_TRIALS_INTAKE (default 25 here; `make crash` runs more) kill trials.
. "$(dirname "$0")/lib.sh"
trials=${CRASH_TRIALS_INTAKE:-25}

"$D" init >/dev/null
"$D" department add TP --name "Sở Tư pháp" >/dev/null
"$D" procedure add 1.000894 --name "Cấp phiếu lý lịch tư pháp" --department TP --days 10 >/dev/null
i=0
while [ $i -lt 4 ]; do
	echo "Phiếu lý lịch tư pháp số $i. Nguyễn Thị Hoa." | "$MK" -o "$T/s$i.tif" --pages 3
	i=$((i + 1))
done

check_whole() {
	"$D" check --json > "$T/check.json" || { cat "$T/check.json" >&2; fail "$1: dossier check found loss"; }
	"$D" list --json > "$T/list.json"
	python3 - "$T/list.json" "$1" <<'PY'
import json, sys
for d in json.load(open(sys.argv[1])):
    if d["pages"] not in (0, 3, 6):
        sys.exit(f"{sys.argv[2]}: dossier {d['code']} has {d['pages']} pages: half an intake")
PY
}

n=0
killed=0
while [ $n -lt "$trials" ]; do
	f="$T/s$((n % 4)).tif"
	"$D" intake --procedure 1.000894 --applicant-id "c$n" --applicant-name "Trial $n" "$f" \
		>/dev/null 2>&1 &
	pid=$!
	# a random point within a typical run (0–600 ms)
	sleep "$(awk -v s="$n" 'BEGIN { srand(s * 7919 + 17); printf "%.3f", rand() * 0.6 }')"
	if kill -9 "$pid" 2>/dev/null; then
		killed=$((killed + 1))
	fi
	wait "$pid" 2>/dev/null || true
	check_whole "kill trial $n"
	n=$((n + 1))
done
ok "$trials kill -9 trials ($killed killed mid-run): nothing lost, no half dossier"

# A full disk (ENOSPC on the n-th write) and failed fsyncs: a clean refusal.
for fault in write:1 write:3 fsync:1 fsync:3 fsync_dir:2; do
	# new bytes each time, so the store really has to write them
	echo "Trang mới cho lỗi $fault." | "$MK" -o "$T/f.tif" --pages 2
	expect_fail 74 env DS_FAULT=$fault "$D" intake --procedure 1.000894 --applicant-id f \
		--applicant-name "Fault $fault" "$T/f.tif"
	[ "$(wc -l < "$T/err")" = 1 ] || fail "$fault: not one line: $(cat "$T/err")"
	check_whole "fault $fault"
done
ok "ENOSPC and fsync failures refused cleanly, catalog consistent"

# Leftovers (blobs of killed intakes) are reported, and removable.
"$D" check --json > "$T/c.json"
[ "$(json_get "$T/c.json" 'd["ok"]')" = True ] || fail "check not ok"
