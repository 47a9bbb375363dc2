/* Sidecars: NAME.json beside a scan, saying which dossier its pages go to,
 * or registering a new one. Untrusted: bounded, strict, refused whole. */
#include <jansson.h>
#include <string.h>

#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/inbox.h"
#include "dossier/qr.h"

static int take(char *dst, size_t n, const char *what, const char *key, json_t *v)
{
	const char *s;
	size_t len;

	if (!json_is_string(v))
		return ds_error_set(DS_EINVALID, "%s: \"%s\" is not a string", what, key);
	s = json_string_value(v);
	len = json_string_length(v);
	if (len == 0)
		return ds_error_set(DS_EINVALID, "%s: \"%s\" is empty", what, key);
	if (len >= n)
		return ds_error_set(DS_ETOOBIG, "%s: \"%s\" longer than %zu bytes", what, key, n - 1);
	if (!ds_text_valid(s, len))
		return ds_error_set(DS_EINVALID, "%s: \"%s\" has control characters or bad UTF-8",
				    what, key);
	/* NFC, as all text that enters (core/text.c) */
	return ds_text_nfc_buf(dst, n, s);
}

int ds_sidecar_parse(struct ds_sidecar *out, const char *what, const unsigned char *buf,
		     size_t len)
{
	json_t *root = NULL, *v;
	json_error_t jerr;
	const char *key;
	int err = 0, nintake = 0;

	memset(out, 0, sizeof(*out));
	if (len > DS_SIDECAR_BYTES_MAX)
		return ds_error_set(DS_ETOOBIG, "%s: larger than %u bytes", what,
				    DS_SIDECAR_BYTES_MAX);
	root = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		err = ds_error_set(DS_EINVALID, "%s: line %d: %s", what, jerr.line, jerr.text);
		goto done;
	}
	if (!json_is_object(root)) {
		err = ds_error_set(DS_EINVALID, "%s: not a JSON object", what);
		goto done;
	}
	json_object_foreach(root, key, v) {
		if (strcmp(key, "dossier") == 0)
			err = take(out->dossier, sizeof(out->dossier), what, key, v);
		else if (strcmp(key, "procedure") == 0 && ++nintake)
			err = take(out->procedure, sizeof(out->procedure), what, key, v);
		else if (strcmp(key, "applicant_id") == 0 && ++nintake)
			err = take(out->applicant_id, sizeof(out->applicant_id), what, key, v);
		else if (strcmp(key, "applicant_name") == 0 && ++nintake)
			err = take(out->applicant_name, sizeof(out->applicant_name), what, key, v);
		else if (strcmp(key, "actor") == 0)
			err = take(out->actor, sizeof(out->actor), what, key, v);
		else
			err = ds_error_set(DS_EINVALID, "%s: unknown key \"%.64s\"", what, key);
		if (err < 0)
			goto done;
	}
	if (out->dossier[0]) {
		if (nintake) {
			err = ds_error_set(DS_EINVALID,
					   "%s: \"dossier\" names an existing dossier; the fields "
					   "of a new intake cannot come with it",
					   what);
			goto done;
		}
		if (!ds_qr_code_valid(out->dossier)) {
			err = ds_error_set(DS_EINVALID, "%s: \"%s\" is not a dossier code", what,
					   out->dossier);
			goto done;
		}
	} else if (!out->procedure[0] || !out->applicant_id[0] || !out->applicant_name[0]) {
		err = ds_error_set(DS_EINVALID,
				   "%s: needs \"dossier\", or \"procedure\", \"applicant_id\" and "
				   "\"applicant_name\" for a new intake",
				   what);
		goto done;
	}
done:
	json_decref(root);
	return err;
}
