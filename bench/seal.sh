#!/bin/sh
# bench/seal: CAdES B-B seals per second made in one process (ds_cades_sign,
# including its sign-then-verify check; the key unlocked once) versus
# `openssl cms -sign -cades` run as one process per seal, with the same P-256
# key and the same manifest, in the same run. Prints a Markdown section.
# usage: sh bench/seal.sh BUILD_DIR [SECONDS] [CLI_RUNS]
set -eu
build=${1:-build}
secs=${2:-5}
runs=${3:-200}
here=$(cd "$(dirname "$0")/.." && pwd)
case $build in /*) ;; *) build=$here/$build ;; esac
D=$build/dossier
B=$build/bench/ds_bench_seal
T=$(mktemp -d /tmp/ds-bench-seal-XXXXXX)
trap 'rm -rf "$T"' EXIT
umask 077
printf 'bench passphrase\n' >"$T/pp"
"$D" --home "$T/home" init >/dev/null
"$D" --home "$T/home" department add STNMT --name "Sở Tài nguyên và Môi trường" >/dev/null
"$D" --home "$T/home" pki init --name "Bench Root" --passphrase-file "$T/pp" >/dev/null
"$D" --home "$T/home" pki issue seal STNMT --seal-id STNMT-1 --passphrase-file "$T/pp" >/dev/null
key=$T/home/pki/seals/STNMT-1.key
cert=$T/home/pki/seals/STNMT-1.pem
# a manifest of a 40-page dossier
{
	echo '<asic:ASiCManifest xmlns:asic="http://uri.etsi.org/02918/v1.2.1#" xmlns:ds="http://www.w3.org/2000/09/xmldsig#">'
	echo '  <asic:SigReference URI="META-INF/signature001.p7s" MimeType="application/pkcs7-signature"/>'
	i=1
	while [ $i -le 40 ]; do
		printf '  <asic:DataObjectReference URI="pages/p%04d.tif" MimeType="image/tiff"><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>%s</ds:DigestValue></asic:DataObjectReference>\n' $i "$(printf '%s' $i | openssl dgst -sha256 -binary | base64)"
		i=$((i + 1))
	done
	echo '</asic:ASiCManifest>'
} >"$T/m.xml"

inproc=$("$B" "$key" "$cert" "$T/pp" "$T/m.xml" "$secs" "$T/in.p7s")
rate_in=$(echo "$inproc" | awk '{print $6}')
unlock=$(echo "$inproc" | awk '{print $8}')

# the CLI gets the same key decrypted once up front, so that each process
# pays for signing, not for the 600,000-iteration unlock
openssl pkey -in "$key" -passin "file:$T/pp" -out "$T/plain.key"
start=$(date +%s.%N)
i=0
while [ $i -lt "$runs" ]; do
	openssl cms -sign -binary -cades -nosmimecap -md sha256 -in "$T/m.xml" -signer "$cert" \
		-inkey "$T/plain.key" -outform DER -out "$T/cli.p7s"
	i=$((i + 1))
done
end=$(date +%s.%N)
rate_cli=$(echo "$runs $start $end" | awk '{printf "%.1f", $1 / ($3 - $2)}')
ratio=$(echo "$rate_in $rate_cli" | awk '{printf "%.1f", $1 / $2}')
# both outputs verify
openssl cms -verify -binary -inform DER -in "$T/in.p7s" -content "$T/m.xml" -CAfile "$T/home/pki/root.pem" -cades -purpose any -out /dev/null 2>/dev/null
openssl cms -verify -binary -inform DER -in "$T/cli.p7s" -content "$T/m.xml" -CAfile "$T/home/pki/root.pem" -cades -purpose any -out /dev/null 2>/dev/null

cat <<MD
## Seal

CAdES B-B detached signature of a 40-page ASiCManifest ($(wc -c <"$T/m.xml") bytes), ECDSA P-256
file key, one core. In-process: \`ds_cades_sign\` in a loop for ${secs} s (each seal is
signed, DER-encoded, re-parsed and verified, signing-certificate-v2 included); the key is
unlocked once (${unlock} s for PBKDF2-SHA256 × 600,000). Baseline: \`openssl cms -sign
-binary -cades -nosmimecap\` as one process per seal, ${runs} runs, with the same key
already decrypted (so it pays no KDF).

| | seals/s |
|---|---|
| dossier, in process | ${rate_in} |
| openssl cms, one process per seal | ${rate_cli} |
| **ratio** | **${ratio}×** |

Target: ≥ 20× the CLI and ≥ 2,000 seals/s per core.
Command: \`sh bench/seal.sh build ${secs} ${runs}\` (after \`make build\`).
MD
