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

# SIGTERM during OCR
c2=$("$D" intake --procedure 1.004227 --applicant-id 002 --applicant-name "Trần Thị Bình" 2>/dev/null | tail -n 1)
echo "Trang dài để nhận dạng chữ." | "$MK" -o "$IN/$c2.tif" --pages 4 --bits 1 --dpi 200 --width 1654 --height 2339
"$DOSSIERD" 2>"$T/log2" &
pid=$!
n=0; until grep -q "$c2: OCR (attempt" "$T/log2"; do n=$((n + 1)); [ "$n" -lt 600 ] || fail "OCR did not start"; sleep 0.1; done
kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?; pid=
[ "$rc" = 0 ] || { cat "$T/log2"; fail "SIGTERM during OCR: exit $rc"; }
grep -q "notice: stopped" "$T/log2" || fail "no clean stop"
"$DOSSIERD" --once 2>"$T/log3" || fail "restart"
"$D" show "$c2" --json > "$T/s2.json"
[ "$(json_get "$T/s2.json" 'd["state"]')" = digitized ] || fail "not digitized after the restart"
[ "$(json_get "$T/s2.json" 'len(d["pages"])')" = 4 ] || fail "pages after restart"
ok "SIGTERM during OCR: clean exit, the restart completes the dossier"
