/* Sealing a dossier: gather what the catalog and the store hold for it,
 * write dossier.json and the ASiC-E bundle, then record bundle, seal log
 * leaf and state in one catalog transaction. */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "dossier/archive.h"
#include "dossier/catalog.h"
#include "dossier/catalog_archive.h"
#include "dossier/catalog_ocr.h"
#include "dossier/clock.h"
#include "dossier/config.h"
#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/home.h"
#include "dossier/seallog.h"
#include "dossier/store.h"
#include "archive/seal_pdf.h"

static int iso(int64_t t, int off, int z, char *out, size_t n)
{
	return ds_time_iso(t, off, z, out, n);
}

/* The image type of a stored page from its first bytes. */
static const char *image_ext(ds_store *s, const char *hex, const char **mime)
{
	char path[DS_PATH_MAX];
	unsigned char b[8] = {0};
	const char *ext = ".bin";
	*mime = "application/octet-stream";
	if (ds_store_path(s, hex, path, sizeof path) < 0)
		return ext;
	FILE *f = fopen(path, "rb");
	if (!f)
		return ext;
	size_t n = fread(b, 1, sizeof b, f);
	fclose(f);
	if (n >= 4 && ((b[0] == 'I' && b[1] == 'I' && b[2] == 42 && b[3] == 0) ||
		       (b[0] == 'M' && b[1] == 'M' && b[2] == 0 && b[3] == 42))) {
		*mime = "image/tiff";
		ext = ".tif";
	} else if (n >= 4 && b[0] == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
		*mime = "image/png";
		ext = ".png";
	} else if (n >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff) {
		*mime = "image/jpeg";
		ext = ".jpg";
	} else if (n >= 5 && memcmp(b, "%PDF-", 5) == 0) {
		*mime = "application/pdf";
		ext = ".pdf";
	}
	return ext;
}

static int add_blob(ds_bundle_writer *w, ds_store *s, const char *name, const char *hex,
		    const char *mime)
{
	char path[DS_PATH_MAX];
	int err;
	if ((err = ds_store_path(s, hex, path, sizeof path)) < 0)
		return err;
	if (access(path, R_OK) != 0)
		return ds_error_set(DS_ENOTFOUND, "blob %s (%s) is missing from the store", hex, name);
	return ds_bundle_add_file_expect(w, name, path, mime, hex);
}

/* "result/r01-giay-chung-nhan.pdf" from a received file name. */
static int result_name(char *out, size_t n, size_t idx, const char *orig)
{
	char clean[128];
	size_t k = 0;
	const char *dot = strrchr(orig, '.');
	for (const char *p = orig; *p && k + 1 < 96 && p != dot; p++) {
		char c = *p;
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			 c == '-' || c == '_';
		if (ok)
			clean[k++] = c;
		else if (k > 0 && clean[k - 1] != '-')
			clean[k++] = '-';
	}
	while (k > 0 && clean[k - 1] == '-')
		k--;
	clean[k] = '\0';
	char ext[12] = "";
	if (dot && strlen(dot) < sizeof ext) {
		size_t j = 0;
		for (const char *p = dot; *p; p++) {
			char c = *p;
			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.')
				ext[j++] = c;
		}
		ext[j] = '\0';
	}
	return ds_fmt(out, n, "result/r%02zu%s%s%s", idx + 1, k ? "-" : "", clean, ext);
}

/* dossier.json is NFC (FORMATS.md): the catalog keeps text as typed, and
 * an input method may have sent decomposed Vietnamese marks. JSON syntax is
 * ASCII and composes with nothing, so normalising the whole text is
 * normalising every string in it. *out is malloc'd. */
static int nfc(const char *in, char **out)
{
	return ds_text_nfc(out, in, strlen(in)); /* core/text.c */
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

/* What a dossier must be to be sealed: digitized (or sealed, to reseal),
 * of the seal's department, with pages. Checked before the seal policy
 * grants anything, and again under the seal lock. */
static int seal_precheck(ds_catalog *c, const struct ds_archive_seal_opts *o, struct ds_dossier *d)
{
	int err;
	if ((err = ds_catalog_dossier_get(c, o->code, d)) < 0)
		return err;
	if (strcmp(d->state, DS_STATE_SEALED) == 0 || strcmp(d->state, DS_STATE_RETURNED) == 0) {
		if (!o->reseal || strcmp(d->state, DS_STATE_SEALED) != 0)
			return ds_error_set(DS_ESTATE, "dossier %s is already %s%s", o->code, d->state,
					    strcmp(d->state, DS_STATE_SEALED) == 0
						    ? " (--reseal seals it again, keeping the earlier bundle)"
						    : "");
	} else if (strcmp(d->state, DS_STATE_DIGITIZED) != 0) {
		return ds_error_set(DS_ESTATE, "dossier %s is %s: only a digitized dossier can be sealed",
				    o->code, d->state);
	}
	if (o->seal_department && strcmp(o->seal_department, d->department) != 0)
		return ds_error_set(DS_EPERM, "seal %s belongs to %s, dossier %s to %s", o->seal_id,
				    o->seal_department, o->code, d->department);
	if (d->npages == 0)
		return ds_error_set(DS_ESTATE, "dossier %s has no pages", o->code);
	return 0;
}

int ds_archive_seal_check(struct ds_home *h, const struct ds_archive_seal_opts *o)
{
	struct ds_dossier d;
	if (!o->code || !o->seal_id)
		return ds_error_set(DS_EINVALID, "seal: code and seal are required");
	return seal_precheck(h->catalog, o, &d);
}

static int seal_locked(struct ds_home *h, const struct ds_archive_seal_opts *o,
		       struct ds_archive_seal_result *out)
{
	ds_catalog *c = h->catalog;
	struct ds_dossier d;
	struct ds_department dept;
	struct ds_page *pages = NULL;
	struct ds_result_row *results = NULL;
	struct ds_reuse_row *reuses = NULL;
	struct ds_event *events = NULL;
	struct ds_bundle_row *versions = NULL;
	size_t npages = 0, nresults = 0, nreuses = 0, nevents = 0, nversions = 0;
	ds_bundle_writer *w = NULL;
	json_t *j = NULL;
	char *jtext = NULL;
	int err, written = 0, in_tx = 0;
	struct ds_seal_pdfs pdfs = {0};
	int off = ds_config_utc_offset(h->config);
	int64_t now = o->now ? o->now : ds_now();
	char buf[128], name[DS_BUNDLE_NAME_MAX + 1];

	memset(out, 0, sizeof *out);
	if (!o->code || !o->seal_id || !o->approver || !o->seal_sign || !o->approver_sign)
		return ds_error_set(DS_EINVALID, "seal: code, seal, approver and signers are required");
	if ((err = seal_precheck(c, o, &d)) < 0)
		return err;
	if ((err = ds_catalog_department_get(c, d.department, &dept)) < 0)
		goto done;
	if ((err = ds_catalog_page_list(c, o->code, DS_PAGE_KIND_PAGE, &pages, &npages)) < 0 ||
	    (err = ds_catalog_result_list(c, o->code, &results, &nresults)) < 0 ||
	    (err = ds_catalog_reuse_list(c, o->code, &reuses, &nreuses)) < 0 ||
	    (err = ds_catalog_event_list(c, o->code, &events, &nevents)) < 0 ||
	    (err = ds_catalog_bundle_list(c, o->code, &versions, &nversions)) < 0)
		goto done;
	if (npages == 0) {
		err = ds_error_set(DS_ESTATE, "dossier %s has no pages", o->code);
		goto done;
	}

	/* where it goes: archive/YYYY/MM/CODE.asice, CODE.vN.asice for N > 1 */
	out->version = (int)nversions + 1;
	int32_t day = (int32_t)(now / 86400);
	int y;
	unsigned m, dd;
	ds_civil_from_days(day, &y, &m, &dd);
	char dir[DS_PATH_MAX], rel_dir[64];
	if ((err = ds_fmt(rel_dir, sizeof rel_dir, "archive/%04d/%02u", y, m)) < 0)
		goto done;
	if (out->version == 1)
		err = ds_fmt(out->relpath, sizeof out->relpath, "%s/%s.asice", rel_dir, o->code);
	else
		err = ds_fmt(out->relpath, sizeof out->relpath, "%s/%s.v%d.asice", rel_dir, o->code,
			     out->version);
	if (err < 0 || (err = ds_home_path(h, rel_dir, dir, sizeof dir)) < 0 ||
	    (err = ds_home_path(h, out->relpath, out->path, sizeof out->path)) < 0 ||
	    (err = ds_mkdirs(dir, 0755)) < 0)
		goto done;
	if (access(out->path, F_OK) == 0) {
		int known = 1;
		if ((err = ds_catalog_bundle_path_known(c, out->relpath, &known)) < 0)
			goto done;
		if (known) {
			err = ds_error_set(DS_EEXISTS, "%s already exists", out->path);
			goto done;
		}
		/* left by a seal whose transaction never committed */
		if (unlink(out->path) != 0) {
			err = ds_error_set_errno(DS_EIO, errno, "removing stale %s", out->path);
			goto done;
		}
	}

	/* dossier.json and the data objects */
	if ((err = ds_bundle_writer_new(&w, now)) < 0)
		goto done;
	j = json_object();
	json_t *jpages = json_array(), *jres = json_array(), *jev = json_array(),
	       *jreuse = json_array(), *jsigs = json_array();
	json_object_set_new(j, "format", json_string("dossier-bundle/1"));
	json_object_set_new(j, "code", json_string(d.code));
	json_object_set_new(j, "procedure",
			    json_pack("{s:s, s:s}", "code", d.procedure, "name", d.procedure_name));
	json_object_set_new(j, "department",
			    json_pack("{s:s, s:s}", "code", dept.code, "name", dept.name));
	json_object_set_new(j, "applicant",
			    json_pack("{s:s, s:s}", "id", d.applicant_id, "name", d.applicant_name));
	if ((err = iso(d.received_at, off, 0, buf, sizeof buf)) < 0)
		goto done;
	json_object_set_new(j, "received_at", json_string(buf));
	if ((err = iso(d.due_at, off, 0, buf, sizeof buf)) < 0)
		goto done;
	json_object_set_new(j, "due_at", json_string(buf));
	json_object_set_new(j, "seal_id", json_string(o->seal_id));
	if ((err = iso(now, 0, 1, buf, sizeof buf)) < 0)
		goto done;
	json_object_set_new(j, "sealed_at", json_string(buf));
	json_object_set_new(j, "version", json_integer(out->version));
	for (size_t i = 0; i < npages; i++) {
		const struct ds_page *p = &pages[i];
		const char *mime;
		const char *ext = image_ext(h->store, p->sha256, &mime);
		if ((err = ds_fmt(name, sizeof name, "pages/p%04d%s", p->number, ext)) < 0 ||
		    (err = add_blob(w, h->store, name, p->sha256, mime)) < 0)
			goto done;
		json_t *jp = json_pack("{s:s, s:s, s:i, s:i, s:i}", "file", name, "sha256", p->sha256,
				       "width", p->width, "height", p->height, "dpi", p->dpi);
		if (p->clean_sha256[0]) {
			ext = image_ext(h->store, p->clean_sha256, &mime);
			if ((err = ds_fmt(name, sizeof name, "clean/p%04d%s", p->number, ext)) < 0 ||
			    (err = add_blob(w, h->store, name, p->clean_sha256, mime)) < 0)
				goto done;
			json_object_set_new(jp, "clean", json_string(name));
		}
		if (p->text_sha256[0]) {
			if ((err = ds_fmt(name, sizeof name, "text/p%04d.txt", p->number)) < 0 ||
			    (err = add_blob(w, h->store, name, p->text_sha256, "text/plain")) < 0)
				goto done;
			json_object_set_new(jp, "text", json_string(name));
		}
		if (p->hocr_sha256[0]) {
			if ((err = ds_fmt(name, sizeof name, "hocr/p%04d.hocr", p->number)) < 0 ||
			    (err = add_blob(w, h->store, name, p->hocr_sha256, "text/vnd.hocr+html")) < 0)
				goto done;
			json_object_set_new(jp, "hocr", json_string(name));
		}
		if (strcmp(p->ocr_state, "done") == 0)
			json_object_set_new(jp, "ocr_confidence", json_real(p->ocr_confidence));
		json_object_set_new(jp, "blank", json_boolean(p->blank));
		json_array_append_new(jpages, jp);
	}
	json_object_set_new(j, "pages", jpages);
	{
		char pdf[65];
		int e2 = ds_catalog_ocr_pdf_get(c, o->code, pdf, NULL);
		if (e2 == 0) {
			if ((err = add_blob(w, h->store, "dossier.pdf", pdf, "application/pdf")) < 0)
				goto done;
			json_object_set_new(j, "pdf", json_string("dossier.pdf"));
		} else if (e2 != DS_ENOTFOUND) {
			err = e2;
			goto done;
		}
	}
	for (size_t i = 0; i < nresults; i++) {
		const char *mime;
		if ((err = result_name(name, sizeof name, i, results[i].name)) < 0)
			goto done;
		mime = ds_bundle_mime_guess(name);
		if ((err = add_blob(w, h->store, name, results[i].sha256, mime)) < 0)
			goto done;
		json_t *jr = json_pack("{s:s, s:s, s:s, s:s}", "file", name, "title", results[i].title,
				       "name", results[i].name, "sha256", results[i].sha256);
		json_array_append_new(jres, jr);
		if ((err = ds_seal__pdf_result(&pdfs, o, h->store, w, i, name, results[i].sha256,
					       results[i].name, jr)) < 0) {
			/* not in j yet, so not freed with it */
			json_decref(jres);
			json_decref(jev);
			json_decref(jreuse);
			json_decref(jsigs);
			goto done;
		}
	}
	json_object_set_new(j, "results", jres);
	for (size_t i = 0; i < nreuses; i++) {
		if ((err = iso(reuses[i].verified_at, 0, 1, buf, sizeof buf)) < 0)
			goto done;
		json_array_append_new(jreuse,
				      json_pack("{s:s, s:i, s:s, s:s, s:s}", "code", reuses[i].source_code,
						"version", reuses[i].source_version, "bundle_sha256",
						reuses[i].bundle_sha256, "verified_at", buf, "indication",
						reuses[i].indication));
	}
	json_object_set_new(j, "reuses", jreuse);
	for (size_t i = 0; i < nevents; i++) {
		if ((err = iso(events[i].at, off, 0, buf, sizeof buf)) < 0)
			goto done;
		json_t *ev = json_pack("{s:s, s:s, s:s}", "at", buf, "actor", events[i].actor,
				       "action", events[i].action);
		if (events[i].on_behalf_of[0])
			json_object_set_new(ev, "on_behalf_of", json_string(events[i].on_behalf_of));
		if (events[i].detail[0])
			json_object_set_new(ev, "detail", json_string(events[i].detail));
		json_array_append_new(jev, ev);
	}
	json_object_set_new(j, "events", jev);
	/* which signature is whose, and with which certificate: the verifier
	 * holds each signature to the certificate named here */
	json_array_append_new(jsigs, json_pack("{s:s, s:s, s:s, s:o, s:o}", "file",
					       "META-INF/signature001.p7s", "role", "seal", "id",
					       o->seal_id, "level", str_or_null(o->level), "cert_sha256",
					       str_or_null(o->seal_cert_sha256)));
	json_array_append_new(jsigs, json_pack("{s:s, s:s, s:s, s:o}", "file",
					       "META-INF/signature002.p7s", "role", "approver", "id",
					       o->approver, "cert_sha256",
					       str_or_null(o->approver_cert_sha256)));
	json_object_set_new(j, "signatures", jsigs);
	json_object_set_new(j, "language", json_string("vi"));
	json_object_set_new(j, "retention", json_string("permanent"));
	if (!(jtext = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER))) {
		err = ds_error_set(DS_ENOMEM, "dossier.json: out of memory");
		goto done;
	}
	char *norm = NULL;
	if ((err = nfc(jtext, &norm)) < 0)
		goto done;
	free(jtext);
	jtext = norm;
	if ((err = ds_bundle_add_data(w, "dossier.json", jtext, strlen(jtext), "application/json")) < 0)
		goto done;
	if ((err = ds_bundle_add_signature(w, o->seal_sign, o->seal_arg)) < 0 ||
	    (err = ds_bundle_add_signature(w, o->approver_sign, o->approver_arg)) < 0)
		goto done;
	char sha[2][65];
	if ((err = ds_bundle_write(w, out->path, sha, 2)) < 0)
		goto done;
	written = 1;
	if ((err = ds_seal__pdfs_write(&pdfs, out->path)) < 0)
		goto done;
	out->npdfs = pdfs.n;
	memcpy(out->seal_p7s_sha256, sha[0], 65);
	if ((err = ds_sha256_file_hex(out->path, out->sha256)) < 0)
		goto done;

	/* catalog: bundle, seal log leaf, state — all or nothing */
	if ((err = ds_catalog_begin(c)) < 0)
		goto done;
	in_tx = 1;
	struct ds_bundle_row b = {0};
	memcpy(b.code, d.code, sizeof b.code);
	if ((err = ds_fmt(b.path, sizeof b.path, "%s", out->relpath)) < 0 ||
	    (err = ds_fmt(b.seal_id, sizeof b.seal_id, "%s", o->seal_id)) < 0 ||
	    (err = ds_fmt(b.approver, sizeof b.approver, "%s", o->approver)) < 0 ||
	    (err = ds_fmt(b.level, sizeof b.level, "%s", o->level ? o->level : "B-B")) < 0)
		goto done;
	memcpy(b.sha256, out->sha256, 65);
	memcpy(b.seal_p7s_sha256, out->seal_p7s_sha256, 65);
	FILE *f = fopen(out->path, "rb");
	if (f) {
		if (fseek(f, 0, SEEK_END) == 0)
			b.size = ftell(f);
		fclose(f);
	}
	b.sealed_at = now;
	int version = 0;
	if ((err = ds_catalog_bundle_add(c, &b, &version)) < 0)
		goto done;
	if (version != out->version) {
		err = ds_error_set(DS_EBUSY, "dossier %s was sealed concurrently", o->code);
		goto done;
	}
	if ((err = ds_seallog_append(c, d.code, o->seal_id, out->seal_p7s_sha256, now,
				     &out->leaf_index)) < 0)
		goto done;
	char detail[DS_DETAIL_MAX];
	if ((err = ds_fmt(detail, sizeof detail, "seal %s, approver %s, %s, bundle %s v%d",
			  o->seal_id, o->approver, b.level, out->relpath, out->version)) < 0)
		goto done;
	if ((err = ds_catalog_dossier_set_state(c, d.code, DS_STATE_SEALED,
						o->actor ? o->actor : o->approver,
						out->version > 1 ? "resealed" : "sealed", detail)) < 0)
		goto done;
	if ((err = ds_catalog_commit(c)) < 0)
		goto done;
	in_tx = 0;
done:
	if (in_tx)
		ds_catalog_rollback(c);
	if (err < 0 && written) {
		(void)unlink(out->path);
		ds_seal__pdfs_unlink(&pdfs, out->path);
	}
	ds_seal__pdfs_free(&pdfs);
	ds_bundle_writer_free(w);
	json_decref(j);
	free(jtext);
	free(pages);
	free(results);
	free(reuses);
	free(events);
	free(versions);
	return err;
}

/* Seals are serialised site-wide by an flock on HOME/archive/.seal-lock,
 * released by the kernel if the process dies: so a bundle file that no
 * catalog row names can only have been left by a crashed seal. */
static int seal_lock(struct ds_home *h, int *fd_out)
{
	char dir[DS_PATH_MAX], path[DS_PATH_MAX];
	int err, fd;
	if ((err = ds_home_path(h, "archive", dir, sizeof dir)) < 0 ||
	    (err = ds_mkdirs(dir, 0755)) < 0 ||
	    (err = ds_home_path(h, "archive/.seal-lock", path, sizeof path)) < 0)
		return err;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return ds_error_set_errno(DS_EIO, errno, "%s", path);
	while (flock(fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			err = ds_error_set_errno(DS_EIO, errno, "locking %s", path);
			close(fd);
			return err;
		}
	}
	*fd_out = fd;
	return 0;
}

int ds_archive_seal(struct ds_home *h, const struct ds_archive_seal_opts *o,
		    struct ds_archive_seal_result *out)
{
	int lock = -1;
	int err = seal_lock(h, &lock);
	if (err < 0)
		return err;
	err = seal_locked(h, o, out);
	close(lock); /* releases the lock */
	return err;
}
