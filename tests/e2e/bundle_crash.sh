#!/bin/sh
# Crash consistency of sealing: `dossier seal` killed with SIGKILL at random
# moments, and a failed fsync injected. Afterwards the dossier is either
# digitized with no bundle recorded, or sealed with a recorded bundle that
# verifies, and `dossier check` finds nothing lost or corrupt; a later seal
# always succeeds; every recorded bundle verifies.
. "$(dirname "$0")/lib.sh"
SETUP="$DS_BUILD_DIR/tests/archive/ds_archive_setup"
trials=${CRASH_TRIALS_SEAL:-6} # `make crash` runs more

"$D" init >/dev/null
"$D" department add STNMT --name "Sở Tài nguyên và Môi trường" >/dev/null
"$D" department add STP --name "Sở Tư pháp" >/dev/null
"$D" procedure add 1.004227 --name "Đăng ký biến động đất đai" --department STNMT --days 15 >/dev/null
"$SETUP" "$DOSSIER_HOME"
AP="$DOSSIER_HOME/pki/approvers/an.pass"
echo "Trang hồ sơ." > "$T/text"
"$MK" -o "$T/a.tif" --pages 4 < "$T/text"
code=$("$D" intake --procedure 1.004227 --applicant-id 1 --applicant-name "A" "$T/a.tif" 2>/dev/null | tail -n 1)
"$SETUP" --digitize "$DOSSIER_HOME" "$code"

state() { "$D" show "$code" --json > "$T/s.json" && json_get "$T/s.json" 'd["state"]'; }
consistent() {
	# a kill between the seal's grant and its outcome leaves the grant
	# without one: `check` flags that as "unfinished" (issue 13), never as
	# loss or corruption
	"$D" check --json > "$T/check.json" ||
		[ "$(json_get "$T/check.json" '(d["loss"], d["corrupt"])')" = "(0, 0)" ] ||
		{ cat "$T/check.json" >&2; fail "$1: dossier check found loss or corruption"; }
	st=$(state)
	if "$D" export "$code" "$T/e.asice" >/dev/null 2>&1; then
		[ "$st" = sealed ] || fail "$1: a bundle is recorded but the dossier is $st"
		"$D" verify "$T/e.asice" >/dev/null || fail "$1: the recorded bundle does not verify"
		rm -f "$T/e.asice"
	else
		[ "$st" = digitized ] || fail "$1: the dossier is $st without a bundle"
	fi
}

# an fsync that fails: refused, nothing recorded, no bundle left behind
expect_fail 74 env DS_FAULT=fsync:1 "$D" seal "$code" --seal STNMT-1 --approver an --approver-passphrase-file "$AP"
[ "$(state)" = digitized ] || fail "state after a failed fsync"
[ -z "$(find "$DOSSIER_HOME/archive" -name '*.asice*')" ] || fail "a failed seal left $(find "$DOSSIER_HOME/archive" -name '*.asice*')"
# a full disk while the bundle is written: the same
expect_fail 74 env DS_FAULT=write:1 "$D" seal "$code" --seal STNMT-1 --approver an --approver-passphrase-file "$AP"
grep -q "No space left on device" "$T/err" || fail "ENOSPC: $(cat "$T/err")"
[ "$(wc -l < "$T/err")" = 1 ] || fail "ENOSPC: not one line: $(cat "$T/err")"
[ "$(state)" = digitized ] || fail "state after ENOSPC"
[ -z "$(find "$DOSSIER_HOME/archive" -name '*.asice*')" ] || fail "a full disk left $(find "$DOSSIER_HOME/archive" -name '*.asice*')"
"$D" check >/dev/null || fail "dossier check after ENOSPC"
ok "a failed fsync or a full disk leaves no bundle and the dossier digitized"

i=0
while [ $i -lt "$trials" ]; do
	reseal=
	[ "$(state)" = sealed ] && reseal=--reseal
	"$D" seal "$code" --seal STNMT-1 --approver an --approver-passphrase-file "$AP" $reseal >/dev/null 2>&1 &
	pid=$!
	sleep "$(python3 -c 'import random; print(round(random.uniform(0.05, 2.5), 2))')"
	kill -9 $pid 2>/dev/null || true
	wait $pid 2>/dev/null || true
	consistent "trial $i"
	i=$((i + 1))
done
reseal=
[ "$(state)" = sealed ] && reseal=--reseal
B=$("$D" seal "$code" --seal STNMT-1 --approver an --approver-passphrase-file "$AP" $reseal | tail -n 1)
"$D" verify "$B" >/dev/null || fail "the final seal does not verify"
check_bundle "$B" "$DOSSIER_HOME/pki/root.pem"
consistent final
ok "$trials seals killed at random moments: all or nothing, and sealing again works"
