# Shared helpers for the end-to-end tests (sourced, not run).
set -eu
: "${DOSSIER:?DOSSIER must point at the dossier binary}"
T=$(mktemp -d "${TMPDIR:-/tmp}/dossier-e2e.XXXXXX")
trap 'rm -rf "$T"' EXIT
export DOSSIER_HOME="$T/home"
D="$DOSSIER"
MK="${DS_MKSCAN:-}"
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok - $*"; }
# expect_fail CODE CMD...: runs CMD, which must exit with CODE; stderr kept in $T/err
expect_fail() {
	want=$1; shift
	set +e
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	set -e
	[ "$got" = "$want" ] || { cat "$T/err" >&2; fail "'$*' exited $got, expected $want"; }
}
# jq-like field access with python3: json_get FILE EXPR (EXPR uses `d`)
json_get() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
blob_count() { find "$DOSSIER_HOME/store/sha256" -type f | wc -l; }
# demo_pki APPROVER: STNMT and procedure 1.004227, the demo PKI (root
# passphrase in $T/pp), seal STNMT-1, approver APPROVER (passphrase in
# $T/ap) listed for it.
demo_pki() {
	( umask 077; printf 'pki passphrase for the test\n' > "$T/pp"; printf 'approver passphrase\n' > "$T/ap" )
	"$D" init >/dev/null
	"$D" department add STNMT --name "Sở Tài nguyên và Môi trường" >/dev/null
	"$D" procedure add 1.004227 --name "Đăng ký biến động đất đai" --department STNMT --days 15 >/dev/null
	"$D" pki init --name "UBND tỉnh Bắc Ninh (test)" --passphrase-file "$T/pp" >/dev/null
	"$D" pki issue seal STNMT --seal-id STNMT-1 --passphrase-file "$T/pp" >/dev/null
	"$D" pki issue approver "$1" --department STNMT --passphrase-file "$T/ap" --ca-passphrase-file "$T/pp" >/dev/null
	"$D" approver add "$1" --cert "$DOSSIER_HOME/pki/approvers/$1.pem" --seal STNMT-1 >/dev/null
}
# check_bundle BUNDLE ROOT.pem: what every bundle the tests produce must pass
# (issue 6): `dossier verify` TOTAL_PASSED, `unzip -t`, the bytes FORMATS.md
# fixes checked with python3's zipfile (mimetype first, stored, no extra
# field or data descriptor; media stored, text deflated; one timestamp;
# ASCII names; dossier.json second and NFC), and each manifest's signature
# verified by GnuTLS certtool and NSS cmsutil.
check_bundle() {
	_b=$1 _root=$2 _x="$T/cb.$$"
	"$D" verify "$_b" > "$T/cb.out" 2>&1 || { cat "$T/cb.out" >&2; fail "check_bundle: dossier verify $_b"; }
	unzip -tq "$_b" >/dev/null || fail "check_bundle: unzip -t $_b"
	python3 - "$_b" <<'PY' || fail "check_bundle: zip layout of $_b"
import struct, sys, zipfile, unicodedata
p = sys.argv[1]
raw = open(p, "rb").read()
sig, ver, flags, method, t, d, crc, cs, us, nl, el = struct.unpack("<IHHHHHIIIHH", raw[:30])
assert sig == 0x04034b50 and raw[30:30 + nl] == b"mimetype", "mimetype not first"
assert method == 0 and el == 0 and flags & 8 == 0, "mimetype compressed, extra field or descriptor"
assert raw[30 + nl:30 + nl + us] == b"application/vnd.etsi.asic-e+zip"
z = zipfile.ZipFile(p)
names = z.namelist()
assert names[0] == "mimetype" and names[1] == "dossier.json", names[:2]
for i in z.infolist():
    assert i.flag_bits & 8 == 0, "data descriptor on " + i.filename
    assert i.extra == b"", "extra field on " + i.filename
    # the local header too
    lnl, lel = struct.unpack("<HH", raw[i.header_offset + 26:i.header_offset + 30])
    assert lel == 0, "local extra field on " + i.filename
    stored = i.filename.endswith((".tif", ".png", ".pdf", ".p7s", ".jpg")) or i.filename == "mimetype"
    assert i.compress_type == (0 if stored else 8), (i.filename, i.compress_type)
    assert i.date_time == z.infolist()[0].date_time
    assert i.filename.isascii() and ".." not in i.filename.split("/") and len(i.filename) <= 255
assert unicodedata.is_normalized("NFC", z.read("dossier.json").decode("utf-8")), "dossier.json is not NFC"
PY
	rm -rf "$_x"; mkdir -p "$_x/nss"
	(cd "$_x" && unzip -q "$_b")
	certutil -N -d "sql:$_x/nss" --empty-password
	certutil -A -d "sql:$_x/nss" -n root -t "C,C,C" -i "$_root"
	for _s in "$_x"/META-INF/signature*.p7s; do
		_n=$(basename "$_s" .p7s | sed 's/signature//')
		certtool --p7-verify --inder --infile "$_s" --load-data "$_x/META-INF/ASiCManifest$_n.xml" \
			--load-ca-certificate "$_root" > "$T/cb.out" 2>&1 || { cat "$T/cb.out" >&2; fail "check_bundle: certtool $_n of $_b"; }
		cmsutil -D -i "$_s" -c "$_x/META-INF/ASiCManifest$_n.xml" -d "sql:$_x/nss" -n -h 2 > "$T/cb.out" 2>&1 || true
		grep -q "status=GoodSignature" "$T/cb.out" || { cat "$T/cb.out" >&2; fail "check_bundle: cmsutil $_n of $_b"; }
	done
	rm -rf "$_x"
}
