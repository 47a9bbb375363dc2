/* Verifying the signatures of a PDF: the shape of each /ByteRange against
 * the bytes, the CMS through the CAdES verifier (chain, validity,
 * revocation, time-stamp), and that nothing follows the last signature. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>

#include "archive/pdf_int.h"
#include "dossier/clock.h"
#include "dossier/error.h"

static void add_check(struct ds_cades_report *r, const char *name, const char *outcome,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void add_check(struct ds_cades_report *r, const char *name, const char *outcome,
		      const char *fmt, ...)
{
	if (r->nchecks >= DS_CHECKS_MAX)
		return;
	struct ds_check *c = &r->checks[r->nchecks++];
	if (snprintf(c->name, sizeof c->name, "%s", name) < 0)
		c->name[0] = '\0';
	if (snprintf(c->outcome, sizeof c->outcome, "%s", outcome) < 0)
		c->outcome[0] = '\0';
	va_list ap;
	va_start(ap, fmt);
	if (vsnprintf(c->detail, sizeof c->detail, fmt, ap) < 0)
		c->detail[0] = '\0';
	va_end(ap);
}

/* A constant text into a fixed field (it always fits). */
static void setstr(char *dst, size_t n, const char *src)
{
	size_t k = strlen(src);
	if (k >= n)
		k = n - 1;
	memcpy(dst, src, k);
	dst[k] = '\0';
}

static int rank(enum ds_indication i)
{
	return i == DS_TOTAL_FAILED ? 2 : i == DS_INDETERMINATE ? 1 : 0;
}

static void worse(enum ds_indication *ind, char *sub, size_t n, enum ds_indication i,
		  const char *s)
{
	if (rank(i) > rank(*ind)) {
		*ind = i;
		if (snprintf(sub, n, "%s", s) < 0)
			sub[0] = '\0';
	}
}

static int hexval(unsigned char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The DER length of the CMS at the start of `c`, the rest being padding. */
static int der_length(const unsigned char *c, size_t n, size_t *out)
{
	size_t len, hdr;
	if (n < 2 || c[0] != 0x30)
		return -1;
	if (c[1] < 0x80) {
		len = c[1];
		hdr = 2;
	} else {
		size_t k = c[1] & 0x7f;
		if (k == 0 || k > 3 || n < 2 + k)
			return -1;
		len = 0;
		for (size_t i = 0; i < k; i++)
			len = (len << 8) | c[2 + i];
		hdr = 2 + k;
	}
	if (len > n - hdr)
		return -1;
	for (size_t i = hdr + len; i < n; i++)
		if (c[i] != 0)
			return -1;
	*out = hdr + len;
	return 0;
}

/* /ByteRange [0 a b c]: the gap [a, b) is exactly the "<hex>" string qpdf
 * read as this dictionary's /Contents, and a+…+c ends a revision. */
static int check_range(const struct ds_pdf *p, const struct ds_pdf_sigref *s, char *why,
		       size_t n)
{
	const unsigned char *b = p->buf;
	long long a = s->range[1], c = s->range[2], d = s->range[3];
	if (!s->range_ok || s->range[0] != 0 || a <= 0 || c <= a + 1 ||
	    (unsigned long long)c > p->len || (unsigned long long)d > p->len - (size_t)c) {
		setstr(why, n, "/ByteRange is not [0 a b c] inside the file");
		return -1;
	}
	if (b[a] != '<' || b[c - 1] != '>' || (c - a - 2) % 2 != 0) {
		setstr(why, n, "the gap of /ByteRange is not a hex string");
		return -1;
	}
	size_t hex = (size_t)(c - a - 2);
	if (hex / 2 != s->contents_len) {
		setstr(why, n, "the gap of /ByteRange is not this signature's /Contents");
		return -1;
	}
	for (size_t i = 0; i < hex; i += 2) {
		int hi = hexval(b[a + 1 + (long long)i]), lo = hexval(b[a + 2 + (long long)i]);
		if (hi < 0 || lo < 0 || s->contents[i / 2] != (unsigned char)(hi << 4 | lo)) {
			setstr(why, n, "the gap of /ByteRange is not this signature's /Contents");
			return -1;
		}
	}
	size_t end = (size_t)(c + d), e = end;
	while (e > 0 && (b[e - 1] == '\n' || b[e - 1] == '\r') && end - e < 2)
		e--;
	if (e < 5 || memcmp(b + e - 5, "%%EOF", 5) != 0) {
		setstr(why, n, "/ByteRange does not end at the end of a revision");
		return -1;
	}
	return 0;
}

/* "D:YYYYMMDDHHmmSS+07'00'" (ISO 32000-1 7.9.4) to Unix seconds. */
static int64_t pdf_time(const char *m)
{
	int v[6] = {0, 1, 1, 0, 0, 0}, w[6] = {4, 2, 2, 2, 2, 2};
	const char *s = m;
	if (strncmp(s, "D:", 2) == 0)
		s += 2;
	for (int i = 0; i < 6; i++) {
		if (!(*s >= '0' && *s <= '9'))
			break;
		int x = 0;
		for (int k = 0; k < w[i]; k++, s++) {
			if (!(*s >= '0' && *s <= '9'))
				return 0;
			x = x * 10 + (*s - '0');
		}
		v[i] = x;
	}
	int off = 0;
	if (*s == '+' || *s == '-') {
		int sign = *s == '+' ? 1 : -1, hh = 0, mm = 0;
		s++;
		if (s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9') {
			hh = (s[0] - '0') * 10 + (s[1] - '0');
			s += 2;
			if (*s == '\'')
				s++;
			if (s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9')
				mm = (s[0] - '0') * 10 + (s[1] - '0');
		}
		off = sign * (hh * 3600 + mm * 60);
	}
	if (v[0] < 1970 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 ||
	    v[4] > 59 || v[5] > 60)
		return 0;
	int64_t days = ds_days_from_civil(v[0], (unsigned)v[1], (unsigned)v[2]);
	return days * 86400 + v[3] * 3600 + v[4] * 60 + v[5] - off;
}

static int has_signing_time(const unsigned char *der, size_t len)
{
	const unsigned char *q = der;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &q, (long)len);
	int r = 0;
	STACK_OF(CMS_SignerInfo) *sis = cms ? CMS_get0_SignerInfos(cms) : NULL;
	for (int i = 0; sis && i < sk_CMS_SignerInfo_num(sis); i++)
		if (CMS_signed_get_attr_by_NID(sk_CMS_SignerInfo_value(sis, i), NID_pkcs9_signingTime,
					       -1) >= 0)
			r = 1;
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return r;
}

static int verify_one(struct ds_pdf *p, const struct ds_pdf_sigref *ref,
		      const struct ds_verify_opts *opts, struct ds_pades_sig *out)
{
	struct ds_cades_report *r = &out->cades;
	char why[160] = "";
	unsigned char *data = NULL;
	size_t cms_len = 0;
	int err = 0;

	memset(r, 0, sizeof *r);
	if (check_range(p, ref, why, sizeof why) < 0) {
		r->indication = DS_TOTAL_FAILED;
		setstr(r->sub_indication, sizeof r->sub_indication, "FORMAT_FAILURE");
		add_check(r, "byte_range", "FAILED", "%s", why);
		return 0;
	}
	int cades = strcmp(ref->subfilter, "ETSI.CAdES.detached") == 0;
	if (!cades && strcmp(ref->subfilter, "adbe.pkcs7.detached") != 0) {
		int stamp = strcmp(ref->subfilter, "ETSI.RFC3161") == 0;
		r->indication = stamp ? DS_INDETERMINATE : DS_TOTAL_FAILED;
		setstr(r->sub_indication, sizeof r->sub_indication, "FORMAT_FAILURE");
		add_check(r, "subfilter", stamp ? "NOT_CHECKED" : "FAILED", "/SubFilter /%s %s",
			  ref->subfilter[0] ? ref->subfilter : "(none)",
			  stamp ? "(document time-stamps are not verified yet)" : "is not supported");
		return 0;
	}
	if (der_length(ref->contents, ref->contents_len, &cms_len) < 0) {
		r->indication = DS_TOTAL_FAILED;
		setstr(r->sub_indication, sizeof r->sub_indication, "FORMAT_FAILURE");
		add_check(r, "format", "FAILED", "/Contents is not one DER CMS followed by zeros");
		return 0;
	}
	size_t a = (size_t)ref->range[1], c = (size_t)ref->range[2], d = (size_t)ref->range[3];
	data = malloc(a + d ? a + d : 1);
	if (!data)
		return ds_error_set(DS_ENOMEM, "out of memory");
	memcpy(data, p->buf, a);
	memcpy(data + a, p->buf + c, d);
	struct ds_verify_opts vo = *opts;
	vo.claimed_time = 0;
	if (cades || !has_signing_time(ref->contents, cms_len)) {
		vo.claimed_time = pdf_time(ref->m_time);
		if (vo.claimed_time == 0) {
			r->indication = DS_TOTAL_FAILED;
			setstr(r->sub_indication, sizeof r->sub_indication, "FORMAT_FAILURE");
			add_check(r, "signing_time", "FAILED", "no signing time (/M missing or malformed)");
			goto done;
		}
	}
	if ((err = ds_cades_verify(ref->contents, cms_len, data, a + d, &vo, r)) < 0)
		goto done;
	add_check(r, "byte_range", "PASSED", "[0 %zu %zu %zu]: all but /Contents of revision end %zu",
		  a, c, d, c + d);
	add_check(r, "subfilter", "PASSED", "/%s", ref->subfilter);
	/* the fields dossier writes name their role: the seal's certificate must
	 * be of the department seal profile, the approver's personal (pki.h) */
	int is_seal = strcmp(ref->field, "Seal") == 0, is_appr = strcmp(ref->field, "Approver") == 0;
	if ((is_seal || is_appr) && r->indication == DS_TOTAL_PASSED && r->anchor_sha256[0]) {
		const char *what = is_seal ? "seal_profile" : "approver_profile";
		if (is_seal ? r->fits_seal : r->fits_approver) {
			add_check(r, what, "PASSED", "%s certificate", is_seal ? "department seal"
										: "personal (approver)");
		} else {
			add_check(r, what, "FAILED", "field %s signed with a certificate that is not a %s certificate: missing %s",
				  ref->field, is_seal ? "department seal" : "personal (approver)",
				  is_seal ? r->seal_missing : r->approver_missing);
			r->indication = DS_INDETERMINATE;
			setstr(r->sub_indication, sizeof r->sub_indication, "SIG_CONSTRAINTS_FAILURE");
		}
	}
done:
	free(data);
	return err;
}

static int cmp_end(const void *x, const void *y)
{
	const struct ds_pdf_sigref *a = x, *b = y;
	long long ea = a->range_ok ? a->range[2] + a->range[3] : 0;
	long long eb = b->range_ok ? b->range[2] + b->range[3] : 0;
	return (ea > eb) - (ea < eb);
}

int ds_pades_verify(const char *name, const unsigned char *pdf, size_t len,
		    const struct ds_verify_opts *opts, struct ds_pades_report **out)
{
	struct ds_pdf p;
	struct ds_pdf_sigref refs[DS_PADES_SIGS_MAX];
	struct ds_pades_report *r = NULL;
	static const struct ds_verify_opts defaults = {0};
	size_t n = 0;
	int err;

	*out = NULL;
	if (!opts)
		opts = &defaults;
	if ((err = ds_pdf__open(&p, name, pdf, len, 0)) < 0)
		return err;
	if ((err = ds_pdf__signatures(&p, refs, DS_PADES_SIGS_MAX, &n)) < 0)
		goto done;
	r = calloc(1, sizeof *r);
	if (!r) {
		err = ds_error_set(DS_ENOMEM, "out of memory");
		goto done;
	}
	r->indication = DS_TOTAL_PASSED;
	if (n == 0) {
		r->indication = DS_INDETERMINATE;
		setstr(r->sub_indication, sizeof r->sub_indication, "SIGNED_DATA_NOT_FOUND");
		setstr(r->problem, sizeof r->problem, "the PDF has no signature");
		goto done;
	}
	qsort(refs, n, sizeof refs[0], cmp_end);
	for (size_t i = 0; i < n; i++) {
		struct ds_pades_sig *s = &r->sigs[i];
		memcpy(s->field, refs[i].field, sizeof s->field);
		memcpy(s->subfilter, refs[i].subfilter, sizeof s->subfilter);
		memcpy(s->m_time, refs[i].m_time, sizeof s->m_time);
		for (int k = 0; k < 4; k++)
			s->range[k] = refs[i].range_ok ? (uint64_t)refs[i].range[k] : 0;
		if ((err = verify_one(&p, &refs[i], opts, s)) < 0)
			goto done;
		s->whole_file = refs[i].range_ok && s->cades.indication != DS_TOTAL_FAILED &&
				(uint64_t)(refs[i].range[2] + refs[i].range[3]) == len;
		r->nsigs = i + 1;
		worse(&r->indication, r->sub_indication, sizeof r->sub_indication,
		      s->cades.indication, s->cades.sub_indication);
	}
	/* the last signature covers the file: an update after it (an object
	 * appended, a page changed) is not signed by anyone */
	struct ds_pades_sig *last = &r->sigs[n - 1];
	if (!last->whole_file && last->cades.indication != DS_TOTAL_FAILED) {
		uint64_t end = last->range[2] + last->range[3];
		if (snprintf(r->problem, sizeof r->problem,
			     "%llu bytes after the last signature's revision are not signed",
			     (unsigned long long)(len - end)) < 0)
			r->problem[0] = '\0';
		add_check(&last->cades, "coverage", "FAILED", "%s", r->problem);
		worse(&last->cades.indication, last->cades.sub_indication,
		      sizeof last->cades.sub_indication, DS_TOTAL_FAILED, "FORMAT_FAILURE");
		worse(&r->indication, r->sub_indication, sizeof r->sub_indication, DS_TOTAL_FAILED,
		      "FORMAT_FAILURE");
	} else if (last->whole_file) {
		add_check(&last->cades, "coverage", "PASSED", "covers the whole file but /Contents");
	}
done:
	ds_pdf__sigrefs_free(refs, n);
	ds_pdf__close(&p);
	if (err < 0) {
		free(r);
		return err;
	}
	*out = r;
	return 0;
}
