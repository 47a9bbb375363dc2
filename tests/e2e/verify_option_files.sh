#!/bin/sh
# End-to-end (issue 14, item 7): a wrong kind of file given as an option of
# `verify`, `log verify|audit`, `reuse` or `intake --reuse` is a usage error
# (exit 64) naming the file and what it holds, never a verdict on the
# genuine bundle; the right files still verify.
. "$(dirname "$0")/lib.sh"
SETUP="$DS_BUILD_DIR/tests/archive/ds_archive_setup"

demo_pki an
echo "Trang hồ sơ." > "$T/text"
"$MK" -o "$T/a.tif" --pages 1 < "$T/text"
code=$("$D" intake --procedure 1.004227 --applicant-id 1 --applicant-name "Lê Văn C" "$T/a.tif" 2>/dev/null | tail -n 1)
"$SETUP" --digitize "$DOSSIER_HOME" "$code"
B=$("$D" seal "$code" --seal STNMT-1 --approver an --approver-passphrase-file "$T/ap" | tail -n 1)
"$D" log checkpoint --passphrase-file "$T/pp" -o "$T/cp" >/dev/null
"$D" log prove "$code" > "$T/proof"
P="$DOSSIER_HOME/pki"
for f in root.pem crl.pem log.pub; do [ -f "$P/$f" ] || fail "no pki/$f"; done
: > "$T/empty"
printf 'just some words\n' > "$T/words.txt"
"$D" verify --trust "$P/root.pem" --crl "$P/crl.pem" --checkpoint "$T/cp" --proof "$T/proof" \
	--log-key "$P/log.pub" "$B" >/dev/null || fail "the genuine bundle with the right files"
ok "the genuine bundle verifies with --trust, --crl, --checkpoint, --proof, --log-key"

# wrong OPT FILE WHAT [CMD…]: exit 64, stderr names the option, the file and WHAT it holds,
# and no verdict is printed
wrong() {
	opt=$1 file=$2 what=$3
	shift 3
	expect_fail 64 "$@"
	grep -q -- "$opt: $file holds $what" "$T/err" || { cat "$T/err" >&2; fail "$opt $file: message"; }
	! grep -q "TOTAL_\|INDETERMINATE" "$T/out" || { cat "$T/out" >&2; fail "$opt $file: a verdict was printed"; }
}
wrong --trust "$P/crl.pem" "a CRL" "$D" verify "$B" --trust "$P/crl.pem"
wrong --crl "$P/root.pem" "certificates" "$D" verify "$B" --crl "$P/root.pem"
wrong --trust "$P/log.pub" "an Ed25519 public key" "$D" verify "$B" --trust "$P/log.pub"
wrong --trust "$B" "a ZIP archive" "$D" verify "$B" --trust "$B"
wrong --trust "$T/empty" "nothing" "$D" verify "$B" --trust "$T/empty"
wrong --trust "$T/words.txt" "text of no known kind" "$D" verify --json "$B" --trust "$T/words.txt"
wrong --trust "$T/cp" "a seal log checkpoint" "$D" verify "$B" --trust "$T/cp"
wrong --trust "$P/seals/STNMT-1.key" "a private key" "$D" verify "$B" --trust "$P/seals/STNMT-1.key"
wrong --checkpoint "$T/proof" "a seal log proof" \
	"$D" verify --checkpoint "$T/proof" --proof "$T/proof" "$B"
wrong --proof "$T/cp" "a seal log checkpoint" "$D" verify --checkpoint "$T/cp" --proof "$T/cp" "$B"
wrong --log-key "$P/root.pem" "certificates" \
	"$D" verify --checkpoint "$T/cp" --proof "$T/proof" --log-key "$P/root.pem" "$B"
wrong --log-key "$P/crl.pem" "a CRL" \
	"$D" verify --checkpoint "$T/cp" --proof "$T/proof" --log-key "$P/crl.pem" "$B"
ok "verify: a CRL, certificates, a key, a bundle, an empty file, text, a checkpoint or a proof in the wrong option: exit 64 naming it"

expect_fail 66 "$D" verify "$B" --trust "$T/nonexistent.pem"
ok "verify: a missing --trust file is 66 (no input), as before"

"$D" log consistency 0 1 > "$T/cproof"
wrong --proof "$P/root.pem" "certificates" "$D" log verify "$T/cp" "$T/cp" --proof "$P/root.pem" --key "$P/log.pub"
wrong --key "$P/crl.pem" "a CRL" "$D" log verify "$T/cp" "$T/cp" --key "$P/crl.pem"
wrong --key "$P/root.pem" "certificates" "$D" log audit --key "$P/root.pem"
"$D" log audit --key "$P/log.pub" >/dev/null || fail "log audit with the right key"
ok "log verify / audit: a wrong --proof or --key is 64 naming it; the right key still audits"

n=$("$D" list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
wrong --trust "$P/crl.pem" "a CRL" "$D" intake --procedure 1.004227 --applicant-id 2 \
	--applicant-name "Lê Văn D" --reuse "$code" --trust "$P/crl.pem" "$T/a.tif"
[ "$("$D" list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = "$n" ] ||
	fail "intake registered a dossier despite the wrong --trust"
wrong --crl "$P/log.pub" "an Ed25519 public key" "$D" reuse --attach "$code" --to "$code" --crl "$P/log.pub"
ok "intake --reuse / reuse: a wrong --trust or --crl is 64, nothing registered"
