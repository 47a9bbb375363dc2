#!/bin/sh
# End-to-end (issue 14, items 11-14, 17, 18): text normalised to NFC where it
# enters (new and existing homes), the same file twice in one intake refused
# and a file of another dossier warned about, files the user names never
# replaced without --force, read commands on a read-only home and on a full
# disk, an unreadable home named as such, times for people in the site's
# zone, empty results said on a terminal.
# CLI_POLISH_ONLY=N runs item N alone (to see it fail on an older build).
. "$(dirname "$0")/lib.sh"
want() { [ -z "${CLI_POLISH_ONLY:-}" ] || [ "$CLI_POLISH_ONLY" = "$1" ]; }

nfd() { python3 -c 'import sys, unicodedata; print(unicodedata.normalize("NFD", sys.argv[1]), end="")' "$1"; }
is_nfc() { python3 -c 'import sys, unicodedata; sys.exit(0 if unicodedata.is_normalized("NFC", sys.argv[1]) else 1)' "$1"; }
# on_tty CMD...: runs CMD with its stdout on a terminal (script(1)), output in $T/tty
on_tty() {
	_c=""
	for _a in "$@"; do _c="$_c '$(printf '%s' "$_a" | sed "s/'/'\\\\''/g")'"; done
	script -qec "$_c" /dev/null < /dev/null | tr -d '\r' > "$T/tty"
}

"$D" init >/dev/null
"$D" department add STNMT --name "$(nfd "Sở Tài nguyên và Môi trường")" >/dev/null
"$D" procedure add 1.004227 --name "$(nfd "Đăng ký biến động đất đai")" --department STNMT --days 15 >/dev/null
echo "Đơn đăng ký biến động đất đai." > "$T/text"
"$MK" -o "$T/a.tif" < "$T/text"
"$MK" -o "$T/b.tif" --pages 2 < "$T/text"
"$MK" -o "$T/c.png" --bits 8 --dpi 200 < "$T/text"
"$MK" -o "$T/d.tif" --pages 2 --dpi 200 < "$T/text"
export DOSSIER_NOW=2026-12-06T10:19:11+07:00

# ---- 18: empty results on a terminal say so; JSON and pipes stay as they were
if want 18; then
on_tty "$D" list
grep -qx "no dossier matches" "$T/tty" || fail "empty list on a terminal: '$(cat "$T/tty")'"
on_tty "$D" search "Thuỷ"
grep -qx "no dossier matches" "$T/tty" || fail "empty search on a terminal: '$(cat "$T/tty")'"
on_tty "$D" list --json
[ "$(tr -d ' \n' < "$T/tty")" = "[]" ] || fail "empty list --json: '$(cat "$T/tty")'"
[ -z "$("$D" list --overdue)" ] || fail "empty list into a pipe is not empty"
ok "empty results on a terminal: no dossier matches (JSON [], pipes nothing)"
fi

# ---- 11: NFC wherever text enters
if want 11; then
name="Hoàng Thị Thuỷ"
c1=$("$D" intake --procedure 1.004227 --applicant-id 001190000001 \
	--applicant-name "$(nfd "$name")" "$T/a.tif" 2>/dev/null | tail -n 1)
"$D" search "$name" --exact --json > "$T/s.json"
[ "$(json_get "$T/s.json" 'len(d)')" -ge 1 ] || fail "search --exact in NFC does not find a name typed in NFD"
[ "$(json_get "$T/s.json" 'd[0]["code"]')" = "$c1" ] || fail "search --exact found $(cat "$T/s.json")"
"$D" search "$(nfd "$name")" --exact --json > "$T/s.json"
[ "$(json_get "$T/s.json" 'len(d)')" -ge 1 ] || fail "search --exact in NFD does not find it"
c2=$("$D" intake --procedure 1.004227 --applicant-id 001190000002 \
	--applicant-name "Trần Thị Huệ" "$T/b.tif" 2>/dev/null | tail -n 1)
"$D" search "$(nfd "Trần Thị Huệ")" --exact --json > "$T/s.json"
[ "$(json_get "$T/s.json" 'd[0]["code"]')" = "$c2" ] || fail "search --exact in NFD does not find a name typed in NFC"
"$D" reject "$c2" --reason "$(nfd "Thiếu giấy chứng nhận")" >/dev/null
"$D" show "$c1" --json > "$T/show.json"
got=$(json_get "$T/show.json" 'd["applicant"]["name"]')
[ "$got" = "$name" ] && is_nfc "$got" || fail "stored name not NFC: $got"
is_nfc "$(json_get "$T/show.json" 'd["procedure"]["name"]')" || fail "procedure name not NFC"
"$D" show "$c2" --json > "$T/show.json"
is_nfc "$(json_get "$T/show.json" 'd["events"][-1]["detail"]')" || fail "reason not NFC"
json_get "$T/show.json" 'd["events"][-1]["detail"]' | grep -q "Thiếu giấy chứng nhận" || fail "reason"
"$D" department list --json > "$T/dep.json"
is_nfc "$(json_get "$T/dep.json" 'd[0]["name"]')" || fail "department name not NFC"
ok "NFD names, reasons and queries are NFC; search --exact finds either form"

# an existing home whose index kept NFD text (as typed before): upgraded.
# The dossier rows and events keep what they recorded (the event chain is
# computed over them): only the index, names of departments, procedures and
# titles are normalised, and `check` still finds the chain whole.
cp -a "$DOSSIER_HOME" "$T/old"
sqlite3 "$T/old/catalog.db" "
	UPDATE search_docs SET body = replace(body, '$name', '$(nfd "$name")');
	INSERT INTO search_exact(search_exact) VALUES('rebuild');
	PRAGMA user_version = $(($(sqlite3 "$T/old/catalog.db" "PRAGMA user_version") - 1));" 2>"$T/err" ||
	{ cat "$T/err" >&2; fail "making an old catalog"; }
[ "$(sqlite3 "$T/old/catalog.db" "SELECT count(*) FROM search_docs WHERE body LIKE '%$name%'")" = 0 ] ||
	fail "the old index is not NFD"
DOSSIER_HOME="$T/old" "$D" search "$name" --exact --json > "$T/s.json"
[ "$(json_get "$T/s.json" 'len(d)')" -ge 1 ] || fail "search --exact on an upgraded home"
[ "$(sqlite3 "$T/old/catalog.db" "SELECT count(*) FROM search_docs WHERE body LIKE '%$name%'")" -ge 1 ] ||
	fail "the upgrade did not normalise the index"
DOSSIER_HOME="$T/old" "$D" check > "$T/out" 2>&1 || { cat "$T/out" >&2; fail "check after the upgrade"; }
rm -rf "$T/old"
ok "an existing home's NFD text is normalised at upgrade (schema 9) and found"
fi

# ---- 13: the same file twice in one intake is refused; another dossier's file is said
if want 13; then
"$MK" -o "$T/e.tif" --dpi 150 < "$T/text"
c4=$("$D" intake --procedure 1.004227 --applicant-id 001190000004 \
	--applicant-name "Phạm Văn Cường" "$T/e.tif" 2>/dev/null | tail -n 1)
nd=$("$D" list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
nb=$(blob_count)
expect_fail 65 "$D" intake --procedure 1.004227 --applicant-id 001190000003 \
	--applicant-name "Lê Văn Bình" "$T/c.png" "$T/d.tif" "$T/c.png"
[ "$(wc -l < "$T/err")" = 1 ] || { cat "$T/err" >&2; fail "not one line"; }
grep -q "$T/c.png and $T/c.png are the same file" "$T/err" || fail "message: $(cat "$T/err")"
cp "$T/c.png" "$T/c-copy.png"
expect_fail 65 "$D" intake --procedure 1.004227 --applicant-id 001190000003 \
	--applicant-name "Lê Văn Bình" "$T/c.png" "$T/c-copy.png"
grep -q "$T/c.png and $T/c-copy.png are the same file" "$T/err" || fail "message: $(cat "$T/err")"
[ "$(blob_count)" = "$nb" ] || fail "a refused intake left blobs"
[ "$("$D" list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = "$nd" ] ||
	fail "a refused intake left a dossier"
c3=$("$D" intake --procedure 1.004227 --applicant-id 001190000003 \
	--applicant-name "Lê Văn Bình" "$T/e.tif" "$T/c.png" 2>"$T/err" | tail -n 1)
[ -n "$c3" ] || fail "an intake with another dossier's file was refused"
grep -q "warning: $T/e.tif: already ingested as $c4" "$T/err" || fail "no warning: $(cat "$T/err")"
! grep -q "c.png: already" "$T/err" || fail "warned about a new file"
ok "intake: the same file twice is refused (65, one line naming both); another dossier's file is warned about"
fi

# ---- 14: files the user names are never replaced without --force
if want 14; then
c5=$("$D" intake --procedure 1.004227 --applicant-id 001190000005 \
	--applicant-name "Võ Thị Lan" "$T/a.tif" 2>/dev/null | tail -n 1)
echo "the operator's own file" > "$T/r.pdf"
expect_fail 73 "$D" receipt "$c5" -o "$T/r.pdf"
[ "$(wc -l < "$T/err")" = 1 ] && grep -q "$T/r.pdf already exists" "$T/err" ||
	fail "receipt message: $(cat "$T/err")"
[ "$(cat "$T/r.pdf")" = "the operator's own file" ] || fail "receipt replaced a file without --force"
"$D" receipt "$c5" -o "$T/r.pdf" --force 2>/dev/null
head -c 5 "$T/r.pdf" | grep -q '%PDF-' || fail "receipt --force did not replace the file"
[ "$(ls -A "$T" | grep -c '^\.*r\.pdf.')" = 0 ] || fail "temporary files left: $(ls -A "$T")"
ok "receipt -o: an existing file is refused (73, naming it) unless --force"
fi

# a home with a sealed dossier (for verify, export, log), in $1
sealed_home() (
	export DOSSIER_HOME="$1"
	"$D" init >/dev/null
	"$D" department add STNMT --name "Sở Tài nguyên và Môi trường" >/dev/null
	"$D" department add STP --name "Sở Tư pháp" >/dev/null
	"$D" procedure add 1.004227 --name "Đăng ký biến động đất đai" --department STNMT --days 15 >/dev/null
	"$DS_BUILD_DIR/tests/archive/ds_archive_setup" "$DOSSIER_HOME"
	_c=$("$D" intake --procedure 1.004227 --applicant-id 001190000009 \
		--applicant-name "Đỗ Minh Khoa" "$T/a.tif" 2>/dev/null | tail -n 1)
	"$DS_BUILD_DIR/tests/archive/ds_archive_setup" --digitize "$DOSSIER_HOME" "$_c"
	"$D" seal "$_c" --seal STNMT-1 --approver an \
		--approver-passphrase-file "$DOSSIER_HOME/pki/approvers/an.pass" | tail -n 1 > "$T/bundle"
	"$D" intake --procedure 1.004227 --applicant-id 001190000010 \
		--applicant-name "Bùi Thị Mai" "$T/b.tif" >/dev/null 2>&1
)
if want 12 || want 17; then
	unset DOSSIER_NOW # verify checks the certificates, valid from now
	sealed_home "$T/sh"
	B=$(cat "$T/bundle")
	[ -f "$B" ] || fail "no sealed bundle"
	SC=$(basename "$B" .asice)
fi

# ---- 12: read commands on a home that cannot be written; an unreadable home
if want 12; then
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
	# a read-only bind mount (read-only media, a restored backup mounted ro)
	mkdir -p "$T/ro"
	unshare -m sh -c "mount --bind '$T/sh' '$T/ro' && mount -o remount,ro,bind '$T/ro' || exit 2
		touch '$T/ro/x' 2>/dev/null && exit 3
		set -e
		for c in list 'search Khoa' check 'log show'; do DOSSIER_HOME='$T/ro' '$D' \$c >/dev/null; done
		DOSSIER_HOME='$T/ro' '$D' show '$SC' --json > '$T/ro.json'
		DOSSIER_HOME='$T/ro' '$D' verify '$B' > '$T/ro.out'
		DOSSIER_HOME='$T/ro' '$D' export '$SC' '$T/ro-export.asice' >/dev/null
		set +e
		DOSSIER_HOME='$T/ro' '$D' department add X --name x 2> '$T/ro.err'; echo \$? > '$T/ro.rc'
		ls -a '$T/ro' > '$T/ro.ls'" 2> "$T/ro.err2" || { _rc=$?; cat "$T/ro.err2" >&2; fail "reads on a read-only bind mount (rc $_rc)"; }
	cmp "$T/ro-export.asice" "$B" || fail "export from a read-only mount differs"
	[ "$(json_get "$T/ro.json" 'd["state"]')" = sealed ] || fail "show on a read-only mount"
	[ "$(cat "$T/ro.rc")" = 77 ] && grep -q "cannot be written here (read-only file system)" "$T/ro.err" ||
		fail "a write on a read-only mount: $(cat "$T/ro.rc") $(cat "$T/ro.err")"
	rm -f "$T/ro-export.asice"
	ok "read commands work on a read-only bind mount; a write says the home cannot be written"

	# a full disk: a tiny tmpfs holding a copy of the home, then filled up
	unshare -m sh -c "mount -t tmpfs -o size=8m tmpfs '$T/ro' && cp -a '$T/sh/.' '$T/ro/' || exit 2
		dd if=/dev/zero of='$T/ro/fill' bs=4k 2>/dev/null
		df -k '$T/ro' | awk 'NR==2 { exit \$4 != 0 }' || exit 3
		set -e
		for c in list 'search Khoa' check 'log show' 'show $SC'; do DOSSIER_HOME='$T/ro' '$D' \$c >/dev/null; done
		DOSSIER_HOME='$T/ro' '$D' verify '$B' > /dev/null
		DOSSIER_HOME='$T/ro' '$D' export '$SC' '$T/ro-export.asice' >/dev/null" 2> "$T/ro.err2" ||
		{ _rc=$?; cat "$T/ro.err2" >&2; fail "reads on a full disk (rc $_rc)"; }
	cmp "$T/ro-export.asice" "$B" || fail "export from a full disk differs"
	rm -f "$T/ro-export.asice"
	ok "read commands work on a full disk"
else
	echo "ok - # SKIP read-only bind mount and full tmpfs need root and unshare -m"
fi

# another user's home: readable but not writable by them (chmod -R a-w has no
# effect on root, so as nobody), then not readable at all
if [ "$(id -u)" = 0 ] && runuser -u nobody -- true 2>/dev/null; then
	chmod 755 "$T"
	chmod -R a-w,a+rX "$T/sh"
	nob() { runuser -u nobody -- env DOSSIER_HOME="$T/sh" "$@"; }
	for c in list "search Khoa" check "log show" "show $SC" "verify $B" status; do
		# shellcheck disable=SC2086
		nob "$D" $c > "$T/ro.out" 2> "$T/ro.err" || { cat "$T/ro.err" >&2; fail "as nobody, read-only: $c"; }
	done
	nob "$D" export "$SC" "/tmp/cli-polish-export.$$.asice" > /dev/null 2> "$T/ro.err" ||
		{ cat "$T/ro.err" >&2; fail "as nobody: export"; }
	cmp "/tmp/cli-polish-export.$$.asice" "$B" || fail "export as nobody differs"
	rm -f "/tmp/cli-polish-export.$$.asice"
	ok "read commands work on a home its user cannot write (chmod -R a-w)"
	chmod -R u+w "$T/sh"
	chmod 700 "$T/sh"
	set +e
	nob "$D" list > "$T/ro.out" 2> "$T/ro.err"
	rc=$?
	set -e
	[ "$rc" = 77 ] || fail "an unreadable home exited $rc: $(cat "$T/ro.err")"
	grep -q "$T/sh: permission denied" "$T/ro.err" || fail "unreadable home: $(cat "$T/ro.err")"
	! grep -q "not a dossier home" "$T/ro.err" || fail "an unreadable home called not a home"
	chmod 755 "$T/sh"
	chmod 600 "$T/sh/catalog.db"
	set +e
	nob "$D" list > "$T/ro.out" 2> "$T/ro.err"
	rc=$?
	set -e
	[ "$rc" = 77 ] && grep -q "$T/sh: permission denied (catalog.db)" "$T/ro.err" ||
		fail "an unreadable catalog exited $rc: $(cat "$T/ro.err")"
	chmod 640 "$T/sh/catalog.db"
	chmod 700 "$T"
	ok "an unreadable home says permission denied, naming it (77)"
else
	echo "ok - # SKIP another user's home needs root and runuser"
fi
fi

# ---- 17: times for people in the site's zone, the offset written
if want 17; then
sealed_at=$(python3 -c 'import json, sys, zipfile; print(json.loads(zipfile.ZipFile(sys.argv[1]).read("dossier.json"))["sealed_at"])' "$B")
case "$sealed_at" in *Z) ;; *) fail "dossier.json's sealed_at is not UTC: $sealed_at" ;; esac
# local_of TIME ZONE: TIME (RFC 3339) in the tz database's ZONE
local_of() { python3 -c '
import datetime, sys, zoneinfo
t = datetime.datetime.fromisoformat(sys.argv[1].replace("Z", "+00:00"))
print(t.astimezone(zoneinfo.ZoneInfo(sys.argv[2])).isoformat())' "$1" "$2"; }
want_ict=$(local_of "$sealed_at" Asia/Ho_Chi_Minh)
DOSSIER_HOME="$T/sh" "$D" verify "$B" > "$T/v.txt"
grep -q "sealed $want_ict\$" "$T/v.txt" || fail "verify: $(grep sealed "$T/v.txt"), expected sealed $want_ict"
DOSSIER_HOME="$T/sh" "$D" verify "$B" --json > "$T/v.json"
[ "$(json_get "$T/v.json" 'd[0]["sealed_at"]')" = "$sealed_at" ] || fail "verify --json changed sealed_at"
# a bundle verified away from any home: the machine's zone
(cd "$T" && DOSSIER_HOME="$T/nohome" TZ=Asia/Tokyo "$D" verify "$B" --trust "$T/sh/pki/root.pem") > "$T/v.txt"
grep -q "sealed $(local_of "$sealed_at" Asia/Tokyo)\$" "$T/v.txt" || fail "verify without a home: $(grep sealed "$T/v.txt")"
ok "verify prints sealed_at in the site's zone (+07:00); JSON and the bundle keep UTC"

# [site] timezone, an IANA name, replaces utc_offset (read both): show,
# list, verify; summer and winter offsets from the tz database
sed -i 's/^utc_offset = .*/utc_offset = +07:00\ntimezone = Europe\/Paris/' "$T/sh/dossier.conf"
grep -q '^timezone = Europe/Paris' "$T/sh/dossier.conf" || fail "config edit"
DOSSIER_HOME="$T/sh" "$D" verify "$B" > "$T/v.txt"
grep -q "sealed $(local_of "$sealed_at" Europe/Paris)\$" "$T/v.txt" || fail "verify with timezone: $(grep sealed "$T/v.txt")"
c6=$(DOSSIER_HOME="$T/sh" DOSSIER_NOW=2026-07-01T08:00:00Z "$D" intake --procedure 1.004227 \
	--applicant-id 001190000011 --applicant-name "Mai Văn Tâm" "$T/c.png" 2>/dev/null | tail -n 1)
DOSSIER_HOME="$T/sh" "$D" show "$c6" > "$T/show.txt"
grep -q "^received: *2026-07-01T10:00:00+02:00\$" "$T/show.txt" || fail "show, summer: $(grep received "$T/show.txt")"
c7=$(DOSSIER_HOME="$T/sh" DOSSIER_NOW=2026-01-15T08:00:00Z "$D" intake --procedure 1.004227 \
	--applicant-id 001190000012 --applicant-name "Mai Văn Tâm" "$T/d.tif" 2>/dev/null | tail -n 1)
DOSSIER_HOME="$T/sh" "$D" show "$c7" > "$T/show.txt"
grep -q "^received: *2026-01-15T09:00:00+01:00\$" "$T/show.txt" || fail "show, winter: $(grep received "$T/show.txt")"
DOSSIER_HOME="$T/sh" "$D" list > "$T/list.txt"
grep -q "due 2026-07-22T17:00:00+02:00" "$T/list.txt" || fail "list, due in the zone: $(cat "$T/list.txt")"
sed -i 's/^timezone = .*/timezone = Mars\/Olympus_Mons/' "$T/sh/dossier.conf"
set +e
DOSSIER_HOME="$T/sh" "$D" list > "$T/out" 2> "$T/err"
rc=$?
set -e
[ "$rc" = 65 ] && grep -q "timezone 'Mars/Olympus_Mons' is not in the tz database" "$T/err" ||
	fail "a zone not in the tz database: $rc $(cat "$T/err")"
ok "[site] timezone: offsets from the tz database at each time (summer +02:00, winter +01:00); an unknown name refused (65)"
fi
