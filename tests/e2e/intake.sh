#!/bin/sh
# End-to-end: init, departments, procedures, intake of real image files,
# show/list JSON, due dates, overdue, supplements, and all-or-nothing refusal
# of bad scans.
. "$(dirname "$0")/lib.sh"

(umask 022 && "$D" init >/dev/null)
"$D" init >/dev/null   # idempotent
[ "$(cd "$DOSSIER_HOME" && stat -c '%a' . inbox pki catalog.db | tr '\n' ' ')" = "750 770 700 640 " ] ||
	fail "home permissions: $(cd "$DOSSIER_HOME" && stat -c '%a %n' . inbox pki catalog.db)"
[ -f "$DOSSIER_HOME/dossier.conf" ] || fail "no dossier.conf"
grep -q '^agency_id = 000.00.00.H00' "$DOSSIER_HOME/dossier.conf" || fail "default agency_id"
[ "$(stat -c %a "$DOSSIER_HOME/pki")" = 700 ] || fail "pki/ is not 0700"
ok "init is idempotent and writes the default config"

"$D" department add STNMT --name "Sở Tài nguyên và Môi trường" >/dev/null
expect_fail 73 "$D" department add STNMT --name "again" # already exists: 73 (issue 14 item 15; was 1)
grep -q "already exists" "$T/err" || fail "duplicate department message"
"$D" procedure add 1.004227 --name "Đăng ký đất đai" --department STNMT --days 15 >/dev/null
expect_fail 66 "$D" procedure add 1.000001 --name x --department NOPE --days 3
expect_fail 64 "$D" procedure add 1.000002 --name x --department STNMT --days -1
"$D" procedure list --json > "$T/p.json"
[ "$(json_get "$T/p.json" 'd[0]["days"]')" = 15 ] || fail "procedure list"
ok "departments and procedures"

echo "Đơn đăng ký biến động đất đai. Người sử dụng đất: Nguyễn Văn An." > "$T/text"
"$MK" -o "$T/a.tif" --pages 3 < "$T/text"
"$MK" -o "$T/b.png" --bits 8 --dpi 200 < "$T/text"
"$MK" -o "$T/c.jpg" --bits 24 --width 800 --height 600 --dpi 150 < "$T/text"

export DOSSIER_NOW=2025-11-26T08:14:03+07:00
code=$("$D" intake --procedure 1.004227 --applicant-id 001090000001 \
	--applicant-name "Nguyễn Văn An" --actor clerk1 "$T/a.tif" "$T/b.png" "$T/c.jpg" | tail -n 1)
echo "$code" | grep -Eq '^000\.00\.00\.H00-251126-0001$' || fail "code '$code'"
"$D" show "$code" --json > "$T/s.json"   # options after operands
[ "$(json_get "$T/s.json" 'd["state"]')" = received ] || fail state
[ "$(json_get "$T/s.json" 'd["overdue"]')" = False ] || fail overdue
[ "$(json_get "$T/s.json" 'd["received_at"]')" = 2025-11-26T08:14:03+07:00 ] || fail received_at
[ "$(json_get "$T/s.json" 'd["due_at"]')" = 2025-12-17T17:00:00+07:00 ] || fail "due_at"
[ "$(json_get "$T/s.json" 'd["procedure"]["name"]')" = "Đăng ký đất đai" ] || fail procedure
[ "$(json_get "$T/s.json" 'd["applicant"]["name"]')" = "Nguyễn Văn An" ] || fail applicant
[ "$(json_get "$T/s.json" '[p["number"] for p in d["pages"]]')" = "[1, 2, 3, 4, 5]" ] || fail "page numbers"
[ "$(json_get "$T/s.json" '[p["dpi"] for p in d["pages"]]')" = "[300, 300, 300, 200, 150]" ] || fail "dpi"
[ "$(json_get "$T/s.json" '[(p["width"],p["height"]) for p in d["pages"]][3:]')" = "[(1653, 2338), (800, 600)]" ] || fail "sizes"
# the actor is the OS user; --actor is on whose behalf (issue 13: it was
# recorded as the actor)
[ "$(json_get "$T/s.json" '(d["events"][0]["action"], d["events"][0]["actor"], d["events"][0]["on_behalf_of"])')" = \
	"('received', '$(id -un)', 'clerk1')" ] || fail "event"
[ "$(json_get "$T/s.json" 'len(d["pages"][0]["sha256"])')" = 64 ] || fail sha
ok "intake of TIFF (3 pages), PNG and JPEG: code, dates, pages in order, events"

# Every page blob and the originals are in the store and intact.
[ "$(blob_count)" -ge 8 ] || fail "blobs: $(blob_count)"
p1=$(json_get "$T/s.json" 'd["pages"][0]["sha256"]')
f="$DOSSIER_HOME/store/sha256/$(echo "$p1" | cut -c1-2)/$(echo "$p1" | cut -c3-4)/$p1"
[ "$(sha256sum < "$f" | cut -d' ' -f1)" = "$p1" ] || fail "blob hash"
ok "pages stored content-addressed"

# Overdue once the due date passes.
DOSSIER_NOW=2025-12-18T08:00:00+07:00 "$D" list --overdue --json > "$T/l.json"
[ "$(json_get "$T/l.json" '[x["code"] for x in d]')" = "['$code']" ] || fail "overdue list"
[ "$(json_get "$T/l.json" 'd[0]["overdue"]')" = True ] || fail "overdue flag"
"$D" list --overdue --json > "$T/l.json"
[ "$(json_get "$T/l.json" 'len(d)')" = 0 ] || fail "not yet overdue"
ok "overdue derived from the due date"

# Supplements.
"$D" pages add "$code" "$T/b.png" >/dev/null
"$D" show "$code" --json > "$T/s.json"
[ "$(json_get "$T/s.json" 'len(d["pages"])')" = 6 ] || fail "pages add"
[ "$(json_get "$T/s.json" 'd["events"][-1]["action"]')" = pages_added ] || fail "pages event"
ok "pages add"

# Bad inputs: refused, named, nothing left behind.
: > "$T/empty.tif"
head -c 1500 "$T/a.tif" > "$T/trunc.tif"
echo "this is not an image" > "$T/notimage.tif"
before_blobs=$(blob_count)
"$D" list --json > "$T/before.json"
for bad in empty.tif trunc.tif notimage.tif; do
	expect_fail 65 "$D" intake --procedure 1.004227 --applicant-id 1 --applicant-name X \
		"$T/a.tif" "$T/$bad"
	grep -q "$bad" "$T/err" || fail "error for $bad does not name the file: $(cat "$T/err")"
	[ "$(wc -l < "$T/err")" = 1 ] || fail "error for $bad is not one line"
	[ "$(blob_count)" = "$before_blobs" ] || fail "$bad left blobs behind"
	"$D" list --json > "$T/after.json"
	cmp -s "$T/before.json" "$T/after.json" || fail "$bad left a dossier behind"
	[ -f "$T/$bad" ] || fail "input $bad was removed"
done
# A new good file beside a bad one: the good file's blobs are removed too.
echo "Một trang mới chưa từng lưu." | "$MK" -o "$T/new.png" --bits 8
expect_fail 65 "$D" intake --procedure 1.004227 --applicant-id 1 --applicant-name X "$T/new.png" "$T/trunc.tif"
[ "$(blob_count)" = "$before_blobs" ] || fail "a refused intake left the good file's blobs"
# More than 2,000 pages in one file.
"$MK" -o "$T/many.tif" --pages 2001 --width 16 --height 16 --dpi 72 --text .
expect_fail 65 "$D" intake --procedure 1.004227 --applicant-id 1 --applicant-name X "$T/many.tif"
grep -q "many.tif" "$T/err" || fail "2001 pages: $(cat "$T/err")"
[ "$(blob_count)" = "$before_blobs" ] || fail "2001 pages left blobs"
expect_fail 66 "$D" intake --procedure 1.004227 --applicant-id 1 --applicant-name X "$T/missing.tif"
expect_fail 66 "$D" intake --procedure 9.999999 --applicant-id 1 --applicant-name X "$T/a.tif"
expect_fail 65 "$D" pages add "$code" "$T/trunc.tif"
"$D" show "$code" --json > "$T/s2.json"
[ "$(json_get "$T/s2.json" 'len(d["pages"])')" = 6 ] || fail "bad supplement added pages"
ok "bad scans refused with one line naming the file; nothing left behind"

# A dossier awaiting its scans.
c2=$("$D" intake --procedure 1.004227 --applicant-id 2 --applicant-name "Trần Thị Bình" | tail -n 1)
[ "$c2" = 000.00.00.H00-251126-0002 ] || fail "second code $c2"
"$D" show "$c2" --json > "$T/s.json"
[ "$(json_get "$T/s.json" 'len(d["pages"])')" = 0 ] || fail "no pages expected"
ok "intake without files"

# Parallel counters never share a code.
for i in 1 2 3 4; do
	"$D" intake --procedure 1.004227 --applicant-id "p$i" --applicant-name "P $i" "$T/b.png" > "$T/par$i" &
done
wait
codes=$(cat "$T"/par* | sort -u | wc -l)
[ "$codes" = 4 ] || fail "parallel intakes gave $codes distinct codes"
ok "parallel intakes get distinct codes"

for cmd in init department procedure intake pages show list; do
	"$D" "$cmd" --help > /dev/null || fail "$cmd --help"
done
expect_fail 64 "$D" bogus
expect_fail 64 "$D" show
ok "--help and usage errors"

# supplements (yêu cầu bổ sung) and refusal (từ chối)
s1=$("$D" intake --procedure 1.004227 --applicant-id s1 --applicant-name "Bổ Sung" "$T/b.png" 2>/dev/null | tail -n 1)
expect_fail 64 "$D" supplement "$s1"
"$D" supplement "$s1" --reason "Thiếu bản sao sổ đỏ" --actor clerk2 >/dev/null
"$D" show --json "$s1" > "$T/s1.json"
[ "$(json_get "$T/s1.json" 'd["state"] + "|" + d["events"][-1]["action"] + "|" + d["events"][-1]["detail"] + "|" + d["events"][-1]["actor"] + "|" + d["events"][-1]["on_behalf_of"]')" = \
	"supplement_requested|supplement_requested|Thiếu bản sao sổ đỏ|$(id -un)|clerk2" ] || { cat "$T/s1.json"; fail "supplement"; }
"$D" pages add "$s1" "$T/b.png" >/dev/null 2>&1
[ "$("$D" show --json "$s1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')" = received ] || fail "supplements bring it back to received"
"$D" reject "$s1" --reason "Không đủ điều kiện" >/dev/null
[ "$("$D" show --json "$s1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')" = rejected ] || fail "reject"
expect_fail 1 "$D" pages add "$s1" "$T/b.png"
expect_fail 1 "$D" supplement "$s1" --reason again
grep -q "rejected and cannot become supplement_requested" "$T/err" || fail "message: $(cat "$T/err")"
ok "supplement (with reason and actor in the event), pages add resumes, reject is final"
