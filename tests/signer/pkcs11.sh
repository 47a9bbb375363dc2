#!/bin/sh
# PKCS#11: a SoftHSM2 token initialised here, an EC key generated on it, a
# seal certificate issued for its public key, signing through libp11 with
# an RFC 7512 URI. Negative twins: wrong PIN, wrong object, tampered data.
set -eu

: "${DS_BUILD_DIR:?}"
TOOL=$DS_BUILD_DIR/tests/signer/ds_signer_tool
MOD=/usr/lib/softhsm/libsofthsm2.so
for t in softhsm2-util pkcs11-tool openssl; do
	if ! command -v $t >/dev/null 2>&1; then
		echo "SKIP: $t not installed (scripts/deps.txt lists softhsm2, opensc)"
		exit 99
	fi
done
if [ ! -r "$MOD" ]; then
	echo "SKIP: $MOD missing (package softhsm2)"
	exit 99
fi

T=$(mktemp -d /tmp/ds-p11-XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
umask 077
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
must() { n=$1; shift; if "$@" >"$T/out" 2>&1; then ok "$n"; else bad "$n"; cat "$T/out"; fi; }
mustnot() { n=$1; shift; if "$@" >"$T/out" 2>&1; then bad "$n (accepted)"; cat "$T/out"; else ok "$n"; fi; }

mkdir "$T/tokens"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$T" \
	>"$T/softhsm2.conf"
export SOFTHSM2_CONF="$T/softhsm2.conf"
# test-only PINs: the tools under test never take them on argv
softhsm2-util --init-token --free --label "dossier test" --pin 246810 --so-pin 13579135 >/dev/null
pkcs11-tool --module "$MOD" --token-label "dossier test" --login --pin 246810 --keypairgen \
	--key-type EC:prime256v1 --label seal-key --id 01 >/dev/null
pkcs11-tool --module "$MOD" --token-label "dossier test" --read-object --type pubkey \
	--label seal-key -o "$T/pub.der" >/dev/null

printf 'pki passphrase\n' >"$T/pass"
printf '246810\n' >"$T/pin"
printf '111111\n' >"$T/badpin"
"$TOOL" pki "$T/pki" "$T/pass"
"$TOOL" issue-pub "$T/pki" "$T/pass" token-seal "$T/pub.der"
printf 'manifest\n' >"$T/m.xml"
printf 'manifesT\n' >"$T/m2.xml"

URI='pkcs11:token=dossier%20test;object=seal-key'
must "sign with the token" "$TOOL" sign-p11 "$MOD" "$URI" "$T/pki/token-seal.pem" "$T/pin" \
	"$T/m.xml" "$T/s.p7s"
must "verify (dossier)" "$TOOL" verify "$T/s.p7s" "$T/m.xml" "$T/pki/root.pem"
must "verify (openssl cms)" openssl cms -verify -binary -inform DER -in "$T/s.p7s" -content "$T/m.xml" \
	-CAfile "$T/pki/root.pem" -cades -purpose any -out /dev/null
mustnot "verify tampered (dossier)" "$TOOL" verify "$T/s.p7s" "$T/m2.xml" "$T/pki/root.pem"
mustnot "verify tampered (openssl cms)" openssl cms -verify -binary -inform DER -in "$T/s.p7s" \
	-content "$T/m2.xml" -CAfile "$T/pki/root.pem" -cades -purpose any -out /dev/null
mustnot "wrong PIN" "$TOOL" sign-p11 "$MOD" "$URI" "$T/pki/token-seal.pem" "$T/badpin" \
	"$T/m.xml" "$T/x.p7s"
mustnot "unknown object" "$TOOL" sign-p11 "$MOD" 'pkcs11:token=dossier%20test;object=nope' \
	"$T/pki/token-seal.pem" "$T/pin" "$T/m.xml" "$T/x.p7s"
mustnot "certificate of another key" "$TOOL" sign-p11 "$MOD" "$URI" "$T/pki/seal.pem" "$T/pin" \
	"$T/m.xml" "$T/x.p7s"
mustnot "PIN in the URI refused" "$TOOL" sign-p11 "$MOD" "$URI?pin-value=246810" \
	"$T/pki/token-seal.pem" "$T/pin" "$T/m.xml" "$T/x.p7s"
must "by id" "$TOOL" sign-p11 "$MOD" 'pkcs11:token=dossier%20test;id=%01' "$T/pki/token-seal.pem" \
	"$T/pin" "$T/m.xml" "$T/s2.p7s"

# a library that is not a PKCS#11 module: a clean error, never a crash
# (libp11 0.4.12's context unload after the failed load segfaulted: 139)
LIBZ=$(for f in /lib/x86_64-linux-gnu/libz.so.1 /usr/lib/x86_64-linux-gnu/libz.so.1 /lib/libz.so.1; do [ -r "$f" ] && echo "$f" && break; done)
if [ -n "$LIBZ" ]; then
	set +e
	"$TOOL" sign-p11 "$LIBZ" "$URI" "$T/pki/token-seal.pem" "$T/pin" "$T/m.xml" "$T/x.p7s" >"$T/out" 2>&1
	rc=$?
	set -e
	if [ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] && grep -q "not a PKCS#11 module" "$T/out"; then
		ok "a library that is not a PKCS#11 module is refused cleanly"
	else
		bad "not a PKCS#11 module: exit $rc"; cat "$T/out"
	fi
fi
mustnot "a module that does not exist" "$TOOL" sign-p11 "$T/nope.so" "$URI" "$T/pki/token-seal.pem" \
	"$T/pin" "$T/m.xml" "$T/x.p7s"

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
