# One option parser for the whole CLI (issue 13) and help that tells the
# truth (issue 14, item 16): long options match only by their full name,
# glibc's messages are off and ours never echo a value; `dossier help CMD`
# is `dossier CMD --help`; every option the parser accepts is in the help's
# option list, and every option of the usage line is accepted.
. "$(dirname "$0")/lib.sh"

"$D" init >/dev/null

# --- exact matching, no abbreviations -----------------------------------
expect_fail 64 "$D" list --jso
grep -q "unknown option --jso$" "$T/err" || fail "list --jso: $(cat "$T/err")"
expect_fail 64 "$D" list --json=yes
grep -q "option --json takes no value" "$T/err" || fail "list --json=yes: $(cat "$T/err")"
expect_fail 64 "$D" search --limi 3 nothing
expect_fail 64 "$D" department add X --nam Y
expect_fail 64 "$D" search nothing --limit
grep -q "option --limit needs a value" "$T/err" || fail "search --limit: $(cat "$T/err")"
"$D" list --json >/dev/null || fail "list --json"
# options may follow operands; "--" ends the options
"$D" department add STNMT --name "Sở Tài nguyên và Môi trường" >/dev/null
"$D" department list --json | grep -q STNMT || fail "department list"
expect_fail 64 "$D" department add -- --name X
ok "long options match only in full"

# --- integers: one parser, the value never echoed ------------------------
for v in 0 1001 abc 0x10 "" 5x -1 99999999999999999999; do
	expect_fail 64 "$D" search nothing --limit "$v"
	grep -q "^dossier search: --limit: not a whole number from 1 to 1000$" "$T/err" ||
		fail "search --limit '$v': $(cat "$T/err")"
done
expect_fail 64 "$D" export X "$T/x" --version 0
grep -q "^dossier export: --version: not a whole number" "$T/err" || fail "export --version 0"
ok "integer options"

# --- a value is never echoed, wherever the option is wrong ---------------
S='MatKhau-BiMat-2025'
for args in "list --x-$S" "list --color=$S" "--home=$T/home --bogus=$S list" "status --err=$S" \
	"show X --pas=$S" "verify --trust-$S x" "search --limit=$S q" "pki init --days=$S"; do
	# shellcheck disable=SC2086
	expect_fail 64 "$D" $args
	grep -q "$S" "$T/err" "$T/out" && fail "'$args' echoed the value: $(cat "$T/err")"
	[ "$(grep -vc '^usage:\|^$\|^  \|^commands:\|^`dossier' "$T/err")" -le 1 ] ||
		fail "'$args': more than one message line: $(cat "$T/err")"
done
expect_fail 64 "$D" "$S"
grep -q "$S" "$T/err" && fail "an unknown command echoed: $(cat "$T/err")"
expect_fail 64 "$D" nosuchcmd
grep -q "unknown command 'nosuchcmd'" "$T/err" || fail "unknown command: $(cat "$T/err")"
ok "no value echoed"

# --- help ---------------------------------------------------------------
cmds=$("$D" help | sed -n 's/^  \([a-z-][a-z-]*\)  .*/\1/p')
[ "$(echo "$cmds" | wc -w)" -ge 20 ] || fail "dossier help lists $(echo "$cmds" | wc -w) commands"
for c in $cmds; do
	DS_CLI_OPTIONS=1 "$D" "$c" --help >"$T/h1" 2>"$T/opts" || fail "$c --help exited $?"
	"$D" help "$c" >"$T/h2" 2>/dev/null || fail "help $c exited $?"
	cmp -s "$T/h1" "$T/h2" || fail "dossier help $c differs from dossier $c --help"
	head -1 "$T/h1" | grep -q "^usage: dossier \[--home DIR\] $c " || fail "$c --help: no usage line"
	[ -s "$T/opts" ] || fail "$c: the parser's option table was not listed"
	# every option the parser accepts is described in the option list
	tail -n +2 "$T/h1" > "$T/list"
	while read -r o; do
		case $o in
		--*) grep -Eq -- "(^|[[ ,|])$o([] =,|]|$)" "$T/list" || fail "$c: $o is accepted but not in its help" ;;
		-?) grep -Eq -- "(^|[ ,])$o([ ,]|$)" "$T/list" || fail "$c: $o is accepted but not in its help" ;;
		esac
	done < "$T/opts"
	# every option of the usage line is accepted
	for o in $(head -1 "$T/h1" | sed 's/^usage: dossier \[--home DIR\]//' | grep -o -- '--[a-z0-9-]*' | sort -u); do
		grep -qx -- "$o" "$T/opts" || fail "$c: usage mentions $o, which the parser does not accept"
	done
done
expect_fail 64 "$D" help nosuchcommand
ok "help CMD equals CMD --help; every accepted option is in the help"

if [ -n "${DOSSIERD:-}" ]; then
	DS_CLI_OPTIONS=1 "$DOSSIERD" --help >"$T/h1" 2>"$T/opts" || fail "dossierd --help"
	while read -r o; do
		grep -Eq -- "(^|[[ ,|])$o([] =,|]|$)" "$T/h1" || fail "dossierd: $o is accepted but not in its help"
	done < "$T/opts"
	expect_fail 64 "$DOSSIERD" --onc
	grep -q "^dossierd: unknown option --onc$" "$T/err" || fail "dossierd --onc: $(cat "$T/err")"
	expect_fail 64 "$DOSSIERD" --jobs 0
	grep -q "^dossierd: --jobs: not a whole number from 1 to 64$" "$T/err" || fail "dossierd --jobs 0"
	ok "dossierd options"
fi
