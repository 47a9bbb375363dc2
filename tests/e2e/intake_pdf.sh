#!/bin/sh
# End-to-end (issue 14, item 19): scans sent as PDF. Image-only PDFs made by
# img2pdf (JPEG kept as DCT, PNG as Flate with PNG predictors: grey, colour,
# 1-bit) and tiff2pdf (a G4 TIFF kept as CCITT) are taken by intake, pages
# add and the inbox, each page's pixels and resolution equal to those of
# the image it was made from (the same stored page); a PDF with text or
# vector graphics, an encrypted one, a Flate bomb, two images on a page and
# a damaged file are refused with the reason and leave nothing behind.
. "$(dirname "$0")/lib.sh"
: "${DOSSIERD:?DOSSIERD must point at the dossierd binary}"
PY=/usr/bin/python3 # Debian's, with python3-img2pdf
"$PY" -c 'import img2pdf' 2>/dev/null || fail "python3-img2pdf is not installed (scripts/deps.txt)"
for t in tiff2pdf ps2pdf qpdf; do command -v $t >/dev/null || fail "$t is not installed (scripts/deps.txt)"; done

"$D" init >/dev/null
printf '[daemon]\nocr = false\nsettle_ms = 0\n' >> "$DOSSIER_HOME/dossier.conf"
"$D" department add STNMT --name "Sở Tài nguyên và Môi trường" >/dev/null
"$D" procedure add 1.004227 --name "Đăng ký đất đai" --department STNMT --days 15 >/dev/null
n=0
intake() { n=$((n + 1)); "$D" intake --procedure 1.004227 --applicant-id "$n" --applicant-name "Lê Văn C" "$@" 2>"$T/err" | tail -n 1; }
pages() { "$D" show "$1" --json > "$T/show.json" && json_get "$T/show.json" '" ".join("%s:%dx%d@%d/%d" % (p["sha256"][:16], p["width"], p["height"], p["dpi"], p["bits"]) for p in d["pages"])'; }

echo "Đơn đăng ký biến động đất đai, trang một." > "$T/text"
"$MK" -o "$T/grey.jpg" --bits 8 --dpi 300 --width 1240 --height 1754 < "$T/text"
"$MK" -o "$T/grey.png" --bits 8 --dpi 200 --width 1000 --height 1400 < "$T/text"
"$MK" -o "$T/colour.png" --bits 24 --dpi 150 --width 900 --height 1270 < "$T/text"
"$MK" -o "$T/bilevel.png" --bits 1 --dpi 300 --width 1240 --height 1754 < "$T/text"
"$MK" -o "$T/g4.tif" --bits 1 --compression g4 --dpi 300 --width 2480 --height 3508 < "$T/text"
for f in grey.jpg grey.png colour.png bilevel.png; do "$PY" -m img2pdf "$T/$f" -o "$T/$f.pdf"; done
tiff2pdf -o "$T/g4.tif.pdf" "$T/g4.tif"
grep -aq DCTDecode "$T/grey.jpg.pdf" && grep -aq CCITTFaxDecode "$T/g4.tif.pdf" &&
	grep -aq FlateDecode "$T/grey.png.pdf" || fail "the test PDFs do not hold DCT, CCITT and Flate images"

for f in grey.jpg grey.png colour.png bilevel.png g4.tif; do
	a=$(intake "$T/$f") || { cat "$T/err" >&2; fail "intake $f"; }
	b=$(intake "$T/$f.pdf") || { cat "$T/err" >&2; fail "intake $f.pdf"; }
	pa=$(pages "$a") pb=$(pages "$b")
	[ -n "$pa" ] && [ "$pa" = "$pb" ] || fail "$f.pdf: page $pb, the image itself gives $pa"
done
ok "image-only PDFs (DCT, Flate grey/colour/1-bit with predictors, CCITT G4): each page the same pixels and resolution as its image"

"$PY" -m img2pdf "$T/grey.jpg" "$T/bilevel.png" "$T/colour.png" -o "$T/three.pdf"
c=$(intake "$T/three.pdf") || { cat "$T/err" >&2; fail "intake three.pdf"; }
[ "$(pages "$c" | wc -w)" = 3 ] || fail "three pages: $(pages "$c")"
"$D" pages add "$c" "$T/g4.tif.pdf" >/dev/null 2>"$T/err" || { cat "$T/err" >&2; fail "pages add a PDF"; }
[ "$(pages "$c" | wc -w)" = 4 ] || fail "pages add: $(pages "$c")"
ok "a three-page PDF at intake; a PDF added with pages add"

# refused, with the reason, nothing registered
printf '%%!PS\n/Helvetica findfont 24 scalefont setfont 72 700 moveto (Van ban) show showpage\n' > "$T/v.ps"
ps2pdf "$T/v.ps" "$T/text.pdf"
qpdf --encrypt user owner 256 -- "$T/g4.tif.pdf" "$T/enc-user.pdf"
qpdf --encrypt "" owner 256 -- "$T/g4.tif.pdf" "$T/enc-owner.pdf"
head -c 1500 "$T/grey.png.pdf" > "$T/truncated.pdf"
# hand-made: a Flate bomb (a 64x64 grey image whose stream inflates to 64 MB),
# a page drawing two images, a page drawing a path over its image
"$PY" - "$T" <<'PY'
import sys, zlib
out = sys.argv[1]
def pdf(path, content, images, extra=b""):
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", None, None, None]
    xo = b" ".join(b"/Im%d %d 0 R" % (k, 5 + k) for k in range(len(images)))
    objs[2] = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] " + extra + b" /Resources << /XObject << " + xo + b" >> >> /Contents 4 0 R >>"
    objs[1] = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
    objs[3] = b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"
    for w, h, data in images:
        objs.append(b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
                    b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n" % (w, h, len(data))
                    + data + b"\nendstream")
    body, offs = b"%PDF-1.4\n", []
    for i, o in enumerate(objs):
        offs.append(len(body))
        body += b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n"
    x = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    body += b"".join(b"%010d 00000 n \n" % o for o in offs)
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, x)
    open("%s/%s" % (out, path), "wb").write(body)
img = (64, 64, zlib.compress(bytes(range(64)) * 64))
pdf("ok.pdf", b"q 64 0 0 64 0 0 cm /Im0 Do Q", [img])
pdf("bomb.pdf", b"q 64 0 0 64 0 0 cm /Im0 Do Q", [(64, 64, zlib.compress(b"\x00" * (64 << 20), 9))])
pdf("two.pdf", b"q 64 0 0 64 0 0 cm /Im0 Do Q q 64 0 0 64 100 0 cm /Im1 Do Q", [img, img])
pdf("path.pdf", b"q 64 0 0 64 0 0 cm /Im0 Do Q 0 0 m 100 100 l S", [img])
# nesting: 200,000 arrays in the page dictionary (qpdf's parser limit), and
# 100 graphics states in the content (ours)
pdf("deep.pdf", b"q 64 0 0 64 0 0 cm /Im0 Do Q", [img], b"/Deep " + b"[" * 200000 + b"]" * 200000)
pdf("deepq.pdf", b"q " * 100 + b"64 0 0 64 0 0 cm /Im0 Do" + b" Q" * 100, [img])
# the image drawn turned a quarter anticlockwise by its CTM, and what that shows
pdf("ctm90.pdf", b"q 0 64 -64 0 64 0 cm /Im0 Do Q", [img])
from PIL import Image
im = Image.frombytes("L", (64, 64), bytes(range(64)) * 64)
im.transpose(Image.Transpose.ROTATE_90).save("%s/ctm90.png" % out, dpi=(72, 72))
# img2pdf -r (the page's /Rotate) and what each shows
for r, t in ((90, Image.Transpose.ROTATE_270), (270, Image.Transpose.ROTATE_90)):
    g = Image.open("%s/grey.png" % out)
    g.transpose(t).save("%s/rot%d.png" % (out, r), dpi=(200, 200))
PY
c=$(intake "$T/ok.pdf") || { cat "$T/err" >&2; fail "the hand-made image-only PDF"; }
pages "$c" | grep -q ':64x64@72/8$' || fail "hand-made PDF: $(pages "$c")"
"$PY" -m img2pdf -r 90 "$T/grey.png" -o "$T/rot90.pdf"
"$PY" -m img2pdf -r 270 "$T/grey.png" -o "$T/rot270.pdf"
grep -aq "/Rotate 90" "$T/rot90.pdf" || fail "img2pdf -r 90 did not set /Rotate"
for f in ctm90 rot90 rot270; do
	a=$(intake "$T/$f.png") || { cat "$T/err" >&2; fail "intake $f.png"; }
	b=$(intake "$T/$f.pdf") || { cat "$T/err" >&2; fail "intake $f.pdf"; }
	pa=$(pages "$a") pb=$(pages "$b")
	[ -n "$pa" ] && [ "$pa" = "$pb" ] || fail "$f.pdf: page $pb, shown as $pa"
done
ok "pages turned by /Rotate 90 and 270 and an image turned by its CTM: stored as shown"
before=$("$D" list --json | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')
refused() { # FILE WHAT
	expect_fail 65 "$D" intake --procedure 1.004227 --applicant-id 99 --applicant-name "X" "$T/$1"
	grep -q "$1.*$2" "$T/err" || { cat "$T/err" >&2; fail "$1: the reason is not '$2'"; }
}
refused text.pdf "text"
refused enc-user.pdf "encrypted"
refused enc-owner.pdf "encrypted"
refused truncated.pdf "corrupt PDF"
refused bomb.pdf "inflates to more than it holds"
refused two.pdf "several images on one page"
refused path.pdf "vector graphics operator 'm'"
refused deep.pdf "corrupt PDF"
refused deepq.pdf "graphics states nested deeper than 16"
[ "$("$D" list --json | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')" = "$before" ] ||
	fail "a refused PDF registered a dossier"
ok "refused with the reason: text, encrypted (user or owner password), truncated, a Flate bomb, two images, a path, deep nesting"

# the inbox: a PDF routed by its name is filed; one with text is rejected with its reason
IN="$DOSSIER_HOME/inbox"
d1=$(intake)
echo "Một trang gửi qua máy quét mạng." | "$MK" -o "$T/net.jpg" --bits 8 --dpi 300 --width 1240 --height 1754
"$PY" -m img2pdf "$T/net.jpg" -o "$IN/$d1.pdf"
cp "$T/text.pdf" "$IN/side.pdf"
printf '{"dossier": "%s"}' "$d1" > "$IN/side.pdf.json"
"$DOSSIERD" --once 2>"$T/log" || { cat "$T/log" >&2; fail "dossierd --once"; }
[ "$(pages "$d1" | wc -w)" = 1 ] || { cat "$T/log" >&2; fail "inbox: the PDF was not filed: $(pages "$d1")"; }
[ -e "$IN/rejected/side.pdf" ] && grep -q "text" "$IN/rejected/side.pdf.error.txt" ||
	{ ls -R "$IN" >&2; cat "$T/log" >&2; fail "inbox: the text PDF was not rejected with its reason"; }
ok "inbox: an image-only PDF filed, a PDF with text rejected with the reason"
