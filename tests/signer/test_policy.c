/* The seal policy: only listed approvers with their listed, valid,
 * unrevoked certificate; every attempt an event. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "dossier/catalog.h"
#include "dossier/catalog_signer.h"
#include "dossier/error.h"
#include "dossier/pki.h"
#include "testutil.h"

static char *dir;
static ds_catalog *cat;
static const char pass[] = "policy test passphrase";
static struct ds_cert_info seal_ci, a_ci, b_ci;

static char *P(const char *name)
{
	static char buf[8][512];
	static int i;
	i = (i + 1) % 8;
	int n = snprintf(buf[i], sizeof buf[i], "%s/%s", dir, name);
	assert_true(n > 0 && (size_t)n < sizeof buf[i]);
	return buf[i];
}

static void issue(enum ds_cert_kind kind, const char *name, int64_t nb, int64_t na,
		  struct ds_cert_info *ci)
{
	char k[64], c[64];
	struct ds_cert_req r = {.kind = kind, .cn = name, .o = "UBND", .ou = "Sở Tư pháp", .org_id = "NTRVN-X-STP", .not_before = nb,
				.not_after = na};
	snprintf(k, sizeof k, "pki/%s.key", name);
	snprintf(c, sizeof c, "pki/%s.pem", name);
	if (ds_pki_issue(P("pki/root.key"), P("pki/root.pem"), pass, strlen(pass), &r, P(k), P(c),
			 pass, strlen(pass), NULL) < 0)
		fail_msg("%s", ds_error_last());
	if (ci)
		assert_int_equal(ds_cert_info_file(P(c), ci), 0);
}

static void list(const char *user, const char *seal, struct ds_cert_info *ci, const char *name)
{
	struct ds_approver a = {0};
	snprintf(a.user, sizeof a.user, "%s", user);
	snprintf(a.seal_id, sizeof a.seal_id, "%s", seal);
	snprintf(a.cert_path, sizeof a.cert_path, "%s", P(name));
	memcpy(a.cert_sha256, ci->sha256, 65);
	memcpy(a.cert_serial, ci->serial, sizeof a.cert_serial);
	a.not_after = ci->not_after;
	if (ds_catalog_approver_add(cat, &a) < 0)
		fail_msg("%s", ds_error_last());
}

static int setup(void **state)
{
	(void)state;
	dir = ds_test_tmpdir();
	if (mkdir(P("pki"), 0700) != 0)
		return -1;
	struct ds_cert_req root = {.kind = DS_CERT_CA, .cn = "Root", .not_before = time(NULL) - 86400 * 30};
	if (ds_pki_make_root(P("pki/root.key"), P("pki/root.pem"), &root, pass, strlen(pass)) < 0)
		return -1;
	int64_t now = time(NULL);
	issue(DS_CERT_SEAL, "STP-1", 0, 0, &seal_ci);
	issue(DS_CERT_APPROVER, "alice", 0, 0, &a_ci);
	issue(DS_CERT_APPROVER, "bob", 0, 0, &b_ci);
	struct ds_cert_info old;
	issue(DS_CERT_APPROVER, "carol", now - 10 * 86400, now - 86400, &old);
	if (ds_catalog_open(&cat, P("catalog.db"), 1) < 0 ||
	    ds_catalog_department_add(cat, "STP", "Sở Tư pháp") < 0)
		return -1;
	struct ds_seal s = {.active = 1};
	snprintf(s.seal_id, sizeof s.seal_id, "STP-1");
	snprintf(s.department, sizeof s.department, "STP");
	snprintf(s.store, sizeof s.store, "file");
	snprintf(s.key_path, sizeof s.key_path, "%s", P("pki/STP-1.key"));
	snprintf(s.cert_path, sizeof s.cert_path, "%s", P("pki/STP-1.pem"));
	memcpy(s.cert_sha256, seal_ci.sha256, 65);
	memcpy(s.cert_serial, seal_ci.serial, sizeof s.cert_serial);
	s.not_after = seal_ci.not_after;
	if (ds_catalog_seal_add(cat, &s) < 0)
		return -1;
	list("alice", "STP-1", &a_ci, "pki/alice.pem");
	list("carol", "STP-1", &old, "pki/carol.pem");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ds_catalog_free(cat);
	ds_test_rm_rf(dir);
	free(dir);
	return 0;
}

static size_t count_events(const char *action)
{
	struct ds_event *e = NULL;
	size_t n = 0, k = 0;
	assert_int_equal(ds_catalog_event_list(cat, NULL, &e, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (strcmp(e[i].action, action) == 0)
			k++;
	free(e);
	return k;
}

static void refused(const char *seal, const char *user, const char *cert, int64_t now,
		    const char *why)
{
	char reason[512];
	size_t before = count_events("seal_refused");
	int err = ds_seal_policy_check(cat, NULL, seal, user, P(cert), now, reason, sizeof reason);
	if (err != DS_EPERM)
		fail_msg("%s/%s/%s: got %d (%s), want DS_EPERM", seal, user, cert, err, ds_error_last());
	if (!strstr(reason, why))
		fail_msg("reason '%s' lacks '%s'", reason, why);
	assert_int_equal(count_events("seal_refused"), before + 1);
}

static void test_policy(void **state)
{
	(void)state;
	char reason[512];
	size_t g0 = count_events("seal_granted");
	assert_int_equal(ds_seal_policy_check(cat, NULL, "STP-1", "alice", P("pki/alice.pem"), 0,
					      reason, sizeof reason), 0);
	assert_int_equal(count_events("seal_granted"), g0 + 1);

	refused("STP-1", "bob", "pki/bob.pem", 0, "not an approver");
	refused("STP-1", "alice", "pki/bob.pem", 0, "other than the one listed");
	refused("NOPE-1", "alice", "pki/alice.pem", 0, "no seal");
	refused("STP-1", "carol", "pki/carol.pem", 0, "expired");
	refused("STP-1", "alice", "pki/alice.pem", time(NULL) + 10 * 365 * 86400LL, "expired");
	refused("STP-1", "alice", "pki/missing.pem", 0, "cannot read");

	/* revoking alice's certificate ends her right to seal */
	struct ds_revocation r = {.revoked_at = time(NULL), .reason = 1};
	memcpy(r.serial, a_ci.serial, sizeof r.serial);
	assert_int_equal(ds_catalog_revocation_add(cat, &r), 0);
	assert_int_equal(ds_catalog_revocation_add(cat, &r), DS_EEXISTS);
	refused("STP-1", "alice", "pki/alice.pem", 0, "revoked");

	/* bob listed; then the seal's own certificate revoked */
	list("bob", "STP-1", &b_ci, "pki/bob.pem");
	assert_int_equal(ds_seal_policy_check(cat, NULL, "STP-1", "bob", P("pki/bob.pem"), 0, reason,
					      sizeof reason), 0);
	/* removed approvers are refused */
	assert_int_equal(ds_catalog_approver_remove(cat, "bob", "STP-1"), 0);
	assert_int_equal(ds_catalog_approver_remove(cat, "bob", "STP-1"), DS_ENOTFOUND);
	refused("STP-1", "bob", "pki/bob.pem", 0, "not an approver");
	/* re-listed, then the seal's own certificate revoked */
	list("bob", "STP-1", &b_ci, "pki/bob.pem");
	memcpy(r.serial, seal_ci.serial, sizeof r.serial);
	assert_int_equal(ds_catalog_revocation_add(cat, &r), 0);
	refused("STP-1", "bob", "pki/bob.pem", 0, "seal STP-1 is revoked");

	/* revocations are permanent */
	struct ds_revocation *list_r = NULL;
	size_t n = 0;
	assert_int_equal(ds_catalog_revocation_list(cat, &list_r, &n), 0);
	assert_int_equal(n, 2);
	free(list_r);
}

static void test_catalog_queries(void **state)
{
	(void)state;
	struct ds_seal s, *sl = NULL;
	size_t n = 0;
	assert_int_equal(ds_catalog_seal_get(cat, "STP-1", &s), 0);
	assert_string_equal(s.store, "file");
	assert_int_equal(ds_catalog_seal_add(cat, &s), DS_EEXISTS);
	snprintf(s.seal_id, sizeof s.seal_id, "X-1");
	snprintf(s.department, sizeof s.department, "NONE");
	assert_int_equal(ds_catalog_seal_add(cat, &s), DS_ENOTFOUND);
	snprintf(s.department, sizeof s.department, "STP");
	snprintf(s.store, sizeof s.store, "floppy");
	assert_int_equal(ds_catalog_seal_add(cat, &s), DS_EINVALID);
	assert_int_equal(ds_catalog_seal_list(cat, "STP", &sl, &n), 0);
	assert_int_equal(n, 1);
	free(sl);
	struct ds_approver *a = NULL;
	assert_int_equal(ds_catalog_approver_list(cat, NULL, "STP-1", &a, &n), 0);
	free(a);
	struct ds_approver ap = {0};
	snprintf(ap.user, sizeof ap.user, "dave");
	snprintf(ap.seal_id, sizeof ap.seal_id, "NOPE");
	assert_int_equal(ds_catalog_approver_add(cat, &ap), DS_ENOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_catalog_queries),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
