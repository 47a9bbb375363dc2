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
