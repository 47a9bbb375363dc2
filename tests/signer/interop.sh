#!/bin/sh
# Interoperability: signatures made by signer/ verify with independent CMS
# implementations (GnuTLS certtool, NSS cmsutil, OpenSSL cms), time-stamp
# tokens with `openssl ts -verify`; every check has a tampered twin that
# must fail. Key files are checked with `openssl asn1parse`.
set -eu

: "${DS_BUILD_DIR:?}"
TOOL=$DS_BUILD_DIR/tests/signer/ds_signer_tool
TSA=$DS_BUILD_DIR/tests/signer/ds_tsa_server
for t in certtool cmsutil certutil openssl; do
	if ! command -v $t >/dev/null 2>&1; then
		echo "SKIP: $t not installed (scripts/deps.txt lists it)"
		exit 99
	fi
done

T=$(mktemp -d /tmp/ds-interop-XXXXXX)
TSA_PID=
cleanup() {
	st=$?
	if [ -n "$TSA_PID" ]; then
		kill "$TSA_PID" 2>/dev/null || true
		wait "$TSA_PID" 2>/dev/null || true
	fi
	rm -rf "$T"
	exit $st
}
trap cleanup EXIT INT TERM
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
# must NAME CMD…: CMD succeeds; mustnot NAME CMD…: CMD fails
must() { n=$1; shift; if "$@" >"$T/out" 2>&1; then ok "$n"; else bad "$n"; cat "$T/out"; fi; }
mustnot() { n=$1; shift; if "$@" >"$T/out" 2>&1; then bad "$n (accepted)"; cat "$T/out"; else ok "$n"; fi; }

umask 077
printf 'interop passphrase\n' >"$T/pass"
"$TOOL" pki "$T/pki" "$T/pass"
P=$T/pki
printf '<asic:ASiCManifest>manifest bytes\r\nwith CRLF and \303\251</asic:ASiCManifest>\n' >"$T/m.xml"
printf '<asic:ASiCManifest>manifest bytes\r\nwith CRLF and \303\252</asic:ASiCManifest>\n' >"$T/m2.xml"

# ---- key files: PBES2, AES-256-CBC, PBKDF2 with HMAC-SHA256, 600000 iterations
openssl asn1parse -in "$P/seal.key" >"$T/asn1"
must "key: PBES2" grep -q ":PBES2" "$T/asn1"
must "key: PBKDF2" grep -q ":PBKDF2" "$T/asn1"
must "key: aes-256-cbc" grep -q ":aes-256-cbc" "$T/asn1"
must "key: hmacWithSHA256" grep -q ":hmacWithSHA256" "$T/asn1"
iter=$(awk '/:PBKDF2/ {f=1} f && /INTEGER/ {n++; if (n==1) {sub(/.*INTEGER *:/, ""); print; exit}}' "$T/asn1")
if [ "$((0x$iter))" -ge 600000 ]; then ok "key: $((0x$iter)) iterations"; else bad "key: iterations $iter"; fi
mode=$(stat -c %a "$P/seal.key"); [ "$mode" = 600 ] && ok "key mode 600" || bad "key mode $mode"
mode=$(stat -c %a "$P"); [ "$mode" = 700 ] && ok "pki mode 700" || bad "pki mode $mode"

# ---- RSA certificates are RSASSA-PSS with a 32-byte salt
openssl x509 -in "$P/seal-rsa.pem" -noout -text >"$T/x"
must "cert: rsassaPss" grep -q "Signature Algorithm: rsassaPss" "$T/x"
must "cert: salt 32" grep -q "Salt Length: 0x20" "$T/x"
must "cert: MGF1 SHA-256" grep -q "Mask Algorithm: mgf1 with sha256" "$T/x"
must "cert: keyUsage" grep -q "Digital Signature, Non Repudiation" "$T/x"

# ---- the certificate profiles (docs/signer.md), as OpenSSL and GnuTLS show them
"$TOOL" issue "$P" "$T/pass" approver approver
for c in seal seal-rsa approver; do
	openssl x509 -in "$P/$c.pem" -noout -text >"$T/x"
	certtool -i --infile "$P/$c.pem" >"$T/g"
	case $c in approver) pol=1.3.6.1.5.5.7.13.2 qct=060704008e46010601 ;;
		*) pol=1.3.6.1.5.5.7.13.1 qct=060704008e46010602 ;; esac
	must "$c: openssl x509 policy $pol" grep -q "Policy: $pol" "$T/x"
	must "$c: openssl x509 EKU" grep -q "1.3.6.1.5.5.7.3.36, E-mail Protection" "$T/x"
	must "$c: openssl x509 qcStatements" grep -q "qcStatements" "$T/x"
	must "$c: certtool policy" grep -q "$pol" "$T/g"
	must "$c: certtool EKU documentSigning" grep -q "1.3.6.1.5.5.7.3.36" "$T/g"
	must "$c: certtool EKU emailProtection" grep -q "Email protection" "$T/g"
	must "$c: certtool qcStatements QcType" grep -q "$qct" "$T/g"
done
must "seal: organizationIdentifier" grep -q "2.5.4.97=" "$(certtool -i --infile "$P/seal.pem" >"$T/g"; echo "$T/g")"
mustnot "approver: no seal QcType" grep -q "060704008e46010602" "$(certtool -i --infile "$P/approver.pem" >"$T/g"; echo "$T/g")"

# ---- TSA on an ephemeral port
"$TSA" "$P/tsa.key" "$P/tsa.pem" "$T/pass" "$T/port" &
TSA_PID=$!
i=0
while [ ! -s "$T/port" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
URL="http://127.0.0.1:$(cat "$T/port")/ok"

# ---- NSS database with the roots
mkdir "$T/nss"
certutil -N -d "sql:$T/nss" --empty-password
certutil -A -d "sql:$T/nss" -n root -t "CT,C,C" -i "$P/root.pem"
certutil -A -d "sql:$T/nss" -n rsaroot -t "CT,C,C" -i "$P/rsaroot.pem"
nss_good() { cmsutil -D -i "$1" -c "$2" -d "sql:$T/nss" -n -h 2 2>&1 | grep -q "status=GoodSignature"; }

check_all() { # LABEL P7S CA
	must "$1: openssl cms" openssl cms -verify -binary -inform DER -in "$2" -content "$T/m.xml" \
		-CAfile "$3" -cades -purpose any -out /dev/null
	mustnot "$1: openssl cms, tampered" openssl cms -verify -binary -inform DER -in "$2" \
		-content "$T/m2.xml" -CAfile "$3" -cades -purpose any -out /dev/null
	# the seal profile's emailProtection EKU: the default S/MIME purpose accepts the signer
	must "$1: openssl cms, default purpose" openssl cms -verify -binary -inform DER -in "$2" \
		-content "$T/m.xml" -CAfile "$3" -cades -out /dev/null
	must "$1: GnuTLS certtool" certtool --p7-verify --inder --infile "$2" --load-data "$T/m.xml" \
		--load-ca-certificate "$3"
	mustnot "$1: GnuTLS certtool, tampered" certtool --p7-verify --inder --infile "$2" \
		--load-data "$T/m2.xml" --load-ca-certificate "$3"
	must "$1: NSS cmsutil" nss_good "$2" "$T/m.xml"
	mustnot "$1: NSS cmsutil, tampered" nss_good "$2" "$T/m2.xml"
	must "$1: dossier verify" "$TOOL" verify "$2" "$T/m.xml" "$3"
	mustnot "$1: dossier verify, tampered" "$TOOL" verify "$2" "$T/m2.xml" "$3"
}

"$TOOL" sign "$P/seal.key" "$P/seal.pem" "$T/pass" "$T/m.xml" "$T/bb.p7s" B-B "" "" "$P/root.pem"
check_all "B-B P-256" "$T/bb.p7s" "$P/root.pem"

"$TOOL" sign "$P/seal-rsa.key" "$P/seal-rsa.pem" "$T/pass" "$T/m.xml" "$T/rsa.p7s" B-B "" "" \
	"$P/rsaroot.pem"
check_all "B-B RSA-PSS" "$T/rsa.p7s" "$P/rsaroot.pem"
openssl cms -cmsout -print -inform DER -in "$T/rsa.p7s" >"$T/rsa.txt"
must "CMS: rsassaPss" grep -q "algorithm: rsassaPss" "$T/rsa.txt"
must "CMS: no S/MIME capabilities" sh -c "! grep -q 'SMIMECapabilities' '$T/rsa.txt'"
must "CMS: signingCertificateV2" grep -q "id-smime-aa-signingCertificateV2" "$T/rsa.txt"

"$TOOL" sign "$P/seal.key" "$P/seal.pem" "$T/pass" "$T/m.xml" "$T/bt.p7s" B-T "$URL" "$P/root.pem" \
	"$P/root.pem"
check_all "B-T" "$T/bt.p7s" "$P/root.pem"

# ---- the time-stamp token, with openssl ts
digest=$("$TOOL" token "$T/bt.p7s" "$T/tok.der")
must "openssl ts -verify" openssl ts -verify -digest "$digest" -in "$T/tok.der" -token_in \
	-CAfile "$P/root.pem" -untrusted "$P/tsa.pem"
other=$(printf '%s' "$digest" | tr '0123456789abcdef' '123456789abcdef0')
mustnot "openssl ts -verify, other digest" openssl ts -verify -digest "$other" -in "$T/tok.der" \
	-token_in -CAfile "$P/root.pem" -untrusted "$P/tsa.pem"
mustnot "openssl ts -verify, untrusted root" openssl ts -verify -digest "$digest" -in "$T/tok.der" \
	-token_in -CAfile "$P/rsaroot.pem" -untrusted "$P/tsa.pem"

# ---- B-LT with the CRL embedded
"$TOOL" crl "$P" "$T/pass" "$P/crl.pem"
"$TOOL" sign "$P/seal.key" "$P/seal.pem" "$T/pass" "$T/m.xml" "$T/lt.p7s" B-LT "$URL" "$P/root.pem" \
	"$P/root.pem" "$P/crl.pem"
check_all "B-LT" "$T/lt.p7s" "$P/root.pem"
"$TOOL" verify "$T/lt.p7s" "$T/m.xml" "$P/root.pem" >"$T/v"
must "B-LT: level and revocation checked" grep -q "^TOTAL_PASSED  B-LT" "$T/v"
must "B-LT: revocation PASSED" grep -q "revocation PASSED" "$T/v"
openssl cms -cmsout -print -inform DER -in "$T/lt.p7s" >"$T/lt.txt"
must "B-LT: CRL embedded" grep -q "crls:" "$T/lt.txt"

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
