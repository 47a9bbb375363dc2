#!/bin/sh
# Issue 13: bundles sealed before the certificate profiles (certificates
# with no policy, EKU or qcStatements, enrolled by an earlier version)
# verify when, and only when, verify runs in the home that sealed them, both
# signatures are there, the seal certificate is the one that home registered
# (or its leaf is in its seal log) and the sealing time precedes the
# recorded switch to the profiles; they are flagged legacy_profile.
# Anywhere else they are INDETERMINATE, never TOTAL_PASSED.
. "$(dirname "$0")/lib.sh"
SETUP="$DS_BUILD_DIR/tests/archive/ds_archive_setup"
PKI="$DOSSIER_HOME/pki"

"$D" init >/dev/null
"$D" department add STNMT --name "Sở Tài nguyên và Môi trường" >/dev/null
"$D" department add STP --name "Sở Tư pháp" >/dev/null
"$D" procedure add 1.004227 --name "Đăng ký biến động đất đai" --department STNMT --days 15 >/dev/null
"$SETUP" "$DOSSIER_HOME"   # the root (its passphrase in pki/seals/STNMT-1.pass); no pki_profiles event
ROOTPASS="$PKI/seals/STNMT-1.pass"

# old_cert NAME OU CN: pki/NAME.{key,pem,pass} as the earlier `pki issue`
# wrote them: key usage only, no policy, EKU or qcStatements
old_cert() {
	( umask 077; cp "$ROOTPASS" "$PKI/$1.pass" )
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/plain.key" 2>/dev/null
	( umask 077; openssl pkcs8 -topk8 -in "$T/plain.key" -v2 aes-256-cbc -v2prf hmacWithSHA256 \
		-iter 600000 -passout "file:$PKI/$1.pass" -out "$PKI/$1.key" )
	openssl req -new -key "$T/plain.key" -utf8 -subj "/C=VN/O=UBND tỉnh Bắc Ninh/OU=$2/CN=$3" -out "$T/r.csr"
	printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n' > "$T/old.ext"
	openssl x509 -req -in "$T/r.csr" -CA "$PKI/root.pem" -CAkey "$PKI/root.key" \
		-passin "file:$ROOTPASS" -CAcreateserial -CAserial "$T/srl" -days 365 -extfile "$T/old.ext" \
		-out "$PKI/$1.pem" 2>/dev/null
	rm -f "$T/plain.key"
}
old_cert seals/LEG-1 STNMT "LEG-1 - Sở Tài nguyên và Môi trường"
old_cert approvers/cu STNMT cu
cp "$PKI/approvers/cu.pass" "$T/cu.pass"
if openssl x509 -in "$PKI/seals/LEG-1.pem" -noout -text | grep -q "Policies"; then fail "old certificate has a policy"; fi
# the current version refuses them at enrolment ...
expect_fail 65 "$D" approver add cu --cert "$PKI/approvers/cu.pem" --seal STNMT-1
# ... an earlier one recorded them
"$SETUP" --register "$DOSSIER_HOME" LEG-1 STNMT seals/LEG-1 cu
ok "a home of before the profiles: seal LEG-1 and approver cu with old certificates"

seal_one() { # → path of a new bundle sealed with LEG-1 by cu
	echo "Trang hồ sơ." > "$T/text"
	"$MK" -o "$T/a.tif" --pages 1 < "$T/text"
	c=$("$D" intake --procedure 1.004227 --applicant-id 1 --applicant-name "Lê Văn C" "$T/a.tif" 2>/dev/null | tail -n 1)
	"$SETUP" --digitize "$DOSSIER_HOME" "$c"
	"$D" seal "$c" --seal LEG-1 --approver cu --approver-passphrase-file "$T/cu.pass" 2>/dev/null | tail -n 1
}
B1=$(seal_one)
[ -f "$B1" ] || fail "sealing with the old certificates"

# no switch recorded yet: nothing says it was sealed before the profiles
expect_fail 2 "$D" verify --json "$B1"
json_get "$T/out" 'd[0]["legacy_profile"], d[0]["indication"]' | grep -qx "True INDETERMINATE" || { cat "$T/out"; fail "no switch: not INDETERMINATE"; }
grep -q "recorded no switch" "$T/out" || fail "no switch: reason"
ok "before any switch is recorded: INDETERMINATE"

# the switch: the first enrolment of this version records it (after B1 was sealed)
sleep 1
( umask 077; printf 'dung passphrase\n' > "$T/dp" )
cp "$PKI/seals/STNMT-1.pass" "$T/rp"
"$D" pki issue approver dung --department STNMT --passphrase-file "$T/dp" --ca-passphrase-file "$T/rp" >/dev/null
[ "$(sqlite3 "$DOSSIER_HOME/catalog.db" "SELECT count(*) FROM events WHERE action = 'pki_profiles'")" = 1 ] || fail "no pki_profiles event"
"$D" pki issue approver em --department STNMT --passphrase-file "$T/dp" --ca-passphrase-file "$T/rp" >/dev/null
[ "$(sqlite3 "$DOSSIER_HOME/catalog.db" "SELECT count(*) FROM events WHERE action = 'pki_profiles'")" = 1 ] || fail "pki_profiles recorded twice"

"$D" verify --json "$B1" > "$T/v.json" || { cat "$T/v.json"; fail "legacy bundle in its home"; }
json_get "$T/v.json" 'd[0]["legacy_profile"], d[0]["indication"]' | grep -qx "True TOTAL_PASSED" || fail "legacy: flag"
json_get "$T/v.json" 'd[0]["warning"]' | grep -q "legacy profile" || fail "legacy: warning in --json"
"$D" verify "$B1" > "$T/v.txt"
grep -q "^  warning: legacy profile" "$T/v.txt" || { cat "$T/v.txt"; fail "legacy: warning line"; }
ok "sealed before the switch, in its home: TOTAL_PASSED, legacy_profile, a warning line"

# elsewhere (only the root): INDETERMINATE
mkdir "$T/elsewhere"
cp "$PKI/root.pem" "$T/elsewhere/"
(
	export DOSSIER_HOME="$T/elsewhere"
	expect_fail 2 "$D" verify --json --trust "$T/elsewhere/root.pem" "$B1"
	json_get "$T/out" 'd[0]["legacy_profile"], d[0]["indication"]' | grep -qx "True INDETERMINATE" || { cat "$T/out"; fail "legacy offline"; }
)
ok "the same bundle without its home: INDETERMINATE"

# without the approver's signature: INDETERMINATE even at home
python3 - "$B1" "$T/one.asice" <<'PY'
import sys, zipfile
zi, zo = zipfile.ZipFile(sys.argv[1]), zipfile.ZipFile(sys.argv[2], "w")
for i in zi.infolist():
    if i.filename not in ("META-INF/signature002.p7s", "META-INF/ASiCManifest002.xml"):
        zo.writestr(i, zi.read(i.filename))
zo.close()
PY
expect_fail 2 "$D" verify "$T/one.asice"
grep -q "legacy_profile .*FAILED" "$T/out" || { cat "$T/out"; fail "legacy, one signature"; }
ok "a legacy bundle with the seal alone: INDETERMINATE"

# sealed with the old certificates after the switch: INDETERMINATE
B2=$(seal_one)
expect_fail 2 "$D" verify "$B2"
grep -q "sealed after this home switched" "$T/out" || { cat "$T/out"; fail "after the switch"; }
ok "sealed with old certificates after the switch: INDETERMINATE"
