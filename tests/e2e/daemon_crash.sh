#!/bin/sh
# Crash consistency of dossierd: drop scans, start the daemon, kill -9 it at
# a random moment (or at a fixed point through DS_FAULT), again and again;
# then one clean `dossierd --once`. Every scan must end up ingested exactly
# once (in done/, its pages in its dossier once) or rejected with a reason
# (in rejected/ beside a non-empty .error.txt) — never lost, never twice.
# DS_CRASH_TRIALS (default 50; `make crash` runs 200), DS_CRASH_SEED.
. "$(dirname "$0")/lib.sh"
: "${DOSSIERD:?DOSSIERD must point at the dossierd binary}"
MB="$DS_BUILD_DIR/tests/ds-mkbatch"
IN="$DOSSIER_HOME/inbox"
TRIALS=${DS_CRASH_TRIALS:-50}
seed=${DS_CRASH_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "trials $TRIALS, seed $seed (DS_CRASH_SEED=$seed reproduces the drops and timings)"
# rnd N: R = a pseudo-random number in [0, N) (no subshell: the seed advances)
rnd() { seed=$(( (seed * 1103515245 + 12345) % 2147483648 )); R=$(( (seed / 65536) % $1 )); }

"$D" init >/dev/null
printf '[daemon]\nocr = false\nsettle_ms = 0\nmax_attempts = 100000\nmax_interruptions = 100000\nlog_level = debug\n' >> "$DOSSIER_HOME/dossier.conf"
"$D" department add STNMT --name "Sở Tài nguyên và Môi trường" >/dev/null
"$D" procedure add 1.004227 --name "Đăng ký đất đai" --department STNMT --days 15 >/dev/null
for k in 0 1 2; do
	eval "c$k=\$(\"\$D\" intake --procedure 1.004227 --applicant-id 00$k --applicant-name 'Người $k' 2>/dev/null | tail -n 1)"
done
code() { eval "echo \$c$1"; }
for k in 0 1 2; do "$D" receipt "$(code $k)" -o "$T/r$k.png" 2>/dev/null; done
echo "Trang hồ sơ" | "$MK" -o "$T/small.tif" --pages 2 --bits 1 --dpi 100 --width 600 --height 800
for k in 0 1 2; do
	n=$(( (k + 1) % 3 ))
	"$MB" --bits 1 -o "$T/batch$k.tif" "$T/r$k.png" "$T/small.tif" "$T/r$n.png" "$T/small.tif" 2>/dev/null
done
M="$T/manifest"   # name kind dossier(s) [twin]
: > "$M"

# put NAME in the inbox whole: write beside it, then rename (as scanners do)
drop() { cp "$1" "$IN/.$2.part"; printf '%s' "$3" >> "$IN/.$2.part"; mv "$IN/.$2.part" "$IN/$2"; }

mkdir -p "$IN"
faults="daemon_kill_mid_ingest daemon_kill_before_commit daemon_kill_after_commit daemon_kill_after_move daemon_kill_after_reject_commit"
i=0
while [ "$i" -lt "$TRIALS" ]; do
	i=$((i + 1))
	for j in 1 2; do
		rnd 3; k=$R; c=$(code $k)
		drop "$T/small.tif" "${c}_t${i}_$j.tif" "t$i-$j"
		echo "${c}_t${i}_$j.tif page $c" >> "$M"
	done
	if [ $((i % 4)) = 0 ]; then
		rnd 3; k=$R; n=$(( (k + 1) % 3 ))
		drop "$T/batch$k.tif" "batch_t$i.tif" "b$i"
		echo "batch_t$i.tif batch $(code $k),$(code $n)" >> "$M"
	fi
	if [ $((i % 5)) = 0 ]; then
		head -c 300 "$T/small.tif" > "$T/bad"
		drop "$T/bad" "bad_t$i.tif" "x$i"
		echo "bad_t$i.tif bad -" >> "$M"
	fi
	if [ $((i % 6)) = 0 ]; then
		rnd 3; k=$R; c=$(code $k)
		printf '{"dossier": "%s"}' "$c" > "$IN/.side.part" && mv "$IN/.side.part" "$IN/side_t$i.tif.json"
		drop "$T/small.tif" "side_t$i.tif" "s$i"
		echo "side_t$i.tif page $c" >> "$M"
	fi
	if [ $((i % 7)) = 0 ]; then
		# the same bytes as this trial's first file, under another routable name
		c=$(sed -n "s/^\(.*\)_t${i}_1.tif page .*/\1/p" "$M")
		drop "$T/small.tif" "${c}_dup_t$i.tif" "t$i-1"
		echo "${c}_dup_t$i.tif dup $c ${c}_t${i}_1.tif" >> "$M"
	fi
	if [ $((i % 9)) = 0 ]; then
		printf '{"procedure": "1.004227", "applicant_id": "new-%s", "applicant_name": "Mới %s"}' "$i" "$i" > "$IN/.n.part"
		mv "$IN/.n.part" "$IN/new_t$i.json"
		drop "$T/small.tif" "new_t$i.tif" "n$i"
		echo "new_t$i.tif new new-$i" >> "$M"
	fi

	mode=""; [ $((i % 2)) = 0 ] && mode="--poll"
	if [ $((i % 10)) = 3 ]; then
		# a fixed point: the daemon kills itself there
		set -- $faults
		shift $(( (i / 10) % 5 ))
		DS_FAULT="$1:1" "$DOSSIERD" $mode 2>>"$T/log" &
		pid=$!
		w=0
		while kill -0 "$pid" 2>/dev/null && [ "$w" -lt 100 ]; do sleep 0.05; w=$((w + 1)); done
		kill -9 "$pid" 2>/dev/null || true
	else
		"$DOSSIERD" $mode 2>>"$T/log" &
		pid=$!
		rnd 400
		sleep "0.$(printf '%03d' "$R")"
		kill -9 "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
	"$D" check --json > "$T/check.json" || { cat "$T/check.json" >&2; fail "trial $i: dossier check found loss or corruption"; }
done

# one clean run finishes everything
"$DOSSIERD" --once 2>>"$T/log" || { tail -n 30 "$T/log" >&2; fail "the final dossierd --once exited $?"; }
grep -c 'notice: resuming\|finished moving' "$T/log" | sed 's/^/recoveries logged: /'

"$D" list --json > "$T/list.json"
"$D" status --json > "$T/status.json"
for k in 0 1 2; do "$D" show "$(code $k)" --json > "$T/show$k.json"; done
python3 - "$M" "$IN" "$T" <<'PY' || { tail -n 40 "$T/log" >&2; fail "crash invariants"; }
import json, os, sys
man, inbox, t = sys.argv[1], sys.argv[2], sys.argv[3]
rows = [l.split() for l in open(man) if l.strip()]
done = set(os.listdir(os.path.join(inbox, "done")))
rej = set(os.listdir(os.path.join(inbox, "rejected")))
left = [f for f in os.listdir(inbox) if f not in ("done", "rejected") and not f.startswith(".")]
errors = []
def err(m): errors.append(m)
if left: err("left in the inbox: %s" % left)
pages, covers = {}, {}
twins = set(r[3] for r in rows if r[1] == "dup")
ingested = 0
for r in rows:
    name, kind = r[0], r[1]
    d, j = name in done, name in rej
    if d == j: err("%s: in done/ %s, in rejected/ %s" % (name, d, j)); continue
    if j:
        txt = os.path.join(inbox, "rejected", name + ".error.txt")
        if not os.path.exists(txt) or not open(txt).read().strip(): err("%s: rejected without a reason" % name)
    if kind in ("page", "batch", "new") and not d and name not in twins:
        err("%s: a good scan was rejected: %s" % (name, open(os.path.join(inbox, "rejected", name + ".error.txt")).read().strip()))
    if kind == "bad" and not j: err("%s: a corrupt scan was ingested" % name)
    if kind == "dup":
        twin = r[3]
        if (name in done) == (twin in done): err("%s and %s: both or neither ingested" % (name, twin))
        loser = twin if name in done else name
        why = open(os.path.join(inbox, "rejected", loser + ".error.txt")).read().strip() if loser in rej else ""
        if loser in rej and "already ingested" not in why:
            err("%s: rejected for another reason than a duplicate: %s" % (loser, why))
    if not d: continue
    ingested += 1
    if kind in ("page", "dup"):
        pages[r[2]] = pages.get(r[2], 0) + 2
    elif kind == "batch":
        for c in r[2].split(","):
            pages[c] = pages.get(c, 0) + 2; covers[c] = covers.get(c, 0) + 1
lst = json.load(open(os.path.join(t, "list.json")))
for r in rows:
    if r[1] == "new" and r[0] in done:
        n = [x for x in lst if x["applicant"]["id"] == r[2]]
        if len(n) != 1 or n[0]["pages"] != 2: err("%s: %d dossiers for %s" % (r[0], len(n), r[2]))
for k in range(3):
    s = json.load(open(os.path.join(t, "show%d.json" % k)))
    c = s["code"]
    if len(s["pages"]) != pages.get(c, 0): err("%s: %d pages, expected %d" % (c, len(s["pages"]), pages.get(c, 0)))
    if len(s["cover_sheets"]) != covers.get(c, 0): err("%s: %d covers, expected %d" % (c, len(s["cover_sheets"]), covers.get(c, 0)))
st = json.load(open(os.path.join(t, "status.json")))
if st["inbox"]["ingested"] != ingested: err("catalog counts %d ingested files, folders %d" % (st["inbox"]["ingested"], ingested))
q = st["queue"]["ingest"]
if q["queued"] or q["running"]: err("ingest jobs left: %s" % q)
print("files %d: %d ingested, %d rejected; pages %s" % (len(rows), ingested, len(rows) - ingested, pages))
if errors:
    print("\n".join(errors)); sys.exit(1)
PY
ok "$TRIALS kill -9 trials: every scan ingested exactly once or rejected with a reason"

# A full disk and failed fsyncs while ingesting: the scan is kept and tried
# again (not rejected: the disk is at fault, not the file), nothing lost.
for fault in write:1 fsync:1 fsync_dir:1; do
	c=$(code 0)
	drop "$T/small.tif" "${c}_fault_${fault%%:*}.tif" "f-$fault"
	DS_FAULT=$fault "$DOSSIERD" --once 2>"$T/flog" || { cat "$T/flog"; fail "$fault: dossierd --once"; }
	grep -q "1 retries" "$T/flog" || { cat "$T/flog"; fail "$fault: not retried"; }
	[ -f "$IN/done/${c}_fault_${fault%%:*}.tif" ] || { cat "$T/flog"; fail "$fault: the scan is not in done/"; }
	"$D" check --json > "$T/check.json" || { cat "$T/check.json" >&2; fail "$fault: dossier check"; }
done
ok "ENOSPC and fsync failures while ingesting: retried, ingested, nothing lost"
