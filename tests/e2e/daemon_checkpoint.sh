#!/bin/sh
# End-to-end: unattended seal-log checkpoints (issue 13). `dossier pki
# log-key` gives pki/log.key a passphrase of its own; dossierd signs a
# checkpoint with it ([seal_log] passphrase_file) when something was
# recorded, without pki/root.key (moved away for the run), and copies it to
# [seal_log] publish_dir; a passphrase file
# others can read is refused; nothing new, no new checkpoint.
. "$(dirname "$0")/lib.sh"
: "${DOSSIERD:?DOSSIERD must point at the dossierd binary}"

demo_pki an
P="$DOSSIER_HOME/pki"
( umask 077; printf 'the log key alone\n' > "$T/lp" )

expect_fail 64 "$D" pki log-key --passphrase-file "$T/lp"
expect_fail 77 "$D" pki log-key --passphrase-file "$T/lp" --ca-passphrase-file "$T/ap"
expect_fail 65 "$D" pki log-key --passphrase-file "$T/pp" --ca-passphrase-file "$T/pp"
pub_before=$(sha256sum < "$P/log.pub")
"$D" pki log-key --passphrase-file "$T/lp" --ca-passphrase-file "$T/pp" > "$T/out"
[ "$(cat "$T/out")" = "$P/log.key" ] || fail "log-key output: $(cat "$T/out")"
[ "$(stat -c %a "$P/log.key")" = 600 ] || fail "log.key mode $(stat -c %a "$P/log.key")"
[ ! -e "$P/log.key.new" ] || fail "log.key.new left behind"
[ "$(sha256sum < "$P/log.pub")" = "$pub_before" ] || fail "the log key changed, not only its passphrase"
expect_fail 77 "$D" log checkpoint --passphrase-file "$T/pp"
"$D" log checkpoint --passphrase-file "$T/lp" -o "$T/cp1" >/dev/null
ok "pki log-key: log.key under its own passphrase; the root's no longer opens it"

mkdir "$T/published"
printf '[daemon]\nocr = false\nsettle_ms = 0\n[seal_log]\npassphrase_file = %s\npublish_dir = %s\n' "$T/lp" "$T/published" >> "$DOSSIER_HOME/dossier.conf"
# new events since cp1
"$D" procedure add 1.000001 --name "Thủ tục khác" --department STNMT --days 5 >/dev/null
"$D" intake --procedure 1.004227 --applicant-id 9 --applicant-name "Phạm Văn D" > /dev/null 2>&1
head=$(sqlite3 "$DOSSIER_HOME/catalog.db" "SELECT MAX(id) FROM events")
mv "$P/root.key" "$T/root.key.away"
"$DOSSIERD" --once 2> "$T/d.log" || { cat "$T/d.log" >&2; fail "dossierd --once"; }
mv "$T/root.key.away" "$P/root.key"
grep -q "seal log checkpoint: [0-9]* leaves, events to $head" "$T/d.log" || fail "no checkpoint logged: $(cat "$T/d.log")"
"$D" log show --json > "$T/show.json"
[ "$(json_get "$T/show.json" 'd["checkpoint_events"]')" = "$head" ] || fail "stored checkpoint: $(cat "$T/show.json")"
python3 -c 'import json,sys; sys.stdout.write(json.load(open(sys.argv[1]))["checkpoint"])' "$T/show.json" > "$T/cp2"
"$D" log verify "$T/cp1" "$T/cp2" > "$T/out" || fail "the daemon's checkpoint does not extend the earlier one"
pub=$(ls "$T/published")
[ "$pub" = "checkpoint-$head-0" ] || fail "published: $pub"
cmp -s "$T/published/$pub" "$T/cp2" || fail "the published copy is not the stored checkpoint"
"$D" log verify "$T/published/$pub" > "$T/out" || fail "log verify of the published copy"
[ "$(sqlite3 "$DOSSIER_HOME/catalog.db" "SELECT actor FROM events WHERE action = 'log_checkpoint' ORDER BY id DESC LIMIT 1")" = dossierd ] ||
	fail "log_checkpoint event not by dossierd"
ok "dossierd signs a checkpoint with the log key alone (root.key absent), pinning event $head"

# Nothing new since: no new checkpoint.
n=$(sqlite3 "$DOSSIER_HOME/catalog.db" "SELECT COUNT(*) FROM seallog_checkpoints")
"$DOSSIERD" --once 2> "$T/d.log" || fail "dossierd --once (nothing new)"
[ "$(sqlite3 "$DOSSIER_HOME/catalog.db" "SELECT COUNT(*) FROM seallog_checkpoints")" = "$n" ] ||
	fail "a checkpoint with nothing new"
ok "nothing sealed or recorded: no new checkpoint"

# A passphrase file others can read: refused, logged, the daemon still runs.
"$D" intake --procedure 1.004227 --applicant-id 10 --applicant-name "Vũ Thị E" > /dev/null 2>&1
chmod 644 "$T/lp"
"$DOSSIERD" --once 2> "$T/d.log" || fail "dossierd --once with a bad passphrase file"
grep -q "checkpoint not signed: .*passphrase_file .*readable by it alone" "$T/d.log" || fail "no refusal: $(cat "$T/d.log")"
[ "$(sqlite3 "$DOSSIER_HOME/catalog.db" "SELECT COUNT(*) FROM seallog_checkpoints")" = "$n" ] ||
	fail "a checkpoint signed with a world-readable passphrase file"
chmod 600 "$T/lp"
"$DOSSIERD" --once 2> "$T/d.log" || fail "dossierd --once"
[ "$(sqlite3 "$DOSSIER_HOME/catalog.db" "SELECT COUNT(*) FROM seallog_checkpoints")" = $((n + 1)) ] ||
	fail "no checkpoint after the mode was fixed: $(cat "$T/d.log")"
"$D" check >/dev/null || fail "check"
ok "a passphrase file readable by others is refused; fixed, the next run signs"
