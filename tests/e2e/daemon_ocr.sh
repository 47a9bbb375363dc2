#!/bin/sh
# dossierd with OCR on: --once finishes the OCR its ingests cause (the
# dossier becomes digitized, receipts are not OCRed), and SIGTERM during OCR
# exits cleanly with the queue intact for the next start.
. "$(dirname "$0")/lib.sh"
: "${DOSSIERD:?DOSSIERD must point at the dossierd binary}"
MB="$DS_BUILD_DIR/tests/ds-mkbatch"
IN="$DOSSIER_HOME/inbox"
pid=
trap 'if [ -n "$pid" ]; then kill -9 "$pid" 2>/dev/null || true; fi; rm -rf "$T"' EXIT

"$D" init >/dev/null
printf '[daemon]\nocr = true\nsettle_ms = 0\nlog_level = debug\n[ocr]\njobs = 1\nlanguages = vie\n' >> "$DOSSIER_HOME/dossier.conf"
"$D" department add STNMT --name "Sở Tài nguyên và Môi trường" >/dev/null
"$D" procedure add 1.004227 --name "Đăng ký đất đai" --department STNMT --days 15 >/dev/null
c=$("$D" intake --procedure 1.004227 --applicant-id 001 --applicant-name "Nguyễn Văn An" 2>/dev/null | tail -n 1)
"$D" receipt "$c" -o "$T/r.png" 2>/dev/null
echo "Đơn đăng ký biến động quyền sử dụng đất. Người sử dụng đất: Nguyễn Văn An." |
	"$MK" -o "$T/p.tif" --pages 2 --bits 1 --dpi 200 --width 1654 --height 2339
"$MB" --bits 1 -o "$IN/batch.tif" "$T/r.png" "$T/p.tif" 2>/dev/null

"$DOSSIERD" --once 2>"$T/log" || { cat "$T/log"; fail "dossierd --once"; }
grep -q "$c: OCR done" "$T/log" || { cat "$T/log"; fail "no OCR line"; }
"$D" show "$c" --json > "$T/s.json"
[ "$(json_get "$T/s.json" 'd["state"]')" = digitized ] || fail "state $(json_get "$T/s.json" 'd["state"]')"
[ "$(json_get "$T/s.json" '[p["ocr_state"] for p in d["pages"]]')" = "['done', 'done']" ] || fail "page OCR states"
[ "$(json_get "$T/s.json" 'd["cover_sheets"][0]["ocr_state"]')" = skipped ] || fail "the receipt was OCRed"
"$D" status --json > "$T/st.json"
[ "$(json_get "$T/st.json" 'd["queue"]["ocr"]["done"]')" = 1 ] || fail "OCR job not done"
ok "--once ingests and OCRs; the receipt is not OCRed"

# SIGTERM during OCR: the page in hand is finished, the others wait
c2=$("$D" intake --procedure 1.004227 --applicant-id 002 --applicant-name "Trần Thị Bình" 2>/dev/null | tail -n 1)
echo "Trang dài để nhận dạng chữ." | "$MK" -o "$IN/$c2.tif" --pages 8 --bits 1 --dpi 200 --width 1654 --height 2339
"$DOSSIERD" 2>"$T/log2" &
pid=$!
ndone() { "$D" show "$c2" --json > "$T/s2.json" && json_get "$T/s2.json" 'sum(1 for p in d["pages"] if p.get("ocr_state") == "done")'; }
n=0; until [ "$(ndone)" -ge 1 ]; do n=$((n + 1)); [ "$n" -lt 1200 ] || { cat "$T/log2"; fail "OCR did not start"; }; sleep 0.1; done
kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?; pid=
[ "$rc" = 0 ] || { cat "$T/log2"; fail "SIGTERM during OCR: exit $rc"; }
grep -q "notice: stopped" "$T/log2" || fail "no clean stop"
grep -q "$c2: OCR stopped after the pages in hand" "$T/log2" || { cat "$T/log2"; fail "OCR not stopped after the page in hand"; }
left=$(ndone)
[ "$left" -lt 8 ] || { cat "$T/log2"; fail "SIGTERM waited for the whole dossier ($left pages done)"; }
[ "$(json_get "$T/s2.json" 'd["state"]')" = received ] || fail "state after SIGTERM"
"$DOSSIERD" --once 2>"$T/log3" || fail "restart"
"$D" show "$c2" --json > "$T/s2.json"
[ "$(json_get "$T/s2.json" 'd["state"]')" = digitized ] || fail "not digitized after the restart"
[ "$(json_get "$T/s2.json" 'len(d["pages"])')" = 8 ] || fail "pages after restart"
ok "SIGTERM during OCR: the page in hand finished ($left of 8 done), clean exit, the restart completes the dossier"
