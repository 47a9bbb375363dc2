#!/bin/sh
# End-to-end: the event chain and the seal log against an insider with
# sqlite3 and the catalog file (issue 13, attack 3). Each tamper runs on its
# own copy of one sealed home: deleting, editing, backdating and
# re-attributing an event, renaming an applicant, dropping the triggers are
# found by `dossier check` and `dossier log audit`; a recomputed chain, a
# deleted tail and a truncated seal log are found by `dossier log verify`
# against a checkpoint saved outside the home before the edit ("rolled
# back", exit 1). The chain is also recomputed independently in Python from
# the canonical form docs/seallog.md gives.
. "$(dirname "$0")/lib.sh"
SETUP="$DS_BUILD_DIR/tests/archive/ds_archive_setup"
command -v sqlite3 >/dev/null || fail "no sqlite3 command"

demo_pki an
seal_one() { # seal_one NAME: a new dossier, digitized and sealed; prints its code
	echo "Trang hồ sơ của $1." > "$T/text"
	"$MK" -o "$T/$1.tif" --pages 1 < "$T/text"
	_c=$("$D" intake --procedure 1.004227 --applicant-id "0010900$1" --applicant-name "$1" "$T/$1.tif" 2>/dev/null | tail -n 1)
	"$SETUP" --digitize "$DOSSIER_HOME" "$_c"
	"$D" seal "$_c" --seal STNMT-1 --approver an --approver-passphrase-file "$T/ap" >/dev/null
	echo "$_c"
}
c1=$(seal_one "Nguyễn Văn An")
c2=$(seal_one "Trần Thị Bình")
DB="$DOSSIER_HOME/catalog.db"

# The chain as docs/seallog.md defines it, computed apart from dossier.
# chain.py DB verify: exit 0 when every stored hash is what the docs give.
# chain.py DB recompute: rewrites every hash (the insider's tool).
cat > "$T/chain.py" <<'PY'
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.text_factory = bytes
rows = db.execute(
    "SELECT e.id, e.at, e.dossier, d.code, d.procedure, d.applicant_id, d.applicant_name,"
    " d.received_at, d.due_at, e.action, e.actor, e.on_behalf_of, e.detail, e.hash"
    " FROM events e LEFT JOIN dossiers d ON d.id = e.dossier ORDER BY e.id").fetchall()
def field(name, v):
    if isinstance(v, int):
        v = str(v).encode()
    return name.encode() + b" " + str(len(v)).encode() + b" " + v + b"\n"
prev = bytes(32)
for (i, at, dos, code, proc, aid, aname, rat, due, kind, actor, obo, detail, h) in rows:
    c = b"dossier-event/1\n" + field("id", i) + field("at", at)
    if dos is not None:
        c += field("dossier", code) + field("dossier.procedure", proc)
        c += field("dossier.applicant_id", aid) + field("dossier.applicant_name", aname)
        c += field("dossier.received_at", rat) + field("dossier.due_at", due)
    c += field("kind", kind) + field("actor", actor)
    if obo is not None:
        c += field("on_behalf_of", obo)
    c += field("detail", detail)
    prev = hashlib.sha256(prev + c).digest()
    if sys.argv[2] == "verify" and prev != h:
        sys.exit("event %d: stored hash is not the documented one" % i)
    if sys.argv[2] == "recompute":
        db.execute("UPDATE events SET hash = ? WHERE id = ?", (prev, i))
db.commit()
print(len(rows))
PY
n=$(python3 "$T/chain.py" "$DB" verify) || fail "the stored chain is not the documented one"
[ "$n" -ge 10 ] || fail "only $n events"
ok "the event chain recomputed independently from the documented canonical form ($n events)"

"$D" check >/dev/null || fail "check on a sound home"
"$D" log audit > "$T/out" || fail "log audit on a sound home"
grep -q "event chain OK: $n events" "$T/out" || fail "audit output: $(cat "$T/out")"

# A checkpoint committing to the chain head, saved outside the home.
"$D" log checkpoint --passphrase-file "$T/pp" -o "$T/saved.cp" --json > "$T/cp.json"
head_id=$(sqlite3 "$DB" "SELECT MAX(id) FROM events WHERE action != 'log_checkpoint'")
ev=$(json_get "$T/cp.json" 'd["events"]')
[ "$ev" = "$head_id" ] || fail "checkpoint commits to event $ev, the head was $head_id"
line=$(grep '^dossier-events/1 ' "$T/saved.cp")
want=$(sqlite3 "$DB" "SELECT hex(hash) FROM events WHERE id = $ev")
got=$(echo "$line" | cut -d' ' -f3 | base64 -d | od -An -tx1 | tr -d ' \n' | tr a-f A-F)
[ "$got" = "$want" ] || fail "extension line $line does not carry event $ev's hash"
ok "the checkpoint's extension line pins the chain head (event $ev)"

# A tail not yet checkpointed is no error.
echo "Trang hồ sơ mới." > "$T/text"
"$MK" -o "$T/c3.tif" --pages 1 < "$T/text"
"$D" intake --procedure 1.004227 --applicant-id 3 --applicant-name "Lê Văn C" "$T/c3.tif" >/dev/null 2>&1
[ "$(sqlite3 "$DB" "SELECT MAX(id) FROM events")" -gt "$ev" ] || fail "no new event after the checkpoint"
"$D" check > "$T/out" 2>&1 || { cat "$T/out" >&2; fail "check with an uncheckpointed tail"; }
"$D" log audit >/dev/null || fail "audit with an uncheckpointed tail"
"$D" log verify "$T/saved.cp" > "$T/out" || fail "verify against the home with a new tail"
grep -q '^extends' "$T/out" || fail "verify output: $(cat "$T/out")"
ok "a tail not yet checkpointed passes check, audit and verify"

# fresh NAME: a copy of the sealed home to tamper with; sets DOSSIER_HOME, DB.
ORIG="$DOSSIER_HOME"
fresh() {
	rm -rf "$T/$1"
	cp -a "$ORIG" "$T/$1"
	export DOSSIER_HOME="$T/$1"
	DB="$DOSSIER_HOME/catalog.db"
}
# caught WHAT: check and log audit both exit 1, both naming WHAT.
caught() {
	expect_fail 1 "$D" check
	grep -q "$1" "$T/out" || fail "check did not say '$1': $(cat "$T/out")"
	expect_fail 1 "$D" log audit
	grep -q "$1" "$T/err" || fail "log audit did not say '$1': $(cat "$T/err")"
}
# rolled_back NEW...: log verify of the saved checkpoint (against the home,
# then against NEW when given) exits 1 saying "rolled back".
rolled_back() {
	expect_fail 1 "$D" log verify "$T/saved.cp"
	grep -q "rolled back" "$T/err" || fail "verify: $(cat "$T/err")"
	for _n in "$@"; do
		expect_fail 1 "$D" log verify "$T/saved.cp" "$_n"
		grep -q "rolled back" "$T/err" || fail "verify OLD NEW: $(cat "$T/err")"
	done
}
mid=$(sqlite3 "$ORIG/catalog.db" "SELECT MIN(id) FROM events WHERE action = 'sealed'")

fresh del
sqlite3 "$DB" "DROP TRIGGER events_no_delete; DELETE FROM events WHERE id = $mid;
	CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'x'); END;"
caught "event $mid is missing (deleted)"
ok "a deleted event: check and audit name the gap"

fresh edit
sqlite3 "$DB" "DROP TRIGGER events_no_update; UPDATE events SET detail = detail || ' (revised)' WHERE id = $mid"
caught "broken at event $mid: it was changed"
ok "an edited event: check and audit name it"

fresh backdate
sqlite3 "$DB" "DROP TRIGGER events_no_update; UPDATE events SET at = at - 86400 * 30 WHERE id = $mid"
caught "broken at event $mid"
ok "a backdated event: found"

fresh reattr
sqlite3 "$DB" "DROP TRIGGER events_no_update; UPDATE events SET actor = 'mallory' WHERE id = $mid"
caught "broken at event $mid"
ok "a re-attributed event: found"

fresh rename
first=$(sqlite3 "$DB" "SELECT MIN(e.id) FROM events e JOIN dossiers d ON d.id = e.dossier WHERE d.code = '$c2'")
sqlite3 "$DB" "UPDATE dossiers SET applicant_name = 'Mallory' WHERE code = '$c2'"
caught "broken at event $first"
ok "an applicant renamed in the dossier row: its first event breaks"

fresh triggers
sqlite3 "$DB" "DROP TRIGGER events_no_update; DROP TRIGGER events_chain; DROP TRIGGER seallog_leaves_no_delete"
expect_fail 1 "$D" check
grep -q "append-only triggers dropped: events_no_update, events_chain, seallog_leaves_no_delete" "$T/out" ||
	fail "check on dropped triggers: $(cat "$T/out")"
ok "dropped triggers: check names them"

# The insider recomputes the chain after an edit. With the stored
# checkpoints left, the audit sees they no longer match; with those deleted
# too the home agrees with itself, and only the saved checkpoint tells.
fresh recompute
sqlite3 "$DB" "DROP TRIGGER events_no_update; UPDATE events SET actor = 'mallory' WHERE id = $mid"
python3 "$T/chain.py" "$DB" recompute >/dev/null
"$D" check > "$T/out" 2>&1 && fail "check passed with stored checkpoints the chain no longer meets"
grep -q "no longer passes through" "$T/out" || fail "check: $(cat "$T/out")"
sqlite3 "$DB" "DROP TRIGGER seallog_checkpoints_no_delete; DELETE FROM seallog_checkpoints;
	CREATE TRIGGER seallog_checkpoints_no_delete BEFORE DELETE ON seallog_checkpoints BEGIN SELECT RAISE(ABORT, 'x'); END;
	CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'x'); END;"
"$D" check > "$T/out" 2>&1 || { cat "$T/out" >&2; fail "check after a full rewrite"; }
"$D" log audit >/dev/null || fail "audit after a full rewrite"
"$D" log checkpoint --passphrase-file "$T/pp" -o "$T/new.cp" >/dev/null
rolled_back "$T/new.cp"
grep -q "event chain no longer passes through" "$T/err" || fail "reason: $(cat "$T/err")"
ok "a recomputed chain: caught against the saved checkpoint (rolled back, exit 1)"

fresh tail
sqlite3 "$DB" "DROP TRIGGER events_no_delete; DELETE FROM events WHERE id > $mid"
expect_fail 1 "$D" check   # the stored checkpoint still commits to the deleted events
grep -q "events deleted" "$T/out" || fail "check: $(cat "$T/out")"
sqlite3 "$DB" "DROP TRIGGER seallog_checkpoints_no_delete; DELETE FROM seallog_checkpoints;
	CREATE TRIGGER seallog_checkpoints_no_delete BEFORE DELETE ON seallog_checkpoints BEGIN SELECT RAISE(ABORT, 'x'); END;
	CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'x'); END;"
"$D" check > "$T/out" 2>&1 || { cat "$T/out" >&2; fail "a truncated tail without checkpoints is visible to check"; }
rolled_back
grep -q "events deleted" "$T/err" || fail "reason: $(cat "$T/err")"
ok "a deleted tail of events: caught against the saved checkpoint"

# Truncate the seal log: the last leaf, its checkpoints, its bundle row and
# its bundle file.
fresh trunc
size=$(sqlite3 "$DB" "SELECT COUNT(*) FROM seallog_leaves")
[ "$size" = 2 ] || fail "seal log of $size leaves"
bundle=$(sqlite3 "$DB" "SELECT path FROM bundles b JOIN dossiers d ON d.id = b.dossier WHERE d.code = '$c2'")
case "$bundle" in /*) ;; *) bundle="$DOSSIER_HOME/$bundle" ;; esac
[ -f "$bundle" ] || fail "no bundle file $bundle"
sqlite3 "$DB" "DROP TRIGGER seallog_leaves_no_delete; DROP TRIGGER seallog_checkpoints_no_delete;
	DROP TRIGGER bundles_no_delete;
	DELETE FROM seallog_leaves WHERE idx = 1; DELETE FROM seallog_checkpoints WHERE size >= 2;
	DELETE FROM bundles WHERE path LIKE '%$c2%';"
rm -f "$bundle"
"$D" log checkpoint --passphrase-file "$T/pp" -o "$T/new.cp" --force >/dev/null   # replaces the earlier one (issue 14: -o refuses without --force)
rolled_back "$T/new.cp"
grep -q "rolled back" "$T/err" || fail "reason: $(cat "$T/err")"
ok "a truncated seal log: caught against the saved checkpoint (rolled back, exit 1)"
