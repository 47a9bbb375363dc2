#!/bin/sh
# Issue 13, seal trust: the insider attacks on certificates and enrolment,
# each refused or detected with the exit code and message the docs give.
#  1. an approver forges the department seal with only their own key
#     (openssl cms -sign), rewriting dossier.json and the manifest;
#  2. `approver add --trust rogue-ca.pem` enrols under a CA nobody configured;
# and the certificate profiles themselves: what `pki issue` writes as
# `openssl x509 -text`, `certtool -i` and `openssl asn1parse` show it, and
# the role checks at enrolment (exit 65 naming what is missing).
. "$(dirname "$0")/lib.sh"
SETUP="$DS_BUILD_DIR/tests/archive/ds_archive_setup"
PKI="$DOSSIER_HOME/pki"

demo_pki an
grep -q '^trust = pki/root.pem$' "$DOSSIER_HOME/dossier.conf" || fail "pki init did not add its root to [pki] trust"
ok "pki init: pki/root.pem is the configured anchor"

# ---- the profiles, as independent tools show them
openssl x509 -in "$PKI/seals/STNMT-1.pem" -noout -text > "$T/seal.txt"
openssl x509 -in "$PKI/approvers/an.pem" -noout -text > "$T/appr.txt"
grep -q "Policy: 1.3.6.1.5.5.7.13.1" "$T/seal.txt" || fail "seal: no seal policy"
grep -q "Policy: 1.3.6.1.5.5.7.13.2" "$T/appr.txt" || fail "approver: no approver policy"
grep -q "1.3.6.1.5.5.7.3.36, E-mail Protection" "$T/seal.txt" || fail "seal: EKU"
grep -q "1.3.6.1.5.5.7.3.36, E-mail Protection" "$T/appr.txt" || fail "approver: EKU"
grep -q "Digital Signature, Non Repudiation" "$T/seal.txt" || fail "seal: key usage"
grep -q "organizationIdentifier = NTRVN-000.00.00.H00-STNMT" "$T/seal.txt" || fail "seal: organizationIdentifier"
grep -q "qcStatements" "$T/seal.txt" || fail "seal: qcStatements"
if grep -q "organizationIdentifier" "$T/appr.txt"; then fail "approver has an organizationIdentifier"; fi
# the qcStatements extension decoded: QcType eseal for the seal, esign for the approver
qct() { # CERT → the QcType OIDs
	openssl x509 -in "$1" -outform DER -out "$T/c.der"
	off=$(openssl asn1parse -inform DER -in "$T/c.der" | awk '/qcStatements/ {getline; sub(/:.*/, ""); gsub(/ /, ""); print; exit}')
	[ -n "$off" ] || fail "$1: no qcStatements extension"
	openssl asn1parse -inform DER -in "$T/c.der" -strparse "$off" | grep OBJECT
}
qct "$PKI/seals/STNMT-1.pem" > "$T/q"
grep -q ":0.4.0.1862.1.6$" "$T/q" && grep -q ":0.4.0.1862.1.6.2$" "$T/q" || { cat "$T/q"; fail "seal: QcType eseal"; }
qct "$PKI/approvers/an.pem" > "$T/q"
grep -q ":0.4.0.1862.1.6.1$" "$T/q" || { cat "$T/q"; fail "approver: QcType esign"; }
if command -v certtool >/dev/null 2>&1; then
	certtool -i --infile "$PKI/seals/STNMT-1.pem" > "$T/ct.txt"
	grep -q "1.3.6.1.5.5.7.13.1" "$T/ct.txt" || fail "certtool: seal policy"
	grep -q "1.3.6.1.5.5.7.3.36" "$T/ct.txt" && grep -q "Email protection" "$T/ct.txt" || fail "certtool: EKU"
	# the extension's bytes hold id-etsi-qct-eseal (06 07 04 00 8e 46 01 06 02)
	grep -A3 "1.3.6.1.5.5.7.1.3" "$T/ct.txt" | grep -q "060704008e46010602" || fail "certtool: QcType eseal"
fi
ok "profiles: policy, EKU documentSigning + emailProtection, qcStatements, organizationIdentifier"

# ---- the approver's full name in CN
( umask 077; printf 'lan passphrase\n' > "$T/lp" )
"$D" pki issue approver lan --department STNMT --full-name "Nguyễn Thị Lan" --passphrase-file "$T/lp" --ca-passphrase-file "$T/pp" >/dev/null
openssl x509 -in "$PKI/approvers/lan.pem" -noout -subject -nameopt utf8,sep_comma_plus | grep -q "CN=Nguyễn Thị Lan" || fail "approver CN is not the full name"
ok "pki issue approver --full-name"

# ---- enrolment refuses a certificate of the wrong role (65) ...
expect_fail 65 "$D" approver add eve --cert "$PKI/seals/STNMT-1.pem" --seal STNMT-1
grep -q "not an approver (personal) certificate: missing certificate policy 1.3.6.1.5.5.7.13.2" "$T/err" || { cat "$T/err"; fail "approver add of a seal certificate: message"; }
[ "$(wc -l < "$T/err")" -eq 1 ] || fail "one line"
expect_fail 65 "$D" seal-key add FAKE-1 --department STNMT --key "$PKI/approvers/an.key" --cert "$PKI/approvers/an.pem" --passphrase-file "$T/ap"
grep -q "FAKE-1: not a department seal certificate: missing certificate policy 1.3.6.1.5.5.7.13.1" "$T/err" || { cat "$T/err"; fail "seal-key add of a personal certificate: message"; }
"$D" seal-key list | grep -q FAKE-1 && fail "FAKE-1 registered"
# ... and of another department
"$D" department add STP --name "Sở Tư pháp" >/dev/null
"$D" pki issue approver tu --department STP --passphrase-file "$T/lp" --ca-passphrase-file "$T/pp" >/dev/null
expect_fail 65 "$D" approver add tu --cert "$PKI/approvers/tu.pem" --seal STNMT-1
grep -q "missing department" "$T/err" || { cat "$T/err"; fail "approver of another department: message"; }
ok "enrolment: a seal certificate as approver, a personal one as seal, another department: 65"

# ---- attack 2: enrolment under a CA nobody configured
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/rogue.key" \
	-out "$T/rogue-ca.pem" -subj "/CN=Rogue CA" -days 30 \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/m.key" -out "$T/m.csr" \
	-subj "/C=VN/O=UBND/OU=STNMT/CN=mallory" 2>/dev/null
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nextendedKeyUsage=1.3.6.1.5.5.7.3.36,emailProtection\ncertificatePolicies=1.3.6.1.5.5.7.13.2\n' > "$T/m.ext"
openssl x509 -req -in "$T/m.csr" -CA "$T/rogue-ca.pem" -CAkey "$T/rogue.key" -CAcreateserial \
	-out "$T/m.pem" -days 30 -extfile "$T/m.ext" 2>/dev/null
expect_fail 77 "$D" approver add mallory --cert "$T/m.pem" --seal STNMT-1 --trust "$T/rogue-ca.pem"
grep -q "rogue-ca.pem: 'CN=Rogue CA' is not a configured trust anchor" "$T/err" || { cat "$T/err"; fail "attack 2: message"; }
expect_fail 77 "$D" approver add mallory --cert "$T/m.pem" --seal STNMT-1
grep -q "not under a configured trust anchor" "$T/err" || { cat "$T/err"; fail "attack 2 without --trust: message"; }
"$D" approver list | grep -q mallory && fail "mallory enrolled"
# --trust naming the configured anchor itself is fine, and the event names the anchor
"$D" approver add lan --cert "$PKI/approvers/lan.pem" --seal STNMT-1 --trust "$PKI/root.pem" >/dev/null
anchor=$(openssl x509 -in "$PKI/root.pem" -outform DER | sha256sum | cut -d' ' -f1)
sqlite3 "$DOSSIER_HOME/catalog.db" "SELECT detail FROM events WHERE action = 'approver_add'" > "$T/ev"
[ "$(grep -c "anchor $anchor" "$T/ev")" -eq 2 ] || { cat "$T/ev"; fail "approver_add events do not name the anchor"; }
ok "attack 2: --trust rogue-ca.pem refused (77), enrolment events name the anchor's SHA-256"

# ---- a genuine bundle
echo "Trang hồ sơ." > "$T/text"
"$MK" -o "$T/a.tif" --pages 2 < "$T/text"
code=$("$D" intake --procedure 1.004227 --applicant-id 1 --applicant-name "Lê Văn C" "$T/a.tif" 2>/dev/null | tail -n 1)
"$SETUP" --digitize "$DOSSIER_HOME" "$code"
B=$("$D" seal "$code" --seal STNMT-1 --approver an --approver-passphrase-file "$T/ap" 2>/dev/null | tail -n 1)
"$D" verify --json "$B" > "$T/v.json" || { cat "$T/v.json"; fail "genuine bundle"; }
json_get "$T/v.json" 'd[0]["legacy_profile"] is False and [s["profile"] for s in d[0]["signatures"]] == ["seal", "approver"]' | grep -q True || fail "genuine bundle: profiles in --json"
json_get "$T/v.json" '[c["outcome"] for c in d[0]["checks"] if c["name"] == "seal_log_home"]' | grep -q PASSED || fail "genuine bundle: seal log of the home not checked"
ok "genuine bundle: TOTAL_PASSED, seal and approver profiles, in the home's seal log"

# ---- attack 1: the approver forges the seal with only their own key
forge() { # IN OUT: one signature by pki/approvers/an.key, listed as the seal
	python3 - "$1" "$T/forge" "$PKI/approvers/an.pem" <<'PY'
import base64, hashlib, json, os, subprocess, sys, zipfile
src, d, cert = sys.argv[1:4]
os.makedirs(d, exist_ok=True)
z = zipfile.ZipFile(src)
data = {n: z.read(n) for n in z.namelist() if not n.startswith("META-INF/") and n != "mimetype"}
j = json.loads(data["dossier.json"])
j["applicant"]["name"] = "Kẻ Mạo Danh"
der = subprocess.run(["openssl", "x509", "-in", cert, "-outform", "DER"], capture_output=True, check=True).stdout
j["signatures"] = [{"file": "META-INF/signature001.p7s", "role": "seal", "id": "STNMT-1",
                    "cert_sha256": hashlib.sha256(der).hexdigest()}]
data["dossier.json"] = json.dumps(j, ensure_ascii=False, indent=2).encode()
refs = "".join(
    '  <asic:DataObjectReference URI="%s" MimeType="application/octet-stream">\n'
    '    <ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>\n'
    '    <ds:DigestValue>%s</ds:DigestValue>\n  </asic:DataObjectReference>\n'
    % (n, base64.b64encode(hashlib.sha256(b).digest()).decode()) for n, b in data.items())
m = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
     '<asic:ASiCManifest xmlns:asic="http://uri.etsi.org/02918/v1.2.1#" '
     'xmlns:ds="http://www.w3.org/2000/09/xmldsig#">\n'
     '  <asic:SigReference URI="META-INF/signature001.p7s" MimeType="application/pkcs7-signature"/>\n'
     + refs + '</asic:ASiCManifest>\n')
open(d + "/manifest.xml", "w").write(m)
for n, b in data.items():
    p = os.path.join(d, "data", n)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    open(p, "wb").write(b)
PY
	openssl cms -sign -binary -cades -in "$T/forge/manifest.xml" -signer "$PKI/approvers/an.pem" \
		-inkey "$PKI/approvers/an.key" -passin "file:$T/ap" -outform DER -out "$T/forge/sig.p7s" -md sha256
	python3 - "$T/forge" "$2" <<'PY'
import os, sys, zipfile
d, out = sys.argv[1:3]
z = zipfile.ZipFile(out, "w")
z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.etsi.asic-e+zip")
root = os.path.join(d, "data")
for base, _, files in os.walk(root):
    for f in files:
        p = os.path.join(base, f)
        z.write(p, os.path.relpath(p, root), zipfile.ZIP_DEFLATED)
z.write(os.path.join(d, "manifest.xml"), "META-INF/ASiCManifest001.xml", zipfile.ZIP_DEFLATED)
z.write(os.path.join(d, "sig.p7s"), "META-INF/signature001.p7s", zipfile.ZIP_STORED)
z.close()
PY
}
forge "$B" "$T/forged.asice"
# the forgery is a valid CMS signature: only the profile tells it from a seal
openssl cms -verify -binary -inform DER -in "$T/forge/sig.p7s" -content "$T/forge/manifest.xml" \
	-CAfile "$PKI/root.pem" -out /dev/null 2>/dev/null || fail "the forged CMS does not even verify"
expect_fail 2 "$D" verify "$T/forged.asice"
grep -q "INDETERMINATE / SIG_CONSTRAINTS_FAILURE" "$T/out" || { cat "$T/out"; fail "attack 1: indication"; }
grep -q "seal_profile .*FAILED .*not a department seal certificate: missing certificate policy 1.3.6.1.5.5.7.13.1" "$T/out" || { cat "$T/out"; fail "attack 1: seal_profile"; }
grep -q "approver_present .*FAILED" "$T/out" || { cat "$T/out"; fail "attack 1: approver_present"; }
grep -q "seal_log_home .*FAILED" "$T/out" || { cat "$T/out"; fail "attack 1: seal log of the home"; }
expect_fail 2 "$D" verify --json "$T/forged.asice"
got=$(json_get "$T/out" 'd[0]["indication"] + "/" + d[0]["sub_indication"]')
[ "$got" = "INDETERMINATE/SIG_CONSTRAINTS_FAILURE" ] || fail "attack 1: --json indication $got"
json_get "$T/out" '[c["name"] for s in d[0]["signatures"] for c in s["checks"] if c["outcome"] == "FAILED"]' | grep -q seal_profile || fail "attack 1: --json names seal_profile"
# offline too (another machine, only the root): still not a seal
mkdir "$T/elsewhere"
cp "$PKI/root.pem" "$T/elsewhere/"
(
	export DOSSIER_HOME="$T/elsewhere"
	expect_fail 2 "$D" verify --trust "$T/elsewhere/root.pem" "$T/forged.asice"
	grep -q "seal_profile .*FAILED" "$T/out" || { cat "$T/out"; fail "attack 1 offline: seal_profile"; }
)
ok "attack 1: the approver's forged seal is INDETERMINATE / SIG_CONSTRAINTS_FAILURE (2), in the home and offline"

# ---- a hash failure still wins over the role checks (TOTAL_FAILED, 1)
python3 - "$T/forged.asice" "$T/broken.asice" <<'PY'
import sys, zipfile
src, out = sys.argv[1:3]
zi, zo = zipfile.ZipFile(src), zipfile.ZipFile(sys.argv[2], "w")
for i in zi.infolist():
    b = zi.read(i.filename)
    if i.filename.startswith("pages/"):
        b = b[:-1] + bytes([b[-1] ^ 1])
    zo.writestr(i, b)
zo.close()
PY
expect_fail 1 "$D" verify "$T/broken.asice"
grep -q "TOTAL_FAILED / HASH_FAILURE" "$T/out" || { cat "$T/out"; fail "hash failure masked"; }
ok "a hash failure on top stays TOTAL_FAILED (1)"

# ---- a bundle with the seal signature alone (approver's dropped): not TOTAL_PASSED
python3 - "$B" "$T/sealonly.asice" <<'PY'
import json, sys, zipfile
zi, zo = zipfile.ZipFile(sys.argv[1]), zipfile.ZipFile(sys.argv[2], "w")
for i in zi.infolist():
    if i.filename in ("META-INF/signature002.p7s", "META-INF/ASiCManifest002.xml"):
        continue
    zo.writestr(i, zi.read(i.filename))
zo.close()
PY
expect_fail 2 "$D" verify "$T/sealonly.asice"
grep -q "approver_present .*FAILED" "$T/out" || { cat "$T/out"; fail "seal alone: approver_present"; }
ok "the seal without an approver signature: INDETERMINATE (2)"

# ---- a national CA that marks organisation certificates with UID=MST:
# (what marks a seal is configured per anchor, in dossier.conf)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/nca.key" \
	-out "$T/nca.pem" -subj "/C=VN/CN=National CA" -days 30 \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
( umask 077; printf 'nca seal passphrase\n' > "$T/ns.pass" )
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/ns-plain.key" 2>/dev/null
( umask 077; openssl pkcs8 -topk8 -in "$T/ns-plain.key" -v2 aes-256-cbc -v2prf hmacWithSHA256 \
	-iter 600000 -passout "file:$T/ns.pass" -out "$T/ns.key" )
openssl req -new -key "$T/ns-plain.key" -utf8 \
	-subj "/C=VN/O=UBND tỉnh Bắc Ninh/OU=STNMT/UID=MST:0101234567/CN=STNMT seal" -out "$T/ns.csr"
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n' > "$T/ns.ext"
openssl x509 -req -in "$T/ns.csr" -CA "$T/nca.pem" -CAkey "$T/nca.key" -CAcreateserial \
	-CAserial "$T/nca.srl" -days 30 -extfile "$T/ns.ext" -out "$T/ns.pem" 2>/dev/null
nca_add() { "$D" seal-key add NCA-1 --department STNMT --key "$T/ns.key" --cert "$T/ns.pem" --passphrase-file "$T/ns.pass"; }
expect_fail 77 nca_add
printf '\n[pki]\ntrust = %s\n' "$T/nca.pem" >> "$DOSSIER_HOME/dossier.conf"
expect_fail 65 nca_add
grep -q "missing certificate policy 1.3.6.1.5.5.7.13.1" "$T/err" || { cat "$T/err"; fail "national CA, default markers: message"; }
printf '\n[anchor %s]\nseal = subject:UID=MST:\napprover = subject:UID=CCCD:\n' "$T/nca.pem" >> "$DOSSIER_HOME/dossier.conf"
nca_add > "$T/out" || fail "seal-key add under the national CA with its markers"
"$D" seal-key list | grep -q NCA-1 || fail "NCA-1 not registered"
ok "a national CA's UID=MST: marks its seals once [anchor FILE] says so (77 unconfigured, 65 default markers)"
