#!/bin/sh
# End-to-end: `dossier verify` on hostile and mis-signed bundles. Each must
# give FORMATS.md's indication and exit code, never crash; a bundle re-zipped
# by another tool with the same contents passes.
. "$(dirname "$0")/lib.sh"
SETUP="$DS_BUILD_DIR/tests/archive/ds_archive_setup"
HOSTILE="$DS_SOURCE_DIR/tests/archive/hostile.py"

"$D" init >/dev/null
"$D" department add STNMT --name "Sở Tài nguyên và Môi trường" >/dev/null
"$D" department add STP --name "Sở Tư pháp" >/dev/null
"$D" procedure add 1.004227 --name "Đăng ký biến động đất đai" --department STNMT --days 15 >/dev/null
"$SETUP" "$DOSSIER_HOME"
PKI="$DOSSIER_HOME/pki"
echo "Trang hồ sơ." > "$T/text"
"$MK" -o "$T/a.tif" --pages 2 < "$T/text"
code=$("$D" intake --procedure 1.004227 --applicant-id 1 --applicant-name "Lê Văn C" "$T/a.tif" | tail -n 1)
"$SETUP" --digitize "$DOSSIER_HOME" "$code"
B=$("$D" seal "$code" --seal STNMT-1 --approver an --approver-passphrase-file "$PKI/approvers/an.pass" | tail -n 1)
"$D" verify "$B" >/dev/null || fail "the good bundle does not verify"
check_bundle "$B" "$PKI/root.pem"

# verdict FILE IND SUB [EXIT] [verify options…]; with $chk set, the first
# failed check must be $chk
chk=
verdict() {
	f=$1 ind=$2 sub=$3 want=$4
	shift 4
	set +e
	"$D" verify --json "$@" "$f" > "$T/v.json" 2> "$T/v.err"
	got=$?
	set -e
	[ "$got" = "$want" ] || { cat "$T/v.err" "$T/v.json" >&2; fail "$(basename "$f"): exit $got, expected $want"; }
	r=$(json_get "$T/v.json" 'd[0]["indication"] + " " + (d[0]["sub_indication"] or "-")')
	[ "$r" = "$ind $sub" ] || { cat "$T/v.json" >&2; fail "$(basename "$f"): $r, expected $ind $sub"; }
	[ -z "$chk" ] || [ "$(json_get "$T/v.json" '[c["name"] for c in d[0]["checks"] if c["outcome"] == "FAILED"][0]')" = "$chk" ] ||
		{ cat "$T/v.json" >&2; fail "$(basename "$f"): the first failed check is not $chk"; }
}

mkdir "$T/h"
python3 "$HOSTILE" "$B" "$T/h"
n=0
while read -r case ind sub chk; do
	want=1
	[ "$ind" = TOTAL_PASSED ] && want=0
	[ "$ind" = INDETERMINATE ] && want=2
	verdict "$T/h/$case.asice" "$ind" "$sub" "$want"
	n=$((n + 1))
done < "$T/h/expect.txt"
chk=
[ "$n" -ge 25 ] || fail "only $n hostile cases"
ok "$n hostile bundles: names, mimetype, manifests, digests, truncation, bombs, 100k entries"

# re-zipped by Info-ZIP zip, with and without extra fields and folder entries
mkdir "$T/x" && (cd "$T/x" && unzip -q "$B")
(cd "$T/x" && zip -q -X -0 "$T/rz1.asice" mimetype && zip -q -X -r -D "$T/rz1.asice" . -x mimetype)
(cd "$T/x" && zip -q -0 "$T/rz2.asice" mimetype && zip -q -r -9 "$T/rz2.asice" . -x mimetype)
verdict "$T/rz1.asice" TOTAL_PASSED - 0
verdict "$T/rz2.asice" TOTAL_PASSED - 0
(cd "$T/x" && zip -q -r "$T/rz3.asice" . -x mimetype && zip -q -0 "$T/rz3.asice" mimetype)
verdict "$T/rz3.asice" TOTAL_FAILED FORMAT_FAILURE 1
ok "re-zipped with zip(1): passes; with mimetype last: FORMAT_FAILURE"

# signature001 (the seal) replaced by one made with another key over the same manifest
resign() { # NAME CERTNAME [NNN]: signatureNNN (default 001) re-made with another key
	n=${3:-001}
	openssl cms -sign -binary -cades -nosmimecap -md sha256 -outform DER \
		-in "$T/x/META-INF/ASiCManifest$n.xml" -signer "$PKI/seals/$2.pem" \
		-inkey "$PKI/seals/$2.key" -passin "file:$PKI/seals/$2.pass" -out "$T/$1.p7s"
	python3 - "$B" "$T/$1.asice" "$T/$1.p7s" "META-INF/signature$n.p7s" <<'PY'
import sys, zipfile
src, dst, sig, name = sys.argv[1:]
with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst, "w") as b:
    for i in a.infolist():
        data = open(sig, "rb").read() if i.filename == name else a.read(i)
        b.writestr(i, data)
PY
}
resign stp STP-1
verdict "$T/stp.asice" INDETERMINATE SIG_CONSTRAINTS_FAILURE 2
resign untrusted untrusted
verdict "$T/untrusted.asice" INDETERMINATE NO_CERTIFICATE_CHAIN_FOUND 2
resign expired expired
verdict "$T/expired.asice" INDETERMINATE OUT_OF_BOUNDS_NO_POE 2
resign revoked revoked
verdict "$T/revoked.asice" TOTAL_FAILED REVOKED 1 --crl "$PKI/crl-revoked.pem"
# the same department's certificate, valid, but not the one dossier.json names
verdict "$T/revoked.asice" INDETERMINATE SIG_CONSTRAINTS_FAILURE 2
json_get "$T/v.json" '[c["detail"] for c in d[0]["signatures"][0]["checks"] if c["name"] == "signer_identity"][0]' | grep -q "dossier.json names" ||
	fail "signer_identity check"
resign approver STNMT-1 002
verdict "$T/approver.asice" INDETERMINATE SIG_CONSTRAINTS_FAILURE 2
verdict "$B" INDETERMINATE NO_CERTIFICATE_CHAIN_FOUND 2 --trust "$PKI/other-root.pem"
ok "another department's seal, another certificate than dossier.json names, untrusted root, expired and revoked certificates"

# exit codes over several bundles
set +e
"$D" verify "$B" "$T/nonexistent.asice" >/dev/null 2>&1; e1=$?
"$D" verify "$B" "$T/nonexistent.asice" "$T/h/page_byte.asice" >/dev/null 2>&1; e2=$?
"$D" verify "$B" "$T/stp.asice" >/dev/null 2>&1; e3=$?
"$D" verify >/dev/null 2>&1; e4=$?
"$D" verify --checkpoint "$T/c" "$B" >/dev/null 2>&1; e5=$?
set -e
[ "$e1 $e2 $e3 $e4 $e5" = "66 1 2 64 64" ] || fail "exit codes: $e1 $e2 $e3 $e4 $e5"
ok "exit codes: 66 unreadable, 1 failed, 2 indeterminate, 64 usage"
