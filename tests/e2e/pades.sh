#!/bin/sh
# End-to-end: PAdES signatures on result PDFs (issue 18). Every input shape
# (classic xref table, xref and object streams, already signed) gets the
# approver's signature then the department seal as incremental updates; the
# original bytes stay a prefix; `dossier verify FILE.pdf`, poppler's pdfsig,
# mutool sign -v, qpdf --check and openssl cms -verify agree; the CMS has no
# signing-time. Encrypted and damaged PDFs are refused; a byte changed, an
# object appended after the seal and a signature copied from another PDF
# each fail.
. "$(dirname "$0")/lib.sh"
SETUP="$DS_BUILD_DIR/tests/archive/ds_archive_setup"
TOOL="$DS_BUILD_DIR/tests/archive/ds_pades_tool"
TSA="$DS_BUILD_DIR/tests/signer/ds_tsa_server"
for x in "$SETUP" "$TOOL" "$TSA"; do [ -x "$x" ] || fail "no $x"; done
for c in pdfsig mutool qpdf openssl; do command -v $c >/dev/null || fail "$c is not installed (scripts/deps.txt)"; done

"$D" init >/dev/null
"$D" department add STNMT --name "Sở Tài nguyên và Môi trường" >/dev/null
"$D" department add STP --name "Sở Tư pháp" >/dev/null
"$SETUP" "$DOSSIER_HOME"
PKI="$DOSSIER_HOME/pki"
approver() { "$TOOL" sign "$PKI/approvers/an.key" "$PKI/approvers/an.pem" "$PKI/approvers/an.pass" "$@"; }
seal() { "$TOOL" sign "$PKI/seals/STNMT-1.key" "$PKI/seals/STNMT-1.pem" "$PKI/seals/STNMT-1.pass" "$@"; }

# pdf_parts FILE N DIR: the N-th signature's (1-based, file order) CMS and
# the bytes its /ByteRange covers, found by an independent reader
pdf_parts() {
python3 - "$@" <<'PY'
import re, sys
raw = open(sys.argv[1], "rb").read()
n = int(sys.argv[2]); d = sys.argv[3]
brs = [tuple(int(x) for x in m.groups()) for m in re.finditer(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", raw)]
brs.sort(key=lambda b: b[2] + b[3])
a, b, c, e = brs[n - 1]
hexs = raw[a + b + 1:c - 1].rstrip(b"0")
if len(hexs) % 2: hexs += b"0"
open(d + "/sig.der", "wb").write(bytes.fromhex(hexs.decode()))
open(d + "/data.bin", "wb").write(raw[a:a + b] + raw[c:c + e])
PY
}

# check_signed FILE N: N signatures, all valid, the last over the whole file
check_signed() {
	f=$1 n=$2
	"$D" verify "$f" > "$T/v.txt" || { cat "$T/v.txt"; fail "dossier verify $f"; }
	"$D" verify --json "$f" > "$T/v.json"
	[ "$(json_get "$T/v.json" 'len(d[0]["signatures"])')" = "$n" ] || fail "$f: signature count"
	[ "$(json_get "$T/v.json" 'd[0]["signatures"][-1]["whole_file"]')" = True ] || fail "$f: last not whole file"
	[ "$(json_get "$T/v.json" 'd[0]["signatures"][-1]["field"]')" = Seal ] || fail "$f: last is not the seal"
	pdfsig "$f" > "$T/ps.txt" 2>&1 || true
	[ "$(grep -c "Signature is Valid" "$T/ps.txt")" = "$n" ] || { cat "$T/ps.txt"; fail "pdfsig: $f"; }
	[ "$(grep -c "Signature Type: ETSI.CAdES.detached" "$T/ps.txt")" -ge 2 ] || fail "pdfsig: SubFilter of $f"
	tail -n 4 "$T/ps.txt" | grep -q "Total document signed" || { cat "$T/ps.txt"; fail "pdfsig: last signature of $f not total"; }
	mutool sign -v "$f" > "$T/mu.txt" 2>&1 || true
	tail -n 1 "$T/mu.txt" | grep -q "unchanged since signing" || { cat "$T/mu.txt"; fail "mutool: $f"; }
	qpdf --check "$f" > "$T/qc.txt" 2>&1 || { cat "$T/qc.txt"; fail "qpdf --check $f"; }
	for k in $(seq 1 "$n"); do
		pdf_parts "$f" "$k" "$T"
		openssl cms -verify -inform DER -in "$T/sig.der" -content "$T/data.bin" -binary \
			-CAfile "$PKI/root.pem" -purpose any -out /dev/null 2>"$T/os.txt" ||
			{ cat "$T/os.txt"; fail "openssl cms -verify: signature $k of $f"; }
		openssl cms -cmsout -print -inform DER -in "$T/sig.der" > "$T/cms.txt"
		grep -q "id-smime-aa-signingCertificateV2" "$T/cms.txt" || fail "no signing-certificate-v2 in $k of $f"
		# the signer's own signed attributes (a time-stamp token has its own)
		sed -n '/signedAttrs:/,/signatureAlgorithm:/p' "$T/cms.txt" | sed '/unsignedAttrs:/,$d' > "$T/sa.txt"
		grep -q "messageDigest" "$T/sa.txt" || fail "no signed attributes found in $k of $f"
		! grep -q "signingTime" "$T/sa.txt" || fail "signing-time in signature $k of $f"
	done
}

"$TOOL" mkpdf "$T/classic.pdf" 3
head -c 2000 "$T/classic.pdf" | grep -aq "^xref" || tail -c 2000 "$T/classic.pdf" | grep -aq "^xref" || fail "cairo's PDF has no xref table"
qpdf --object-streams=generate "$T/classic.pdf" "$T/objstm.pdf"
grep -aq "/ObjStm" "$T/objstm.pdf" && grep -aq "/XRef" "$T/objstm.pdf" || fail "no object streams in objstm.pdf"
# an earlier signature by another seal on the input
"$TOOL" sign "$PKI/seals/STP-1.key" "$PKI/seals/STP-1.pem" "$PKI/seals/STP-1.pass" \
	"$T/classic.pdf" "$T/presigned.pdf" "Earlier"

for shape in classic objstm presigned; do
	in="$T/$shape.pdf"
	approver "$in" "$T/$shape-1.pdf" Approver
	seal "$T/$shape-1.pdf" "$T/$shape-2.pdf" Seal
	cmp -n "$(stat -c %s "$in")" "$in" "$T/$shape-2.pdf" || fail "$shape: the original revision changed"
	n=2; [ $shape = presigned ] && n=3
	check_signed "$T/$shape-2.pdf" $n
	# the update's cross-reference section is of the input's kind
	if [ $shape = objstm ]; then
		tail -c 600 "$T/$shape-2.pdf" | grep -aq "/Type /XRef" || fail "objstm: no xref stream in the update"
	else
		tail -c 600 "$T/$shape-2.pdf" | grep -aq "^trailer" || fail "$shape: no xref table in the update"
	fi
	ok "$shape: approver then seal; dossier verify, pdfsig, mutool, qpdf --check and openssl cms agree"
done

# refused inputs: encrypted, damaged, not a PDF; nothing written
qpdf --encrypt "" owner-pass 256 -- "$T/classic.pdf" "$T/enc.pdf"
expect_fail 65 approver "$T/enc.pdf" "$T/x.pdf" Approver
grep -q "encrypted PDF" "$T/err" || fail "encrypted: $(cat "$T/err")"
python3 - "$T/classic.pdf" "$T/damaged.pdf" <<'PY'
import sys
raw = bytearray(open(sys.argv[1], "rb").read())
i = raw.rindex(b"startxref") + len(b"startxref\n")
j = raw.index(b"\n", i)
raw[i:j] = str(int(raw[i:j]) - 7).encode()   # the xref is not where it says
open(sys.argv[2], "wb").write(raw)
PY
expect_fail 65 approver "$T/damaged.pdf" "$T/x.pdf" Approver
grep -q "damaged PDF" "$T/err" || fail "damaged: $(cat "$T/err")"
head -c 3000 "$T/classic.pdf" > "$T/truncated.pdf"
expect_fail 65 approver "$T/truncated.pdf" "$T/x.pdf" Approver
grep -q "damaged PDF" "$T/err" || fail "truncated: $(cat "$T/err")"
# certified with no changes allowed (DocMDP P=1): the root's /Perms names a
# certification signature whose transform parameters say P 1
python3 - "$T/classic.pdf" "$T/docmdp.pdf" <<'PY'
import re, sys
raw = open(sys.argv[1], "rb").read()
prev = int(re.findall(rb"startxref\s+(\d+)", raw)[-1])
size = int(re.findall(rb"/Size (\d+)", raw)[-1])
root = int(re.findall(rb"/Root (\d+) 0 R", raw)[-1])
body = re.search(rb"\n%d 0 obj\s*<<(.*?)>>\s*endobj" % root, raw, re.S).group(1)
o1 = b"%d 0 obj\n<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached /Reference [<< /Type /SigRef /TransformMethod /DocMDP /TransformParams << /Type /TransformParams /P 1 /V /1.2 >> >>] >>\nendobj\n" % size
o2 = b"%d 0 obj\n<<%s /Perms << /DocMDP %d 0 R >> >>\nendobj\n" % (root, body, size)
off1 = len(raw); off2 = off1 + len(o1); x = off2 + len(o2)
xref = b"xref\n%d 1\n%010d 00000 n\r\n%d 1\n%010d 00000 n\r\ntrailer\n<< /Size %d /Root %d 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (root, off2, size, off1, size + 1, root, prev, x)
open(sys.argv[2], "wb").write(raw + o1 + o2 + xref)
PY
qpdf --check "$T/docmdp.pdf" >/dev/null 2>&1 || fail "docmdp.pdf fixture"
expect_fail 65 approver "$T/docmdp.pdf" "$T/x.pdf" Approver
grep -q "DocMDP P=1" "$T/err" || fail "DocMDP: $(cat "$T/err")"
[ ! -e "$T/x.pdf" ] || fail "a refused input produced output"
expect_fail 66 "$D" verify "$T/enc.pdf"
ok "encrypted, damaged, truncated and no-change-certified (DocMDP P=1) PDFs are refused with the reason"

# tampering
S="$T/classic-2.pdf"
python3 - "$S" "$T/flip.pdf" <<'PY'
import sys
raw = bytearray(open(sys.argv[1], "rb").read())
i = raw.index(b"stream") + 20   # inside the first page content or font
raw[i] ^= 1
open(sys.argv[2], "wb").write(raw)
PY
expect_fail 1 "$D" verify "$T/flip.pdf"
pdfsig "$T/flip.pdf" > "$T/ps.txt" 2>&1 || true
! grep -q "Signature is Valid" "$T/ps.txt" || { cat "$T/ps.txt"; fail "pdfsig accepted a changed byte"; }
ok "a byte changed in the first revision: dossier verify and pdfsig fail"

python3 - "$S" "$T/appended.pdf" <<'PY'
import re, sys
raw = open(sys.argv[1], "rb").read()
prev = int(re.findall(rb"startxref\s+(\d+)", raw)[-1])
size = int(re.findall(rb"/Size (\d+)", raw)[-1])
root = re.findall(rb"/Root (\d+ \d+ R)", raw)[-1]
off = len(raw)
obj = b"%d 0 obj\n(added after the seal)\nendobj\n" % size
xref = len(raw) + len(obj)
tail = b"xref\n%d 1\n%010d 00000 n\r\ntrailer\n<< /Size %d /Root %s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (size, off, size + 1, root, prev, xref)
open(sys.argv[2], "wb").write(raw + obj + tail)
PY
qpdf --check "$T/appended.pdf" >/dev/null 2>&1 || fail "the appended update is not a valid PDF update"
expect_fail 1 "$D" verify "$T/appended.pdf"
grep -q "are not signed" "$T/out" || fail "appended: $(cat "$T/out")"
pdfsig "$T/appended.pdf" > "$T/ps.txt" 2>&1 || true
! tail -n 4 "$T/ps.txt" | grep -q "Total document signed" || fail "pdfsig: appended object still total"
ok "an object appended after the seal: dossier verify fails, pdfsig says not total"

python3 - "$S" "$T/objstm-2.pdf" "$T/copied.pdf" <<'PY'
import re, sys
a = bytearray(open(sys.argv[1], "rb").read())
b = open(sys.argv[2], "rb").read()
def last_gap(raw):
    brs = [tuple(int(x) for x in m.groups()) for m in re.finditer(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", raw)]
    x = max(brs, key=lambda r: r[2] + r[3])
    return x[1], x[2]
s1, e1 = last_gap(a)
s2, e2 = last_gap(b)
assert e1 - s1 == e2 - s2
a[s1:e1] = b[s2:e2]
open(sys.argv[3], "wb").write(a)
PY
expect_fail 1 "$D" verify "$T/copied.pdf"
pdfsig "$T/copied.pdf" > "$T/ps.txt" 2>&1 || true
[ "$(grep -c "Signature is Valid" "$T/ps.txt")" = 1 ] || { cat "$T/ps.txt"; fail "pdfsig accepted a copied seal"; }
ok "a seal signature copied from another PDF: dossier verify and pdfsig fail"

# roles: a "Seal" signature made with the approver's personal certificate
approver "$T/classic-1.pdf" "$T/wrongrole.pdf" Seal
expect_fail 2 "$D" verify "$T/wrongrole.pdf"
grep -q "seal_profile.*FAILED" "$T/out" || fail "wrong role: $(cat "$T/out")"
ok "the seal field signed with a personal certificate is INDETERMINATE (seal profile)"

# B-T: the signature time-stamp from the TSA
"$TSA" "$PKI/tsa.key" "$PKI/tsa.pem" "$PKI/tsa.pass" "$T/port" &
tsa_pid=$!
trap 'kill $tsa_pid 2>/dev/null; rm -rf "$T"' EXIT
i=0
# the TSA unlocks its key first (PBKDF2, slow under ASan on a busy machine): wait while it lives
while [ ! -s "$T/port" ] && kill -0 $tsa_pid 2>/dev/null && [ $i -lt 3000 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$T/port" ] || fail "the TSA did not start"
URL="http://127.0.0.1:$(cat "$T/port")/ok"
approver "$T/classic.pdf" "$T/bt-1.pdf" Approver B-T "$URL" "$PKI/root.pem"
seal "$T/bt-1.pdf" "$T/bt-2.pdf" Seal B-T "$URL" "$PKI/root.pem"
check_signed "$T/bt-2.pdf" 2
"$D" verify --json "$T/bt-2.pdf" > "$T/v.json"
[ "$(json_get "$T/v.json" '[s["level"] for s in d[0]["signatures"]]')" = "['B-T', 'B-T']" ] || fail "B-T levels"
[ "$(json_get "$T/v.json" '[c["outcome"] for c in d[0]["signatures"][1]["checks"] if c["name"] == "timestamp"]')" = "['PASSED']" ] || fail "B-T time-stamp check"
ok "B-T: signature time-stamps from the TSA, verified"

# dossier seal: each result PDF signed (approver, then seal), in the bundle
# and beside it; dossier export --pdf; an encrypted result stops the seal
"$D" procedure add 1.004227 --name "Đăng ký biến động đất đai" --department STNMT --days 15 >/dev/null
echo "Đơn đăng ký." > "$T/text"
"$MK" -o "$T/a.tif" --pages 1 < "$T/text"
code=$("$D" intake --procedure 1.004227 --applicant-id 001090000001 --applicant-name "Nguyễn Văn An" "$T/a.tif" | tail -n 1)
"$SETUP" --digitize "$DOSSIER_HOME" "$code"
"$D" attach "$code" --result "$T/objstm.pdf" --title "Giấy chứng nhận" >/dev/null
"$D" attach "$code" --result "$T/enc.pdf" --title "Bản mã hoá" >/dev/null
expect_fail 65 "$D" seal "$code" --seal STNMT-1 --approver an --approver-passphrase-file "$PKI/approvers/an.pass"
grep -q "encrypted PDF" "$T/err" || fail "seal with an encrypted result: $(cat "$T/err")"
[ -z "$(find "$DOSSIER_HOME/archive" -name "$code*")" ] || fail "a refused seal left files"
"$D" show "$code" --json > "$T/s.json"
[ "$(json_get "$T/s.json" 'd["state"]')" = digitized ] || fail "state after a refused seal"
ok "a result PDF that cannot be signed (encrypted) stops the seal; nothing written"

code=$("$D" intake --procedure 1.004227 --applicant-id 001090000001 --applicant-name "Nguyễn Văn An" "$T/a.tif" | tail -n 1)
"$SETUP" --digitize "$DOSSIER_HOME" "$code"
"$D" attach "$code" --result "$T/classic.pdf" --title "Giấy chứng nhận" >/dev/null
"$MK" -o "$T/scan.tif" --pages 1 < "$T/text"
"$D" attach "$code" --result "$T/scan.tif" --title "Bản quét" >/dev/null
"$D" attach "$code" --result "$T/objstm.pdf" --title "Quyết định" >/dev/null
B=$("$D" seal "$code" --seal STNMT-1 --approver an --approver-passphrase-file "$PKI/approvers/an.pass" | tail -n 1)
dir=$(dirname "$B")
[ -f "$dir/$code-result-1.pdf" ] && [ -f "$dir/$code-result-3.pdf" ] || fail "no signed PDFs beside the bundle: $(ls "$dir")"
[ ! -e "$dir/$code-result-2.pdf" ] || fail "a scan was turned into a PDF"
for r in 1 3; do
	check_signed "$dir/$code-result-$r.pdf" 2
	src=$T/classic.pdf; [ $r = 3 ] && src=$T/objstm.pdf
	cmp -n "$(stat -c %s "$src")" "$src" "$dir/$code-result-$r.pdf" || fail "result $r: the attached bytes are not kept"
done
"$D" verify "$B" >/dev/null || fail "the bundle with signed PDFs does not verify"
unzip -p "$B" dossier.json > "$T/j.json"
[ "$(json_get "$T/j.json" '[r.get("signed_pdf") for r in d["results"]]')" = "['result/r01-classic-signed.pdf', None, 'result/r03-objstm-signed.pdf']" ] || fail "dossier.json signed_pdf: $(cat "$T/j.json")"
unzip -p "$B" result/r01-classic-signed.pdf | cmp - "$dir/$code-result-1.pdf" || fail "bundle and side PDF differ"
[ "$(sha256sum < "$dir/$code-result-1.pdf" | cut -d' ' -f1)" = "$(json_get "$T/j.json" 'd["results"][0]["signed_sha256"]')" ] || fail "signed_sha256"
ok "dossier seal signs each result PDF (approver, seal) into the bundle and beside it as CODE-result-N.pdf"

mkdir "$T/pdfout"
"$D" export "$code" --pdf "$T/pdfout" > "$T/ex.txt"
[ "$(wc -l < "$T/ex.txt")" = 2 ] || fail "export --pdf printed $(cat "$T/ex.txt")"
cmp "$T/pdfout/$code-result-1.pdf" "$dir/$code-result-1.pdf" && cmp "$T/pdfout/$code-result-3.pdf" "$dir/$code-result-3.pdf" || fail "export --pdf"
expect_fail 73 "$D" export "$code" --pdf "$T/pdfout" # already exists: 73 (issue 14 item 15)
grep -q "already exists" "$T/err" || fail "export --pdf over a file: $(cat "$T/err")"
ok "dossier export CODE --pdf DIR writes the signed PDFs from the bundle, never over a file"
