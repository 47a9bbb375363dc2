#!/bin/sh
# dossierd as a service: inotify sees files written or moved in (no listing
# in between), a half-written file is not taken (polling with a settle
# time), one daemon per home, `dossier status` while it runs, SIGHUP reloads
# the configuration, SIGTERM in the middle of a long scan finishes the page
# in hand and exits 0, leaving the scan queued for the next start.
. "$(dirname "$0")/lib.sh"
: "${DOSSIERD:?DOSSIERD must point at the dossierd binary}"
IN="$DOSSIER_HOME/inbox"
pid=
trap 'if [ -n "$pid" ]; then kill -9 "$pid" 2>/dev/null || true; fi; rm -rf "$T"' EXIT

"$D" init >/dev/null
CONF="$DOSSIER_HOME/dossier.conf"
cp "$CONF" "$T/conf.orig"
printf '[daemon]\nocr = false\nsettle_ms = 0\npoll_seconds = 0\ningest_threads = 2\n' >> "$CONF"
"$D" department add STNMT --name "Sở Tài nguyên và Môi trường" >/dev/null
"$D" procedure add 1.004227 --name "Đăng ký đất đai" --department STNMT --days 15 >/dev/null
c=$("$D" intake --procedure 1.004227 --applicant-id 001 --applicant-name "Nguyễn Văn An" 2>/dev/null | tail -n 1)
echo "Trang" | "$MK" -o "$T/p.tif" --pages 1 --bits 1 --dpi 100 --width 600 --height 800

# wait_for COND...: up to 30 s (times DS_WAIT_SCALE: 10 under valgrind)
wait_for() { n=0; until "$@"; do n=$((n + 1)); [ "$n" -lt $((300 * ${DS_WAIT_SCALE:-1})) ] || return 1; sleep 0.1; done; }
exists() { [ -e "$1" ]; }
gone() { ! kill -0 "$1" 2>/dev/null; }

mkdir -p "$IN"
# started without OMP_THREAD_LIMIT, it re-executes itself with it set to 1
# (not checked through the valgrind wrapper script)
native=0
[ "$(head -c 4 "$DOSSIERD" | od -An -c | tr -d ' ')" = '177ELF' ] && native=1
if [ $native = 1 ]; then env -u OMP_THREAD_LIMIT "$DOSSIERD" 2>"$T/log" & else "$DOSSIERD" 2>"$T/log" & fi
pid=$!
wait_for grep -q "watching .*(inotify)" "$T/log" || { cat "$T/log"; fail "daemon did not start"; }
if [ $native = 1 ]; then
	tr '\0' '\n' < "/proc/$pid/environ" | grep -qx OMP_THREAD_LIMIT=1 || fail "dossierd runs without OMP_THREAD_LIMIT=1"
	ok "dossierd re-executed itself with OMP_THREAD_LIMIT=1"
fi

# written in place (close after write) and moved in
cp "$T/p.tif" "$IN/${c}_a.tif"
cp "$T/p.tif" "$T/moved.tif"; printf 'm' >> "$T/moved.tif"; mv "$T/moved.tif" "$IN/${c}_b.tif"
wait_for exists "$IN/done/${c}_a.tif" || { cat "$T/log"; fail "inotify: written file not taken"; }
wait_for exists "$IN/done/${c}_b.tif" || { cat "$T/log"; fail "inotify: moved-in file not taken"; }
ok "inotify: close-after-write and moved-in files are taken"

"$D" status --json > "$T/st.json"
[ "$(json_get "$T/st.json" '(d["running"], d["pid"])')" = "(True, $pid)" ] || fail "status: $(cat "$T/st.json")"
[ "$(json_get "$T/st.json" 'sorted(w["name"] for w in d["workers"])')" = "['ingest-2', 'watcher']" ] ||
	fail "status workers: $(cat "$T/st.json")"
expect_fail 75 "$DOSSIERD" --once
grep -q "another dossierd (pid $pid)" "$T/err" || fail "second daemon: $(cat "$T/err")"
ok "status while running; one daemon per home"

# SIGHUP: after_ingest = remove takes effect without a restart
cp "$T/conf.orig" "$CONF"
printf '[daemon]\nocr = false\nsettle_ms = 0\nafter_ingest = remove\nlog_level = debug\n' >> "$CONF"
kill -HUP "$pid"
wait_for grep -q "notice: reloaded" "$T/log" || fail "no reload"
cp "$T/p.tif" "$T/r.tif"; printf 'r' >> "$T/r.tif"; mv "$T/r.tif" "$IN/${c}_c.tif"
wait_for grep -q "${c}_c.tif: ingested" "$T/log" || { cat "$T/log"; fail "after reload"; }
n=0; while [ -e "$IN/${c}_c.tif" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
[ ! -e "$IN/${c}_c.tif" ] && [ ! -e "$IN/done/${c}_c.tif" ] || fail "after_ingest = remove not applied"
# a bad configuration is refused and the running one kept
printf '[daemon]\nwatch = sometimes\n' >> "$CONF"
kill -HUP "$pid"
wait_for grep -q "reload: .*watch = sometimes" "$T/log" || { cat "$T/log"; fail "bad reload not reported"; }
kill -0 "$pid" || fail "a bad reload stopped the daemon"
cp "$T/conf.orig" "$CONF"
printf '[daemon]\nocr = false\nsettle_ms = 0\n' >> "$CONF"
ok "SIGHUP reloads the configuration (and keeps it when the new one is wrong)"

# SIGTERM during a long scan: the page in hand is finished, the scan stays queued
echo "Trang dài" | "$MK" -o "$T/long.tif" --pages 200 --bits 8 --dpi 100 --width 827 --height 1169
cp "$T/long.tif" "$IN/.long.part" && mv "$IN/.long.part" "$IN/${c}_long.tif"
wait_for grep -q "${c}_long.tif: taking it" "$T/log" || { cat "$T/log"; fail "the long scan was not taken"; }
kill -TERM "$pid"
wait_for gone "$pid" || fail "SIGTERM: still running"
rc=0; wait "$pid" || rc=$?
[ "$rc" = 0 ] || { cat "$T/log"; fail "SIGTERM: exit $rc"; }
grep -q "notice: stopped:" "$T/log" || fail "no stop line"
if grep -q "${c}_long.tif: stopping; the file stays queued" "$T/log"; then
	[ -e "$IN/${c}_long.tif" ] || fail "the interrupted scan left the inbox"
	"$D" status --json > "$T/st.json"
	[ "$(json_get "$T/st.json" 'd["queue"]["ingest"]["queued"]')" = 1 ] || fail "not queued after SIGTERM"
	pages_before=$(json_get /dev/stdin 'len(d["pages"])' <<EOF2
$("$D" show "$c" --json)
EOF2
)
	[ "$pages_before" = 3 ] || fail "pages of the interrupted scan reached the catalog ($pages_before)"
	ok "SIGTERM in the middle of a scan: clean exit, scan kept and queued"
else
	cat "$T/log"; fail "the 200-page scan finished before SIGTERM arrived: nothing was interrupted"
fi
"$DOSSIERD" --once 2>>"$T/log" || fail "restart after SIGTERM"
[ ! -e "$IN/${c}_long.tif" ] || fail "the interrupted scan was not finished by the restart"
ok "restart finishes the interrupted scan"

# polling with a settle time: a file still being written is not taken early
cp "$T/conf.orig" "$CONF"
printf '[daemon]\nocr = false\nsettle_ms = 1500\nwatch = poll\npoll_seconds = 1\n' >> "$CONF"
"$DOSSIERD" 2>>"$T/log" &
pid=$!
wait_for grep -q "watching .*(polling)" "$T/log" || fail "poll mode"
echo "Trang ghi chậm" | "$MK" -o "$T/mid.tif" --pages 20 --bits 8 --dpi 100 --width 827 --height 1169
size=$(stat -c %s "$T/mid.tif")
half=$((size / 2))
{ head -c "$half" "$T/mid.tif"; sleep 1; tail -c +"$((half + 1))" "$T/mid.tif"; printf 'p'; } > "$IN/${c}_slow.tif"
wait_for exists "$IN/done/${c}_slow.tif" || { cat "$T/log"; fail "slow file not ingested"; }
kill -TERM "$pid"; wait "$pid" || fail "exit after poll"
ok "polling: a file is taken only once complete"
