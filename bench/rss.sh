#!/bin/sh
# Peak memory (issue 14): `dossier intake`, `dossierd --once` and `dossier
# ocr` must stay under 512 MB of resident memory on any input. Measured with
# /usr/bin/time -f %M (maximum resident set size) on the hostile files of
# the issue and on the largest pages the budgets let through. Needs a build
# without AddressSanitizer (ASan's shadow memory inflates RSS):
#   cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo && cmake --build build
#   sh bench/rss.sh build
# Exits 1 when a run goes over the limit. Not part of `make test` (it takes
# a few minutes, most of it OCR of the big pages).
set -eu
build=${1:-build}
limit_kb=${DS_RSS_LIMIT_KB:-524288}
D="$build/dossier"
DAEMON="$build/dossierd"
MK="$build/tests/ds-mkscan"
for b in "$D" "$DAEMON" "$MK"; do [ -x "$b" ] || { echo "bench/rss.sh: $b not built" >&2; exit 1; }; done
T=$(mktemp -d "${TMPDIR:-/tmp}/dossier-rss.XXXXXX")
trap 'rm -rf "$T"' EXIT
export DOSSIER_HOME="$T/home" OMP_THREAD_LIMIT=1
over=0

"$D" init >/dev/null
printf '[daemon]\nocr = true\nsettle_ms = 0\n[ocr]\njobs = 1\n' >> "$DOSSIER_HOME/dossier.conf"
"$D" department add STNMT --name "Sở Tài nguyên và Môi trường" >/dev/null
"$D" procedure add 1.004227 --name "Đăng ký đất đai" --department STNMT --days 15 >/dev/null

# the hostile files of the issue
python3 - "$T" <<'PY'
import struct, sys, zlib
t = sys.argv[1]
def tiff(path, w, h, spp, pages, strip):
    n = 10
    out = bytearray(b"II*\0" + struct.pack("<I", 0))
    bps_off = len(out); out += struct.pack("<HHH", 8, 8, 8)
    strip_off = len(out); out += strip
    out[4:8] = struct.pack("<I", len(out))
    for i in range(pages):
        at = len(out); nxt = at + 2 + 12 * n + 4 if i + 1 < pages else 0
        bps = (258, 3, 3, bps_off) if spp == 3 else (258, 3, 1, 8 if spp else 1)
        ents = [(256, 4, 1, w), (257, 4, 1, h), bps, (259, 3, 1, 8),
                (262, 3, 1, 2 if spp == 3 else 1), (273, 4, 1, strip_off),
                (277, 3, 1, spp or 1), (278, 4, 1, h), (279, 4, 1, len(strip)), (284, 3, 1, 1)]
        out += struct.pack("<H", n)
        for tg, ty, c, v in ents:
            out += struct.pack("<HHI", tg, ty, c) + (struct.pack("<HH", v, 0) if ty == 3 and c == 1 else struct.pack("<I", v))
        out += struct.pack("<I", nxt)
    open(path, "wb").write(out)
def zeros(n):
    """n zero bytes deflated, without holding them (a whole white page)."""
    z, chunk, out = zlib.compressobj(9), bytes(1 << 20), bytearray()
    while n:
        k = min(n, len(chunk)); out += z.compress(chunk[:k]); n -= k
    return bytes(out + z.flush())
tiff(t + "/pages2000.tif", 14000, 14000, 0, 2000, zeros(14000 * 14000 // 8))
tiff(t + "/rgb14000.tif", 14000, 14000, 3, 1, zeros(14000 * 14000 * 3))
tiff(t + "/grey14000.tif", 14000, 14000, 1, 1, zeros(14000 * 14000))
PY
truncate -s 3G "$T/sparse.tif"
# the largest pages the budgets let through: colour 37.7 Mpx (144 MiB
# decoded), grey and 1-bit 100 Mpx
text() { seq 1 400 | sed 's/^/Dòng thứ /; s/$/: Ủy ban nhân dân tỉnh, hồ sơ đăng ký biến động đất đai./'; }
text | "$MK" -o "$T/colour.tif" --bits 24 --dpi 600 --width 5100 --height 7390 --compression zip
text | "$MK" -o "$T/grey.tif" --bits 8 --dpi 1200 --width 8400 --height 11900 --compression zip
text | "$MK" -o "$T/bw.tif" --bits 1 --dpi 1200 --width 8400 --height 11900

rss() { # LABEL CMD...: runs CMD under /usr/bin/time, prints its peak RSS
	label=$1; shift
	set +e
	/usr/bin/time -f %M -o "$T/kb" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	set -e
	kb=$(tail -n 1 "$T/kb")
	verdict=ok
	[ "$kb" -le "$limit_kb" ] || { verdict=OVER; over=1; }
	# 126, 127: not run; 128+: killed (out of memory?)
	[ "$rc" -lt 126 ] || { verdict="NOT RUN OR KILLED"; over=1; }
	printf '| %s | %d | %d MB | %s |\n' "$label" "$rc" $((kb / 1024)) "$verdict"
	[ "$rc" = 0 ] || sed -n 1p "$T/err" | sed 's/^/|   | | | /; s/$/ |/'
}

echo "## Peak memory (issue 14: under 512 MB on any input)"
echo
echo "\`sh bench/rss.sh $build\`, maximum resident set size by \`/usr/bin/time -f %M\`."
echo
echo "| run | exit | peak RSS | |"
echo "|---|---|---|---|"
rss "intake: 2,000 pages sharing one 14000x14000 strip ($(($(stat -c %s "$T/pages2000.tif") / 1024)) KB)" "$D" intake --procedure 1.004227 --applicant-id h1 --applicant-name "Người thử" "$T/pages2000.tif"
rss "intake: one 14000x14000 colour page ($(($(stat -c %s "$T/rgb14000.tif") / 1024)) KB)" "$D" intake --procedure 1.004227 --applicant-id h2 --applicant-name "Người thử" "$T/rgb14000.tif"
rss "intake: one 14000x14000 grey page" "$D" intake --procedure 1.004227 --applicant-id h3 --applicant-name "Người thử" "$T/grey14000.tif"
rss "intake: a 3 GB sparse file" "$D" intake --procedure 1.004227 --applicant-id h4 --applicant-name "Người thử" "$T/sparse.tif"
rss "intake: colour 5100x7390 (37.7 Mpx, 144 MiB decoded)" "$D" intake --procedure 1.004227 --applicant-id c1 --applicant-name "Người thử" "$T/colour.tif"
rss "intake: grey 8400x11900 (100 Mpx)" "$D" intake --procedure 1.004227 --applicant-id c2 --applicant-name "Người thử" "$T/grey.tif"
rss "intake: 1-bit 8400x11900 (100 Mpx)" "$D" intake --procedure 1.004227 --applicant-id c3 --applicant-name "Người thử" "$T/bw.tif"
for k in c1 c2 c3; do
	code=$("$D" list --json | python3 -c "import json,sys; print([x['code'] for x in json.load(sys.stdin) if x['applicant']['id'] == '$k'][0])")
	rss "dossier ocr --jobs 1: the $k page (downsampled to 18 Mpx)" "$D" ocr --jobs 1 "$code"
done
# two workers, each with a page at the limits: the memory for pages in hand
# makes them take turns
text | sed 's/Dòng/Dãy/' | "$MK" -o "$T/colour2.tif" --bits 24 --dpi 600 --width 5100 --height 7390 --compression zip
text | sed 's/Dòng/Dãy/' | "$MK" -o "$T/grey2.tif" --bits 8 --dpi 1200 --width 8400 --height 11900 --compression zip
"$D" intake --procedure 1.004227 --applicant-id c4 --applicant-name "Người thử" "$T/colour2.tif" "$T/grey2.tif" >/dev/null 2>&1
code=$("$D" list --json | python3 -c "import json,sys; print([x['code'] for x in json.load(sys.stdin) if x['applicant']['id'] == 'c4'][0])")
rss "dossier ocr --jobs 2: a colour and a grey page at the limits, one dossier" "$D" ocr --jobs 2 "$code"
mkdir -p "$DOSSIER_HOME/inbox"
"$D" intake --procedure 1.004227 --applicant-id d1 --applicant-name "Người thử" >/dev/null
dcode=$("$D" list --json | python3 -c "import json,sys; print([x['code'] for x in json.load(sys.stdin) if x['applicant']['id'] == 'd1'][0])")
for f in pages2000 rgb14000 sparse; do mv "$T/$f.tif" "$DOSSIER_HOME/inbox/${dcode}_$f.tif"; done
# other bytes than the pages taken in above (the same would be duplicates)
text | sed 's/Dòng/Hàng/' | "$MK" -o "$DOSSIER_HOME/inbox/${dcode}_colour.tif" --bits 24 --dpi 600 --width 5100 --height 7390 --compression zip
text | sed 's/Dòng/Hàng/' | "$MK" -o "$DOSSIER_HOME/inbox/${dcode}_grey.tif" --bits 8 --dpi 1200 --width 8400 --height 11900 --compression zip
rss "dossierd --once (OCR on, 1 worker): the hostile files and the colour and grey pages" "$DAEMON" --once
"$D" status --json | python3 -c "import json,sys; d=json.load(sys.stdin); print('dossierd: %d ingested, %d rejected, OCR jobs done %d' % (d['inbox']['ingested'], d['inbox']['rejected'], d['queue']['ocr']['done']))"
echo
[ "$over" = 0 ] || { echo "bench/rss.sh: a run went over $((limit_kb / 1024)) MB" >&2; exit 1; }
