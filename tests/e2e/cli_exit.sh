# One exit-code rule for every command (issue 14, item 15; README "Exit
# status"): 64 the command line is wrong; 65 a value or file whose content
# is not acceptable (a name too long, a code not of its form, a malformed
# file); 66 what it names does not exist; 73 it already exists; 77 refused.
# Every command is driven with bad usage, bad data, things that do not exist
# and duplicates.
. "$(dirname "$0")/lib.sh"

LONG=$(python3 -c 'print("x" * 5000)')
LONGNAME=$(python3 -c 'print("Nguyễn " * 600)')

demo_pki an
echo "Trang hồ sơ." > "$T/text"
"$MK" -o "$T/a.tif" --pages 1 < "$T/text"
code=$("$D" intake --procedure 1.004227 --applicant-id 1 --applicant-name "Lê Văn C" "$T/a.tif" 2>/dev/null | tail -n 1)

# --- 64: the command line ------------------------------------------------
cmds=$("$D" help | sed -n 's/^  \([a-z-][a-z-]*\)  .*/\1/p')
for c in $cmds; do
	expect_fail 64 "$D" "$c" --no-such-option
	grep -q "unknown option --no-such-option" "$T/err" || fail "$c: $(cat "$T/err")"
done
for args in "approver" "attach" "attach $code" "department" "department add" "export" "export $code" \
	"intake" "log" "log nope" "ocr" "pages" "pages add" "pki" "pki issue" "procedure" \
	"procedure add 1.000001" "receipt" "reject" "reject $code" "return" "reuse" "seal" "seal $code" \
	"seal-key" "seal-key add X" "search" "show" "supplement $code" "text" "verify" \
	"list extra" "check extra" "init extra" "status extra" "nosuchcommand" \
	"search q --limit 0" "search q --state nosuch" "list --state nosuch" "text $code --page 0" \
	"seal $code --seal STNMT-1 --approver an --approver-passphrase-file $T/ap --level B-X" \
	"pki init --name X --days 0"; do
	# shellcheck disable=SC2086
	expect_fail 64 "$D" $args
done
ok "64: unknown options, missing or extra operands, values outside a fixed set"

# --- 65: the content of a value -------------------------------------------
expect_fail 65 "$D" department add STP --name "$LONGNAME"
expect_fail 65 "$D" department add "stp lower" --name "Sở Tư pháp"
expect_fail 65 "$D" procedure add 1.000002 --name "$LONGNAME" --department STNMT --days 5
expect_fail 65 "$D" procedure add "not-a-code" --name "X" --department STNMT --days 5
expect_fail 65 "$D" intake --procedure 1.004227 --applicant-id 2 --applicant-name "$LONGNAME"
expect_fail 65 "$D" intake --procedure 1.004227 --applicant-id 2 --applicant-name "An" --actor "$LONG"
expect_fail 65 "$D" attach "$code" --result "$T/a.tif" --title "$LONGNAME"
expect_fail 65 "$D" attach "$code" --result "$T/text" --title "Kết quả"
expect_fail 65 "$D" reject "$code" --reason "$LONG"
expect_fail 65 "$D" supplement "$code" --reason "$LONG"
expect_fail 65 "$D" return "$code" --note "$LONG"
expect_fail 65 "$D" search "$LONG"
expect_fail 65 "$D" approver add "$LONG" --cert "$DOSSIER_HOME/pki/approvers/an.pem" --seal STNMT-1
expect_fail 65 "$D" seal-key add "$LONG" --department STNMT --key "$T/text" --cert "$T/text" --passphrase-file "$T/pp"
expect_fail 65 "$D" pki init --name "$LONG"
expect_fail 65 "$D" pki revoke "not-hex!"
ok "65: too long, not of its form, not the kind of file it must be"

# --- 66: does not exist ----------------------------------------------------
for args in "show NOPE" "text NOPE" "export NOPE $T/x.asice" "receipt NOPE -o $T/r.pdf" \
	"attach NOPE --result $T/a.tif --title T" "reject NOPE --reason R" "supplement NOPE --reason R" \
	"return NOPE" "pages list NOPE" "pages add NOPE $T/a.tif" "ocr NOPE" \
	"seal $code --seal NOPE --approver an --approver-passphrase-file $T/ap" \
	"procedure add 1.000003 --name X --department NOPE --days 5" \
	"intake --procedure 9.999999 --applicant-id 3 --applicant-name X" \
	"intake --procedure 1.004227 --applicant-id 3 --applicant-name X $T/nope.tif" \
	"approver add bob --cert $T/nope.pem --seal STNMT-1" "verify $T/nope.asice" \
	"reuse --attach NOPE --to $code"; do
	# shellcheck disable=SC2086
	expect_fail 66 "$D" $args
done
expect_fail 66 env DOSSIER_HOME="$T/nohome" "$D" list
ok "66: a dossier, procedure, department, seal, file or home that does not exist"

# --- 73: already exists ------------------------------------------------------
expect_fail 73 "$D" department add STNMT --name "Sở Tài nguyên và Môi trường"
expect_fail 73 "$D" procedure add 1.004227 --name "Đăng ký biến động đất đai" --department STNMT --days 15
expect_fail 73 "$D" pki init --name "UBND" --passphrase-file "$T/pp"
expect_fail 73 "$D" pki issue seal STNMT --seal-id STNMT-1 --passphrase-file "$T/pp"
expect_fail 73 "$D" seal-key add STNMT-1 --department STNMT --key "$DOSSIER_HOME/pki/seals/STNMT-1.key" \
	--cert "$DOSSIER_HOME/pki/seals/STNMT-1.pem" --passphrase-file "$T/pp"
ok "73: a department, procedure, PKI or seal that already exists"
# the documented exceptions: init is idempotent, approver add renews
"$D" init >/dev/null || fail "init on an existing home"
"$D" approver add an --cert "$DOSSIER_HOME/pki/approvers/an.pem" --seal STNMT-1 >/dev/null || fail "approver add again"
