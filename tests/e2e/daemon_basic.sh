#!/bin/sh
# End-to-end: dossierd --once over a drop folder holding a batch with two
# receipts (two dossiers), a file named after its dossier, sidecars (existing
# dossier and new intake), and files that must be refused with their reason:
# corrupt, duplicate, batch not starting with its receipt, no route, bad
# sidecars. Then `dossier status`.
. "$(dirname "$0")/lib.sh"
: "${DOSSIERD:?DOSSIERD must point at the dossierd binary}"
MB="$DS_BUILD_DIR/tests/ds-mkbatch"
IN="$DOSSIER_HOME/inbox"
export DOSSIER_NOW=2025-11-26T08:14:03+07:00

"$D" init >/dev/null
printf '[daemon]\nocr = false\nsettle_ms = 0\n' >> "$DOSSIER_HOME/dossier.conf"
"$D" department add STNMT --name "Sở Tài nguyên và Môi trường" >/dev/null
"$D" procedure add 1.004227 --name "Đăng ký đất đai" --department STNMT --days 15 >/dev/null
intake() { "$D" intake --procedure 1.004227 --applicant-id "$1" --applicant-name "$2" 2>/dev/null | tail -n 1; }
c1=$(intake 001 "Nguyễn Văn An")
c2=$(intake 002 "Trần Thị Bình")
c3=$(intake 003 "Lê Văn Cường")
[ "$(json_get /dev/stdin 'd["pages"]' <<EOF2
$("$D" show "$c1" --json)
EOF2
)" = "[]" ] || fail "intake without files has pages"

# receipts: PDF and PNG; the PNG's QR holds exactly the code (zbarimg)
"$D" receipt "$c1" -o "$T/r1.png" 2>/dev/null
"$D" receipt "$c2" -o "$T/r2.png" 2>/dev/null
"$D" receipt "$c2" -o "$T/r2.pdf" 2>/dev/null
[ "$(zbarimg --quiet --raw "$T/r1.png" 2>/dev/null)" = "$c1" ] || fail "zbarimg on the receipt"
head -c 5 "$T/r2.pdf" | grep -q '%PDF-' || fail "receipt PDF"
expect_fail 66 "$D" receipt 000.00.00.H00-251126-9999 -o "$T/x.png"
expect_fail 65 "$D" receipt "$c1" -o "$T/x.txt"
ok "receipts"

echo "Đơn đăng ký biến động đất đai." > "$T/text"
"$MK" -o "$T/p2.tif" --pages 2 --bits 1 --dpi 100 --width 800 --height 1100 < "$T/text"
"$MK" -o "$T/p1.png" --bits 8 --dpi 100 --width 800 --height 1100 < "$T/text"
echo "Một trang khác." | "$MK" -o "$T/q1.png" --bits 8 --dpi 100 --width 800 --height 1100
echo "Trang nữa." | "$MK" -o "$T/s1.png" --bits 8 --dpi 100 --width 800 --height 1100
echo "Trang mới." | "$MK" -o "$T/n1.png" --bits 8 --dpi 100 --width 800 --height 1100
"$MB" -o "$IN/batch.tif" "$T/r1.png" "$T/p2.tif" "$T/r2.png" "$T/p1.png" 2>/dev/null
cp "$T/p2.tif" "$IN/$c3.tif"                     # routed by its name
cp "$T/p2.tif" "$IN/dup.tif"                     # the same bytes again
cp "$T/s1.png" "$IN/side.png"
printf '{"dossier": "%s"}' "$c3" > "$IN/side.png.json"
cp "$T/n1.png" "$IN/new.png"
printf '{"procedure": "1.004227", "applicant_id": "004", "applicant_name": "Phạm Thị Dung"}' > "$IN/new.json"
head -c $(( $(stat -c %s "$T/p2.tif") / 2 )) "$T/p2.tif" > "$IN/corrupt.tif"
"$MB" -o "$IN/late.tif" "$T/q1.png" "$T/r1.png" 2>/dev/null   # receipt not first
cp "$T/q1.png" "$IN/nowhere.png"
echo "Khác." | "$MK" -o "$IN/badside.png" --bits 8 --dpi 100 --width 400 --height 400
printf '{"dossier": "%s", "color": "red"}' "$c3" > "$IN/badside.png.json"
echo "Khác nữa." | "$MK" -o "$IN/ghost.png" --bits 8 --dpi 100 --width 400 --height 400
printf '{"dossier": "000.00.00.H00-251126-0999"}' > "$IN/ghost.json"
mkdir -p "$T/elsewhere" && echo "secret" > "$T/elsewhere/secret.txt"
ln -s "$T/elsewhere/secret.txt" "$IN/link.tif"
touch "$IN/.hidden.tif" "$IN/partial.tif.part"

"$DOSSIERD" --once 2>"$T/log" || { cat "$T/log" >&2; fail "dossierd --once exited $?"; }
cat "$T/log"
grep -q 'info: batch.tif: ingested 3 pages (2 receipts)' "$T/log" || fail "batch log line"

# the batch became two dossiers, receipts kept as cover sheets
"$D" show "$c1" --json > "$T/s1.json"
[ "$(json_get "$T/s1.json" '(len(d["pages"]), len(d["cover_sheets"]))')" = "(2, 1)" ] || fail "c1 pages: $(json_get "$T/s1.json" '(len(d["pages"]), len(d["cover_sheets"]))')"
"$D" show "$c2" --json > "$T/s2.json"
[ "$(json_get "$T/s2.json" '(len(d["pages"]), len(d["cover_sheets"]))')" = "(1, 1)" ] || fail "c2 pages"
[ "$(json_get "$T/s2.json" 'd["cover_sheets"][0]["ocr_state"]')" = skipped ] || fail "cover OCR state"
"$D" show "$c3" --json > "$T/s3.json"
[ "$(json_get "$T/s3.json" '(len(d["pages"]), len(d["cover_sheets"]))')" = "(3, 0)" ] || fail "c3 pages (name + sidecar)"
ok "batch with two receipts, file name, sidecar"

# the sidecar with intake fields registered a new dossier
"$D" list --json > "$T/l.json"
c4=$(json_get "$T/l.json" '[x["code"] for x in d if x["applicant"]["id"] == "004"][0]')
[ "$(json_get "$T/l.json" '[x["pages"] for x in d if x["code"] == "'"$c4"'"][0]')" = 1 ] || fail "new intake pages"
[ "$(json_get "$T/l.json" 'len(d)')" = 4 ] || fail "dossier count"
ok "sidecar registers a new dossier ($c4)"

# what left the inbox and where
for f in batch.tif "$c3.tif" side.png side.png.json new.png new.png.json; do
	[ -e "$IN/done/$f" ] || fail "done/$f missing"
	[ ! -e "$IN/$f" ] || fail "$f still in the inbox"
done
[ ! -e "$IN/new.json" ] || fail "new.json still in the inbox"
reason() { cat "$IN/rejected/$1.error.txt"; }
[ -e "$IN/rejected/dup.tif" ] || fail "duplicate not rejected"
reason dup.tif | grep -q "already ingested as $c3" || fail "duplicate reason: $(reason dup.tif)"
reason corrupt.tif | grep -qi "corrupt.tif" || fail "corrupt reason names the file: $(reason corrupt.tif)"
reason late.tif | grep -q "page 1 is not a receipt, but page 2 is" || fail "late receipt: $(reason late.tif)"
reason nowhere.png | grep -q "cannot tell which dossier" || fail "no route: $(reason nowhere.png)"
reason badside.png | grep -q 'unknown key "color"' || fail "bad sidecar: $(reason badside.png)"
[ -e "$IN/rejected/badside.png.json" ] || fail "the bad sidecar stays with its scan"
reason ghost.png | grep -q "000.00.00.H00-251126-0999, which the catalog does not know" || fail "ghost: $(reason ghost.png)"
reason link.tif | grep -q "symbolic link" || fail "symlink: $(reason link.tif)"
[ -e "$IN/.hidden.tif" ] && [ -e "$IN/partial.tif.part" ] || fail "hidden and partial files must be left alone"
[ "$(cat "$T/elsewhere/secret.txt")" = secret ] || fail "symlink target touched"
ok "rejected with reasons: duplicate, corrupt, late receipt, no route, bad sidecars, symlink"

# nothing of a rejected file reached the catalog: page counts unchanged above,
# and the same batch dropped again is a duplicate
cp "$IN/done/batch.tif" "$IN/batch-again.tif"
"$DOSSIERD" --once 2>"$T/log2" || fail "second run"
reason batch-again.tif | grep -q "already ingested as $c1" || fail "second drop: $(reason batch-again.tif)"
"$D" show "$c1" --json > "$T/s1.json"
[ "$(json_get "$T/s1.json" 'len(d["pages"])')" = 2 ] || fail "duplicate added pages"
ok "a second drop of the same batch is refused"

# a file name reused by the scanner goes to done/ under a new name
cp "$T/q1.png" "$IN/$c2.png"
"$DOSSIERD" --once 2>/dev/null || fail "third run"
cp "$T/s1.png" "$IN/$c2.png"
printf 'x' >> "$IN/$c2.png"   # different bytes, same name
"$DOSSIERD" --once 2>"$T/log3" || { cat "$T/log3"; fail "fourth run"; }
[ -e "$IN/done/$c2.png" ] && [ -e "$IN/done/$c2-1.png" ] || fail "reused name: $(ls "$IN/done")"
ok "reused file names"

"$D" status --json > "$T/st.json"
[ "$(json_get "$T/st.json" 'd["running"]')" = False ] || fail "status running"
[ "$(json_get "$T/st.json" 'd["inbox"]["rejected"]')" = 8 ] || fail "status rejected count $(cat "$T/st.json")"
[ "$(json_get "$T/st.json" 'd["inbox"]["ingested"]')" = 6 ] || fail "status ingested count"
[ "$(json_get "$T/st.json" 'd["queue"]["ingest"]["queued"]')" = 0 ] || fail "status queue"
json_get "$T/st.json" 'd["last_errors"][0]["reason"]' | grep -q "already ingested" || fail "status last error"
"$D" status | grep -q "not running" || fail "status text"
ok "dossier status"

# the sidecar wins over the QR code: a batch opening with c4's receipt, with
# a sidecar naming c5, goes to c5 whole
c4=$(intake 005 "Hoàng Văn Em")
c5=$(intake 006 "Đỗ Thị Gấm")
"$D" receipt "$c4" -o "$T/r4.png" 2>/dev/null
echo "Trang kèm tệp mô tả." | "$MK" -o "$T/w1.png" --bits 8 --dpi 100 --width 800 --height 1100
"$MB" -o "$T/w.tif" "$T/r4.png" "$T/w1.png" 2>/dev/null
printf '{"dossier": "%s"}' "$c5" > "$IN/conflict.tif.json"
cp "$T/w.tif" "$IN/conflict.tif"
"$DOSSIERD" --once 2>"$T/log5" || { cat "$T/log5"; fail "dossierd --once (sidecar and QR)"; }
[ -f "$IN/done/conflict.tif" ] || { cat "$T/log5"; fail "the scan with a sidecar and a receipt was not ingested"; }
"$D" show "$c4" --json > "$T/s4.json"
"$D" show "$c5" --json > "$T/s5.json"
[ "$(json_get "$T/s4.json" 'len(d["pages"]) + len(d["cover_sheets"])')" = 0 ] || { cat "$T/s4.json"; fail "the QR code won over the sidecar"; }
[ "$(json_get "$T/s5.json" 'len(d["pages"]) + len(d["cover_sheets"])')" = 2 ] || { cat "$T/s5.json"; fail "the sidecar's dossier did not get the scan"; }
ok "a sidecar wins over the receipt's QR code"

# two ingest threads and the same bytes under two names, dropped at once:
# one copy is ingested, the other refused as a duplicate, and every blob the
# catalog names is still in the store (files large enough that both copies
# are in hand at once)
c6=$(intake 007 "Vũ Văn Hải")
printf '[daemon]\ningest_threads = 2\n' >> "$DOSSIER_HOME/dossier.conf"
for i in 1 2 3 4 5 6; do
	echo "Bản sao $i." | "$MK" -o "$T/d$i.tif" --pages 3 --bits 1 --dpi 300 --width 2480 --height 3508
	cp "$T/d$i.tif" "$IN/${c6}_a$i.tif"
	cp "$T/d$i.tif" "$IN/${c6}_b$i.tif"
done
"$DOSSIERD" --once 2>"$T/log6" || { cat "$T/log6"; fail "dossierd --once (twins)"; }
grep -q "2 ingest threads" "$T/log6" || fail "not two ingest threads: $(head -n 1 "$T/log6")"
"$D" show "$c6" --json > "$T/s6.json"
[ "$(json_get "$T/s6.json" 'len(d["pages"])')" = 18 ] || { cat "$T/log6"; fail "twins: $(json_get "$T/s6.json" 'len(d["pages"])') pages"; }
[ "$(ls "$IN/rejected" | grep -c "^${c6}_.*tif$")" = 6 ] || fail "twins: $(ls "$IN/rejected")"
"$D" check >"$T/check6" 2>&1 || { cat "$T/check6"; fail "dossier check after the twins"; }
ok "the same file dropped twice at once: one ingest, one duplicate, no blob lost"

# --once refuses to run twice on one home; usage errors
expect_fail 64 "$DOSSIERD" --jobs 0
expect_fail 64 "$DOSSIERD" extra
ok "usage"
