#!/bin/sh
# End-to-end: sealing gives B-LT by default when the issuer's CRL is known
# (chain and CRL inside the bundle; with a time-stamping authority, a time-stamp too); years later, when the seal
# certificate has expired, the time-stamp still proves the signing time,
# while a B-B bundle becomes INDETERMINATE / OUT_OF_BOUNDS_NO_POE.
. "$(dirname "$0")/lib.sh"
SETUP="$DS_BUILD_DIR/tests/archive/ds_archive_setup"
TSA="$DS_BUILD_DIR/tests/signer/ds_tsa_server"
[ -x "$TSA" ] || fail "no $TSA"

"$D" init >/dev/null
"$D" department add STNMT --name "Sở Tài nguyên và Môi trường" >/dev/null
"$D" department add STP --name "Sở Tư pháp" >/dev/null
"$D" procedure add 1.004227 --name "Đăng ký biến động đất đai" --department STNMT --days 15 >/dev/null
"$SETUP" "$DOSSIER_HOME"
PKI="$DOSSIER_HOME/pki"
"$TSA" "$PKI/tsa.key" "$PKI/tsa.pem" "$PKI/tsa.pass" "$T/port" &
tsa_pid=$!
trap 'kill $tsa_pid 2>/dev/null; rm -rf "$T"' EXIT
i=0
# the TSA unlocks its key first (PBKDF2, slow under ASan on a busy machine): wait while it lives
while [ ! -s "$T/port" ] && kill -0 $tsa_pid 2>/dev/null && [ $i -lt 3000 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$T/port" ] || fail "the TSA did not start"
URL="http://127.0.0.1:$(cat "$T/port")/ok"

echo "Trang hồ sơ." > "$T/text"
"$MK" -o "$T/a.tif" --pages 2 < "$T/text"
c1=$("$D" intake --procedure 1.004227 --applicant-id 1 --applicant-name "A" "$T/a.tif" 2>/dev/null | tail -n 1)
c2=$("$D" intake --procedure 1.004227 --applicant-id 1 --applicant-name "A" "$T/a.tif" 2>/dev/null | tail -n 1)
c3=$("$D" intake --procedure 1.004227 --applicant-id 1 --applicant-name "A" "$T/a.tif" 2>/dev/null | tail -n 1)
"$SETUP" --digitize "$DOSSIER_HOME" "$c1"
"$SETUP" --digitize "$DOSSIER_HOME" "$c2"
"$SETUP" --digitize "$DOSSIER_HOME" "$c3"
AP="$PKI/approvers/an.pass"
expect_fail 64 "$D" seal "$c1" --seal STNMT-1 --approver an --approver-passphrase-file "$AP" --level B-T
grep -q "needs --tsa" "$T/err" || fail "B-T without --tsa: $(cat "$T/err")"
BLT=$("$D" seal "$c1" --seal STNMT-1 --approver an --approver-passphrase-file "$AP" --tsa "$URL" | tail -n 1)
BB=$("$D" seal "$c2" --seal STNMT-1 --approver an --approver-passphrase-file "$AP" --level B-B | tail -n 1)
# no --tsa, the issuer's CRL known (HOME/pki/crl.pem): B-LT by default, the
# chain and the CRL inside, no time-stamp
BNT=$("$D" seal "$c3" --seal STNMT-1 --approver an --approver-passphrase-file "$AP" | tail -n 1)
for b in "$BLT" "$BB" "$BNT"; do check_bundle "$b" "$PKI/root.pem"; done
"$D" verify --json "$BNT" > "$T/nt.json" || { cat "$T/nt.json"; fail "verify default B-LT"; }
[ "$(json_get "$T/nt.json" '[s["level"] for s in d[0]["signatures"]]')" = "['B-LT', 'B-LT']" ] ||
	{ cat "$T/nt.json"; fail "default level without --tsa"; }
[ "$(json_get "$T/nt.json" '[c["outcome"] for c in d[0]["signatures"][0]["checks"] if c["name"] == "revocation"]')" = "['PASSED']" ] ||
	{ cat "$T/nt.json"; fail "revocation of the default B-LT"; }
unzip -p "$BNT" META-INF/signature001.p7s | openssl cms -cmsout -inform DER -print -noout > "$T/nt.txt"
grep -A3 "crls:" "$T/nt.txt" > "$T/nt.crl" || true
grep -q "d.crl:" "$T/nt.crl" || { cat "$T/nt.crl"; fail "no CRL inside the default B-LT"; }
! grep -q "id-smime-aa-timeStampToken" "$T/nt.txt" || fail "a time-stamp without --tsa"
ok "without --tsa the default is B-LT: chain and CRL inside, revocation checked, no time-stamp"

"$D" verify --json "$BLT" > "$T/v.json" || { cat "$T/v.json"; fail "verify B-LT"; }
[ "$(json_get "$T/v.json" '[s["level"] for s in d[0]["signatures"]]')" = "['B-LT', 'B-LT']" ] || fail "level"
[ "$(json_get "$T/v.json" '[c["outcome"] for c in d[0]["signatures"][0]["checks"] if c["name"] in ("timestamp", "revocation")]')" = "['PASSED', 'PASSED']" ] ||
	{ cat "$T/v.json"; fail "timestamp/revocation checks"; }
ok "--tsa gives B-LT by default: time-stamp and revocation data inside, verified"

# five years on, the seal certificate (3 years) has expired
later=$(python3 -c 'import datetime; print((datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=5*365)).strftime("%Y-%m-%dT%H:%M:%SZ"))')
set +e
"$D" verify --json --at "$later" "$BLT" > "$T/lt.json"; e1=$?
"$D" verify --json --at "$later" "$BB" > "$T/bb.json"; e2=$?
set -e
[ "$(json_get "$T/bb.json" 'd[0]["indication"] + " " + d[0]["sub_indication"]')" = "INDETERMINATE OUT_OF_BOUNDS_NO_POE" ] ||
	{ cat "$T/bb.json"; fail "B-B after expiry"; }
set +e; "$D" verify --json --at "$later" "$BNT" > "$T/nt2.json"; e3=$?; set -e
[ "$(json_get "$T/nt2.json" 'd[0]["indication"] + " " + d[0]["sub_indication"]')" = "INDETERMINATE OUT_OF_BOUNDS_NO_POE" ] && [ "$e3" = 2 ] ||
	{ cat "$T/nt2.json"; fail "B-LT without a time-stamp after expiry: no proof of the signing time"; }
[ "$e2" = 2 ] || fail "B-B after expiry: exit $e2"
[ "$(json_get "$T/lt.json" 'd[0]["indication"]')" = TOTAL_PASSED ] && [ "$e1" = 0 ] ||
	{ cat "$T/lt.json"; fail "B-LT after expiry"; }
[ "$(json_get "$T/lt.json" 'd[0]["signatures"][0]["sub_indication"]')" != OUT_OF_BOUNDS_NO_POE ] ||
	{ cat "$T/lt.json"; fail "the time-stamp did not prove the signing time"; }
ok "after the certificate expires: B-B and B-LT without a time-stamp are OUT_OF_BOUNDS_NO_POE, B-LT with one is not"
