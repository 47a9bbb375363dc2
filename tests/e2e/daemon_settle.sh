#!/bin/sh
# End-to-end (issue 14 item 2): a scan is taken only when its writer is done.
# Writers that pause mid-file holding it open (longer than settle_ms: only
# the open-for-writing check tells), and writers that close and open the
# file again (network scanners write in sessions), under dossierd --once,
# inotify and --poll: every file is ingested whole, once, nothing rejected.
# settle_ms is short here (2 s) to keep the test quick; the rule is the same.
. "$(dirname "$0")/lib.sh"
: "${DOSSIERD:?DOSSIERD must point at the dossierd binary}"
IN="$DOSSIER_HOME/inbox"
export DOSSIER_NOW=2025-11-26T08:14:03+07:00
pid=""
trap 'if [ -n "$pid" ]; then kill -9 "$pid" 2>/dev/null || true; fi; rm -rf "$T"' EXIT

"$D" init >/dev/null
printf '[daemon]\nocr = false\nsettle_ms = 2000\nlog_level = debug\n' >> "$DOSSIER_HOME/dossier.conf"
"$D" department add STNMT --name "Sở Tài nguyên và Môi trường" >/dev/null
"$D" procedure add 1.004227 --name "Đăng ký đất đai" --department STNMT --days 15 >/dev/null
c=$("$D" intake --procedure 1.004227 --applicant-id 001 --applicant-name "Nguyễn Văn An" 2>/dev/null | tail -n 1)
mkdir -p "$IN"
# one scan per file (the same bytes twice would be a duplicate)
scan() { seq 1 40 | sed "s/^/$1: dòng thứ /" | "$MK" -o "$T/$1" --pages 3 --bits 8 --dpi 100 --width 800 --height 1100; }

# writer SRC DST MODE PAUSE: writes SRC to DST in two halves; MODE pause
# keeps the file open across PAUSE seconds, reopen closes it and opens it
# again for the second half after PAUSE seconds.
writer() {
	python3 - "$@" <<'PY'
import os, sys, time
src, dst, mode, pause = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
data = open(src, "rb").read()
half = len(data) // 2
f = open(dst, "wb")
f.write(data[:half]); f.flush(); os.fsync(f.fileno())
if mode == "reopen":
    f.close(); time.sleep(pause); f = open(dst, "ab")
else:
    time.sleep(pause)
f.write(data[half:]); f.close()
PY
}
pages=0
check() { # NAME: ingested whole, once; nothing rejected
	cmp -s "$T/$1" "$IN/done/$1" || { tail -n 30 "$T/log" >&2; fail "$1: not ingested whole ($(ls "$IN" "$IN/done" "$IN/rejected"))"; }
	[ -z "$(ls "$IN/rejected" | grep -v '^lonely')" ] || { cat "$IN"/rejected/*.error.txt >&2; fail "$1: something was rejected"; }
	pages=$((pages + 3))
	"$D" show "$c" --json > "$T/show.json"
	[ "$(json_get "$T/show.json" 'len(d["pages"])')" = "$pages" ] || fail "$1: $(json_get "$T/show.json" 'len(d["pages"])') pages, expected $pages"
}
started() { # NAME: until the writer has created it
	n=0
	while [ ! -e "$IN/$1" ] && [ "$n" -lt 600 ]; do sleep 0.05; n=$((n + 1)); done
}
wait_done() { # NAME: until it is in done/ or rejected/ (bounded, not timed)
	n=0
	while [ ! -e "$IN/done/$1" ] && [ ! -e "$IN/rejected/$1" ] && [ "$n" -lt 600 ]; do sleep 0.1; n=$((n + 1)); done
}

# --once while a local writer pauses 4 s mid-file, holding it open
scan "${c}_pause.tif"
writer "$T/${c}_pause.tif" "$IN/${c}_pause.tif" pause 4 &
wpid=$!
started "${c}_pause.tif"
"$DOSSIERD" --once 2>>"$T/log" || { tail -n 20 "$T/log" >&2; fail "--once exited $?"; }
wait "$wpid"
check "${c}_pause.tif"
ok "--once waits for a writer that pauses mid-file"

# --once while a writer closes the file and opens it again
scan "${c}_reopen.tif"
writer "$T/${c}_reopen.tif" "$IN/${c}_reopen.tif" reopen 0.3 &
wpid=$!
started "${c}_reopen.tif"
"$DOSSIERD" --once 2>>"$T/log" || { tail -n 20 "$T/log" >&2; fail "--once exited $?"; }
wait "$wpid"
check "${c}_reopen.tif"
ok "--once waits for a writer that closes and reopens the file"

# a running daemon, inotify then polling, both writers each
for mode in "" --poll; do
	"$DOSSIERD" $mode 2>>"$T/log" &
	pid=$!
	sleep 0.5
	for w in reopen pause; do
		name="${c}_${w}_$(echo "${mode:-inotify}" | tr -d -).tif"
		scan "$name"
		if [ "$w" = reopen ]; then writer "$T/$name" "$IN/$name" reopen 0.3; else writer "$T/$name" "$IN/$name" pause 4; fi
		wait_done "$name"
		check "$name"
	done
	# a sidecar whose scan never comes is rejected, watching as listing
	printf '{"dossier": "%s"}' "$c" > "$IN/lonely$mode.json"
	wait_done "lonely$mode.json"
	grep -q "a sidecar without its scan" "$IN/rejected/lonely$mode.json.error.txt" || fail "dossierd $mode: the lone sidecar was not rejected"
	kill -TERM "$pid"; wait "$pid" || fail "dossierd $mode exited $?"
	pid=""
	ok "dossierd ${mode:-(inotify)}: a writer that reopens and one that pauses, each ingested whole"
done
