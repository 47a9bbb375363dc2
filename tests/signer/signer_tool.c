/* Test driver for the shell tests (interop, PKCS#11): the library's signer
 * API behind a few positional commands.
 *   ds_signer_tool pki DIR PASSFILE
 *   ds_signer_tool issue DIR PASSFILE KIND NAME [rsa]   (KIND seal|approver|tsa)
 *   ds_signer_tool sign KEY CERT PASSFILE DATA OUT [B-B|B-T|B-LT TSA_URL TSA_CA CHAIN CRL]
 *   ds_signer_tool sign-p11 MODULE URI CERT PINFILE DATA OUT
 *   ds_signer_tool sign-p12 P12 PASSFILE DATA OUT
 *   ds_signer_tool verify P7S DATA TRUST [CRL]
 *   ds_signer_tool issue-pub DIR PASSFILE NAME PUBKEY   (a seal certificate for a token key)
 *   ds_signer_tool crl DIR PASSFILE OUT       (an empty CRL of DIR/root)
 *   ds_signer_tool token P7S OUT    (writes the time-stamp token, prints SHA-256 of the signature value)
 * An empty argument stands for "not given".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/cms.h>
#include <openssl/evp.h>

#include "dossier/error.h"
#include "dossier/pki.h"
#include "dossier/signer.h"

static char secret[1024];

static const char *read_secret(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f || !fgets(secret, sizeof secret, f)) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(1);
	}
	fclose(f);
	secret[strcspn(secret, "\r\n")] = '\0';
	return secret;
}

static int die(const char *what)
{
	fprintf(stderr, "%s: %s\n", what, ds_error_last());
	return 1;
}

static char *J(const char *d, const char *n)
{
	static char b[4][1024];
	static int i;
	i = (i + 1) % 4;
	if (snprintf(b[i], sizeof b[i], "%s/%s", d, n) >= (int)sizeof b[i])
		exit(1);
	return b[i];
}

static int issue(const char *d, const char *pass, enum ds_cert_kind kind, const char *name,
		 enum ds_key_alg alg, const char *ca)
{
	char k[256], c[256], ck[256], cc[256];
	snprintf(k, sizeof k, "%s.key", name);
	snprintf(c, sizeof c, "%s.pem", name);
	snprintf(ck, sizeof ck, "%s.key", ca);
	snprintf(cc, sizeof cc, "%s.pem", ca);
	struct ds_cert_req r = {.kind = kind, .alg = alg, .cn = name, .o = "UBND tỉnh Bắc Ninh",
				.ou = "Sở Tư pháp", .org_id = "NTRVN-000.00.00.H00-STP"};
	char ckp[1024], ccp[1024];
	snprintf(ckp, sizeof ckp, "%s", J(d, ck));
	snprintf(ccp, sizeof ccp, "%s", J(d, cc));
	if (ds_pki_issue(ckp, ccp, pass, strlen(pass), &r, J(d, k), J(d, c), pass, strlen(pass),
			 NULL) < 0)
		return die(name);
	return 0;
}

static int write_out(const char *path, const unsigned char *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		fprintf(stderr, "cannot write %s\n", path);
		return 1;
	}
	return 0;
}

static unsigned char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	static unsigned char *b;
	if (!f)
		exit(1);
	fseek(f, 0, SEEK_END);
	long l = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)l + 1);
	if (!b || fread(b, 1, (size_t)l, f) != (size_t)l)
		exit(1);
	fclose(f);
	*n = (size_t)l;
	return b;
}

static int sign_with(ds_signer *s, int argc, char **argv, int at)
{
	size_t dl, pl = 0;
	unsigned char *data = slurp(argv[at], &dl), *p7s = NULL;
	struct ds_sign_opts o = {.level = DS_CADES_B_B};
	if (argc > at + 2) {
		o.level = strcmp(argv[at + 2], "B-LT") == 0 ? DS_CADES_B_LT
			  : strcmp(argv[at + 2], "B-T") == 0 ? DS_CADES_B_T : DS_CADES_B_B;
		if (argc > at + 3 && *argv[at + 3])
			o.tsa_url = argv[at + 3];
		if (argc > at + 4 && *argv[at + 4])
			o.tsa_ca_pem_path = argv[at + 4];
		if (argc > at + 5 && *argv[at + 5])
			o.chain_pem_path = argv[at + 5];
		if (argc > at + 6 && *argv[at + 6])
			o.crl_pem_path = argv[at + 6];
	}
	int rc = ds_cades_sign(s, data, dl, &o, &p7s, &pl) < 0 ? die("sign")
								 : write_out(argv[at + 1], p7s, pl);
	free(p7s);
	free(data);
	ds_signer_free(s);
	return rc;
}

int main(int argc, char **argv)
{
	ds_signer *s = NULL;
	if (argc < 2)
		return 64;
	const char *cmd = argv[1];
	if (strcmp(cmd, "pki") == 0 && argc == 4) {
		const char *d = argv[2], *pass = read_secret(argv[3]);
		struct ds_cert_req root = {.kind = DS_CERT_CA, .cn = "Demo Root", .o = "UBND tỉnh Bắc Ninh"};
		struct ds_cert_req rroot = {.kind = DS_CERT_CA, .alg = DS_KEY_RSA3072, .cn = "Demo RSA Root"};
		mkdir(d, 0700);
		if (ds_pki_make_root(J(d, "root.key"), J(d, "root.pem"), &root, pass, strlen(pass)) < 0)
			return die("root");
		if (ds_pki_make_root(J(d, "rsaroot.key"), J(d, "rsaroot.pem"), &rroot, pass,
				     strlen(pass)) < 0)
			return die("rsaroot");
		return issue(d, pass, DS_CERT_TSA, "tsa", DS_KEY_P256, "root") ||
		       issue(d, pass, DS_CERT_SEAL, "seal", DS_KEY_P256, "root") ||
		       issue(d, pass, DS_CERT_SEAL, "seal-rsa", DS_KEY_RSA3072, "rsaroot");
	}
	if (strcmp(cmd, "issue") == 0 && argc >= 6) {
		enum ds_cert_kind k = strcmp(argv[4], "tsa") == 0	  ? DS_CERT_TSA
				      : strcmp(argv[4], "approver") == 0 ? DS_CERT_APPROVER
									  : DS_CERT_SEAL;
		return issue(argv[2], read_secret(argv[3]), k, argv[5],
			     argc > 6 ? DS_KEY_RSA3072 : DS_KEY_P256, "root");
	}
	if (strcmp(cmd, "issue-pub") == 0 && argc == 6) {
		const char *d = argv[2], *pass = read_secret(argv[3]);
		char c[256], ck[1024], cc[1024];
		snprintf(c, sizeof c, "%s.pem", argv[4]);
		snprintf(ck, sizeof ck, "%s", J(d, "root.key"));
		snprintf(cc, sizeof cc, "%s", J(d, "root.pem"));
		struct ds_cert_req r = {.kind = DS_CERT_SEAL, .cn = argv[4], .ou = "Sở Tư pháp",
					.o = "UBND tỉnh Bắc Ninh", .org_id = "NTRVN-000.00.00.H00-STP",
					.pubkey_path = argv[5]};
		if (ds_pki_issue(ck, cc, pass, strlen(pass), &r, NULL, J(d, c), NULL, 0, NULL) < 0)
			return die("issue-pub");
		return 0;
	}
	if (strcmp(cmd, "crl") == 0 && argc == 5) {
		const char *pass = read_secret(argv[3]);
		char ck[1024], cc[1024];
		snprintf(ck, sizeof ck, "%s", J(argv[2], "root.key"));
		snprintf(cc, sizeof cc, "%s", J(argv[2], "root.pem"));
		if (ds_pki_crl(ck, cc, pass, strlen(pass), NULL, 0, 1, 0, 0, argv[4]) < 0)
			return die("crl");
		return 0;
	}
	if (strcmp(cmd, "token") == 0 && argc == 4) {
		size_t pl;
		unsigned char *p = slurp(argv[2], &pl), md[32];
		const unsigned char *q = p;
		CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &q, (long)pl);
		if (!cms)
			return 1;
		CMS_SignerInfo *si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
		ASN1_STRING *t = CMS_unsigned_get0_data_by_OBJ(
			si, OBJ_nid2obj(NID_id_smime_aa_timeStampToken), -3, V_ASN1_SEQUENCE);
		if (!t)
			return 1;
		ASN1_OCTET_STRING *sig = CMS_SignerInfo_get0_signature(si);
		EVP_Digest(ASN1_STRING_get0_data(sig), (size_t)ASN1_STRING_length(sig), md, NULL,
			   EVP_sha256(), NULL);
		for (int i = 0; i < 32; i++)
			printf("%02x", md[i]);
		printf("\n");
		int rc = write_out(argv[3], ASN1_STRING_get0_data(t), (size_t)ASN1_STRING_length(t));
		CMS_ContentInfo_free(cms);
		free(p);
		return rc;
	}
	if (strcmp(cmd, "sign") == 0 && argc >= 7) {
		const char *pass = read_secret(argv[4]);
		if (ds_signer_load_file(&s, argv[2], argv[3], pass, strlen(pass)) < 0)
			return die("load");
		return sign_with(s, argc, argv, 5);
	}
	if (strcmp(cmd, "sign-p12") == 0 && argc >= 6) {
		const char *pass = read_secret(argv[3]);
		if (ds_signer_load_pkcs12(&s, argv[2], pass, strlen(pass)) < 0)
			return die("load");
		return sign_with(s, argc, argv, 4);
	}
	if (strcmp(cmd, "sign-p11") == 0 && argc >= 8) {
		const char *pin = read_secret(argv[5]);
		if (ds_signer_load_pkcs11(&s, argv[2], argv[3], argv[4], pin, strlen(pin)) < 0)
			return die("load");
		return sign_with(s, argc, argv, 6);
	}
	if (strcmp(cmd, "verify") == 0 && argc >= 5) {
		size_t pl, dl;
		unsigned char *p = slurp(argv[2], &pl);
		unsigned char *d = slurp(argv[3], &dl);
		struct ds_verify_opts vo = {.trust_pem_path = argv[4], .crl_pem_path = argc > 5 ? argv[5] : NULL};
		struct ds_cades_report r;
		if (ds_cades_verify(p, pl, d, dl, &vo, &r) < 0)
			return die("verify");
		printf("%s %s %s\n", ds_indication_name(r.indication), r.sub_indication, r.level);
		for (size_t i = 0; i < r.nchecks; i++)
			printf("  %s %s %s\n", r.checks[i].name, r.checks[i].outcome, r.checks[i].detail);
		free(p);
		free(d);
		return r.indication == DS_TOTAL_PASSED ? 0 : r.indication == DS_TOTAL_FAILED ? 1 : 2;
	}
	fprintf(stderr, "bad usage\n");
	return 64;
}
