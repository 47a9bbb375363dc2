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
