#!/bin/sh
# End to end: dossier pki init/issue/revoke/crl, seal-key add (PKCS#12 and a
# SoftHSM2 token), approver add/remove/list, with the refusals.
set -eu

: "${DOSSIER:?}"
T=$(mktemp -d /tmp/ds-signer-cli-XXXXXX)
trap 'st=$?; rm -rf "$T"; exit $st' EXIT
umask 077
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
must() { n=$1; shift; if "$@" >"$T/out" 2>"$T/err"; then ok "$n"; else bad "$n"; cat "$T/out" "$T/err"; fi; }
# mustexit CODE NAME CMD…: CMD exits with CODE
mustexit() {
	want=$1; n=$2; shift 2
	set +e; "$@" >"$T/out" 2>"$T/err"; got=$?; set -e
	if [ "$got" = "$want" ]; then ok "$n (exit $got)"; else bad "$n: exit $got, want $want"; cat "$T/out" "$T/err"; fi
}
D() { "$DOSSIER" --home "$T/home" "$@"; }

printf 'a long demo passphrase\n' >"$T/pp"
printf 'wrong passphrase\n' >"$T/bad"
D init >/dev/null
D department add STNMT --name "Sở Tài nguyên và Môi trường" >/dev/null
D department add STP --name "Sở Tư pháp" >/dev/null

must "pki --help" D pki --help
must "seal-key --help" D seal-key --help
must "approver --help" D approver --help
mustexit 64 "no passphrase on argv" D pki init --name X --passphrase secret

D pki init --name "UBND tỉnh Bắc Ninh" --passphrase-file "$T/pp" >"$T/init"
root=$(tail -n 1 "$T/init")
[ "$root" = "$T/home/pki/root.pem" ] && ok "pki init prints root.pem last" || bad "pki init last line: $root"
must "root is a CA" sh -c "openssl x509 -in '$root' -noout -text | grep -q 'CA:TRUE'"
must "TSA has the timeStamping EKU" sh -c "openssl x509 -in '$T/home/pki/tsa.pem' -noout -text | grep -q 'Time Stamping'"
must "log.pub is Ed25519" sh -c "openssl pkey -pubin -in '$T/home/pki/log.pub' -noout -text | grep -q ED25519"
must "log.key is encrypted with PBKDF2-SHA256" sh -c "openssl asn1parse -in '$T/home/pki/log.key' | grep -q hmacWithSHA256"
must "log.key opens with the passphrase" openssl pkey -in "$T/home/pki/log.key" -passin "file:$T/pp" -noout
mustexit 73 "pki init twice" D pki init --name X --passphrase-file "$T/pp"

chmod 644 "$T/pp"
mustexit 77 "passphrase file readable by others" D pki issue seal STNMT --seal-id STNMT-9 --passphrase-file "$T/pp"
chmod 600 "$T/pp"
mustexit 77 "wrong CA passphrase" D pki issue seal STNMT --seal-id STNMT-9 --passphrase-file "$T/pp" --ca-passphrase-file "$T/bad"

D pki issue seal STNMT --seal-id STNMT-1 --passphrase-file "$T/pp" >"$T/seal"
seal=$(tail -n 1 "$T/seal")
[ "$seal" = "$T/home/pki/seals/STNMT-1.pem" ] && ok "issue seal prints the cert last" || bad "issue seal: $seal"
must "seal subject names the department" sh -c "openssl x509 -in '$seal' -noout -subject -nameopt utf8 | grep -q 'OU=Sở Tài nguyên và Môi trường'"
must "seal key usage" sh -c "openssl x509 -in '$seal' -noout -text | grep -q 'Digital Signature, Non Repudiation'"
mustexit 73 "seal id taken" D pki issue seal STNMT --seal-id STNMT-1 --passphrase-file "$T/pp"
mustexit 66 "unknown department" D pki issue seal NOPE --seal-id NOPE-1 --passphrase-file "$T/pp"
D pki issue seal STNMT --seal-id STNMT-2 --rsa --passphrase-file "$T/pp" >"$T/seal2"
must "RSA seal: RSA-3072 key" sh -c "openssl x509 -in '$(tail -n 1 "$T/seal2")' -noout -text | grep -q 'Public-Key: (3072 bit)'"
D seal-key list --json >"$T/seals"
must "seal recorded with its passphrase file" grep -q "\"key\": \"$T/home/pki/seals/STNMT-1.key\"" "$T/seals"

D pki issue approver alice --department STNMT --passphrase-file "$T/pp" >"$T/alice"
alice=$(tail -n 1 "$T/alice")
[ "$alice" = "$T/home/pki/approvers/alice.pem" ] && ok "issue approver prints the cert last" || bad "issue approver: $alice"
D pki issue approver bob --department STNMT --passphrase-file "$T/pp" >/dev/null
# the new key's passphrase from a descriptor, the CA's from a file
D pki issue approver carol --department STNMT --passphrase-fd 3 --ca-passphrase-file "$T/pp" 3<"$T/bad" >"$T/carol"
must "passphrase from a descriptor protects the key" openssl pkey -in "$T/home/pki/approvers/carol.key" -passin "file:$T/bad" -noout
mustexit 64 "no --passphrase (argv) option" D pki issue approver dave --department STNMT --passphrase xyz

must "approver add" D approver add alice --cert "$alice" --seal STNMT-1
must "approver list" sh -c "'$DOSSIER' --home '$T/home' approver list --seal STNMT-1 | grep -q alice"
mustexit 66 "approver for an unknown seal" D approver add alice --cert "$alice" --seal NOPE-1
# a certificate from elsewhere
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/rogue.key" \
	-out "$T/rogue.pem" -subj "/CN=rogue" -days 10 -addext keyUsage=digitalSignature 2>/dev/null
mustexit 77 "approver with an untrusted certificate" D approver add mallory --cert "$T/rogue.pem" --seal STNMT-1

# revocation
D pki revoke --cert "$T/home/pki/approvers/bob.pem" --reason 1 --passphrase-file "$T/pp" >"$T/rev"
must "CRL lists bob" sh -c "openssl crl -in '$T/home/pki/crl.pem' -noout -text | grep -qi \"$(openssl x509 -in "$T/home/pki/approvers/bob.pem" -noout -serial | cut -d= -f2)\""
must "CRL verifies against the root" openssl crl -in "$T/home/pki/crl.pem" -CAfile "$root" -noout
mustexit 77 "a revoked approver is refused" D approver add bob --cert "$T/home/pki/approvers/bob.pem" --seal STNMT-1
mustexit 73 "revoked twice (already exists: 73, issue 14 item 15; was 1)" D pki revoke --cert "$T/home/pki/approvers/bob.pem" --passphrase-file "$T/pp"
must "pki crl" D pki crl --passphrase-file "$T/pp"
must "approver remove" D approver remove alice --seal STNMT-1
mustexit 66 "approver remove again" D approver remove alice --seal STNMT-1

# PKCS#12 (openssl reads -passin and -passout from one file as two lines: use a copy)
cp "$T/pp" "$T/pp2"
openssl pkcs12 -export -inkey "$T/home/pki/seals/STNMT-2.key" -passin "file:$T/pp" \
	-in "$T/home/pki/seals/STNMT-2.pem" -certfile "$root" -out "$T/seal.p12" -passout "file:$T/pp2" \
	-keypbe AES-256-CBC -certpbe AES-256-CBC -macalg sha256
# issue 13: a seal certificate is registered only for the department it names (OU)
mustexit 65 "seal-key add --pkcs12 for another department" D seal-key add P12-1 --department STP --pkcs12 "$T/seal.p12" --passphrase-file "$T/pp"
must "seal-key add --pkcs12" D seal-key add P12-1 --department STNMT --pkcs12 "$T/seal.p12" --passphrase-file "$T/pp"
mustexit 77 "seal-key add --pkcs12, wrong passphrase" D seal-key add P12-2 --department STP --pkcs12 "$T/seal.p12" --passphrase-file "$T/bad"
mustexit 65 "seal-key add, certificate not for this key" D seal-key add K-1 --department STP --key "$T/home/pki/seals/STNMT-1.key" --cert "$alice" --passphrase-file "$T/pp"

# dossier seal with the PKCS#12 seal, end to end (a seal of STP exported
# to PKCS#12 and registered as P12-STP)
SETUP="$DS_BUILD_DIR/tests/archive/ds_archive_setup"
D procedure add 1.004227 --name "Đăng ký biến động đất đai" --department STNMT --days 15 >/dev/null
D procedure add 2.000488 --name "Chứng thực bản sao" --department STP --days 1 >/dev/null
echo "Bản sao giấy khai sinh." | "$DS_MKSCAN" -o "$T/scan.tif" >/dev/null
D pki issue seal STP --seal-id STP-9 --passphrase-file "$T/pp" >/dev/null
openssl pkcs12 -export -inkey "$T/home/pki/seals/STP-9.key" -passin "file:$T/pp" \
	-in "$T/home/pki/seals/STP-9.pem" -certfile "$root" -out "$T/stp.p12" -passout "file:$T/pp2" \
	-keypbe AES-256-CBC -certpbe AES-256-CBC -macalg sha256
D seal-key add P12-STP --department STP --pkcs12 "$T/stp.p12" --passphrase-file "$T/pp" >/dev/null
D pki issue approver erin --department STP --passphrase-file "$T/pp" >/dev/null
D approver add erin --cert "$T/home/pki/approvers/erin.pem" --seal P12-STP >/dev/null
c=$(D intake --procedure 2.000488 --applicant-id p1 --applicant-name "PKCS12" "$T/scan.tif" 2>/dev/null | tail -n 1)
"$SETUP" --digitize "$T/home" "$c"
D seal "$c" --seal P12-STP --approver erin --approver-passphrase-file "$T/pp" >"$T/p12.out" 2>&1 || cat "$T/p12.out"
must "dossier seal with a PKCS#12 seal; the bundle verifies" D verify "$(tail -n 1 "$T/p12.out")"

# PKCS#11 on SoftHSM2
MOD=/usr/lib/softhsm/libsofthsm2.so
if command -v softhsm2-util >/dev/null && command -v pkcs11-tool >/dev/null && [ -r "$MOD" ]; then
	mkdir "$T/tokens"
	printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$T" >"$T/softhsm2.conf"
	export SOFTHSM2_CONF="$T/softhsm2.conf"
	softhsm2-util --init-token --free --label SEALS --pin 246810 --so-pin 13579135 >/dev/null
	pkcs11-tool --module "$MOD" --token-label SEALS --login --pin 246810 --keypairgen \
		--key-type EC:prime256v1 --label hsm-1 --id 01 >/dev/null
	pkcs11-tool --module "$MOD" --token-label SEALS --read-object --type pubkey --label hsm-1 \
		-o "$T/pub.der" >/dev/null
	printf '246810\n' >"$T/pin"
	printf '000000\n' >"$T/badpin"
	D pki issue seal STNMT --seal-id HSM-1 --pubkey "$T/pub.der" --ca-passphrase-file "$T/pp" >"$T/hsm"
	hsm=$(tail -n 1 "$T/hsm")
	# modules are loaded only from the site's allow-list (issue 13): none
	# listed, refused; listed, the only entry is the default
	mustexit 77 "seal-key add --pkcs11-uri without [pkcs11] modules" D seal-key add HSM-1 --department STNMT \
		--pkcs11-uri 'pkcs11:token=SEALS;object=hsm-1' --cert "$hsm" --pin-file "$T/pin"
	printf '\n[pkcs11]\nmodules = %s\n' "$MOD" >> "$T/home/dossier.conf"
	must "seal-key add --pkcs11-uri" D seal-key add HSM-1 --department STNMT \
		--pkcs11-uri 'pkcs11:token=SEALS;object=hsm-1' --cert "$hsm" --pin-file "$T/pin"
	mustexit 77 "seal-key add --pkcs11-uri, wrong PIN" D seal-key add HSM-2 --department STNMT \
		--pkcs11-uri 'pkcs11:token=SEALS;object=hsm-1' --cert "$hsm" --pin-file "$T/badpin"
	D seal-key list >"$T/list"
	must "seal-key list shows the token seal" grep -q "HSM-1 .*pkcs11 .*pkcs11:token=SEALS" "$T/list"
	# dossier seal with the token's key, end to end
	D approver add alice --cert "$alice" --seal HSM-1 >/dev/null
	c=$(D intake --procedure 1.004227 --applicant-id h1 --applicant-name "Token" "$T/scan.tif" 2>/dev/null | tail -n 1)
	"$SETUP" --digitize "$T/home" "$c"
	D seal "$c" --seal HSM-1 --approver alice --approver-passphrase-file "$T/pp" >"$T/hsm.out" 2>&1 || cat "$T/hsm.out"
	must "dossier seal with a PKCS#11 (SoftHSM2) seal; the bundle verifies" D verify "$(tail -n 1 "$T/hsm.out")"
else
	echo "note: SoftHSM2/opensc missing: PKCS#11 part not run (signer_pkcs11 covers the library)"
fi

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
