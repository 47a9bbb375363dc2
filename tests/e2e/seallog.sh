#!/bin/sh
# End-to-end: the seal log. Leaves are appended through the library by a
# small tool (in production `dossier seal` appends them); then `dossier log
# checkpoint|prove|verify|audit|show|list`, an independent check of the
# checkpoint signature (openssl pkeyutl) and of the inclusion proof (Python,
# RFC 9162), and forged inputs refused.
. "$(dirname "$0")/lib.sh"
APPEND="$DS_BUILD_DIR/tests/seallog/ds-seallog-append"
[ -x "$APPEND" ] || fail "no $APPEND"

"$D" init >/dev/null
P="$DOSSIER_HOME/pki"
printf 'log passphrase\n' > "$T/pass"
chmod 600 "$T/pass"
# The log key from `dossier pki init` when this build has it; otherwise the
# same kind of key (encrypted PKCS#8 Ed25519) made with OpenSSL.
if "$D" pki --help >/dev/null 2>&1; then
	"$D" pki init --name "Seal log test" --passphrase-file "$T/pass" >/dev/null
	ok "log key from dossier pki init"
else
	openssl genpkey -algorithm ed25519 -aes-256-cbc -pass "file:$T/pass" -out "$P/log.key"
	chmod 600 "$P/log.key"
	openssl pkey -in "$P/log.key" -passin "file:$T/pass" -pubout -out "$P/log.pub"
	ok "log key from openssl (no dossier pki in this build)"
fi
[ -f "$P/log.key" ] && [ -f "$P/log.pub" ] || fail "no pki/log.key or pki/log.pub"

hash_of() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
append() { # append FROM TO
	i=$1
	while [ "$i" -le "$2" ]; do
		c=$(printf 'H00-251216-%04d' "$i")
		"$APPEND" "$DOSSIER_HOME/catalog.db" "$c" SEAL01 "$(hash_of "sig $i")" $((1765852267 + i)) >/dev/null
		i=$((i + 1))
	done
}

append 1 5
expect_fail 66 "$D" log prove H00-251216-0001
grep -q "no seal log checkpoint yet" "$T/err" || fail "prove without checkpoint: $(cat "$T/err")"
expect_fail 64 "$D" log checkpoint
printf 'wrong\n' > "$T/wrong"
chmod 600 "$T/wrong"
expect_fail 77 "$D" log checkpoint --passphrase-file "$T/wrong"
"$D" log checkpoint --passphrase-file "$T/pass" -o "$T/cp1"
[ "$(sed -n 1p "$T/cp1")" = dossier/seal-log ] || fail "origin line"
[ "$(sed -n 2p "$T/cp1")" = 5 ] || fail "size line"
ok "checkpoint of 5 leaves"

# An independent check of the signed note: Ed25519 over the lines before the
# blank line (origin, size, root, the event chain line) with OpenSSL, and the
# C2SP key id computed in Python.
awk '/^$/ { exit } { print }' "$T/cp1" > "$T/body"
[ "$(wc -l < "$T/body")" = 4 ] || fail "checkpoint body: $(cat "$T/body")"
grep -Eq '^dossier-events/1 [1-9][0-9]* [A-Za-z0-9+/]{43}=$' "$T/body" || fail "no event chain line: $(cat "$T/body")"
sigline=$(tail -n 1 "$T/cp1")
python3 - "$sigline" "$T/sig" "$P/log.pub" <<'PY' || fail "key id"
import base64, hashlib, subprocess, sys
line, sigfile, pub = sys.argv[1:4]
dash, name, b64 = line.split(" ")
assert dash == "\u2014", dash
raw = base64.b64decode(b64, validate=True)
der = subprocess.run(["openssl", "pkey", "-pubin", "-in", pub, "-outform", "DER"],
                     check=True, capture_output=True).stdout
key = der[-32:]
kid = hashlib.sha256(name.encode() + b"\n\x01" + key).digest()[:4]
assert raw[:4] == kid, (raw[:4].hex(), kid.hex())
open(sigfile, "wb").write(raw[4:])
PY
openssl pkeyutl -verify -pubin -inkey "$P/log.pub" -rawin -in "$T/body" -sigfile "$T/sig" >/dev/null ||
	fail "openssl does not verify the checkpoint signature"
sed '2s/.*/6/' "$T/body" > "$T/body2"
if openssl pkeyutl -verify -pubin -inkey "$P/log.pub" -rawin -in "$T/body2" -sigfile "$T/sig" >/dev/null 2>&1; then
	fail "openssl verified a changed body"
fi
ok "checkpoint signature verified by openssl, key id as C2SP"

# Nothing new: the same checkpoint again.
"$D" log checkpoint --passphrase-file "$T/pass" > "$T/cp1b" 2> "$T/err"
cmp -s "$T/cp1" "$T/cp1b" || fail "unchanged log gave a new checkpoint"
grep -q "nothing sealed or recorded since" "$T/err" || fail "no notice for an unchanged log"
"$D" log checkpoint --passphrase-fd 3 3< "$T/pass" 2>/dev/null | cmp -s - "$T/cp1" || fail "--passphrase-fd"
expect_fail 77 "$D" log checkpoint --passphrase-fd 3 3< "$T/wrong"

append 6 12
expect_fail 1 "$D" log prove H00-251216-0010
grep -q "newer than the checkpoint" "$T/err" || fail "prove newer leaf: $(cat "$T/err")"
"$D" log checkpoint --passphrase-file "$T/pass" --json -o "$T/cp2" > "$T/cp2.json"
[ "$(json_get "$T/cp2.json" 'd["size"]')" = 12 ] || fail "json size"
"$D" log verify "$T/cp1" "$T/cp2" > "$T/out"
grep -q '^consistent' "$T/out" || fail "verify"
# Contract changed by issue 13: an OLD the log no longer extends is exit 1
# "rolled back" (was 64 "is newer than").
expect_fail 1 "$D" log verify "$T/cp2" "$T/cp1"
grep -q "rolled back" "$T/err" || fail "reversed: $(cat "$T/err")"
"$D" log verify "$T/cp1" > "$T/out"
grep -q '^extends' "$T/out" || fail "verify OLD against the home: $(cat "$T/out")"
sed '2s/.*/13/' "$T/cp2" > "$T/cp2bad"
expect_fail 1 "$D" log verify "$T/cp1" "$T/cp2bad"
grep -q "does not verify" "$T/err" || fail "tampered checkpoint: $(cat "$T/err")"
# Offline, as an auditor holding two checkpoints, a proof and the key.
"$D" log consistency 5 12 -o "$T/cproof"
[ "$(sed -n 1p "$T/cproof")" = 5 ] && [ "$(sed -n 2p "$T/cproof")" = 12 ] || fail "cproof sizes"
cp "$P/log.pub" "$T/log.pub"
DOSSIER_HOME="$T/nowhere" "$D" log verify "$T/cp1" "$T/cp2" --proof "$T/cproof" --key "$T/log.pub" > "$T/out"
grep -q '^consistent' "$T/out" || fail "offline verify"
sed '3{s/^0/1/;t;s/^./0/}' "$T/cproof" > "$T/cproof.bad" # always a change
cmp -s "$T/cproof" "$T/cproof.bad" && fail "cproof not changed"
expect_fail 1 env DOSSIER_HOME="$T/nowhere" "$D" log verify "$T/cp1" "$T/cp2" --proof "$T/cproof.bad" --key "$T/log.pub"
grep -q "NOT consistent" "$T/err" || fail "tampered cproof: $(cat "$T/err")"
"$D" log consistency 4 12 -o "$T/cproof4"
expect_fail 1 env DOSSIER_HOME="$T/nowhere" "$D" log verify "$T/cp1" "$T/cp2" --proof "$T/cproof4" --key "$T/log.pub"
expect_fail 65 "$D" log consistency 13 12
expect_fail 65 "$D" log consistency 1 13
openssl genpkey -algorithm ed25519 -out "$T/other.key" 2>/dev/null
openssl pkey -in "$T/other.key" -pubout -out "$T/other.pub"
expect_fail 1 "$D" log verify "$T/cp1" "$T/cp2" --key "$T/other.pub"
grep -q "no signature by key" "$T/err" || fail "wrong key: $(cat "$T/err")"
ok "log verify: consistent; reversed, tampered and wrong key refused"

"$D" log prove H00-251216-0003 > "$T/proof"
[ "$(sed -n 1p "$T/proof")" = 2 ] || fail "leaf index"
[ "$(sed -n 2p "$T/proof")" = 12 ] || fail "tree size"
"$D" log prove H00-251216-0003 --index 2 | cmp -s - "$T/proof" || fail "prove --index"
expect_fail 1 "$D" log prove H00-251216-0004 --index 2
"$D" log prove H00-251216-0003 --json > "$T/proof.json"
[ "$(json_get "$T/proof.json" 'd["leaf_index"]')" = 2 ] || fail "json leaf index"
leaf="dossier-seal/1 H00-251216-0003 SEAL01 $(hash_of "sig 3") 2025-12-16T02:31:10Z"
[ "$(json_get "$T/proof.json" 'd["leaf"]')" = "$leaf" ] || fail "leaf text"
# Independent RFC 9162 §2.1.3.2 check of the proof against the signed root.
python3 - "$T/proof" "$T/cp2" "$leaf" <<'PY' || fail "python inclusion check"
import base64, hashlib, sys
lines = open(sys.argv[1]).read().split("\n")
idx, size = int(lines[0]), int(lines[1])
path = [bytes.fromhex(h) for h in lines[2:] if h]
root = base64.b64decode(open(sys.argv[2]).read().split("\n")[2])
def node(a, b): return hashlib.sha256(b"\x01" + a + b).digest()
r = hashlib.sha256(b"\x00" + sys.argv[3].encode()).digest()
fn, sn = idx, size - 1
for p in path:
    assert sn != 0
    if fn & 1 or fn == sn:
        r = node(p, r)
        while not fn & 1 and fn != 0:
            fn >>= 1; sn >>= 1
    else:
        r = node(r, p)
    fn >>= 1; sn >>= 1
assert sn == 0 and r == root
PY
ok "log prove: proof verified independently (Python, RFC 9162)"

"$D" log audit > "$T/out"
grep -q "seal log OK: 12 leaves, 2 checkpoints, signatures verified" "$T/out" || fail "audit: $(cat "$T/out")"
"$D" log show --json > "$T/show.json"
[ "$(json_get "$T/show.json" 'd["checkpoint_size"]')" = 12 ] || fail "show"
json_get "$T/show.json" 'd["verifier_key"]' | grep -Eq '^dossier/seal-log\+[0-9a-f]{8}\+' || fail "vkey"
"$D" log list H00-251216-0003 --json > "$T/list.json"
[ "$(json_get "$T/list.json" 'len(d)')" = 1 ] || fail "list"
ok "audit, show, list"

"$D" check > "$T/out" 2>&1 || { cat "$T/out" >&2; fail "dossier check on a sound log"; }

# Someone with the catalog file rewrites a sealed leaf.
python3 - "$DOSSIER_HOME/catalog.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
try:
    db.execute("UPDATE seallog_leaves SET seal_id = 'X' WHERE idx = 1")
    raise SystemExit("update allowed")
except sqlite3.DatabaseError:
    pass
db.execute("DROP TRIGGER seallog_leaves_no_update")
db.execute("UPDATE seallog_leaves SET leaf = replace(leaf, 'SEAL01', 'SEAL02'), seal_id = 'SEAL02' WHERE idx = 1")
db.commit()
PY
expect_fail 1 "$D" log audit
grep -q "audit FAILED" "$T/err" || fail "audit of a rewritten log: $(cat "$T/err")"
set +e
"$D" check --json > "$T/check.json" 2>"$T/err"
rc=$?
set -e
[ "$rc" != 0 ] || fail "dossier check passed a rewritten seal log"
json_get "$T/check.json" '[f for f in d["findings"] if f.get("what") == "seal log"]' | grep -q "stored hash" ||
	fail "dossier check: no seal log finding: $(cat "$T/check.json")"
append 13 13
expect_fail 65 "$D" log checkpoint --passphrase-file "$T/pass"
expect_fail 65 "$D" log prove H00-251216-0003
ok "a rewritten leaf fails the audit; no checkpoint or proof is made over it"
