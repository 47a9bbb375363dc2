/* Private to archive/: the result PDFs of a seal (seal.c, seal_pdf.c). */
#ifndef DOSSIER_SEAL_PDF_H
#define DOSSIER_SEAL_PDF_H

#include <jansson.h>

#include "dossier/archive.h"
#include "dossier/store.h"

#define DS_SEAL_PDFS_MAX 64

struct ds_seal_pdfs {
	size_t n, written;
	unsigned char *data[DS_SEAL_PDFS_MAX]; /* the signed files */
	size_t len[DS_SEAL_PDFS_MAX];
	size_t idx[DS_SEAL_PDFS_MAX];          /* the result's position (attach order) */
	char sha256[DS_SEAL_PDFS_MAX][65];
};

/* When o->pdf_sign is set and result `idx` (blob `blob_sha256`, bundle entry
 * `entry`) is a PDF: signs it, adds the signed file to the bundle as
 * "<entry without .pdf>-signed.pdf", notes it in the result's JSON
 * (signed_pdf, signed_sha256) and keeps it for ds_seal__pdfs_write. */
int ds_seal__pdf_result(struct ds_seal_pdfs *p, const struct ds_archive_seal_opts *o,
			ds_store *store, ds_bundle_writer *w, size_t idx, const char *entry,
			const char *blob_sha256, const char *orig_name, json_t *jres);

/* Writes the signed PDFs beside the bundle at `bundle_path` (absolute). */
int ds_seal__pdfs_write(struct ds_seal_pdfs *p, const char *bundle_path);
/* Removes what ds_seal__pdfs_write wrote (the seal failed after it). */
void ds_seal__pdfs_unlink(struct ds_seal_pdfs *p, const char *bundle_path);
void ds_seal__pdfs_free(struct ds_seal_pdfs *p);

#endif
