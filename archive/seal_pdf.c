/* Sealing a dossier's result PDFs (issue 18): each attached result that is
 * a PDF is signed as PAdES — the approver, then the department seal — by
 * the caller's pdf_sign callback; the signed file goes into the bundle
 * beside the attached one (both covered by the manifests) and, once the
 * bundle is written, beside the bundle as archive/YYYY/MM/CODE-result-N.pdf
 * (CODE.vV-result-N.pdf for version V > 1). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zip.h>

#include "archive/seal_pdf.h"
#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/pades.h"

void ds_seal__pdfs_free(struct ds_seal_pdfs *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->data[i]);
	memset(p, 0, sizeof *p);
}

int ds_seal__pdf_result(struct ds_seal_pdfs *p, const struct ds_archive_seal_opts *o,
			ds_store *store, ds_bundle_writer *w, size_t idx, const char *entry,
			const char *blob_sha256, const char *orig_name, json_t *jres)
{
	char path[DS_PATH_MAX], sha[65], sname[DS_BUNDLE_NAME_MAX + 1];
	unsigned char *buf = NULL, *out = NULL;
	size_t len = 0, out_len = 0;
	int err;

	if (!o->pdf_sign)
		return 0;
	if ((err = ds_store_path(store, blob_sha256, path, sizeof path)) < 0)
		return err;
	if ((err = ds_file_read(path, DS_PDF_MAX, &buf, &len)) < 0)
		goto done;
	if (!ds_pades_is_pdf(buf, len))
		goto done; /* a scan (TIFF, PNG, JPEG) stays as attached */
	ds_sha256_hex(buf, len, sha);
	if (strcmp(sha, blob_sha256) != 0) {
		err = ds_error_set(DS_ECORRUPT, "result %s: blob %s no longer has its hash", orig_name,
				   blob_sha256);
		goto done;
	}
	if (p->n >= DS_SEAL_PDFS_MAX) {
		err = ds_error_set(DS_ETOOBIG, "more than %d result PDFs", DS_SEAL_PDFS_MAX);
		goto done;
	}
	if ((err = o->pdf_sign(o->pdf_arg, orig_name, buf, len, &out, &out_len)) < 0) {
		/* the signer's message names the file and the reason */
		goto done;
	}
	/* result/r01-x.pdf -> result/r01-x-signed.pdf */
	size_t el = strlen(entry);
	if (el < 4 || (err = ds_fmt(sname, sizeof sname, "%.*s-signed.pdf", (int)(el - 4), entry)) < 0) {
		err = err < 0 ? err : ds_error_set(DS_EINVALID, "result entry name %s", entry);
		goto done;
	}
	if ((err = ds_bundle_add_data(w, sname, out, out_len, "application/pdf")) < 0)
		goto done;
	ds_sha256_hex(out, out_len, sha);
	json_object_set_new(jres, "signed_pdf", json_string(sname));
	json_object_set_new(jres, "signed_sha256", json_string(sha));
	p->data[p->n] = out;
	p->len[p->n] = out_len;
	p->idx[p->n] = idx;
	memcpy(p->sha256[p->n], sha, sizeof sha);
	p->n++;
	out = NULL; /* transferred */
done:
	free(buf);
	free(out);
	return err;
}

static int side_path(char *out, size_t n, const char *bundle_path, size_t idx)
{
	/* "…/CODE.asice" / "…/CODE.v2.asice" -> "…/CODE-result-1.pdf" / "…/CODE.v2-result-1.pdf" */
	size_t l = strlen(bundle_path);
	if (l < 6 || strcmp(bundle_path + l - 6, ".asice") != 0)
		return ds_error_set(DS_EINVALID, "bundle path %s", bundle_path);
	return ds_fmt(out, n, "%.*s-result-%zu.pdf", (int)(l - 6), bundle_path, idx + 1);
}

int ds_seal__pdfs_write(struct ds_seal_pdfs *p, const char *bundle_path)
{
	char path[DS_PATH_MAX];
	int err = 0;
	for (size_t i = 0; i < p->n; i++) {
		if ((err = side_path(path, sizeof path, bundle_path, p->idx[i])) < 0)
			return err;
		/* the bundle path was free (or stale from a seal that never
		 * committed), so a PDF already there is that seal's leftover */
		if (unlink(path) != 0 && errno != ENOENT)
			return ds_error_set_errno(DS_EIO, errno, "removing stale %s", path);
		if ((err = ds_file_write_atomic(path, p->data[i], p->len[i], 0644)) < 0)
			return err;
		p->written = i + 1;
	}
	return 0;
}

void ds_seal__pdfs_unlink(struct ds_seal_pdfs *p, const char *bundle_path)
{
	char path[DS_PATH_MAX];
	for (size_t i = 0; i < p->written; i++)
		if (side_path(path, sizeof path, bundle_path, p->idx[i]) == 0)
			(void)unlink(path);
	p->written = 0;
}

static int zip_read_entry(zip_t *z, const char *name, size_t max, unsigned char **out, size_t *len)
{
	zip_stat_t st;
	zip_file_t *f = NULL;
	unsigned char *b = NULL;
	int err = 0;
	zip_stat_init(&st);
	if (zip_stat(z, name, ZIP_FL_ENC_RAW, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
		return ds_error_set(DS_ENOTFOUND, "bundle entry %s is missing", name);
	if (st.size > max)
		return ds_error_set(DS_ETOOBIG, "bundle entry %s is larger than %zu bytes", name, max);
	if (!(b = malloc(st.size ? (size_t)st.size : 1)))
		return ds_error_set(DS_ENOMEM, "out of memory");
	if (!(f = zip_fopen(z, name, 0)) || zip_fread(f, b, st.size) != (zip_int64_t)st.size) {
		err = ds_error_set(DS_EIO, "reading bundle entry %s", name);
		goto done;
	}
	*out = b;
	b = NULL; /* transferred */
	*len = (size_t)st.size;
done:
	if (f)
		zip_fclose(f);
	free(b);
	return err;
}

int ds_archive_pdf_export(const char *bundle_path, const char *dir, ds_archive_pdf_cb cb, void *arg)
{
	zip_t *z = NULL;
	json_t *j = NULL;
	unsigned char *text = NULL, *pdf = NULL;
	size_t len = 0, n = 0;
	char path[DS_PATH_MAX], sha[65];
	int zerr = 0, err = 0;

	const char *base = strrchr(bundle_path, '/');
	base = base ? base + 1 : bundle_path;
	size_t bl = strlen(base);
	if (bl < 7 || strcmp(base + bl - 6, ".asice") != 0)
		return ds_error_set(DS_EINVALID, "%s: not a bundle name", bundle_path);
	if (!(z = zip_open(bundle_path, ZIP_RDONLY | ZIP_CHECKCONS, &zerr)))
		return ds_error_set(DS_EIO, "%s: cannot open the bundle (libzip error %d)", bundle_path,
				    zerr);
	if ((err = zip_read_entry(z, "dossier.json", DS_BUNDLE_JSON_BYTES_MAX, &text, &len)) < 0)
		goto done;
	json_error_t je;
	j = json_loadb((const char *)text, len, 0, &je);
	json_t *res = j ? json_object_get(j, "results") : NULL;
	for (size_t i = 0; json_is_array(res) && i < json_array_size(res); i++) {
		json_t *r = json_array_get(res, i);
		const char *entry = json_string_value(json_object_get(r, "signed_pdf"));
		const char *want = json_string_value(json_object_get(r, "signed_sha256"));
		if (!entry)
			continue;
		if (!want) {
			err = ds_error_set(DS_EINVALID, "%s: %s has no signed_sha256", bundle_path, entry);
			goto done;
		}
		free(pdf);
		pdf = NULL;
		if ((err = zip_read_entry(z, entry, DS_PDF_MAX, &pdf, &len)) < 0)
			goto done;
		ds_sha256_hex(pdf, len, sha);
		if (strcmp(sha, want) != 0) {
			err = ds_error_set(DS_ECORRUPT, "%s: %s does not have the SHA-256 dossier.json names",
					   bundle_path, entry);
			goto done;
		}
		if ((err = ds_fmt(path, sizeof path, "%s/%.*s-result-%zu.pdf", dir, (int)(bl - 6), base,
				  i + 1)) < 0)
			goto done;
		if (access(path, F_OK) == 0) {
			err = ds_error_set(DS_EEXISTS, "%s already exists", path);
			goto done;
		}
		if ((err = ds_file_write_atomic(path, pdf, len, 0644)) < 0)
			goto done;
		n++;
		if (cb)
			cb(arg, path);
	}
	if (n == 0)
		err = ds_error_set(DS_ENOTFOUND, "%s holds no signed result PDF", bundle_path);
done:
	if (z)
		zip_discard(z);
	json_decref(j);
	free(text);
	free(pdf);
	return err;
}
