#!/bin/sh
# End-to-end (issue 14): messy and hostile input in the inbox.
#  1. A sidecar never outlives its scan: the scan rejected as "already
#     ingested" takes its sidecar to rejected/, so the next scan of that name
#     (another citizen's pages) is not routed by it; a sidecar alone past the
#     settle time is rejected with a reason.
#  3. Budgets from headers before decoding: 2,000 pages sharing one strip, a
#     14000x14000 colour page, a 3 GB sparse file (refused before it is
#     hashed), all rejected with the reason; a file the daemon dies on twice
#     is rejected.
#  4. Names from outside are escaped in `dossier status` and in the log.
# 10. A TIFF whose resolution unit is "none" is read as dpi; a scan without
#     resolution gets one estimated from its paper size, recorded as such.
. "$(dirname "$0")/lib.sh"
: "${DOSSIERD:?DOSSIERD must point at the dossierd binary}"
IN="$DOSSIER_HOME/inbox"
export DOSSIER_NOW=2025-11-26T08:14:03+07:00

"$D" init >/dev/null
printf '[daemon]\nocr = false\nsettle_ms = 1500\nlog_level = debug\n' >> "$DOSSIER_HOME/dossier.conf"
"$D" department add STNMT --name "Sở Tài nguyên và Môi trường" >/dev/null
"$D" procedure add 1.004227 --name "Đăng ký đất đai" --department STNMT --days 15 >/dev/null
intake() { "$D" intake --procedure 1.004227 --applicant-id "$1" --applicant-name "$2" 2>/dev/null | tail -n 1; }
cA=$(intake 001 "Nguyễn Văn An")
cB=$(intake 002 "Trần Thị Bình")
mkdir -p "$IN"
pages() { "$D" show "$1" --json > "$T/show.json"; json_get "$T/show.json" 'len(d["pages"])'; }
once() { "$DOSSIERD" --once 2>>"$T/log" || { tail -n 20 "$T/log" >&2; fail "dossierd --once exited $?"; }; }
reason() { cat "$IN/rejected/$1.error.txt"; }

# ---- 1. the misrouting scenario ----
echo "Hồ sơ của ông An." | "$MK" -o "$T/a.tif" --pages 2 --bits 1 --dpi 100 --width 800 --height 1100
echo "Hồ sơ của bà Bình, người khác." | "$MK" -o "$T/b.tif" --bits 1 --dpi 100 --width 800 --height 1100
cp "$T/a.tif" "$IN/first.tif"
printf '{"dossier": "%s"}' "$cA" > "$IN/first.json"
once
[ "$(pages "$cA")" = 2 ] || fail "the first scan was not ingested into A"
# the scanner reuses its name: the same bytes again, with a sidecar naming A
printf '{"dossier": "%s"}' "$cA" > "$IN/scan0001.json"
cp "$T/a.tif" "$IN/scan0001.tif"
once
grep -q "already ingested as $cA" "$IN/rejected/scan0001.tif.error.txt" || fail "duplicate not rejected: $(ls "$IN" "$IN/rejected")"
[ -f "$IN/rejected/scan0001.tif.json" ] || fail "the duplicate's sidecar did not go to rejected/ with it"
[ ! -e "$IN/scan0001.json" ] || fail "the duplicate's sidecar outlived its scan"
# the next scan0001.tif, another person's pages, without a sidecar
cp "$T/b.tif" "$IN/scan0001.tif"
once
[ "$(pages "$cA")" = 2 ] || fail "another person's scan was filed into dossier A ($(pages "$cA") pages)"
grep -q "cannot tell which dossier" "$IN/rejected/scan0001-1.tif.error.txt" || fail "the unroutable scan: $(cat "$IN"/rejected/*.error.txt)"
ok "a sidecar goes to rejected/ with its duplicate scan; the next scan of that name is not misrouted"

# a sidecar that no scan comes with: rejected with a reason once settle_ms passed
printf '{"dossier": "%s"}' "$cB" > "$IN/lonely.json"
# and one whose scan is on its way (not yet complete): kept
printf '{"dossier": "%s"}' "$cB" > "$IN/coming.json"
cp "$T/b.tif" "$IN/coming.tif.part"
once
grep -q "a sidecar without its scan" "$IN/rejected/lonely.json.error.txt" || fail "lonely sidecar: $(ls "$IN" "$IN/rejected")"
[ ! -e "$IN/lonely.json" ] || fail "the lonely sidecar stayed in the inbox"
[ -e "$IN/coming.json" ] || fail "a sidecar whose scan is being written was rejected"
mv "$IN/coming.tif.part" "$IN/coming.tif"
once
[ "$(pages "$cB")" = 1 ] && [ -e "$IN/done/coming.tif.json" ] || fail "the scan that came late was not routed by its sidecar"
"$D" status --json > "$T/st.json"
json_get "$T/st.json" '[e["reason"] for e in d["last_errors"] if e["name"] == "lonely.json"][0]' | grep -q "within 1500 ms" || fail "status does not show the lonely sidecar's reason"
ok "a sidecar alone past the settle time is rejected with its reason"

# ---- 4. names from outside escaped in status and in the log ----
esc=$(printf '\033')
evil=$(printf '\033[2J\033[31mFAKE OK\033[0m.tif')
cp "$T/b.tif" "$IN/$evil"
: > "$T/log"
once
"$D" status > "$T/status.txt"
"$D" status --errors 50 > "$T/status50.txt"
if grep -q "$esc" "$T/status.txt" "$T/status50.txt"; then fail "dossier status printed an escape sequence raw"; fi
grep -qF '\x1b[2J\x1b[31mFAKE OK\x1b[0m.tif' "$T/status.txt" || { cat "$T/status.txt"; fail "status does not show the name escaped"; }
if grep -q "$esc" "$T/log"; then fail "the daemon's log holds an escape sequence raw"; fi
grep -qF '\x1b[2J\x1b[31mFAKE OK' "$T/log" || fail "the log does not name the file escaped"
"$D" status --json > "$T/st.json"
json_get "$T/st.json" '[e["name"] for e in d["last_errors"] if "FAKE" in e["name"]][0]' | grep -q "FAKE OK" || fail "status --json lost the name"
ok "names with terminal escapes are escaped in status and the log"

# ---- 3. hostile files: budgets checked before decoding ----
python3 - "$IN" <<'PY'
import struct, sys, zlib
inbox = sys.argv[1]
def tiff(path, w, h, spp, pages, strip, comp=8):
    """`pages` directories all pointing at one strip (`strip` bytes)."""
    n = 10
    out = bytearray(b"II*\0" + struct.pack("<I", 0))
    bps_off = len(out); out += struct.pack("<HHH", 8, 8, 8)
    strip_off = len(out); out += strip
    first = len(out); out[4:8] = struct.pack("<I", first)
    for i in range(pages):
        at = len(out); nxt = at + 2 + 12 * n + 4 if i + 1 < pages else 0
        bps = (258, 3, 3, bps_off) if spp == 3 else (258, 3, 1, 8 if spp else 1)
        ents = [(256, 4, 1, w), (257, 4, 1, h), bps, (259, 3, 1, comp),
                (262, 3, 1, 2 if spp == 3 else 1), (273, 4, 1, strip_off),
                (277, 3, 1, spp or 1), (278, 4, 1, h), (279, 4, 1, len(strip)), (284, 3, 1, 1)]
        out += struct.pack("<H", n)
        for t, ty, c, v in ents:
            out += struct.pack("<HHI", t, ty, c) + (struct.pack("<HH", v, 0) if ty == 3 and c == 1 else struct.pack("<I", v))
        out += struct.pack("<I", nxt)
    open(path, "wb").write(out)
# 2,000 pages sharing one 14000x14000 strip (the deflated white page)
white = zlib.compress(bytes((14000 + 7) // 8 * 200), 9)
tiff(inbox + "/pages2000.tif", 14000, 14000, 0, 2000, white)
# 2,000 pages of 9000x9000: each within the page limits, 162 Gpx together
tiff(inbox + "/pages2000b.tif", 9000, 9000, 0, 2000, white)
# one 14000x14000 colour page
tiff(inbox + "/rgb14000.tif", 14000, 14000, 3, 1, zlib.compress(bytes(14000 * 3 * 50), 9))
PY
truncate -s 3G "$IN/sparse.tif"
: > "$T/log"
once
grep -q "page 1: 14000x14000 pixels, more than 100000000 pixels" "$IN/rejected/pages2000.tif.error.txt" || fail "2000 pages: $(reason pages2000.tif)"
grep -q "2000 pages of 162000000000 pixels together, more than" "$IN/rejected/pages2000b.tif.error.txt" || fail "2000 pages b: $(reason pages2000b.tif)"
grep -q "14000x14000 pixels, more than 100000000 pixels" "$IN/rejected/rgb14000.tif.error.txt" || fail "rgb: $(reason rgb14000.tif)"
grep -q "3221225472 bytes, more than the 1073741824 bytes a scan file may have" "$IN/rejected/sparse.tif.error.txt" || fail "sparse: $(reason sparse.tif)"
# refused from its size alone: never hashed
[ "$(sqlite3 "$DOSSIER_HOME/catalog.db" "SELECT sha256 FROM inbox_files WHERE name = 'sparse.tif'")" = "" ] || fail "the 3 GB file was hashed before it was refused"
ok "2000 pages on one strip, a 14000x14000 colour page, a 3 GB sparse file: refused from headers and size"

# a file the daemon dies on twice (a crash, a kill for taking too long) is rejected
echo "Trang làm hỏng daemon." | "$MK" -o "$IN/${cB}_killer.tif" --bits 1 --dpi 100 --width 800 --height 1100
for k in 1 2; do
	DS_FAULT=daemon_kill_mid_ingest:1 "$DOSSIERD" --once 2>>"$T/log" && fail "the fault did not kill the daemon" || true
	[ -e "$IN/${cB}_killer.tif" ] || fail "the file left the inbox after death $k"
done
once
grep -q "the daemon died 2 times while ingesting it" "$IN/rejected/${cB}_killer.tif.error.txt" || fail "killer: $(ls "$IN" "$IN/rejected")"
[ "$(pages "$cB")" = 1 ] || fail "the killer's pages reached the dossier"
ok "a file that killed the daemon twice is rejected with the reason"

# ---- 10. resolution: unit "none" read as dpi; none at all estimated ----
python3 - "$T/b.tif" "$IN" <<'PY'
import struct, sys
src, inbox = sys.argv[1], sys.argv[2]
def page(path, w, h, res, unit):
    """One uncompressed 1-bit page with resolution `res` in `unit` (None: no tags)."""
    row = (w + 7) // 8
    data = bytes(row * h)
    ents = [(256, 4, 1, w), (257, 4, 1, h), (258, 3, 1, 1), (259, 3, 1, 1), (262, 3, 1, 0),
            (273, 4, 1, 0), (277, 3, 1, 1), (278, 4, 1, h), (279, 4, 1, len(data))]
    if res:
        ents += [(282, 5, 1, 0), (283, 5, 1, 0), (296, 3, 1, unit)]
    ifd = 8
    rat = ifd + 2 + 12 * len(ents) + 4
    strip = rat + 8
    out = bytearray(b"II*\0" + struct.pack("<I", ifd) + struct.pack("<H", len(ents)))
    for t, ty, c, v in ents:
        if t == 273: v = strip
        if ty == 5: v = rat
        out += struct.pack("<HHI", t, ty, c) + (struct.pack("<HH", v, 0) if ty == 3 else struct.pack("<I", v))
    out += struct.pack("<I", 0) + struct.pack("<II", res or 1, 1) + data
    open(path, "wb").write(out)
page(inbox + "/unitnone.tif", 850, 1100, 100, 1)   # ImageMagick without -units
page(inbox + "/nores.tif", 1240, 1754, None, 0)    # A4 at 150 dpi, unsaid
PY
printf '{"dossier": "%s"}' "$cB" > "$IN/unitnone.json"
printf '{"dossier": "%s"}' "$cB" > "$IN/nores.json"
once
"$D" show "$cB" --json > "$T/show.json"
got=$(json_get "$T/show.json" 'sorted((p["width"], p["dpi"], p["dpi_estimated"]) for p in d["pages"])'); [ "$got" = "[(800, 100, False), (850, 100, False), (1240, 150, True)]" ] || fail "resolutions: $(json_get "$T/show.json" '[(p["width"], p["dpi"], p["dpi_estimated"]) for p in d["pages"]]')"
"$D" show "$cB" | grep -q " 150 dpi?" || fail "show does not mark the estimated resolution"
ok "resolution unit none read as dpi; a missing resolution estimated from A4 and recorded as estimated"
