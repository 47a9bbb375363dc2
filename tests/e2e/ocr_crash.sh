#!/bin/sh
# Crash consistency of OCR: `dossier ocr` killed with SIGKILL at random
# moments, a full disk (ENOSPC) and failed fsyncs injected. After each,
# `dossier check` finds nothing lost or corrupt and the dossier is either
# still `received` or digitized with every page done and its searchable
# PDF; a later `dossier ocr --pending` finishes every dossier, each
# digitized exactly once.
# CRASH_TRIALS_OCR (default 8 here; `make crash` runs more) kill trials.
. "$(dirname "$0")/lib.sh"
export OMP_THREAD_LIMIT=1
trials=${CRASH_TRIALS_OCR:-8}

"$D" init >/dev/null
"$D" department add TP --name "Sở Tư pháp" >/dev/null
"$D" procedure add 1.000894 --name "Cấp phiếu lý lịch tư pháp" --department TP --days 10 >/dev/null
"$MK" -o "$T/s.tif" --pages 3 --text "Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp.
Họ và tên: Nguyễn Thị Hoa. Nơi cư trú: phường Suối Hoa, Bắc Ninh." >/dev/null

# consistent WHAT CODE: nothing lost, and the dossier whole in its state
consistent() {
	"$D" check --json > "$T/check.json" || { cat "$T/check.json" >&2; fail "$1: dossier check found loss or corruption"; }
	"$D" show --json "$2" > "$T/show.json"
	python3 - "$T/show.json" "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
states = [p["ocr_state"] for p in d["pages"]]
if d["state"] == "digitized":
    if any(s not in ("done", "skipped") for s in states):
        sys.exit(f"{sys.argv[2]}: digitized with pages {states}")
elif d["state"] != "received":
    sys.exit(f"{sys.argv[2]}: state {d['state']}")
PY
}

codes=""
n=0
killed=0
while [ $n -lt "$trials" ]; do
	c=$("$D" intake --procedure 1.000894 --applicant-id "c$n" --applicant-name "Trial $n" "$T/s.tif" 2>/dev/null | tail -n 1)
	codes="$codes $c"
	"$D" ocr --jobs 2 "$c" >/dev/null 2>&1 &
	pid=$!
	# a random point within a typical run (one to a few seconds)
	sleep "$(awk -v s="$n" 'BEGIN { srand(s * 7919 + 3); printf "%.2f", 0.2 + rand() * 3.5 }')"
	if kill -9 "$pid" 2>/dev/null; then
		killed=$((killed + 1))
	fi
	wait "$pid" 2>/dev/null || true
	consistent "kill trial $n" "$c"
	n=$((n + 1))
done
[ "$killed" -gt 0 ] || fail "no OCR run was killed mid-way"
ok "$trials kill -9 trials ($killed killed mid-run): nothing lost, no dossier half digitized"

# A full disk and failed fsyncs: a one-line reason, nothing lost
for fault in write:1 write:4 fsync:1 fsync:3 fsync_dir:1; do
	c=$("$D" intake --procedure 1.000894 --applicant-id f --applicant-name "Fault $fault" "$T/s.tif" 2>/dev/null | tail -n 1)
	codes="$codes $c"
	set +e
	env DS_FAULT=$fault "$D" ocr "$c" >/dev/null 2>"$T/err"
	rc=$?
	set -e
	if [ "$rc" != 0 ]; then
		[ "$(wc -l < "$T/err")" = 1 ] || fail "$fault: not one line: $(cat "$T/err")"
		grep -q "No space left\|Input/output error" "$T/err" || fail "$fault: no reason: $(cat "$T/err")"
	fi
	consistent "fault $fault" "$c"
done
ok "ENOSPC and fsync failures: a one-line reason, nothing lost"

# the page PDFs an interrupted run keeps are in use while the dossier is
# received; once it is rejected they are leftovers that check removes
r=$("$D" intake --procedure 1.000894 --applicant-id r --applicant-name "Rejected" "$T/s.tif" 2>/dev/null | tail -n 1)
"$D" ocr --jobs 1 "$r" >/dev/null 2>&1 &
pid=$!
n=0; until ls "$DOSSIER_HOME/tmp/ocr-pages-$r"/p*.pdf >/dev/null 2>&1; do
	n=$((n + 1)); [ $n -lt 600 ] || fail "no page PDF appeared"; sleep 0.05
done
kill -9 $pid 2>/dev/null || true
wait $pid 2>/dev/null || true
"$D" check --json > "$T/c.json" || fail "check with a run to resume"
[ "$(json_get "$T/c.json" 'd["leftovers"]')" = 0 ] || { cat "$T/c.json"; fail "a run to resume counted as a leftover"; }
"$D" reject "$r" --reason "hồ sơ giả" >/dev/null
"$D" check --json > "$T/c.json" || fail "check after the rejection"
json_get "$T/c.json" '[f["what"] for f in d["findings"] if f["kind"] == "leftover"]' | grep -q "ocr-pages-$r" ||
	{ cat "$T/c.json"; fail "the page PDFs of a rejected dossier are not reported"; }
touch -d '2 hours ago' "$DOSSIER_HOME/tmp/ocr-pages-$r"
"$D" check --remove-leftovers >/dev/null || fail "check --remove-leftovers"
[ ! -d "$DOSSIER_HOME/tmp/ocr-pages-$r" ] || fail "the leftover page PDFs were not removed"
ok "page PDFs of an interrupted run: kept while it can resume, leftovers once the dossier is rejected"

"$D" ocr --pending >/dev/null 2>&1 || fail "dossier ocr --pending after the crashes"
for c in $codes; do
	consistent "after --pending" "$c"
	"$D" show --json "$c" > "$T/show.json"
	[ "$(json_get "$T/show.json" 'd["state"] + " " + str(sum(1 for e in d["events"] if e["action"] == "digitized"))')" = "digitized 1" ] ||
		{ cat "$T/show.json"; fail "$c: not digitized exactly once"; }
	[ "$("$D" text "$c" | grep -c "Hoa")" -ge 3 ] || fail "$c: text of the three pages"
done
ok "every dossier digitized exactly once after the interrupted runs"
