/* Reading a PDF for PAdES: bounded before qpdf sees it, no recovery (a
 * damaged file is refused, never repaired), encrypted files refused, and the
 * signature fields of its AcroForm. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive/pdf_int.h"
#include "dossier/error.h"

int ds_pades_is_pdf(const unsigned char *buf, size_t len)
{
	return len >= 8 && memcmp(buf, "%PDF-", 5) == 0 && (buf[5] == '1' || buf[5] == '2') &&
	       buf[6] == '.';
}

const char *ds_pdf__qpdf_reason(struct ds_pdf *p)
{
	static _Thread_local char why[256];
	why[0] = '\0';
	if (!p->q)
		return why;
	if (qpdf_has_error(p->q)) {
		qpdf_error e = qpdf_get_error(p->q);
		const char *d = e ? qpdf_get_error_message_detail(p->q, e) : NULL;
		const char *t = e ? qpdf_get_error_full_text(p->q, e) : NULL;
		if (snprintf(why, sizeof why, "%s", d && *d ? d : t ? t : "unreadable") < 0)
			why[0] = '\0';
	} else if (qpdf_more_warnings(p->q)) {
		qpdf_error w = qpdf_next_warning(p->q);
		const char *d = w ? qpdf_get_error_message_detail(p->q, w) : NULL;
		if (snprintf(why, sizeof why, "%s", d && *d ? d : "qpdf warning") < 0)
			why[0] = '\0';
	}
	return why;
}

static int is_ws(unsigned char c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0;
}

/* The offset after the last "startxref" in the file's tail. */
static int find_startxref(struct ds_pdf *p)
{
	const unsigned char *b = p->buf;
	size_t len = p->len, from = len > 2048 ? len - 2048 : 0;
	static const char kw[] = "startxref";
	size_t k = sizeof kw - 1, at = (size_t)-1;
	for (size_t i = len >= k ? len - k + 1 : 0; i-- > from;)
		if (memcmp(b + i, kw, k) == 0) {
			at = i + k;
			break;
		}
	if (at == (size_t)-1)
		return ds_error_set(DS_EINVALID, "%s: damaged PDF: no startxref at the end", p->name);
	while (at < len && is_ws(b[at]))
		at++;
	uint64_t v = 0;
	size_t digits = 0;
	while (at < len && b[at] >= '0' && b[at] <= '9' && digits < 12) {
		v = v * 10 + (uint64_t)(b[at] - '0');
		at++;
		digits++;
	}
	if (digits == 0 || digits >= 12 || v >= len)
		return ds_error_set(DS_EINVALID, "%s: damaged PDF: startxref points outside the file",
				    p->name);
	p->startxref = v;
	size_t o = (size_t)v;
	while (o < len && is_ws(b[o]))
		o++;
	p->xref_stream = !(len - o >= 4 && memcmp(b + o, "xref", 4) == 0);
	return 0;
}

int ds_pdf__open(struct ds_pdf *p, const char *name, const unsigned char *buf, size_t len,
		 int strict)
{
	int err = 0;
	memset(p, 0, sizeof *p);
	p->name = name ? name : "PDF";
	p->buf = buf;
	p->len = len;
	if (len > DS_PDF_MAX)
		return ds_error_set(DS_ETOOBIG, "%s: PDF larger than %u bytes", p->name, DS_PDF_MAX);
	if (!ds_pades_is_pdf(buf, len))
		return ds_error_set(DS_EINVALID, "%s: not a PDF file (no %%PDF-1.x header)", p->name);
	if ((err = find_startxref(p)) < 0)
		return err;
	p->q = qpdf_init();
	if (!p->q)
		return ds_error_set(DS_ENOMEM, "out of memory");
	qpdf_silence_errors(p->q);
	qpdf_set_suppress_warnings(p->q, QPDF_TRUE);
	qpdf_set_attempt_recovery(p->q, QPDF_FALSE);
	if (qpdf_read_memory(p->q, p->name, (const char *)buf, (unsigned long long)len, NULL) &
	    QPDF_ERRORS) {
		err = ds_error_set(DS_EINVALID, "%s: damaged PDF: %s", p->name, ds_pdf__qpdf_reason(p));
		goto done;
	}
	if (qpdf_is_encrypted(p->q)) {
		err = ds_error_set(DS_EINVALID, "%s: encrypted PDF: a result to seal must not be encrypted",
				   p->name);
		goto done;
	}
	qpdf_oh tr = qpdf_get_trailer(p->q);
	qpdf_oh sz = qpdf_oh_get_key(p->q, tr, "/Size");
	if (!qpdf_oh_is_integer(p->q, sz) || qpdf_oh_get_int_value(p->q, sz) < 1) {
		err = ds_error_set(DS_EINVALID, "%s: damaged PDF: no /Size in the trailer", p->name);
		goto done;
	}
	p->size = qpdf_oh_get_int_value(p->q, sz);
	if (p->size > DS_PDF_OBJECTS_MAX) {
		err = ds_error_set(DS_ETOOBIG, "%s: more than %d objects", p->name, DS_PDF_OBJECTS_MAX);
		goto done;
	}
	if (!qpdf_oh_is_dictionary(p->q, qpdf_get_root(p->q))) {
		err = ds_error_set(DS_EINVALID, "%s: damaged PDF: no document catalog", p->name);
		goto done;
	}
	p->npages = qpdf_get_num_pages(p->q);
	if (p->npages <= 0 || qpdf_has_error(p->q)) {
		err = ds_error_set(DS_EINVALID, "%s: damaged PDF: %s", p->name,
				   p->npages == 0 ? "no pages" : ds_pdf__qpdf_reason(p));
		goto done;
	}
	if (p->npages > DS_PDF_PAGES_MAX) {
		err = ds_error_set(DS_ETOOBIG, "%s: more than %d pages", p->name, DS_PDF_PAGES_MAX);
		goto done;
	}
	if (strict && (qpdf_check_pdf(p->q) & QPDF_ERRORS)) {
		err = ds_error_set(DS_EINVALID, "%s: damaged PDF: %s", p->name, ds_pdf__qpdf_reason(p));
		goto done;
	}
	if (qpdf_more_warnings(p->q)) {
		err = ds_error_set(DS_EINVALID, "%s: damaged PDF: %s", p->name, ds_pdf__qpdf_reason(p));
		goto done;
	}
done:
	if (err < 0)
		ds_pdf__close(p);
	return err;
}

void ds_pdf__close(struct ds_pdf *p)
{
	if (p && p->q)
		qpdf_cleanup(&p->q);
}

static void copy_utf8(qpdf_data q, qpdf_oh o, char *out, size_t n)
{
	out[0] = '\0';
	if (!qpdf_oh_is_string(q, o))
		return;
	const char *s = qpdf_oh_get_utf8_value(q, o);
	if (s && snprintf(out, n, "%s", s) < 0)
		out[0] = '\0';
}

static void copy_name(qpdf_data q, qpdf_oh o, char *out, size_t n)
{
	out[0] = '\0';
	if (!qpdf_oh_is_name(q, o))
		return;
	const char *s = qpdf_oh_get_name(q, o);
	if (s && *s == '/')
		s++;
	if (s && snprintf(out, n, "%s", s) < 0)
		out[0] = '\0';
}

struct walk {
	struct ds_pdf *p;
	struct ds_pdf_sigref *out;
	size_t max, n, seen;
	int err;
};

static int read_sig(struct walk *w, qpdf_oh field, qpdf_oh v)
{
	qpdf_data q = w->p->q;
	if (w->n >= w->max)
		return ds_error_set(DS_ETOOBIG, "%s: more than %zu signatures", w->p->name, w->max);
	struct ds_pdf_sigref *s = &w->out[w->n];
	memset(s, 0, sizeof *s);
	copy_utf8(q, qpdf_oh_get_key(q, field, "/T"), s->field, sizeof s->field);
	copy_name(q, qpdf_oh_get_key(q, v, "/SubFilter"), s->subfilter, sizeof s->subfilter);
	copy_name(q, qpdf_oh_get_key(q, v, "/Type"), s->type, sizeof s->type);
	qpdf_oh m = qpdf_oh_get_key(q, v, "/M");
	if (qpdf_oh_is_string(q, m)) {
		const char *t = qpdf_oh_get_string_value(q, m);
		if (t && snprintf(s->m_time, sizeof s->m_time, "%s", t) < 0)
			s->m_time[0] = '\0';
	}
	qpdf_oh br = qpdf_oh_get_key(q, v, "/ByteRange");
	s->range_ok = qpdf_oh_is_array(q, br) && qpdf_oh_get_array_n_items(q, br) == 4;
	for (int i = 0; s->range_ok && i < 4; i++) {
		qpdf_oh x = qpdf_oh_get_array_item(q, br, i);
		if (!qpdf_oh_is_integer(q, x) || qpdf_oh_get_int_value(q, x) < 0)
			s->range_ok = 0;
		else
			s->range[i] = qpdf_oh_get_int_value(q, x);
	}
	qpdf_oh c = qpdf_oh_get_key(q, v, "/Contents");
	if (qpdf_oh_is_string(q, c)) {
		const char *d = qpdf_oh_get_string_value(q, c);
		size_t l = qpdf_get_last_string_length(q);
		if (l > DS_PADES_CONTENTS_MAX)
			return ds_error_set(DS_ETOOBIG, "%s: a /Contents larger than %u bytes",
					    w->p->name, DS_PADES_CONTENTS_MAX);
		s->owned = malloc(l ? l : 1);
		if (!s->owned)
			return ds_error_set(DS_ENOMEM, "out of memory");
		memcpy(s->owned, d, l);
		s->contents = s->owned;
		s->contents_len = l;
	}
	w->n++;
	return 0;
}

/* /FT is inheritable (ISO 32000-1 12.7.3.1): a parent's type reaches its kids. */
static int walk_fields(struct walk *w, qpdf_oh arr, int depth, int sig_type)
{
	qpdf_data q = w->p->q;
	if (depth > DS_PDF_FIELD_DEPTH_MAX)
		return ds_error_set(DS_ETOOBIG, "%s: form fields nested deeper than %d", w->p->name,
				    DS_PDF_FIELD_DEPTH_MAX);
	if (!qpdf_oh_is_array(q, arr))
		return 0;
	int n = qpdf_oh_get_array_n_items(q, arr);
	for (int i = 0; i < n; i++) {
		if (++w->seen > DS_PDF_FIELDS_MAX)
			return ds_error_set(DS_ETOOBIG, "%s: more than %d form fields", w->p->name,
					    DS_PDF_FIELDS_MAX);
		qpdf_oh f = qpdf_oh_get_array_item(q, arr, i);
		if (!qpdf_oh_is_dictionary(q, f))
			continue;
		qpdf_oh ft = qpdf_oh_get_key(q, f, "/FT");
		int is_sig = sig_type;
		if (qpdf_oh_is_name(q, ft))
			is_sig = strcmp(qpdf_oh_get_name(q, ft), "/Sig") == 0;
		qpdf_oh v = qpdf_oh_get_key(q, f, "/V");
		int err;
		if (is_sig && qpdf_oh_is_dictionary(q, v) && (err = read_sig(w, f, v)) < 0)
			return err;
		qpdf_oh kids = qpdf_oh_get_key(q, f, "/Kids");
		if (qpdf_oh_is_array(q, kids) && (err = walk_fields(w, kids, depth + 1, is_sig)) < 0)
			return err;
	}
	return 0;
}

int ds_pdf__signatures(struct ds_pdf *p, struct ds_pdf_sigref *out, size_t max, size_t *n)
{
	struct walk w = {.p = p, .out = out, .max = max};
	qpdf_oh af = qpdf_oh_get_key(p->q, qpdf_get_root(p->q), "/AcroForm");
	int err = 0;
	*n = 0;
	if (qpdf_oh_is_dictionary(p->q, af))
		err = walk_fields(&w, qpdf_oh_get_key(p->q, af, "/Fields"), 0, 0);
	if (err < 0) {
		ds_pdf__sigrefs_free(out, w.n);
		return err;
	}
	*n = w.n;
	return 0;
}

void ds_pdf__sigrefs_free(struct ds_pdf_sigref *s, size_t n)
{
	for (size_t i = 0; s && i < n; i++) {
		free(s[i].owned);
		s[i].owned = NULL;
	}
}

int ds_pdf__field_exists(struct ds_pdf *p, const char *t)
{
	qpdf_data q = p->q;
	qpdf_oh af = qpdf_oh_get_key(q, qpdf_get_root(q), "/AcroForm");
	if (!qpdf_oh_is_dictionary(q, af))
		return 0;
	qpdf_oh arr = qpdf_oh_get_key(q, af, "/Fields");
	int n = qpdf_oh_is_array(q, arr) ? qpdf_oh_get_array_n_items(q, arr) : 0;
	for (int i = 0; i < n && i < DS_PDF_FIELDS_MAX; i++) {
		qpdf_oh tt = qpdf_oh_get_key(q, qpdf_oh_get_array_item(q, arr, i), "/T");
		if (qpdf_oh_is_string(q, tt)) {
			const char *u = qpdf_oh_get_utf8_value(q, tt);
			if (u && strcmp(u, t) == 0)
				return 1;
		}
	}
	return 0;
}
