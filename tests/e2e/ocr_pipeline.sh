#!/bin/sh
# The whole pipeline with nothing stood in: intake of scans, real OCR
# (Tesseract), search, the demo PKI, `dossier seal` at its default level,
# the bundle's contents (scans, cleaned pages, text, hOCR, searchable PDF),
# `dossier verify`, `dossier check`, and reuse at the counter with
# `dossier intake --reuse CODE` (verified then, refused for another
# applicant or a damaged bundle with nothing registered, and sealed into
# the new dossier's bundle).
. "$(dirname "$0")/lib.sh"
export OMP_THREAD_LIMIT=1
for t in python3 unzip pdfinfo; do
	command -v $t >/dev/null || { echo "skip: $t not installed"; exit 99; }
done
ndossiers() { "$D" list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

demo_pki lan

"$MK" -o "$T/don.tif" --pages 2 --text "ĐƠN ĐĂNG KÝ BIẾN ĐỘNG ĐẤT ĐAI
Kính gửi: Văn phòng đăng ký đất đai tỉnh Bắc Ninh.
Người sử dụng đất: Nguyễn Văn An, thửa số 215, tờ bản đồ số 7." >/dev/null
c1=$("$D" intake --procedure 1.004227 --applicant-id 001090000001 --applicant-name "Nguyễn Văn An" \
	--actor clerk1 "$T/don.tif" 2>/dev/null | tail -n 1)
"$D" ocr "$c1" >/dev/null 2>&1 || fail "dossier ocr $c1"
"$D" show --json "$c1" > "$T/show.json"
[ "$(json_get "$T/show.json" 'd["state"]')" = digitized ] || fail "not digitized after OCR"
[ "$(json_get "$T/show.json" '[p["language"] for p in d["pages"]]')" = "['vie', 'vie']" ] ||
	{ cat "$T/show.json"; fail "page languages"; }
"$D" search --json "dang ky bien dong" > "$T/s.json"
json_get "$T/s.json" '[h["code"] for h in d]' | grep -q "$c1" || { cat "$T/s.json"; fail "search without diacritics"; }
ok "intake, OCR (Vietnamese on both pages), search without diacritics"

B1=$("$D" seal "$c1" --seal STNMT-1 --approver lan --approver-passphrase-file "$T/ap" | tail -n 1)
[ -f "$B1" ] || fail "no bundle at '$B1'"
unzip -Z1 "$B1" > "$T/names"
for n in mimetype dossier.json pages/p0001.tif pages/p0002.tif clean/p0001.tif text/p0001.txt \
	hocr/p0002.hocr dossier.pdf META-INF/ASiCManifest001.xml META-INF/signature001.p7s \
	META-INF/ASiCManifest002.xml META-INF/signature002.p7s; do
	grep -qx "$n" "$T/names" || { cat "$T/names"; fail "$n missing from the bundle"; }
done
unzip -p "$B1" dossier.pdf > "$T/d.pdf"
[ "$(pdfinfo "$T/d.pdf" | awk '/^Pages:/ {print $2}')" = 2 ] || fail "searchable PDF pages"
pdftotext "$T/d.pdf" - | grep -q "Nguy" || fail "the searchable PDF has no text layer"
unzip -p "$B1" text/p0001.txt | grep -q "Nguy" || fail "page text in the bundle"
unzip -p "$B1" dossier.json > "$T/dj.json"
[ "$(json_get "$T/dj.json" 'd["pdf"]')" = dossier.pdf ] || fail "dossier.json names no PDF"
"$D" verify --json "$B1" > "$T/v1.json" || { cat "$T/v1.json"; fail "verify $B1"; }
[ "$(json_get "$T/v1.json" 'd[0]["indication"] + " " + " ".join(s["level"] for s in d[0]["signatures"])')" = "TOTAL_PASSED B-LT B-LT" ] ||
	{ cat "$T/v1.json"; fail "verdict or level"; }
ok "seal: scans, cleaned pages, text, hOCR and the searchable PDF inside; B-LT by default; TOTAL_PASSED"

"$D" check --json > "$T/check.json" || { cat "$T/check.json"; fail "dossier check"; }
[ "$(json_get "$T/check.json" '(d["loss"], d["corrupt"], d["leftovers"])')" = "(0, 0, 0)" ] ||
	{ cat "$T/check.json"; fail "check after sealing: the PDF or a bundle not accounted for"; }
ok "dossier check: every blob and bundle accounted for"

# reuse at the counter: another applicant's bundle is refused, nothing registered
n0=$(ndossiers)
expect_fail 77 "$D" intake --procedure 1.004227 --applicant-id 001090000002 --applicant-name "Trần Thị Bình" \
	--reuse "$c1" "$T/don.tif"
grep -q "another applicant" "$T/err" || fail "other applicant: $(cat "$T/err")"
expect_fail 66 "$D" intake --procedure 1.004227 --applicant-id 001090000001 --applicant-name "Nguyễn Văn An" \
	--reuse 000.00.00.H00-000101-9999
# a damaged bundle is refused
cp "$B1" "$T/keep.asice"
printf 'X' | dd of="$B1" bs=1 seek=200 conv=notrunc 2>/dev/null
expect_fail 65 "$D" intake --procedure 1.004227 --applicant-id 001090000001 --applicant-name "Nguyễn Văn An" \
	--reuse "$c1"
grep -q "SHA-256" "$T/err" || fail "damaged bundle: $(cat "$T/err")"
cp "$T/keep.asice" "$B1"
[ "$(ndossiers)" = "$n0" ] || fail "a refused reuse registered a dossier"
ok "reuse refused for another applicant, an unknown dossier and a damaged bundle; nothing registered"

c2=$("$D" intake --procedure 1.004227 --applicant-id 001090000001 --applicant-name "Nguyễn Văn An" \
	--reuse "$c1" "$T/don.tif" 2>"$T/intake.err" | tail -n 1)
grep -q "reuses the sealed bundle of $c1" "$T/intake.err" || fail "intake did not say it reuses $c1"
"$D" show --json "$c2" > "$T/show2.json"
json_get "$T/show2.json" '[e["action"] for e in d["events"]]' | grep -q reuse_attached || { cat "$T/show2.json"; fail "no reuse event"; }
"$D" ocr "$c2" >/dev/null 2>&1 || fail "dossier ocr $c2"
B2=$("$D" seal "$c2" --seal STNMT-1 --approver lan --approver-passphrase-file "$T/ap" | tail -n 1)
unzip -p "$B2" dossier.json > "$T/dj2.json"
sha1=$(sha256sum "$B1" | cut -d' ' -f1)
[ "$(json_get "$T/dj2.json" '[(r["code"], r["bundle_sha256"], r["indication"]) for r in d["reuses"]]')" = "[('$c1', '$sha1', 'TOTAL_PASSED')]" ] ||
	{ cat "$T/dj2.json"; fail "the reference sealed into the new bundle"; }
"$D" verify "$B1" "$B2" > "$T/v2.txt" || { cat "$T/v2.txt"; fail "verify both bundles"; }
check_bundle "$B1" "$DOSSIER_HOME/pki/root.pem"
check_bundle "$B2" "$DOSSIER_HOME/pki/root.pem"
"$D" reuse --applicant-id 001090000001 --json > "$T/r.json"
[ "$(json_get "$T/r.json" 'sorted(b["code"] for b in d)')" = "$(python3 -c "print(sorted(['$c1', '$c2']))")" ] ||
	{ cat "$T/r.json"; fail "reuse list"; }
ok "intake --reuse: verified at the counter, the reference sealed with the new dossier, both bundles verify"

# dossier check finds what is lost or damaged, and tells leftovers apart
blob=$(json_get "$T/show.json" 'd["pages"][0]["sha256"]')
bpath="$DOSSIER_HOME/store/sha256/$(echo "$blob" | cut -c1-2)/$(echo "$blob" | cut -c3-4)/$blob"
[ -f "$bpath" ] || fail "no blob at $bpath"
cp "$bpath" "$T/blob.keep"
chmod u+w "$bpath"; printf 'X' | dd of="$bpath" bs=1 seek=50 conv=notrunc 2>/dev/null
expect_fail 1 "$D" check
grep -q "1 corrupt" "$T/out" && grep -q "$blob" "$T/out" || { cat "$T/out"; fail "check: a damaged blob"; }
rm -f "$bpath"
expect_fail 1 "$D" check
grep -q "1 lost" "$T/out" || { cat "$T/out"; fail "check: a missing blob"; }
cp "$T/blob.keep" "$bpath"
mv "$B2" "$T/b2.keep"
expect_fail 1 "$D" check
grep -q "1 lost" "$T/out" && grep -q "$(basename "$B2")" "$T/out" || { cat "$T/out"; fail "check: a missing bundle"; }
mv "$T/b2.keep" "$B2"
cp "$B1" "$(dirname "$B1")/stray.asice"
"$D" check --json > "$T/c.json" || { cat "$T/c.json"; fail "check: a stray bundle is not a loss"; }
[ "$(json_get "$T/c.json" '(d["loss"], d["corrupt"], d["leftovers"])')" = "(0, 0, 1)" ] || { cat "$T/c.json"; fail "check: a stray bundle is a leftover"; }
rm "$(dirname "$B1")/stray.asice"
"$D" check >/dev/null || fail "check after restoring everything"
ok "dossier check: a damaged or missing blob, a missing bundle (failures), a stray bundle (leftover)"
