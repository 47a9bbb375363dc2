/* PAdES signing: one incremental update appended to the PDF's exact bytes
 * (ISO 32000-1 7.5.6). qpdf reads the file and serialises the few existing
 * objects that change (the page for its /Annots, the catalog or AcroForm for
 * the field); the update section — objects, cross-reference table or stream,
 * trailer — is written here, because qpdf writes whole files only. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "archive/pdf_int.h"
#include "dossier/clock.h"
#include "dossier/error.h"
#include "dossier/fs.h"

#define BYTERANGE_PLACEHOLDER "[0 0000000000 0000000000 0000000000]"
#define UPDATE_MAX (1024u * 1024u) /* bytes of one update besides the /Contents */
#define OBJS_MAX 8

struct sb {
	unsigned char *p;
	size_t len, cap, max;
	int err;
};

static void sb_put(struct sb *b, const void *d, size_t n)
{
	if (b->err)
		return;
	if (n > b->max - b->len) {
		b->err = ds_error_set(DS_ETOOBIG, "signed PDF would exceed %zu bytes", b->max);
		return;
	}
	if (b->len + n > b->cap) {
		size_t c = b->cap ? b->cap : 4096;
		while (c < b->len + n)
			c *= 2;
		unsigned char *np = realloc(b->p, c);
		if (!np) {
			b->err = ds_error_set(DS_ENOMEM, "out of memory");
			return;
		}
		b->p = np;
		b->cap = c;
	}
	memcpy(b->p + b->len, d, n);
	b->len += n;
}

static void sb_puts(struct sb *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

static void sb_printf(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sb *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof tmp) {
		if (!b->err)
			b->err = ds_error_set(DS_ERROR, "PDF text too long");
		return;
	}
	sb_put(b, tmp, (size_t)n);
}

/* A PDF text string: literal when plain ASCII, else UTF-16BE with a BOM. */
static void put_text(struct sb *b, const char *utf8)
{
	const unsigned char *s = (const unsigned char *)utf8;
	int ascii = 1;
	for (const unsigned char *c = s; *c; c++)
		if (*c < 0x20 || *c > 0x7e)
			ascii = 0;
	if (ascii) {
		sb_puts(b, "(");
		for (const unsigned char *c = s; *c; c++) {
			if (*c == '(' || *c == ')' || *c == '\\')
				sb_puts(b, "\\");
			sb_put(b, c, 1);
		}
		sb_puts(b, ")");
		return;
	}
	sb_puts(b, "<FEFF");
	for (size_t i = 0; s[i];) {
		uint32_t cp = 0xfffd;
		size_t k = s[i] < 0x80 ? 1 : (s[i] >> 5) == 6 ? 2 : (s[i] >> 4) == 14 ? 3
				 : (s[i] >> 3) == 30 ? 4 : 0;
		if (k == 1) {
			cp = s[i];
		} else if (k > 1) {
			cp = s[i] & (0x7f >> k);
			for (size_t j = 1; j < k; j++) {
				if ((s[i + j] & 0xc0) != 0x80) {
					cp = 0xfffd;
					k = j;
					break;
				}
				cp = (cp << 6) | (s[i + j] & 0x3f);
			}
		} else {
			k = 1;
		}
		i += k;
		if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			cp = 0xfffd;
		if (cp >= 0x10000) {
			cp -= 0x10000;
			sb_printf(b, "%04X%04X", 0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
		} else {
			sb_printf(b, "%04X", cp);
		}
	}
	sb_puts(b, ">");
}

/* qpdf's text for an object (indirect ones as "N G R"), copied at once:
 * the C API's buffer is reused by its next call. */
static void put_oh(struct sb *b, qpdf_data q, qpdf_oh o)
{
	const char *t = qpdf_oh_unparse(q, o);
	if (!t || qpdf_has_error(q)) {
		if (!b->err)
			b->err = ds_error_set(DS_EINVALID, "an object qpdf cannot write back");
		return;
	}
	sb_puts(b, t);
}

/* The keys of `d` but those in `skip`, as " /Key value" pairs. */
static void put_keys(struct sb *b, qpdf_data q, qpdf_oh d, const char *const *skip)
{
	char keys[64][128];
	size_t n = 0;
	qpdf_oh_begin_dict_key_iter(q, d);
	while (qpdf_oh_dict_more_keys(q)) {
		const char *k = qpdf_oh_dict_next_key(q);
		int skipped = 0;
		for (size_t i = 0; skip && skip[i]; i++)
			if (strcmp(k, skip[i]) == 0)
				skipped = 1;
		if (skipped)
			continue;
		if (n >= 64 || strlen(k) >= sizeof keys[0]) {
			if (!b->err)
				b->err = ds_error_set(DS_ETOOBIG, "a dictionary with too many or too long keys");
			return;
		}
		memcpy(keys[n++], k, strlen(k) + 1);
	}
	for (size_t i = 0; i < n; i++) {
		sb_puts(b, " ");
		put_oh(b, q, qpdf_oh_new_name(q, keys[i]));
		sb_puts(b, " ");
		put_oh(b, q, qpdf_oh_get_key(q, d, keys[i]));
	}
}

/* "[items… N 0 R]" from an array or nothing. */
static void put_array_plus(struct sb *b, qpdf_data q, qpdf_oh arr, long long num)
{
	sb_puts(b, "[");
	int n = qpdf_oh_is_array(q, arr) ? qpdf_oh_get_array_n_items(q, arr) : 0;
	for (int i = 0; i < n; i++) {
		put_oh(b, q, qpdf_oh_get_array_item(q, arr, i));
		sb_puts(b, " ");
	}
	sb_printf(b, "%lld 0 R]", num);
}

struct obj {
	long long num;
	int gen;
	size_t off;
};

struct upd {
	struct sb b;
	struct obj objs[OBJS_MAX];
	size_t nobjs;
};

static int obj_begin(struct upd *u, long long num, int gen)
{
	for (size_t i = 0; i < u->nobjs; i++)
		if (u->objs[i].num == num)
			return ds_error_set(DS_EUNSUPPORTED,
					    "object %lld would change twice (shared page and form arrays)",
					    num);
	if (u->nobjs >= OBJS_MAX)
		return ds_error_set(DS_ERROR, "too many objects in one update");
	u->objs[u->nobjs++] = (struct obj){num, gen, u->b.len};
	sb_printf(&u->b, "%lld %d obj\n", num, gen);
	return 0;
}

static void obj_end(struct upd *u)
{
	sb_puts(&u->b, "\nendobj\n");
}

static int cmp_obj(const void *a, const void *b)
{
	const struct obj *x = a, *y = b;
	return (x->num > y->num) - (x->num < y->num);
}

/* Refuses a document certified with no changes allowed (DocMDP P=1,
 * ISO 32000-1 12.8.2.2): a signature added to it would break it. */
static int check_docmdp(struct ds_pdf *p)
{
	qpdf_data q = p->q;
	qpdf_oh perms = qpdf_oh_get_key(q, qpdf_get_root(q), "/Perms");
	qpdf_oh sig = qpdf_oh_get_key(q, perms, "/DocMDP");
	if (!qpdf_oh_is_dictionary(q, sig))
		return 0;
	qpdf_oh refs = qpdf_oh_get_key(q, sig, "/Reference");
	int n = qpdf_oh_is_array(q, refs) ? qpdf_oh_get_array_n_items(q, refs) : 0;
	for (int i = 0; i < n && i < 16; i++) {
		qpdf_oh tp = qpdf_oh_get_key(q, qpdf_oh_get_array_item(q, refs, i), "/TransformParams");
		qpdf_oh pv = qpdf_oh_get_key(q, tp, "/P");
		if (qpdf_oh_is_integer(q, pv) && qpdf_oh_get_int_value(q, pv) == 1)
			return ds_error_set(DS_EPERM,
					    "%s: certified PDF that allows no changes (DocMDP P=1)",
					    p->name);
	}
	return 0;
}

static void put_trailer_keys(struct upd *u, qpdf_data q, long long size, const struct ds_pdf *p)
{
	qpdf_oh tr = qpdf_get_trailer(q);
	qpdf_oh root = qpdf_get_root(q);
	sb_printf(&u->b, " /Size %lld /Root %d %d R", size, qpdf_oh_get_object_id(q, root),
		  qpdf_oh_get_generation(q, root));
	qpdf_oh info = qpdf_oh_get_key(q, tr, "/Info");
	if (qpdf_oh_is_indirect(q, info) && qpdf_oh_is_dictionary(q, info))
		sb_printf(&u->b, " /Info %d %d R", qpdf_oh_get_object_id(q, info),
			  qpdf_oh_get_generation(q, info));
	qpdf_oh id = qpdf_oh_get_key(q, tr, "/ID");
	if (qpdf_oh_is_array(q, id)) {
		sb_puts(&u->b, " /ID ");
		put_oh(&u->b, q, id);
	}
	sb_printf(&u->b, " /Prev %llu", (unsigned long long)p->startxref);
}

/* The cross-reference section of the update, of the kind the file's last
 * one is (a reader of an xref-stream file may not expect a table). */
static int put_xref(struct upd *u, struct ds_pdf *p, long long next)
{
	qpdf_data q = p->q;
	long long size = p->size;
	size_t xoff = 0;
	if (p->xref_stream) {
		long long xnum = next++;
		xoff = u->b.len;
		if (u->nobjs >= OBJS_MAX)
			return ds_error_set(DS_ERROR, "too many objects in one update");
		u->objs[u->nobjs++] = (struct obj){xnum, 0, xoff};
	}
	qsort(u->objs, u->nobjs, sizeof u->objs[0], cmp_obj);
	for (size_t i = 0; i < u->nobjs; i++)
		if (u->objs[i].num + 1 > size)
			size = u->objs[i].num + 1;
	if (!p->xref_stream) {
		xoff = u->b.len;
		sb_puts(&u->b, "xref\n");
		for (size_t i = 0; i < u->nobjs;) {
			size_t j = i + 1;
			while (j < u->nobjs && u->objs[j].num == u->objs[j - 1].num + 1)
				j++;
			sb_printf(&u->b, "%lld %zu\n", u->objs[i].num, j - i);
			for (; i < j; i++)
				sb_printf(&u->b, "%010zu %05d n\r\n", u->objs[i].off, u->objs[i].gen);
		}
		sb_puts(&u->b, "trailer\n<<");
		put_trailer_keys(u, q, size, p);
		sb_puts(&u->b, " >>\n");
	} else {
		unsigned char rows[OBJS_MAX * 7];
		size_t r = 0;
		for (size_t i = 0; i < u->nobjs; i++) {
			uint64_t o = u->objs[i].off;
			if (o > 0xffffffffu)
				return ds_error_set(DS_ETOOBIG, "offset beyond 4 GiB");
			rows[r++] = 1;
			rows[r++] = (unsigned char)(o >> 24);
			rows[r++] = (unsigned char)(o >> 16);
			rows[r++] = (unsigned char)(o >> 8);
			rows[r++] = (unsigned char)o;
			rows[r++] = (unsigned char)(u->objs[i].gen >> 8);
			rows[r++] = (unsigned char)u->objs[i].gen;
		}
		sb_printf(&u->b, "%lld 0 obj\n<< /Type /XRef /W [1 4 2] /Index [", next - 1);
		for (size_t i = 0; i < u->nobjs;) {
			size_t j = i + 1;
			while (j < u->nobjs && u->objs[j].num == u->objs[j - 1].num + 1)
				j++;
			sb_printf(&u->b, "%s%lld %zu", i ? " " : "", u->objs[i].num, j - i);
			i = j;
		}
		sb_puts(&u->b, "]");
		put_trailer_keys(u, q, size, p);
		sb_printf(&u->b, " /Length %zu >>\nstream\n", r);
		sb_put(&u->b, rows, r);
		sb_puts(&u->b, "\nendstream\nendobj\n");
	}
	sb_printf(&u->b, "startxref\n%zu\n%%%%EOF\n", xoff);
	return u->b.err;
}

/* "D:20261206101634+07'00'" */
static int pdf_date(int64_t t, int off, char *out, size_t n)
{
	struct tm tm;
	time_t tt = (time_t)(t + off);
	int a = off < 0 ? -off : off;
	if (!gmtime_r(&tt, &tm))
		return ds_error_set(DS_EINVALID, "signing time out of range");
	int k = snprintf(out, n, "D:%04d%02d%02d%02d%02d%02d%c%02d'%02d'", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			 off < 0 ? '-' : '+', a / 3600, (a / 60) % 60);
	if (k < 0 || (size_t)k >= n)
		return ds_error_set(DS_ERROR, "date too long");
	return 0;
}

static const char hexd[] = "0123456789ABCDEF";

/* Bytes reserved for the CMS: the certificates, a time-stamp token with
 * its TSA's certificate, and room to spare; checked after signing. */
static size_t reserve_for(const struct ds_pades_opts *o)
{
	return o->sign.level >= DS_CADES_B_T ? 24u * 1024u : 12u * 1024u;
}

/* The page, catalog, AcroForm and Fields objects that change, in the
 * simplest form that keeps every other key as it was. */
static int write_objects(struct upd *u, struct ds_pdf *p, long long w, long long sig, long long *next,
			 const char *field, const char *m, const struct ds_pades_opts *o,
			 size_t *br_off, size_t *c_off, size_t reserve)
{
	qpdf_data q = p->q;
	int err;
	qpdf_oh root = qpdf_get_root(q);
	qpdf_oh page = qpdf_get_page_n(q, (size_t)(p->npages - 1));
	int pnum = qpdf_oh_get_object_id(q, page), pgen = qpdf_oh_get_generation(q, page);
	if (pnum <= 0)
		return ds_error_set(DS_EINVALID, "%s: the last page is not an indirect object", p->name);

	/* the field and its widget, merged (ISO 32000-1 12.7.3.1) */
	if ((err = obj_begin(u, w, 0)) < 0)
		return err;
	sb_puts(&u->b, "<< /Type /Annot /Subtype /Widget /FT /Sig /F 132 /T ");
	put_text(&u->b, field);
	sb_printf(&u->b, " /V %lld 0 R /P %d %d R /Rect [0 0 0 0] >>", sig, pnum, pgen);
	obj_end(u);

	if ((err = obj_begin(u, sig, 0)) < 0)
		return err;
	sb_printf(&u->b, "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /M (%s)",
		  m);
	if (o->name && *o->name) {
		sb_puts(&u->b, " /Name ");
		put_text(&u->b, o->name);
	}
	if (o->reason && *o->reason) {
		sb_puts(&u->b, " /Reason ");
		put_text(&u->b, o->reason);
	}
	if (o->location && *o->location) {
		sb_puts(&u->b, " /Location ");
		put_text(&u->b, o->location);
	}
	sb_puts(&u->b, " /ByteRange ");
	*br_off = u->b.len;
	sb_puts(&u->b, BYTERANGE_PLACEHOLDER " /Contents ");
	*c_off = u->b.len;
	sb_puts(&u->b, "<");
	for (size_t i = 0; i < reserve && !u->b.err; i += 64)
		sb_puts(&u->b, "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000");
	sb_puts(&u->b, "> >>");
	obj_end(u);

	/* the widget on the last page */
	qpdf_oh annots = qpdf_oh_get_key(q, page, "/Annots");
	if (qpdf_oh_is_indirect(q, annots) && qpdf_oh_is_array(q, annots)) {
		if ((err = obj_begin(u, qpdf_oh_get_object_id(q, annots),
				     qpdf_oh_get_generation(q, annots))) < 0)
			return err;
		put_array_plus(&u->b, q, annots, w);
	} else {
		static const char *const skip[] = {"/Annots", NULL};
		if ((err = obj_begin(u, pnum, pgen)) < 0)
			return err;
		sb_puts(&u->b, "<<");
		put_keys(&u->b, q, page, skip);
		sb_puts(&u->b, " /Annots ");
		put_array_plus(&u->b, q, annots, w);
		sb_puts(&u->b, " >>");
	}
	obj_end(u);

	/* the field in the AcroForm; SigFlags 3: signatures exist, append only */
	static const char *const af_skip[] = {"/Fields", "/SigFlags", NULL};
	static const char *const root_skip[] = {"/AcroForm", NULL};
	qpdf_oh af = qpdf_oh_get_key(q, root, "/AcroForm");
	if (!qpdf_oh_is_dictionary(q, af)) {
		long long a = (*next)++;
		if ((err = obj_begin(u, qpdf_oh_get_object_id(q, root),
				     qpdf_oh_get_generation(q, root))) < 0)
			return err;
		sb_puts(&u->b, "<<");
		put_keys(&u->b, q, root, root_skip);
		sb_printf(&u->b, " /AcroForm %lld 0 R >>", a);
		obj_end(u);
		if ((err = obj_begin(u, a, 0)) < 0)
			return err;
		sb_printf(&u->b, "<< /Fields [%lld 0 R] /SigFlags 3 >>", w);
		obj_end(u);
		return u->b.err;
	}
	qpdf_oh fields = qpdf_oh_get_key(q, af, "/Fields");
	int fields_ind = qpdf_oh_is_indirect(q, fields) && qpdf_oh_is_array(q, fields);
	if (fields_ind) {
		if ((err = obj_begin(u, qpdf_oh_get_object_id(q, fields),
				     qpdf_oh_get_generation(q, fields))) < 0)
			return err;
		put_array_plus(&u->b, q, fields, w);
		obj_end(u);
	}
	qpdf_oh flags = qpdf_oh_get_key(q, af, "/SigFlags");
	long long sf = qpdf_oh_is_integer(q, flags) ? qpdf_oh_get_int_value(q, flags) : 0;
	int af_ind = qpdf_oh_is_indirect(q, af);
	if (af_ind) {
		if ((err = obj_begin(u, qpdf_oh_get_object_id(q, af), qpdf_oh_get_generation(q, af))) < 0)
			return err;
	} else {
		if ((err = obj_begin(u, qpdf_oh_get_object_id(q, root),
				     qpdf_oh_get_generation(q, root))) < 0)
			return err;
		sb_puts(&u->b, "<<");
		put_keys(&u->b, q, root, root_skip);
		sb_puts(&u->b, " /AcroForm");
	}
	sb_puts(&u->b, af_ind ? "<<" : " <<");
	put_keys(&u->b, q, af, af_skip);
	if (fields_ind) {
		sb_printf(&u->b, " /Fields %d %d R", qpdf_oh_get_object_id(q, fields),
			  qpdf_oh_get_generation(q, fields));
	} else {
		sb_puts(&u->b, " /Fields ");
		put_array_plus(&u->b, q, fields, w);
	}
	sb_printf(&u->b, " /SigFlags %lld >>", sf | 3);
	if (!af_ind)
		sb_puts(&u->b, " >>");
	obj_end(u);
	return u->b.err;
}

/* Reads back what was written: qpdf opens it without a warning and finds
 * the new field with the byte range and the CMS that were put there. */
static int check_written(const char *name, const unsigned char *buf, size_t len, const char *field,
			 const long long range[4], const unsigned char *cms, size_t cms_len)
{
	struct ds_pdf p;
	struct ds_pdf_sigref sigs[DS_PADES_SIGS_MAX];
	size_t n = 0;
	int err, found = 0;
	if ((err = ds_pdf__open(&p, name, buf, len, 0)) < 0)
		return ds_error_set(DS_ERROR, "the signed PDF does not read back: %s", ds_error_last());
	if ((err = ds_pdf__signatures(&p, sigs, DS_PADES_SIGS_MAX, &n)) < 0)
		goto done;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(sigs[i].field, field) != 0)
			continue;
		found = sigs[i].range_ok && memcmp(sigs[i].range, range, sizeof sigs[i].range) == 0 &&
			sigs[i].contents_len >= cms_len && memcmp(sigs[i].contents, cms, cms_len) == 0;
	}
	if (!found)
		err = ds_error_set(DS_ERROR, "%s: the signature just written does not read back", name);
done:
	ds_pdf__sigrefs_free(sigs, n);
	ds_pdf__close(&p);
	return err;
}

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int ds_pades_sign(ds_signer *s, const char *name, const unsigned char *pdf, size_t len,
		  const struct ds_pades_opts *o, unsigned char **out, size_t *out_len)
{
	struct ds_pdf p;
	struct upd u;
	unsigned char *cms = NULL;
	size_t cms_len = 0, br_off = 0, c_off = 0;
	char field[120], m[40];
	EVP_MD_CTX *md = NULL;
	int err;

	struct ds_pades_timing tm = {0};
	int64_t t0 = mono_ns(), t1;
	memset(&u, 0, sizeof u);
	*out = NULL;
	*out_len = 0;
	if (!name)
		name = "PDF";
	if (!o)
		return ds_error_set(DS_EINVALID, "no PAdES options");
	if (o->sign.level != DS_CADES_B_B && o->sign.level != DS_CADES_B_T)
		return ds_error_set(DS_EUNSUPPORTED, "PAdES B-LT and B-LTA are not implemented");
	if ((err = ds_pdf__open(&p, name, pdf, len, 1)) < 0)
		return err;
	if ((err = check_docmdp(&p)) < 0)
		goto done;

	const char *base = o->field_name && *o->field_name ? o->field_name : "Signature";
	if ((err = ds_fmt(field, sizeof field, "%s", base)) < 0)
		goto done;
	for (int i = 2; ds_pdf__field_exists(&p, field); i++)
		if (i > 99 || (err = ds_fmt(field, sizeof field, "%s %d", base, i)) < 0) {
			err = err < 0 ? err : ds_error_set(DS_EEXISTS, "%s: too many fields named %s", name, base);
			goto done;
		}
	int64_t when = o->sign.signing_time ? o->sign.signing_time : ds_now();
	if ((err = pdf_date(when, o->utc_offset, m, sizeof m)) < 0)
		goto done;

	t1 = mono_ns();
	tm.parse_ns = t1 - t0;
	t0 = t1;
	size_t reserve = reserve_for(o);
	u.b.max = len + UPDATE_MAX + 2 * reserve;
	sb_put(&u.b, pdf, len);
	if (len && pdf[len - 1] != '\n' && pdf[len - 1] != '\r')
		sb_puts(&u.b, "\n");
	long long next = p.size;
	long long w = next++, sig = next++;
	if ((err = write_objects(&u, &p, w, sig, &next, field, m, o, &br_off, &c_off, reserve)) < 0)
		goto done;
	if ((err = put_xref(&u, &p, next)) < 0)
		goto done;

	/* the byte range: everything but the /Contents hex string */
	size_t c_end = c_off + 2 * reserve + 2;
	long long range[4] = {0, (long long)c_off, (long long)c_end, (long long)(u.b.len - c_end)};
	char br[sizeof BYTERANGE_PLACEHOLDER];
	int k = snprintf(br, sizeof br, "[0 %lld %lld %lld", range[1], range[2], range[3]);
	if (k < 0 || (size_t)k + 1 >= sizeof br) {
		err = ds_error_set(DS_ETOOBIG, "%s: byte range does not fit", name);
		goto done;
	}
	memset(br + k, ' ', sizeof br - 1 - (size_t)k);
	br[sizeof br - 2] = ']';
	memcpy(u.b.p + br_off, br, sizeof br - 1);

	unsigned char digest[32];
	t1 = mono_ns();
	tm.write_ns = t1 - t0;
	t0 = t1;
	md = EVP_MD_CTX_new();
	if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL) ||
	    !EVP_DigestUpdate(md, u.b.p, c_off) ||
	    !EVP_DigestUpdate(md, u.b.p + c_end, u.b.len - c_end) ||
	    !EVP_DigestFinal_ex(md, digest, NULL)) {
		err = ds_error_set_openssl(DS_ECRYPTO, "SHA-256 of the byte range");
		goto done;
	}
	t1 = mono_ns();
	tm.hash_ns = t1 - t0;
	t0 = t1;
	if ((err = ds_pades_cms_sign(s, digest, &o->sign, &cms, &cms_len)) < 0)
		goto done;
	t1 = mono_ns();
	tm.cms_ns = t1 - t0;
	t0 = t1;
	if (cms_len > reserve) {
		err = ds_error_set(DS_ETOOBIG, "%s: the signature needs %zu bytes, %zu reserved", name,
				   cms_len, reserve);
		goto done;
	}
	for (size_t i = 0; i < cms_len; i++) {
		u.b.p[c_off + 1 + 2 * i] = (unsigned char)hexd[cms[i] >> 4];
		u.b.p[c_off + 2 + 2 * i] = (unsigned char)hexd[cms[i] & 15];
	}
	t1 = mono_ns();
	tm.write_ns += t1 - t0;
	t0 = t1;
	if ((err = check_written(name, u.b.p, u.b.len, field, range, cms, cms_len)) < 0)
		goto done;
	tm.check_ns = mono_ns() - t0;
	if (o->timing)
		*o->timing = tm;
	*out = u.b.p;
	*out_len = u.b.len;
	u.b.p = NULL; /* transferred */
done:
	if (!err && u.b.err)
		err = u.b.err;
	EVP_MD_CTX_free(md);
	free(cms);
	free(u.b.p);
	ds_pdf__close(&p);
	return err;
}
