/* dossier — the demo PKI, key files and the seal policy.
 *
 * Key files are PEM "ENCRYPTED PRIVATE KEY" (PKCS#8, PBES2: AES-256-CBC with
 * PBKDF2-HMAC-SHA256, DS_KEY_PBKDF2_ITER iterations), created with
 * O_CREAT|O_EXCL|O_NOFOLLOW and mode 0600 in a folder of mode 0700. A key
 * file readable by group or others is refused (DS_EPERM). Passphrases are
 * passed as bytes; the library wipes its own copies.
 *
 * Certificates: X.509 v3, SHA-256; ECDSA P-256 by default, RSA-3072 on
 * request, and RSA signatures always RSASSA-PSS (SHA-256, MGF1-SHA-256,
 * 32-byte salt). Subjects: C=VN, O=<organisation>, OU=<department>, CN=<name>.
 */
#ifndef DOSSIER_PKI_H
#define DOSSIER_PKI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ds_catalog;
struct ds_seal;
struct ds_signer;

#define DS_KEY_PBKDF2_ITER 600000
#define DS_KEY_FILE_MAX (64u * 1024u)
#define DS_CERT_FILE_MAX (1024u * 1024u)
#define DS_SERIAL_HEX_MAX 41 /* 20 bytes in hex + NUL */

enum ds_key_alg { DS_KEY_P256 = 0, DS_KEY_RSA3072, DS_KEY_ED25519 };

enum ds_cert_kind {
	DS_CERT_CA = 0,   /* basicConstraints CA:TRUE, keyCertSign + cRLSign */
	DS_CERT_TSA,      /* digitalSignature, EKU timeStamping (critical) */
	DS_CERT_SEAL,     /* department seal profile (docs/signer.md): organisation
			     certificate, organizationIdentifier, seal policy,
			     QcType eseal, EKU documentSigning + emailProtection,
			     digitalSignature + nonRepudiation */
	DS_CERT_APPROVER  /* personal profile: approver policy, QcType esign,
			     same EKU and key usage */
};

/* Certificate policy OIDs written by `pki issue` and required by default
 * (RFC 7229's test-policy arc: placeholders a site replaces with OIDs of its
 * own arc or its national CA's, [pki] seal_policy / approver_policy). */
#define DS_PKI_SEAL_POLICY_DEFAULT "1.3.6.1.5.5.7.13.1"
#define DS_PKI_APPROVER_POLICY_DEFAULT "1.3.6.1.5.5.7.13.2"
#define DS_OID_QCS_QCTYPE "0.4.0.1862.1.6"     /* ETSI EN 319 412-5 */
#define DS_OID_QCT_ESIGN "0.4.0.1862.1.6.1"
#define DS_OID_QCT_ESEAL "0.4.0.1862.1.6.2"
#define DS_OID_EKU_DOCUMENT_SIGNING "1.3.6.1.5.5.7.3.36" /* RFC 9336 */
#define DS_OID_ORGANIZATION_IDENTIFIER "2.5.4.97"
#define DS_OID_MAX 128

struct ds_cert_req {
	enum ds_cert_kind kind;
	enum ds_key_alg alg;
	const char *cn;          /* required */
	const char *o;           /* may be NULL */
	const char *ou;          /* may be NULL (the department) */
	const char *org_id;      /* DS_CERT_SEAL: organizationIdentifier (2.5.4.97) */
	const char *policy_oid;  /* DS_CERT_SEAL/APPROVER: certificate policy; NULL:
				    DS_PKI_SEAL_POLICY_DEFAULT / _APPROVER_ */
	int64_t not_before;      /* 0: now - 60 s */
	int64_t not_after;       /* 0: not_before + days (below) */
	int days;                /* 0: 10 years for a CA, 3 years otherwise */
	const char *pubkey_path; /* issue for an existing public key (PEM or DER
				    SubjectPublicKeyInfo, e.g. read from a token):
				    then no key file is written */
};

/* Creates an encrypted key of `alg` at key_path (see above) and a
 * self-signed CA certificate at cert_path. DS_EEXISTS when either exists. */
int ds_pki_make_root(const char *key_path, const char *cert_path, const struct ds_cert_req *req,
		     const char *pass, size_t pass_len);

/* Issues a certificate signed by the CA (key unlocked with ca_pass) for a new
 * key written encrypted at key_path (or for req->pubkey_path, then key_path
 * may be NULL). serial_out (may be NULL) receives the serial in hex. */
int ds_pki_issue(const char *ca_key_path, const char *ca_cert_path, const char *ca_pass,
		 size_t ca_pass_len, const struct ds_cert_req *req, const char *key_path,
		 const char *cert_path, const char *pass, size_t pass_len,
		 char serial_out[DS_SERIAL_HEX_MAX]);

/* Creates an Ed25519 key (encrypted, as above) and its public key as PEM
 * SubjectPublicKeyInfo at pub_path (mode 0644). Used for the seal log. */
int ds_pki_make_ed25519(const char *key_path, const char *pub_path, const char *pass,
			size_t pass_len);

/* Writes `len` bytes as a new secret file: O_CREAT|O_EXCL|O_NOFOLLOW, 0600,
 * refusing a parent folder readable or writable by group or others. */
int ds_secret_file_create(const char *path, const void *data, size_t len);

/* Checks a key file: regular, not a symlink, not readable or writable by
 * group/others, PEM ENCRYPTED PRIVATE KEY with PBES2/PBKDF2-HMAC-SHA256 of at
 * least DS_KEY_PBKDF2_ITER iterations (or scrypt) and AES-256. Does not
 * decrypt. *iter_out (may be NULL) receives the iteration count. */
int ds_key_file_check(const char *path, long *iter_out);

struct ds_revoked {
	char serial[DS_SERIAL_HEX_MAX]; /* hex */
	int64_t revoked_at;
	int reason;                     /* CRL reason code, -1: none */
};

/* Writes a CRL (v2, with CRL number `number`) signed by the CA listing
 * `revoked`, to crl_path (atomically, 0644). next_update 0: +30 days. */
int ds_pki_crl(const char *ca_key_path, const char *ca_cert_path, const char *ca_pass,
	       size_t ca_pass_len, const struct ds_revoked *revoked, size_t n, long number,
	       int64_t this_update, int64_t next_update, const char *crl_path);

struct ds_cert_info {
	char serial[DS_SERIAL_HEX_MAX];
	char subject[512];
	char issuer[512];
	char cn[256];
	char o[256];
	char ou[256];
	char org_id[128];  /* organizationIdentifier (2.5.4.97), "" when absent */
	char sha256[65];
	int64_t not_before;
	int64_t not_after;
	int is_ca;
	int key_usage_ok; /* digitalSignature or nonRepudiation */
};

/* Reads the first certificate of a PEM (or DER) file. */
int ds_cert_info_file(const char *cert_path, struct ds_cert_info *out);

/* Checks that the certificate at cert_path chains to a root of trust_path
 * and is valid at `now` (0: current time), and — when crl_path is not NULL —
 * not revoked according to that CRL (whose signature is checked).
 * Returns 0, or DS_EPERM with the reason in `reason`. */
int ds_cert_check(const char *cert_path, const char *trust_path, const char *crl_path,
		  int64_t now, char *reason, size_t n);

/* The certificate of a loaded signer. */
int ds_signer_cert_info(const struct ds_signer *s, struct ds_cert_info *out);

/* ds_cert_check() for a loaded signer's certificate (its own chain, e.g.
 * from a PKCS#12 file, helps build the path). */
int ds_signer_cert_check(const struct ds_signer *s, const char *trust_path, int64_t now,
			 char *reason, size_t n);

/* Loads the key of a seal as recorded in the catalog (ds_catalog_seal_get):
 * an encrypted PEM key file, a PKCS#12 file or a PKCS#11 token, with
 * `secret` the passphrase or PIN (read by the caller from seal->secret_path,
 * a descriptor or the terminal). For a token, the catalog's module is only a
 * reference resolved against `pkcs11_allowed` (ds_pkcs11_module_resolve):
 * no library named by the catalog alone is ever loaded. DS_EPERM when the
 * seal is disabled or its module is not allowed. */
int ds_signer_load_seal(struct ds_signer **out, const struct ds_seal *seal,
			const char *pkcs11_allowed, const char *secret, size_t secret_len);

/* The PKCS#11 modules a site allows (dossier.conf `[pkcs11] modules`:
 * absolute paths separated by spaces) are the only libraries ever loaded as
 * modules: loading one runs its code in the process. Resolves `ref` (a path,
 * or a file name; NULL or "": the list's only entry) to the allow-list entry
 * it names, which must be a regular file not writable by group or others,
 * and writes that entry (the path to load) to `out`. DS_EPERM when `ref` is
 * not on the list or the list is empty; DS_EINVALID when `ref` is empty and
 * several modules are allowed; DS_ENOTFOUND when the entry is missing. */
int ds_pkcs11_module_resolve(const char *allowed, const char *ref, char *out, size_t n);

/* ---- what a file holds ---- */

enum ds_file_kind {
	DS_FILE_UNKNOWN = 0, /* binary data of no known kind */
	DS_FILE_EMPTY,
	DS_FILE_CERTS,       /* X.509 certificates, PEM (CRLs may follow) or one DER */
	DS_FILE_CRLS,        /* X.509 CRLs, PEM or one DER */
	DS_FILE_LOG_KEY,     /* an Ed25519 public key (the seal log's pki/log.pub) */
	DS_FILE_PUBKEY,      /* a public key of another algorithm */
	DS_FILE_PRIVKEY,     /* a PEM private key, encrypted or not */
	DS_FILE_PEM_OTHER,   /* PEM blocks of no kind above */
	DS_FILE_DAMAGED_PEM, /* a certificate, CRL or key block that does not parse */
	DS_FILE_CHECKPOINT,  /* a seal log checkpoint (signed note) */
	DS_FILE_PROOF,       /* a seal log inclusion or consistency proof */
	DS_FILE_CMS,         /* a DER CMS signature (.p7s) */
	DS_FILE_ZIP,         /* a ZIP archive, e.g. a sealed bundle */
	DS_FILE_PDF,
	DS_FILE_TIFF,
	DS_FILE_PNG,
	DS_FILE_JPEG,
	DS_FILE_TEXT,        /* text of no kind above */
};

/* What the file at `path` holds, from its bytes (a file larger than
 * DS_CERT_FILE_MAX is told by its first bytes only). `detail` (may be NULL
 * when detail_n is 0) receives a short note such as the PEM label of
 * DS_FILE_PEM_OTHER. DS_ENOTFOUND / DS_EIO when it cannot be read. */
int ds_file_kind_of(const char *path, enum ds_file_kind *out, char *detail, size_t detail_n);
/* "a CRL", "certificates", … */
const char *ds_file_kind_name(enum ds_file_kind k);
/* 0 when the file holds `want`; DS_EINVALID with "PATH holds X, not Y"
 * otherwise; DS_ENOTFOUND / DS_EIO when it cannot be read. */
int ds_file_kind_expect(const char *path, enum ds_file_kind want);

/* ---- trust anchors and certificate profiles (signer/trust.c) ----
 *
 * A ds_trust holds the anchors (root certificates) a site trusts, each with
 * the markers that make a certificate under it a department seal or a
 * personal (approver) certificate. A marker is a list of terms separated by
 * spaces, all required:
 *   policy:OID            certificatePolicies holds OID
 *   qctype:eseal|esign|OID  qcStatements QcType holds it (ETSI EN 319 412-5)
 *   eku:documentSigning|emailProtection|OID  extendedKeyUsage holds it
 *   subject:ATTR=PREFIX   a subject attribute (UID, serialNumber, O, OU, CN,
 *                         organizationIdentifier or a dotted OID) whose value
 *                         starts with PREFIX (empty: present)
 * Defaults (NULL marker): seal "policy:SEAL_POLICY qctype:eseal
 * eku:documentSigning subject:organizationIdentifier=", approver
 * "policy:APPROVER_POLICY qctype:esign eku:documentSigning".
 * A certificate fits a role when it is an end-entity certificate for
 * signatures (digitalSignature or nonRepudiation, not a CA), matches that
 * role's marker and not the other role's; a seal also needs O and OU. */
typedef struct ds_trust ds_trust;

#define DS_TRUST_ANCHORS_MAX 64
#define DS_MARKER_MAX 512

enum ds_cert_role { DS_ROLE_SEAL = 1, DS_ROLE_APPROVER = 2 };

/* NULL policies: the defaults above. */
int ds_trust_new(ds_trust **out, const char *seal_policy, const char *approver_policy);
void ds_trust_free(ds_trust *t);
/* Adds every certificate of a PEM/DER file as an anchor, with markers
 * (NULL: the defaults). A malformed marker is DS_EINVALID naming it. */
int ds_trust_add_file(ds_trust *t, const char *pem_path, const char *seal_marker,
		      const char *approver_marker);
size_t ds_trust_count(const ds_trust *t);
/* 1 when every certificate of the file at pem_path is an anchor of t, 0 when
 * not (the first foreign one's subject in `which`), < 0 when unreadable. */
int ds_trust_covers_file(const ds_trust *t, const char *pem_path, char *which, size_t n);

struct ds_trust_result {
	char anchor_sha256[65];   /* SHA-256 of the anchor the chain ends at */
	char anchor_subject[256];
	int fits_seal, fits_approver;
	char seal_missing[256];   /* why it is not a seal certificate ("" when it is) */
	char approver_missing[256];
};

/* Chains the certificate at cert_path (or the loaded signer's certificate,
 * its own chain helping) to an anchor of t, valid at `now` (0: current
 * time), not revoked per crl_path (may be NULL), and says which profiles it
 * fits. DS_EPERM with the reason in `reason` when it does not chain. */
int ds_trust_check_cert(const ds_trust *t, const char *cert_path, const char *crl_path,
			int64_t now, struct ds_trust_result *out, char *reason, size_t n);
int ds_trust_check_signer(const ds_trust *t, const struct ds_signer *s, const char *crl_path,
			  int64_t now, struct ds_trust_result *out, char *reason, size_t n);

/* ---- seal policy ---- */

/* Decides whether `approver_user`, presenting the certificate at
 * approver_cert_pem_path, may apply seal `seal_id` at `now` (0: current
 * time): the seal must exist and be active, the approver must be listed for
 * it (dossier approver add) with this very certificate (SHA-256 of the DER),
 * the dossier (when `dossier_code` is given) of the seal's department,
 * the certificate valid at `now` and not revoked (catalog revocations).
 * Every attempt, granted or refused, is written as an event
 * ("seal_granted" / "seal_refused", actor = approver_user, detail = seal and
 * reason) on `dossier_code` (may be NULL: a site-wide event).
 * Returns 0 when granted; DS_EPERM when refused (reason in `reason`, also
 * set as the error message); another negative code on failure.
 * Call it outside a transaction you may roll back, or the refusal's event
 * is lost with it. */
int ds_seal_policy_check(struct ds_catalog *c, const char *dossier_code, const char *seal_id,
			 const char *approver_user, const char *approver_cert_pem_path,
			 int64_t now, char *reason, size_t n);

#ifdef __cplusplus
}
#endif
#endif
