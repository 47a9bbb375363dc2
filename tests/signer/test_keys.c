/* Key files: encryption parameters, modes, refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "dossier/error.h"
#include "dossier/pki.h"
#include "dossier/signer.h"
#include "signer/signer_int.h"

static char dir[256];
static const char pass[] = "mật khẩu dài dài";

static char *P(const char *name)
{
	static char buf[8][512];
	static int i;
	i = (i + 1) % 8;
	int n = snprintf(buf[i], sizeof buf[i], "%s/%s", dir, name);
	assert_true(n > 0 && (size_t)n < sizeof buf[i]);
	return buf[i];
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/ds-keys-XXXXXX");
	if (!mkdtemp(dir) || chmod(dir, 0700) != 0 || mkdir(P("pki"), 0700) != 0)
		return -1;
	struct ds_cert_req root = {.kind = DS_CERT_CA, .cn = "Root"};
	if (ds_pki_make_root(P("pki/root.key"), P("pki/root.pem"), &root, pass, strlen(pass)) < 0) {
		fprintf(stderr, "%s\n", ds_error_last());
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Parses the key file independently of ds_key_file_check. */
static void test_pbkdf2_parameters(void **state)
{
	(void)state;
	struct stat st;
	assert_int_equal(stat(P("pki/root.key"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(stat(P("pki"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);

	FILE *f = fopen(P("pki/root.key"), "r");
	assert_non_null(f);
	X509_SIG *sig = PEM_read_PKCS8(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(sig);
	const X509_ALGOR *alg;
	X509_SIG_get0(sig, &alg, NULL);
	assert_int_equal(OBJ_obj2nid(alg->algorithm), NID_pbes2);
	PBE2PARAM *pbe2 = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), alg->parameter);
	assert_non_null(pbe2);
	assert_int_equal(OBJ_obj2nid(pbe2->encryption->algorithm), NID_aes_256_cbc);
	assert_int_equal(OBJ_obj2nid(pbe2->keyfunc->algorithm), NID_id_pbkdf2);
	PBKDF2PARAM *kdf = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM),
						     pbe2->keyfunc->parameter);
	assert_non_null(kdf);
	assert_true(ASN1_INTEGER_get(kdf->iter) >= 600000);
	assert_non_null(kdf->prf);
	assert_int_equal(OBJ_obj2nid(kdf->prf->algorithm), NID_hmacWithSHA256);
	PBKDF2PARAM_free(kdf);
	PBE2PARAM_free(pbe2);
	X509_SIG_free(sig);

	long iter = 0;
	assert_int_equal(ds_key_file_check(P("pki/root.key"), &iter), 0);
	assert_true(iter >= DS_KEY_PBKDF2_ITER);
}

static void test_weak_key_refused(void **state)
{
	(void)state;
	/* OpenSSL's default: 2048 iterations */
	EVP_PKEY *k = EVP_EC_gen("P-256");
	FILE *f = fopen(P("weak.key"), "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PKCS8PrivateKey(f, k, EVP_aes_256_cbc(), (char *)pass,
						   (int)strlen(pass), NULL, NULL), 1);
	fclose(f);
	chmod(P("weak.key"), 0600);
	assert_int_equal(ds_key_file_check(P("weak.key"), NULL), DS_EPERM);
	/* a plain key is refused even with a passphrase */
	f = fopen(P("plain.key"), "w");
	assert_int_equal(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
	chmod(P("plain.key"), 0600);
	ds_signer *s = NULL;
	assert_int_equal(ds_signer_load_file(&s, P("plain.key"), P("pki/root.pem"), pass,
					     strlen(pass)), DS_EPERM);
	EVP_PKEY_free(k);
}

static void test_modes_and_passphrase(void **state)
{
	(void)state;
	ds_signer *s = NULL;
	/* the root's own key and certificate load */
	assert_int_equal(ds_signer_load_file(&s, P("pki/root.key"), P("pki/root.pem"), pass,
					     strlen(pass)), 0);
	ds_signer_free(s);
	s = NULL;
	/* wrong passphrase */
	assert_int_equal(ds_signer_load_file(&s, P("pki/root.key"), P("pki/root.pem"), "wrong", 5),
			 DS_EAUTH);
	assert_null(s);
	/* readable by group: refused */
	assert_int_equal(chmod(P("pki/root.key"), 0640), 0);
	assert_int_equal(ds_signer_load_file(&s, P("pki/root.key"), P("pki/root.pem"), pass,
					     strlen(pass)), DS_EPERM);
	assert_non_null(strstr(ds_error_last(), "root.key"));
	assert_int_equal(chmod(P("pki/root.key"), 0600), 0);
	/* a symbolic link to a key: refused */
	assert_int_equal(symlink(P("pki/root.key"), P("pki/link.key")), 0);
	assert_int_equal(ds_signer_load_file(&s, P("pki/link.key"), P("pki/root.pem"), pass,
					     strlen(pass)), DS_EPERM);
	/* a key is never written into a folder others can read */
	assert_int_equal(mkdir(P("open"), 0755), 0);
	assert_int_equal(chmod(P("open"), 0755), 0);
	struct ds_cert_req r = {.kind = DS_CERT_SEAL, .cn = "x", .o = "O", .ou = "OU", .org_id = "NTRVN-X-OU"};
	assert_int_equal(ds_pki_issue(P("pki/root.key"), P("pki/root.pem"), pass, strlen(pass), &r,
				      P("open/x.key"), P("open/x.pem"), pass, strlen(pass), NULL),
			 DS_EPERM);
	assert_int_equal(access(P("open/x.key"), F_OK), -1);
	/* nor over an existing file */
	assert_int_equal(ds_secret_file_create(P("pki/root.key"), "x", 1), DS_EEXISTS);
	/* certificate and key must match */
	struct ds_cert_req r2 = {.kind = DS_CERT_APPROVER, .cn = "Nguyễn Văn A"};
	assert_int_equal(ds_pki_issue(P("pki/root.key"), P("pki/root.pem"), pass, strlen(pass), &r2,
				      P("pki/a.key"), P("pki/a.pem"), pass, strlen(pass), NULL), 0);
	assert_int_equal(ds_signer_load_file(&s, P("pki/a.key"), P("pki/root.pem"), pass,
					     strlen(pass)), DS_EINVALID);
	struct ds_cert_info ci;
	assert_int_equal(ds_cert_info_file(P("pki/a.pem"), &ci), 0);
	assert_string_equal(ci.cn, "Nguyễn Văn A");
	assert_true(ci.key_usage_ok);
	assert_false(ci.is_ca);
	char reason[256];
	assert_int_equal(ds_cert_check(P("pki/a.pem"), P("pki/root.pem"), NULL, 0, reason,
				       sizeof reason), 0);
	/* revoked by a CRL */
	struct ds_revoked rv = {.revoked_at = 1000, .reason = -1};
	memcpy(rv.serial, ci.serial, sizeof rv.serial);
	assert_int_equal(ds_pki_crl(P("pki/root.key"), P("pki/root.pem"), pass, strlen(pass), &rv, 1,
				    1, 0, 0, P("pki/crl.pem")), 0);
	assert_int_equal(ds_cert_check(P("pki/a.pem"), P("pki/root.pem"), P("pki/crl.pem"), 0, reason,
				       sizeof reason), DS_EPERM);
	assert_non_null(strstr(reason, "revoked"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pbkdf2_parameters),
		cmocka_unit_test(test_weak_key_refused),
		cmocka_unit_test(test_modes_and_passphrase),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
