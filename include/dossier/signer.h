/* dossier — department seals: keys, CAdES detached signatures, timestamps.
 *
 * CONTRACT between signer/ (which implements it) and archive/ (which uses it
 * to seal and verify bundles). The signer owner may extend it; the names
 * below are fixed.
 */
#ifndef DOSSIER_SIGNER_H
#define DOSSIER_SIGNER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A loaded private key with its certificate (and chain): from an encrypted
 * PKCS#8 PEM file, a PKCS#12 file, or a PKCS#11 token (libp11). */
typedef struct ds_signer ds_signer;

/* Passphrase/PIN are passed as bytes (read by cli/ from a file, fd or tty),
 * never from argv. The library wipes its own copies. */
int ds_signer_load_file(ds_signer **out, const char *key_pem_path, const char *cert_pem_path,
			const char *passphrase, size_t passphrase_len);
int ds_signer_load_pkcs12(ds_signer **out, const char *p12_path,
			  const char *passphrase, size_t passphrase_len);
int ds_signer_load_pkcs11(ds_signer **out, const char *module_path, const char *uri,
			  const char *cert_pem_path, const char *pin, size_t pin_len);
void ds_signer_free(ds_signer *s);

enum ds_cades_level { DS_CADES_B_B = 0, DS_CADES_B_T, DS_CADES_B_LT };

struct ds_sign_opts {
	enum ds_cades_level level;
	const char *tsa_url;        /* required for B-T and B-LT */
	const char *chain_pem_path; /* extra certificates (intermediates, root) to embed; may be NULL */
	const char *crl_pem_path;   /* CRL(s) to embed for B-LT; may be NULL */
	const char *tsa_ca_pem_path;/* trust anchor to check the TSA response; may be NULL */
	int64_t signing_time;       /* 0: now */
};

/* Signs `data` (e.g. the bytes of an ASiCManifest) with a detached CAdES
 * signature at the requested level, verifies what it signed, and returns
 * the DER CMS in *p7s (caller frees with free()). */
int ds_cades_sign(ds_signer *s, const unsigned char *data, size_t len,
		  const struct ds_sign_opts *opts, unsigned char **p7s, size_t *p7s_len);

/* ETSI EN 319 102-1 indications. */
enum ds_indication { DS_TOTAL_PASSED = 0, DS_TOTAL_FAILED, DS_INDETERMINATE };
const char *ds_indication_name(enum ds_indication i);

#define DS_CHECKS_MAX 24
struct ds_check {
	char name[48];     /* "cms_signature", "signing_certificate_v2", "chain", "validity",
			      "key_usage", "revocation", "timestamp", … */
	char outcome[16];  /* "PASSED", "FAILED", "NOT_CHECKED", "INDETERMINATE" */
	char detail[256];
};

struct ds_cades_report {
	enum ds_indication indication;
	char sub_indication[48]; /* "" or SIG_CRYPTO_FAILURE, REVOKED, NO_CERTIFICATE_CHAIN_FOUND,
				    OUT_OF_BOUNDS_NO_POE, … (FORMATS.md) */
	char signer_subject[512];
	char signer_o[256];
	char signer_ou[256];       /* the department */
	char signer_cert_sha256[65];
	char signer_org_id[128];   /* organizationIdentifier, "" when absent */
	char signer_cn[256];
	char anchor_sha256[65];    /* the trust anchor the chain ends at */
	int fits_seal, fits_approver; /* certificate profiles (pki.h), when chained */
	char seal_missing[256], approver_missing[256];
	int64_t signing_time;      /* signed attribute */
	int64_t timestamp_time;    /* 0 when no timestamp */
	char level[8];             /* "B-B", "B-T", "B-LT" as found */
	size_t nchecks;
	struct ds_check checks[DS_CHECKS_MAX];
};

struct ds_trust;
struct ds_verify_opts {
	const char *trust_pem_path; /* trusted roots (ignored when `trust` is set) */
	const struct ds_trust *trust; /* anchors with their profile markers (pki.h);
					 NULL: trust_pem_path with default markers */
	const char *crl_pem_path;   /* extra CRLs; NULL: only those embedded */
	int64_t now;                /* 0: current time */
	int64_t claimed_time;       /* PAdES: the PDF's /M, standing for the signing-time
				       attribute the CMS must not have; 0: not PAdES */
};

/* Verifies a detached CAdES signature over `data`: CMS crypto,
 * signing-certificate-v2, chain to a trusted root, validity at the signing
 * time (the timestamp's when present), key usage, revocation, timestamp.
 * Returns 0 when the report was produced (whatever its indication), or a
 * negative code when the inputs could not be parsed at all. */
int ds_cades_verify(const unsigned char *p7s, size_t p7s_len,
		    const unsigned char *data, size_t len,
		    const struct ds_verify_opts *opts, struct ds_cades_report *out);

#ifdef __cplusplus
}
#endif
#endif
