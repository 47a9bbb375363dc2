#!/bin/sh
# Issue 13, attacks 4-8, played as an insider would, each refused or
# detected with the exit code and message the docs give:
#  4. a secret on the command line (getopt took --approver-passphrase X as
#     --approver-passphrase-file X, and X went into an event and a bundle);
#  5. a PKCS#11 module path in the catalog loaded as code by `dossier seal`;
#  6. a library that is not a PKCS#11 module crashed seal-key add and seal
#     (exit 139), leaving a seal_granted event with no outcome;
#  7. a seal of the wrong department logged seal_granted, then seal_failed;
#  8. --actor NAME recorded as the actor.
. "$(dirname "$0")/lib.sh"
SETUP="$DS_BUILD_DIR/tests/archive/ds_archive_setup"
MOD=/usr/lib/softhsm/libsofthsm2.so
LIBZ=$(for f in /lib/x86_64-linux-gnu/libz.so.1 /usr/lib/x86_64-linux-gnu/libz.so.1 /lib/libz.so.1 /usr/lib/libz.so.1; do [ -r "$f" ] && echo "$f" && break; done)
ME=$(id -un)
S='MatKhau-BiMat-2025'
ALL="$T/all.log" # every output of every command, grepped for the secret
: > "$ALL"
keep() { cat "$T/out" "$T/err" >> "$ALL"; }
events() { "$D" show --json "$1" > "$T/ev.json" && json_get "$T/ev.json" "$2"; }
seal_actions() { events "$1" '" ".join(e["action"] for e in d["events"] if e["action"].startswith("seal"))'; }

demo_pki an
"$D" pki issue seal STNMT --seal-id STNMT-2 --passphrase-file "$T/pp" >/dev/null
"$D" department add STP --name "Sở Tư pháp" >/dev/null
"$D" pki issue seal STP --seal-id STP-1 --passphrase-file "$T/pp" >/dev/null
# (an is not listed for STP-1, and cannot be: enrolment refuses a personal
# certificate of another department; the department is decided first)
echo "Trang hồ sơ." > "$T/text"
"$MK" -o "$T/a.tif" --pages 1 < "$T/text"
new_dossier() {
	_c=$("$D" intake --procedure 1.004227 --applicant-id "$1" --applicant-name "Lê Văn $1" "$T/a.tif" 2>/dev/null | tail -n 1)
	"$SETUP" --digitize "$DOSSIER_HOME" "$_c"
	echo "$_c"
}
code=$(new_dossier 1)

# --- 4. secrets are never taken from the command line --------------------
RULE="secrets are read from a file or a descriptor, never from the command line"
SEAL="seal $code --seal STNMT-1 --approver an"
for args in \
	"$SEAL --approver-passphrase $S" "$SEAL --approver-passphrase=$S" \
	"$SEAL --approver-pass $S" "$SEAL --approver-passphrase-fil $S" \
	"$SEAL --approver-passphrase-fil=$S" "$SEAL --seal-passphrase $S" "$SEAL --passphrase=$S" \
	"$SEAL --pin $S" "$SEAL --password $S" "$SEAL --approver-pin=$S" \
	"pki init --name X --passphrase $S" "pki issue approver bob --department STNMT --passphrase $S" \
	"pki issue approver bob --department STNMT --ca-passphrase $S" \
	"pki issue approver bob --department STNMT --passphrase-fil $S" \
	"seal-key add X --department STNMT --key k --cert c --passphrase $S" \
	"seal-key add X --department STNMT --pkcs11-uri pkcs11:token=A;object=b --cert c --pin $S" \
	"seal-key add X --department STNMT --pkcs11-uri pkcs11:token=A;object=b --cert c --pin-fil=$S" \
	"seal-key add X --department STNMT --key k --cert c --password=$S" \
	"log checkpoint --passphrase $S" "log checkpoint --passphrase-fil=$S" \
	"intake --procedure 1.004227 --applicant-id 9 --applicant-name X --pin $S" \
	"--passphrase=$S list"; do
	# shellcheck disable=SC2086
	expect_fail 64 "$D" $args
	keep
	grep -q "$RULE" "$T/err" || fail "'$args': $(cat "$T/err")"
	grep -q "$S" "$T/err" "$T/out" && fail "'$args' echoed the secret"
done
if [ -n "${DOSSIERD:-}" ]; then
	expect_fail 64 "$DOSSIERD" --once --passphrase "$S"
	keep
	grep -q "$RULE" "$T/err" || fail "dossierd --passphrase: $(cat "$T/err")"
fi
# the secret given where a file name goes: the file is not found, and its
# name (the secret) is neither printed nor recorded; nothing is granted
expect_fail 66 "$D" $SEAL --approver-passphrase-file "$S"
keep
grep -q "approver-passphrase-file: no such file" "$T/err" || fail "passphrase file: $(cat "$T/err")"
[ -z "$(seal_actions "$code")" ] || fail "an unreadable passphrase file left events: $(seal_actions "$code")"
for args in "pki issue approver bob --department STNMT --passphrase-file $S --ca-passphrase-file $T/pp" \
	"pki crl --passphrase-file $S" "log checkpoint --passphrase-file $S" \
	"seal-key add X --department STNMT --key $T/text --cert $T/text --passphrase-file $S"; do
	# shellcheck disable=SC2086
	expect_fail 66 "$D" $args
	keep
	grep -q "$S" "$T/err" "$T/out" && fail "'$args' printed the file name given for a secret: $(cat "$T/err")"
done
# a genuine seal, so a bundle exists to be searched
B=$("$D" $SEAL --approver-passphrase-file "$T/ap" | tail -n 1)
[ -f "$B" ] || fail "the genuine seal"
sqlite3 "$DOSSIER_HOME/catalog.db" .dump > "$T/dump.sql"
grep -c "seal_granted" "$T/dump.sql" >/dev/null || fail "the catalog dump has no events"
! grep -q "$S" "$T/dump.sql" || fail "the secret is in the catalog"
! grep -q "$S" "$ALL" || fail "the secret is in the output"
for b in $(find "$DOSSIER_HOME/archive" -name '*.asice'); do
	unzip -p "$b" > "$T/bundle.bytes"
	[ -s "$T/bundle.bytes" ] || fail "unzip $b"
	! grep -aq "$S" "$T/bundle.bytes" || fail "the secret is in $b"
done
ok "4: every secret option misused exits 64 with the rule; the secret is in no event, output or bundle"

# --- 7. the department is decided before anything is granted --------------
code7=$(new_dossier 7)
expect_fail 77 "$D" seal "$code7" --seal STP-1 --approver an --approver-passphrase-file "$T/ap"
grep -q "seal STP-1 belongs to STP, dossier $code7 to STNMT" "$T/err" || fail "7: $(cat "$T/err")"
[ "$(seal_actions "$code7")" = seal_refused ] || fail "7: events $(seal_actions "$code7")"
events "$code7" 'd["events"][-1]["detail"]' | grep -q "belongs to STP" || fail "7: no reason in the event"
# a disabled seal and an approver not listed: refused the same way
expect_fail 77 "$D" seal "$code7" --seal STNMT-2 --approver an --approver-passphrase-file "$T/ap"
grep -q "an is not an approver of seal STNMT-2" "$T/err" || fail "7: not listed: $(cat "$T/err")"
[ "$(seal_actions "$code7")" = "seal_refused seal_refused" ] || fail "7: events $(seal_actions "$code7")"
ok "7: a seal of another department, or by an approver not listed: one seal_refused event with the reason"

# --- 5, 6. PKCS#11 modules only from the allow-list ------------------------
if command -v softhsm2-util >/dev/null && command -v pkcs11-tool >/dev/null && [ -r "$MOD" ] &&
	command -v cc >/dev/null && [ -n "$LIBZ" ]; then
	mkdir "$T/tokens"
	printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$T" >"$T/softhsm2.conf"
	export SOFTHSM2_CONF="$T/softhsm2.conf"
	# test-only PINs: the tools under test never take them on argv
	softhsm2-util --init-token --free --label SEALS --pin 246810 --so-pin 13579135 >/dev/null
	pkcs11-tool --module "$MOD" --token-label SEALS --login --pin 246810 --keypairgen \
		--key-type EC:prime256v1 --label hsm-1 --id 01 >/dev/null 2>&1
	pkcs11-tool --module "$MOD" --token-label SEALS --read-object --type pubkey --label hsm-1 \
		-o "$T/pub.der" >/dev/null 2>&1
	( umask 077; printf '246810\n' > "$T/pin" )
	hsm=$("$D" pki issue seal STNMT --seal-id HSM-1 --pubkey "$T/pub.der" --ca-passphrase-file "$T/pp" | tail -n 1)
	HSM="--department STNMT --pkcs11-uri pkcs11:token=SEALS;object=hsm-1 --cert $hsm --pin-file $T/pin"
	# no allow-list: no module at all
	expect_fail 77 "$D" seal-key add HSM-1 $HSM --pkcs11-module "$MOD"
	grep -q "no PKCS#11 module is allowed on this site" "$T/err" || fail "5: $(cat "$T/err")"
	printf '\n[pkcs11]\nmodules = %s\n' "$MOD" >> "$DOSSIER_HOME/dossier.conf"
	"$D" seal-key add HSM-1 $HSM >/dev/null || fail "seal-key add with the allowed module"
	"$D" approver add an --cert "$DOSSIER_HOME/pki/approvers/an.pem" --seal HSM-1 >/dev/null

	# a library of one's own, whose constructor leaves a mark
	printf '#include <stdio.h>\n__attribute__((constructor)) static void pwn(void) { FILE *f = fopen("%s/pwned", "w"); if (f) fclose(f); }\n' "$T" > "$T/evil.c"
	cc -shared -fPIC -o "$T/evil.so" "$T/evil.c"
	chmod 755 "$T/evil.so"
	# 5: the catalog names it: refused, never loaded; the grant has its outcome
	code5=$(new_dossier 5)
	sqlite3 "$DOSSIER_HOME/catalog.db" "UPDATE seals SET pkcs11_module = '$T/evil.so' WHERE seal_id = 'HSM-1'"
	expect_fail 77 "$D" seal "$code5" --seal HSM-1 --approver an --approver-passphrase-file "$T/ap"
	grep -q "PKCS#11 module $T/evil.so is not on the allow-list" "$T/err" || fail "5: $(cat "$T/err")"
	[ ! -e "$T/pwned" ] || fail "5: the catalog's module was loaded"
	[ "$(seal_actions "$code5")" = "seal_granted seal_failed" ] || fail "5: events $(seal_actions "$code5")"
	# … nor given to seal for the approver's token
	expect_fail 77 "$D" seal "$code5" --seal STNMT-1 --approver an --approver-passphrase-file "$T/ap" \
		--approver-key 'pkcs11:token=SEALS;object=hsm-1' --pkcs11-module "$T/evil.so"
	[ ! -e "$T/pwned" ] || fail "5: seal's --pkcs11-module was loaded"
	[ "$(seal_actions "$code5")" = "seal_granted seal_failed" ] || fail "5: seal --pkcs11-module left events"
	sqlite3 "$DOSSIER_HOME/catalog.db" "UPDATE seals SET pkcs11_module = '$MOD' WHERE seal_id = 'HSM-1'"
	B5=$("$D" seal "$code5" --seal HSM-1 --approver an --approver-passphrase-file "$T/ap" | tail -n 1)
	"$D" verify "$B5" >/dev/null || fail "5: the token seal with the allowed module"
	ok "5: a module named by the catalog or given to seal is loaded only from the allow-list"

	# 6: not a PKCS#11 module: refused when not allowed; when allowed, a
	# clean error (65), no crash, and the grant has its outcome
	expect_fail 77 "$D" seal-key add X $HSM --pkcs11-module "$LIBZ"
	grep -q "is not on the allow-list" "$T/err" || fail "6: $(cat "$T/err")"
	printf '\n[pkcs11]\nmodules = %s %s\n' "$MOD" "$LIBZ" >> "$DOSSIER_HOME/dossier.conf"
	expect_fail 65 "$D" seal-key add X $HSM --pkcs11-module "$LIBZ"
	grep -q "$LIBZ: not a PKCS#11 module" "$T/err" || fail "6: $(cat "$T/err")"
	expect_fail 65 "$D" seal-key add X $HSM --pkcs11-module "$(basename "$LIBZ")"
	code6=$(new_dossier 6)
	expect_fail 65 "$D" seal "$code6" --seal STNMT-1 --approver an --approver-passphrase-file "$T/ap" \
		--approver-key 'pkcs11:token=A;object=b' --pkcs11-module "$LIBZ"
	grep -q "not a PKCS#11 module" "$T/err" || fail "6: seal: $(cat "$T/err")"
	[ "$(seal_actions "$code6")" = "seal_granted seal_failed" ] || fail "6: events $(seal_actions "$code6")"
	expect_fail 65 "$D" seal-key add X $HSM
	grep -q "2 PKCS#11 modules are allowed: name one" "$T/err" || fail "6: two allowed: $(cat "$T/err")"
	ok "6: a library that is not a PKCS#11 module is a clean error (65), never a crash"
else
	echo "note: SoftHSM2, opensc, cc or libz missing: attacks 5 and 6 not run"
fi

# --- 6 (cont.): a grant left without an outcome is flagged ----------------
"$D" check > "$T/check.out" || { cat "$T/check.out"; fail "check before the crash"; }
code9=$(new_dossier 9)
set +e
DS_FAULT=seal_after_grant:1 "$D" seal "$code9" --seal STNMT-1 --approver an --approver-passphrase-file "$T/ap" >/dev/null 2>&1
rc=$?
set -e
[ "$rc" -ge 128 ] || fail "the injected crash did not happen (exit $rc)"
[ "$(seal_actions "$code9")" = seal_granted ] || fail "crash: events $(seal_actions "$code9")"
expect_fail 1 "$D" check
grep -q "unfinished: $code9: seal_granted (event [0-9]*) has no outcome" "$T/out" || { cat "$T/out"; fail "check does not flag the grant"; }
"$D" check --json > "$T/c.json" || true
[ "$(json_get "$T/c.json" '(d["ok"], d["unfinished"], d["loss"], d["corrupt"])')" = "(False, 1, 0, 0)" ] || { cat "$T/c.json"; fail "check --json"; }
B9=$("$D" seal "$code9" --seal STNMT-1 --approver an --approver-passphrase-file "$T/ap" | tail -n 1)
"$D" verify "$B9" >/dev/null || fail "sealing after the crash"
expect_fail 1 "$D" check # the interrupted grant stays on record
ok "a seal_granted with no outcome (a crash) is flagged by dossier check as unfinished"

# --- 8. --actor is on whose behalf, never the actor -----------------------
code8=$("$D" intake --procedure 1.004227 --applicant-id 8 --applicant-name "Phạm Thị H" \
	--actor "Nguyễn Văn Mallory" "$T/a.tif" 2>/dev/null | tail -n 1)
[ "$(events "$code8" 'd["events"][0]["actor"]')" = "$ME" ] || fail "8: intake actor $(events "$code8" 'd["events"][0]["actor"]')"
[ "$(events "$code8" 'd["events"][0]["on_behalf_of"]')" = "Nguyễn Văn Mallory" ] || fail "8: on_behalf_of"
# the receipt's "Người tiếp nhận": the person received for, else the user
if command -v pdftotext >/dev/null; then
	"$D" receipt "$code8" -o "$T/r8.pdf" >/dev/null
	pdftotext -layout "$T/r8.pdf" - | grep -q "Người tiếp nhận: *Nguyễn Văn Mallory" ||
		fail "8: receipt: $(pdftotext -layout "$T/r8.pdf" - | grep "tiếp nhận")"
	"$D" receipt "$code" -o "$T/r1.pdf" >/dev/null
	pdftotext -layout "$T/r1.pdf" - | grep -q "Người tiếp nhận: *$ME" || fail "8: receipt without --actor"
fi
"$D" reject "$code8" --reason "thiếu giấy tờ" --actor "Trần Thị Kế" >/dev/null
[ "$(events "$code8" 'd["events"][-1]["actor"]')" = "$ME" ] || fail "8: reject actor"
[ "$(events "$code8" 'd["events"][-1]["on_behalf_of"]')" = "Trần Thị Kế" ] || fail "8: reject on_behalf_of"
"$D" show "$code8" | grep -q "$ME (for Trần Thị Kế)" || { "$D" show "$code8"; fail "8: show"; }
# the seal's events: the OS user, not the approver, not --actor
code8b=$(new_dossier 81)
"$D" seal "$code8b" --seal STNMT-1 --approver an --approver-passphrase-file "$T/ap" --actor "Lê Mallory" >/dev/null
[ "$(events "$code8b" '" ".join(e["actor"] for e in d["events"] if e["action"].startswith("seal"))')" = "$ME $ME" ] ||
	fail "8: seal actors $(events "$code8b" '[e["actor"] for e in d["events"]]')"
[ "$(events "$code8b" 'd["events"][-1]["on_behalf_of"]')" = "Lê Mallory" ] || fail "8: seal on_behalf_of"
ok "8: the OS user is the actor; --actor is recorded as on_behalf_of (intake, reject, seal; show)"

# a scanner sidecar's "actor" is on whose behalf too; the actor is dossierd's
if [ -n "${DOSSIERD:-}" ]; then
	printf '\n[daemon]\nocr = false\nsettle_ms = 0\n' >> "$DOSSIER_HOME/dossier.conf"
	printf '{"procedure": "1.004227", "applicant_id": "s8", "applicant_name": "Đỗ Văn S", "actor": "Hoàng Mallory"}' \
		> "$DOSSIER_HOME/inbox/side.json"
	echo "Trang của hồ sơ gửi qua máy quét." | "$MK" -o "$DOSSIER_HOME/inbox/side.tif" --pages 1
	"$DOSSIERD" --once 2>"$T/dlog" || { cat "$T/dlog"; fail "8: dossierd --once"; }
	"$D" list --applicant-id s8 --json > "$T/l.json"
	cs=$(json_get "$T/l.json" 'd[0]["code"]')
	[ "$(events "$cs" '(d["events"][0]["actor"], d["events"][0]["on_behalf_of"])')" = "('dossierd', 'Hoàng Mallory')" ] ||
		fail "8: sidecar: $(events "$cs" 'd["events"][0]')"
	ok "8: a sidecar's actor is recorded as on_behalf_of; the actor is dossierd's"
fi
