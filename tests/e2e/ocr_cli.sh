#!/bin/sh
# dossier ocr / text / search end to end on synthetic pages (ds-mkscan):
# language per page, blank page skipped, digitized with an event, text with
# form feeds, search folding diacritics and case, --exact, filters, a page
# without text recorded as failed (the pool goes on), resume after a kill
# (finished pages not redone), and refusals.
set -eu
: "${DOSSIER:?}" "${DS_MKSCAN:?}"
for t in python3 sqlite3 pdfinfo; do
	command -v $t >/dev/null || { echo "skip: $t not installed"; exit 99; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/ocr-cli.XXXXXX")
trap 'rm -rf "$T"' EXIT
export DOSSIER_HOME="$T/home" OMP_THREAD_LIMIT=1
fail=0
bad() { echo "FAIL: $*"; fail=1; }
D=$DOSSIER
js() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

"$D" init >/dev/null
"$D" department add STNMT --name "Sở Tài nguyên và Môi trường" >/dev/null
"$D" procedure add 1.004227 --name "Đăng ký biến động đất đai" --department STNMT --days 15 >/dev/null
"$D" procedure add 2.000001 --name "Cấp phép xây dựng" --department XD --days 10 >/dev/null 2>&1 ||
	{ "$D" department add XD --name "Sở Xây dựng" >/dev/null;
	  "$D" procedure add 2.000001 --name "Cấp phép xây dựng" --department XD --days 10 >/dev/null; }

"$DS_MKSCAN" -o "$T/vi.tif" --text "ĐƠN ĐĂNG KÝ BIẾN ĐỘNG ĐẤT ĐAI
Kính gửi: Văn phòng đăng ký đất đai tỉnh Bắc Ninh.
Người sử dụng đất: Nguyễn Văn An, thửa số 215, tờ bản đồ số 7."
"$DS_MKSCAN" -o "$T/blank.png" --text " "
"$DS_MKSCAN" -o "$T/en.png" --text "Building permit application. The quick brown fox jumps over the lazy dog."
# A page with ink but no text: a black square (PNG written here).
python3 - "$T/box.png" <<'PY'
import struct, sys, zlib
w = h = 800
rows = b"".join(b"\x00" + bytes(0 if 200 <= y < 600 and 200 <= x < 600 else 255 for x in range(w)) for y in range(h))
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
PY

A=$("$D" intake --procedure 1.004227 --applicant-id 001 --applicant-name "Nguyễn Văn An" "$T/vi.tif" "$T/blank.png" | tail -n 1)
B=$("$D" intake --procedure 2.000001 --applicant-id 002 --applicant-name "Trần Thị Bình" "$T/en.png" "$T/box.png" | tail -n 1)

# --- A: everything readable ---
"$D" ocr "$A" --json > "$T/a.json" || bad "ocr $A failed"
[ "$(js 'd["done"], d["skipped_blank"], d["failed"], d["digitized"]' < "$T/a.json")" = "1 1 0 1" ] ||
	bad "ocr $A counts: $(cat "$T/a.json")"
# where the CPU went: five stages in whole milliseconds, Tesseract's the largest
[ "$(js 'sorted(d["cpu_ms"]) == ["pdf", "prepare", "recognize", "store", "text_hocr"] and all(type(v) is int and v >= 0 for v in d["cpu_ms"].values()) and d["cpu_ms"]["recognize"] == max(d["cpu_ms"].values()) > 0' < "$T/a.json")" = True ] ||
	bad "ocr $A cpu_ms: $(cat "$T/a.json")"
"$D" show --json "$A" > "$T/a-show.json"
[ "$(js 'd["state"]' < "$T/a-show.json")" = digitized ] || bad "$A not digitized"
[ "$(js 'd["pages"][0]["language"], d["pages"][0]["ocr_state"], d["pages"][0]["blank"]' < "$T/a-show.json")" = "vie done False" ] ||
	bad "$A page 1: $(js 'd["pages"][0]' < "$T/a-show.json")"
[ "$(js 'd["pages"][1]["ocr_state"], d["pages"][1]["blank"]' < "$T/a-show.json")" = "skipped True" ] ||
	bad "$A page 2 (blank): $(js 'd["pages"][1]' < "$T/a-show.json")"
js '[e["action"] for e in d["events"]]' < "$T/a-show.json" | grep -q digitized || bad "no digitized event"
"$D" text "$A" > "$T/a.txt"
[ "$(tr -cd '\f' < "$T/a.txt" | wc -c)" = 1 ] || bad "text: expected 1 form feed between 2 pages"
grep -q "ĐĂNG KÝ" "$T/a.txt" || bad "text: ĐĂNG KÝ not recognised"
[ "$("$D" text "$A" --page 2 | wc -c)" = 0 ] || bad "blank page has text"

# --- search ---
for q in "dang ky" "ĐĂNG KÝ" "đăng ký" "Dang KY"; do
	"$D" search "$q" --json > "$T/s.json"
	[ "$(js 'sorted(set((h["code"], h["page"]) for h in d if h["page"] > 0))' < "$T/s.json")" = "[('$A', 1)]" ] ||
		bad "search '$q': $(cat "$T/s.json")"
done
js 'd[0]["snippet"]' < "$T/s.json" | grep '\[' >/dev/null || bad "snippet not highlighted"
[ "$("$D" search "dang ky" --exact --json | js 'len(d)')" = 0 ] || bad "--exact matched without diacritics"
[ "$("$D" search "đăng ký" --exact --json | js 'len(d) > 0')" = True ] || bad "--exact missed"
[ "$("$D" search "thua so 215" --state received --json | js 'len(d)')" = 0 ] || bad "--state filter"
[ "$("$D" search "thua so 215" --procedure 2.000001 --json | js 'len(d)')" = 0 ] || bad "--procedure filter"
[ "$("$D" search "Nguyen Van An" --json | js 'd[0]["code"]')" = "$A" ] || bad "metadata search"
"$D" search "dang ky" --limit 1 --json | js 'len(d)' | grep -qx 1 || bad "--limit"
"$D" search 'NEAR("dang" ky' >/dev/null || bad "FTS5 syntax in a query broke search"
set +e
"$D" search "" >/dev/null 2>&1; [ $? -ne 0 ] || bad "empty query accepted"
"$D" search x --limit 0 >/dev/null 2>&1; [ $? = 64 ] || bad "--limit 0 accepted"
"$D" search x --state nope >/dev/null 2>&1; [ $? = 64 ] || bad "bad --state accepted"
set -e

# --- B: a page without text fails, the rest goes on; a rerun retries only it ---
set +e
"$D" ocr --pending --json > "$T/b.json"; rc=$?
set -e
[ $rc = 1 ] || bad "ocr with a failed page exited $rc, expected 1"
[ "$(js 'd["done"], d["failed"], d["digitized"]' < "$T/b.json")" = "1 1 0" ] || bad "ocr --pending: $(cat "$T/b.json")"
"$D" show --json "$B" > "$T/b-show.json"
[ "$(js 'd["state"]' < "$T/b-show.json")" = received ] || bad "$B digitized with a failed page"
[ "$(js 'd["pages"][1]["ocr_state"]' < "$T/b-show.json")" = failed ] || bad "$B page 2 not failed"
err=$(sqlite3 "$DOSSIER_HOME/catalog.db" "SELECT ocr_error FROM pages p JOIN dossiers d ON d.id=p.dossier WHERE d.code='$B' AND p.number=2 AND p.kind='page'")
echo "$err" | grep -q "no text" || bad "failure reason not recorded: '$err'"
"$D" text "$B" --page 1 | grep -q "quick brown" || bad "$B page 1 text"
set +e
"$D" text "$B" >/dev/null 2>"$T/err"; rc=$?
set -e
[ $rc = 1 ] && grep -q "page 2 is not OCRed" "$T/err" || bad "text with a failed page: rc $rc $(cat "$T/err")"
set +e
"$D" ocr "$B" --json > "$T/b2.json"
set -e
[ "$(js 'd["already_done"], d["done"], d["failed"]' < "$T/b2.json")" = "1 0 1" ] || bad "rerun: $(cat "$T/b2.json")"

# --- a progress line on a terminal (pages done/total, rate, ETA), nothing
# otherwise ---
"$DS_MKSCAN" -o "$T/prog.tif" --pages 2 --text "Trang có thanh tiến độ."
P=$("$D" intake --procedure 1.004227 --applicant-id 004 --applicant-name "Ngô Thị Dung" "$T/prog.tif" | tail -n 1)
if command -v script >/dev/null; then
	script -qec "\"$D\" ocr $P --jobs 1" /dev/null < /dev/null > "$T/prog.out" 2>&1 || bad "ocr on a terminal"
	tr '\r' '\n' < "$T/prog.out" | grep -Eq '^ocr \[#+\] 2/2 +[0-9.]+/min +ETA [0-9]{2}:[0-9]{2}' ||
		bad "no progress line on a terminal: $(cat -v "$T/prog.out")"
fi
Q=$("$D" intake --procedure 1.004227 --applicant-id 005 --applicant-name "Ngô Văn Em" "$T/prog.tif" | tail -n 1)
"$D" ocr "$Q" --jobs 1 > /dev/null 2> "$T/prog.err" || bad "ocr off a terminal"
! grep -q "ETA" "$T/prog.err" || bad "a progress line written to a file: $(cat "$T/prog.err")"

# --- resume after SIGKILL: finished pages are not redone (not even for the PDF) ---
"$DS_MKSCAN" -o "$T/multi.tif" --pages 4 --text "Trang hồ sơ đăng ký kinh doanh hộ gia đình, số thứ tự trang ở cuối."
C=$("$D" intake --procedure 1.004227 --applicant-id 003 --applicant-name "Lê Văn Cường" "$T/multi.tif" | tail -n 1)
"$D" ocr "$C" --jobs 1 >/dev/null 2>&1 &
pid=$!
n=0
for i in $(seq 1 600); do
	n=$(sqlite3 "$DOSSIER_HOME/catalog.db" "SELECT count(*) FROM pages p JOIN dossiers d ON d.id=p.dossier WHERE d.code='$C' AND p.ocr_state='done'" 2>/dev/null || echo 0)
	[ "$n" -ge 1 ] && break
	sleep 0.2
done
kill -9 $pid 2>/dev/null || true
wait $pid 2>/dev/null || true
"$D" ocr "$C" --json > "$T/c.json" || bad "resume failed"
already=$(js 'd["already_done"]' < "$T/c.json")
done_now=$(js 'd["done"]' < "$T/c.json")
echo "resume: $already pages done before the kill, $done_now after"
[ "$already" -ge 1 ] || bad "resume: nothing was done before the kill"
[ $((already + done_now)) = 4 ] || bad "resume: $already + $done_now != 4"
[ "$(js 'd["recognised_again"]' < "$T/c.json")" = 0 ] || bad "resume: finished pages were recognised again: $(cat "$T/c.json")"
[ ! -d "$DOSSIER_HOME/tmp/ocr-pages-$C" ] || bad "resume: the page PDFs were not cleaned up"
pdftotext "$DOSSIER_HOME/store/sha256/$(sqlite3 "$DOSSIER_HOME/catalog.db" "SELECT substr(f.sha256,1,2) || '/' || substr(f.sha256,3,2) || '/' || f.sha256 FROM dossier_pdf f JOIN dossiers d ON d.id=f.dossier WHERE d.code='$C'")" - |
	grep -c "kinh doanh" | grep -qx 4 || bad "resume: the joined PDF lacks the text of its 4 pages"
[ "$("$D" show --json "$C" | js 'd["state"]')" = digitized ] || bad "$C not digitized after resume"
pdf=$(sqlite3 "$DOSSIER_HOME/catalog.db" "SELECT f.sha256 FROM dossier_pdf f JOIN dossiers d ON d.id=f.dossier WHERE d.code='$C'")
[ "$(pdfinfo "$DOSSIER_HOME/store/sha256/$(echo "$pdf" | cut -c1-2)/$(echo "$pdf" | cut -c3-4)/$pdf" | awk '/^Pages:/ {print $2}')" = 4 ] ||
	bad "resumed PDF does not have 4 pages"
[ "$("$D" ocr "$C" --json | js 'd["done"], d["already_done"]')" = "0 4" ] || bad "digitized dossier OCRed again"

# --- refusals ---
set +e
"$D" ocr NOPE-000000-0000 >/dev/null 2>&1; rc=$?; [ $rc = 66 ] || bad "unknown dossier: exit $rc"
"$D" ocr >/dev/null 2>&1; [ $? = 64 ] || bad "ocr without operands"
"$D" ocr "$A" --pending >/dev/null 2>&1; [ $? = 64 ] || bad "ocr CODE --pending"
"$D" ocr "$A" --jobs 0 >/dev/null 2>&1; [ $? = 64 ] || bad "--jobs 0"
"$D" text "$A" --page 9 >/dev/null 2>&1; [ $? = 66 ] || bad "text of a missing page"
printf '[ocr]\nlanguages = ../../etc\n' >> "$DOSSIER_HOME/dossier.conf"
"$D" ocr "$B" >/dev/null 2>"$T/err"; rc=$?
set -e
[ $rc -ne 0 ] && grep -q "languages" "$T/err" || bad "bad [ocr] languages accepted (rc $rc): $(cat "$T/err")"
exit $fail
