/* dossier — catalog extension for the signer area (schema v3): seals, their
 * key stores, the approvers listed for each seal, and revoked certificates.
 * Seal attempts are ordinary events (ds_catalog_event_add). */
#ifndef DOSSIER_CATALOG_SIGNER_H
#define DOSSIER_CATALOG_SIGNER_H

#include <stddef.h>
#include <stdint.h>

#include "dossier/catalog.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DS_SEAL_STORE_FILE "file"
#define DS_SEAL_STORE_PKCS12 "pkcs12"
#define DS_SEAL_STORE_PKCS11 "pkcs11"

struct ds_seal {
	char seal_id[DS_CODE_MAX];
	char department[DS_DEPT_CODE_MAX];
	char store[8];              /* "file", "pkcs12", "pkcs11" */
	char key_path[4096];        /* file: PEM key; pkcs12: the .p12; pkcs11: "" */
	char cert_path[4096];       /* PEM certificate ("" for pkcs12: inside) */
	char secret_path[4096];     /* passphrase or PIN file; "" when none recorded */
	char pkcs11_module[4096];
	char pkcs11_uri[1024];
	char cert_sha256[65];
	char cert_serial[41];
	int64_t not_after;
	int64_t created_at;
	int active;
};

/* Adds a seal; DS_EEXISTS when seal_id is taken, DS_ENOTFOUND when the
 * department does not exist. created_at 0: now. */
int ds_catalog_seal_add(ds_catalog *c, const struct ds_seal *s);
int ds_catalog_seal_get(ds_catalog *c, const char *seal_id, struct ds_seal *out);
/* department NULL: every seal. *out malloc'd; free(). */
int ds_catalog_seal_list(ds_catalog *c, const char *department, struct ds_seal **out,
			 size_t *n);

struct ds_approver {
	char user[DS_ACTOR_MAX];
	char seal_id[DS_CODE_MAX];
	char cert_path[4096];
	char cert_sha256[65];
	char cert_serial[41];
	char subject[512];
	int64_t not_after;
	int64_t added_at;
};

/* Lists `user` for `seal_id` with the given certificate (replacing the
 * certificate of an existing listing). DS_ENOTFOUND for an unknown seal. */
int ds_catalog_approver_add(ds_catalog *c, const struct ds_approver *a);
/* Removes the listing (seal_id NULL: every seal of the user).
 * DS_ENOTFOUND when nothing was listed. */
int ds_catalog_approver_remove(ds_catalog *c, const char *user, const char *seal_id);
/* user/seal_id NULL: any. */
int ds_catalog_approver_list(ds_catalog *c, const char *user, const char *seal_id,
			     struct ds_approver **out, size_t *n);
/* The listing of user for seal; DS_ENOTFOUND when not listed. */
int ds_catalog_approver_get(ds_catalog *c, const char *user, const char *seal_id,
			    struct ds_approver *out);

struct ds_revocation {
	char serial[41];         /* lowercase hex, no leading zeros stripped */
	char cert_sha256[65];
	char subject[512];
	int64_t revoked_at;
	int reason;              /* CRL reason code; -1 none */
	char actor[DS_ACTOR_MAX];
};
/* Records a revocation; DS_EEXISTS when the serial is already revoked. */
int ds_catalog_revocation_add(ds_catalog *c, const struct ds_revocation *r);
int ds_catalog_revocation_list(ds_catalog *c, struct ds_revocation **out, size_t *n);
/* DS_ENOTFOUND when the serial is not revoked. */
int ds_catalog_revocation_get(ds_catalog *c, const char *serial, struct ds_revocation *out);

#ifdef __cplusplus
}
#endif
#endif
