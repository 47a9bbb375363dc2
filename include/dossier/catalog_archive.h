/* dossier — catalog extension of the archive area: sealed bundles (every
 * version kept), result documents (the `files` rows with role "result"),
 * and reuse references between dossiers. Migration v5 in
 * core/catalog_archive.c. */
#ifndef DOSSIER_CATALOG_ARCHIVE_H
#define DOSSIER_CATALOG_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

#include "dossier/catalog.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ds_bundle_row {
	int64_t id;
	char code[DS_CODE_MAX];      /* the dossier */
	int version;                 /* 1, 2, … (a reseal adds a version) */
	char path[1024];             /* relative to the home: archive/YYYY/MM/CODE[.vN].asice */
	char sha256[65];             /* of the whole .asice file */
	int64_t size;
	char seal_id[DS_CODE_MAX];
	char approver[DS_ACTOR_MAX];
	char level[8];               /* B-B, B-T, B-LT */
	char seal_p7s_sha256[65];    /* the seal log leaf's hash */
	int64_t sealed_at;
	int superseded;              /* a later version exists */
};

/* Records a bundle as version (latest + 1) of its dossier, marking earlier
 * versions superseded; `b->version` is ignored and *version_out (may be
 * NULL) gets the number. Runs in the caller's transaction when open. */
int ds_catalog_bundle_add(ds_catalog *c, const struct ds_bundle_row *b, int *version_out);

/* The latest (not superseded) bundle of a dossier; DS_ENOTFOUND if none. */
int ds_catalog_bundle_latest(ds_catalog *c, const char *code, struct ds_bundle_row *out);

/* Every version of a dossier's bundle, oldest first (code NULL: of every
 * dossier, by code). *out malloc'd. */
int ds_catalog_bundle_list(ds_catalog *c, const char *code, struct ds_bundle_row **out,
			   size_t *n);

/* Whether some bundle row records `path` (relative to the home). */
int ds_catalog_bundle_path_known(ds_catalog *c, const char *path, int *known);

struct ds_result_row {
	int64_t id;
	char sha256[65];
	char name[DS_NAME_MAX];
	char title[DS_NAME_MAX];
	int64_t size;
	int64_t added_at;
};

/* The result documents attached to a dossier, in the order attached. */
int ds_catalog_result_list(ds_catalog *c, const char *code, struct ds_result_row **out,
			   size_t *n);

struct ds_reuse_row {
	char code[DS_CODE_MAX];          /* the new dossier */
	char source_code[DS_CODE_MAX];   /* the earlier sealed dossier */
	int source_version;
	char bundle_sha256[65];
	int64_t verified_at;
	char indication[24];             /* the earlier bundle's verdict then */
};

/* Records that `code` reuses the sealed bundle of `source_code`
 * (DS_EEXISTS when already recorded). */
int ds_catalog_reuse_add(ds_catalog *c, const struct ds_reuse_row *r);
int ds_catalog_reuse_list(ds_catalog *c, const char *code, struct ds_reuse_row **out, size_t *n);

/* The latest bundles of the dossiers of one applicant, newest first,
 * with their dossier's procedure and department in `dossier`. */
struct ds_applicant_bundle {
	struct ds_dossier dossier;
	struct ds_bundle_row bundle;
};
int ds_catalog_bundles_by_applicant(ds_catalog *c, const char *applicant_id,
				    struct ds_applicant_bundle **out, size_t *n);

#ifdef __cplusplus
}
#endif
#endif
