/* ASiCManifest: written as fixed text (so the same inputs give the same
 * bytes), read with libxml2 as hostile input. */
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/tree.h>
#include <openssl/evp.h>

#include "archive/archive_int.h"
#include "dossier/error.h"

#define XMLDSIG_NS "http://www.w3.org/2000/09/xmldsig#"

static int mime_valid(const char *m)
{
	size_t n = strnlen(m, 128);
	if (n == 0 || n >= 128)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = m[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '/' || c == '.' || c == '+' || c == '-'))
			return 0;
	}
	return 1;
}

/* Appends to a growing buffer. */
struct sbuf {
	char *p;
	size_t len, cap;
};

static int sb_add(struct sbuf *b, const char *s)
{
	size_t n = strlen(s), need;
	if (__builtin_add_overflow(b->len, n + 1, &need))
		return ds_error_set(DS_ETOOBIG, "manifest too large");
	if (need > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < need) {
			if (__builtin_mul_overflow(cap, 2, &cap))
				return ds_error_set(DS_ETOOBIG, "manifest too large");
		}
		char *p = realloc(b->p, cap);
		if (!p)
			return ds_error_set(DS_ENOMEM, "manifest: out of memory");
		b->p = p;
		b->cap = cap;
	}
	if (!b->p)
		return ds_error_set(DS_ENOMEM, "manifest: out of memory");
	memcpy(b->p + b->len, s, n + 1);
	b->len += n;
	return 0;
}

int ds_asic_manifest_build(char **out, size_t *len, unsigned nnn, const char *const *names,
			   const unsigned char (*sha256)[32], const char *const *mimes, size_t n)
{
	struct sbuf b = {0};
	char line[1024], b64[64];
	int err = 0;

	if (nnn == 0 || nnn > 999)
		return ds_error_set(DS_EINVALID, "manifest number %u out of range", nnn);
	if ((err = sb_add(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
			      "<asic:ASiCManifest xmlns:asic=\"" DS_ASIC_NS "\" xmlns:ds=\"" XMLDSIG_NS
			      "\">\n")) < 0)
		goto done;
	if (snprintf(line, sizeof line,
		     "  <asic:SigReference URI=\"META-INF/signature%03u.p7s\" "
		     "MimeType=\"application/pkcs7-signature\"/>\n",
		     nnn) >= (int)sizeof line) {
		err = ds_error_set(DS_ETOOBIG, "manifest line too long");
		goto done;
	}
	if ((err = sb_add(&b, line)) < 0)
		goto done;
	for (size_t i = 0; i < n; i++) {
		const char *mime = mimes && mimes[i] ? mimes[i] : ds_bundle_mime_guess(names[i]);
		if (!ds_bundle_name_valid(names[i]) || !mime_valid(mime)) {
			err = ds_error_set(DS_EINVALID, "manifest: invalid entry name or type '%s'",
					   names[i]);
			goto done;
		}
		if ((err = ds_archive__b64(sha256[i], 32, b64, sizeof b64)) < 0)
			goto done;
		int w = snprintf(line, sizeof line,
				 "  <asic:DataObjectReference URI=\"%s\" MimeType=\"%s\">\n"
				 "    <ds:DigestMethod Algorithm=\"" DS_ASIC_SHA256_URI "\"/>\n"
				 "    <ds:DigestValue>%s</ds:DigestValue>\n"
				 "  </asic:DataObjectReference>\n",
				 names[i], mime, b64);
		if (w < 0 || w >= (int)sizeof line) {
			err = ds_error_set(DS_ETOOBIG, "manifest line too long");
			goto done;
		}
		if ((err = sb_add(&b, line)) < 0)
			goto done;
	}
	if ((err = sb_add(&b, "</asic:ASiCManifest>\n")) < 0)
		goto done;
	*out = b.p;
	*len = b.len;
	b.p = NULL; /* transferred */
done:
	free(b.p);
	return err;
}

static int manifest_parse(struct ds_asic_manifest *out, const unsigned char *xml, size_t len,
			  const char *what);

void ds_archive__manifest_clear(struct ds_asic_manifest *m)
{
	if (!m)
		return;
	free(m->refs);
	memset(m, 0, sizeof *m);
}

static int is_elem(xmlNode *n, const char *ns, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       strcmp((const char *)n->ns->href, ns) == 0 && strcmp((const char *)n->name, name) == 0;
}

/* The next element sibling, refusing non-blank text in between. */
static xmlNode *next_elem(xmlNode *n, int *bad)
{
	for (; n; n = n->next) {
		if (n->type == XML_ELEMENT_NODE)
			return n;
		if (n->type == XML_TEXT_NODE) {
			for (const xmlChar *c = n->content; c && *c; c++)
				if (*c != ' ' && *c != '\n' && *c != '\r' && *c != '\t')
					*bad = 1;
		} else if (n->type != XML_COMMENT_NODE) {
			*bad = 1;
		}
	}
	return NULL;
}

static int copy_attr(xmlNode *n, const char *attr, char *out, size_t size)
{
	xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)attr);
	int ok = 0;
	if (v) {
		size_t len = strlen((const char *)v);
		if (len > 0 && len < size) {
			memcpy(out, v, len + 1);
			ok = 1;
		}
		xmlFree(v);
	}
	return ok;
}

static int decode_b64(const char *s, unsigned char *out, size_t expect)
{
	unsigned char buf[128];
	char clean[128];
	size_t n = 0;
	for (; *s; s++) {
		if (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t')
			continue;
		if (n + 1 >= sizeof clean)
			return 0;
		clean[n++] = *s;
	}
	clean[n] = '\0';
	if (n == 0 || n % 4 != 0 || n / 4 * 3 > sizeof buf)
		return 0;
	int r = EVP_DecodeBlock(buf, (const unsigned char *)clean, (int)n);
	if (r < 0)
		return 0;
	size_t pad = (clean[n - 1] == '=') + (clean[n - 2] == '=');
	if ((size_t)r - pad != expect)
		return 0;
	memcpy(out, buf, expect);
	return 1;
}

/* libxml2 reports some errors (encoding conversion) through its generic
 * handler, which prints on stderr; the library never prints. */
static void quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

static void quiet_structured(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	(void)e;
}

int ds_archive__manifest_parse(struct ds_asic_manifest *out, const unsigned char *xml,
			       size_t len, const char *what)
{
	xmlGenericErrorFunc old_generic = xmlGenericError;
	void *old_generic_ctx = xmlGenericErrorContext;
	xmlStructuredErrorFunc old_structured = xmlStructuredError;
	void *old_structured_ctx = xmlStructuredErrorContext;
	int err;

	xmlSetGenericErrorFunc(NULL, quiet);
	xmlSetStructuredErrorFunc(NULL, quiet_structured);
	err = manifest_parse(out, xml, len, what);
	xmlSetGenericErrorFunc(old_generic_ctx, old_generic);
	xmlSetStructuredErrorFunc(old_structured_ctx, old_structured);
	return err;
}

static int manifest_parse(struct ds_asic_manifest *out, const unsigned char *xml, size_t len,
			  const char *what)
{
	xmlDoc *doc = NULL;
	int err = 0, bad = 0;
	size_t cap = 0;

	static const struct ds_xml_limits lim = {
		.bytes = DS_BUNDLE_MANIFEST_BYTES_MAX,
		.attrs = DS_XML_ATTRS_MAX,
		.depth = DS_XML_DEPTH_MAX,
		.elements = DS_MANIFEST_ELEMENTS_MAX,
	};

	memset(out, 0, sizeof *out);
	/* No document type, hence no entity can be declared: refuse before
	 * libxml2 parses anything of it. */
	if (len > 0 && len <= DS_BUNDLE_MANIFEST_BYTES_MAX &&
	    (memmem(xml, len, "<!DOCTYPE", 9) || memmem(xml, len, "<!ENTITY", 8)))
		return ds_error_set(DS_EINVALID, "%s: a DOCTYPE or ENTITY declaration", what);
	/* libxml2's work in one start tag grows with the square of its
	 * attributes: count before it parses (and read the bytes as the
	 * counter did, as UTF-8, whatever encoding they declare). */
	if ((err = ds_archive__xml_bounds(xml, len, &lim, what)) < 0)
		return err;
	doc = xmlReadMemory((const char *)xml, (int)len, what, "UTF-8",
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
				    XML_PARSE_IGNORE_ENC);
	if (!doc) {
		err = ds_error_set(DS_EINVALID, "%s: not well-formed XML", what);
		goto done;
	}
	if (doc->intSubset || doc->extSubset) {
		err = ds_error_set(DS_EINVALID, "%s: a DOCTYPE declaration", what);
		goto done;
	}
	xmlNode *root = xmlDocGetRootElement(doc);
	if (!is_elem(root, DS_ASIC_NS, "ASiCManifest")) {
		err = ds_error_set(DS_EINVALID, "%s: root is not asic:ASiCManifest", what);
		goto done;
	}
	xmlNode *n = next_elem(root->children, &bad);
	if (!is_elem(n, DS_ASIC_NS, "SigReference") ||
	    !copy_attr(n, "URI", out->sigref, sizeof out->sigref)) {
		err = ds_error_set(DS_EINVALID, "%s: first child is not a SigReference with a URI",
				   what);
		goto done;
	}
	for (n = next_elem(n->next, &bad); n; n = next_elem(n->next, &bad)) {
		if (!is_elem(n, DS_ASIC_NS, "DataObjectReference")) {
			err = ds_error_set(DS_EINVALID, "%s: unexpected element <%s>", what,
					   (const char *)n->name);
			goto done;
		}
		if (out->nrefs >= DS_BUNDLE_ENTRIES_MAX) {
			err = ds_error_set(DS_ETOOBIG, "%s: more than %d references", what,
					   DS_BUNDLE_ENTRIES_MAX);
			goto done;
		}
		if (out->nrefs == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			struct ds_asic_ref *r = realloc(out->refs, ncap * sizeof *r);
			if (!r) {
				err = ds_error_set(DS_ENOMEM, "%s: out of memory", what);
				goto done;
			}
			out->refs = r;
			cap = ncap;
		}
		struct ds_asic_ref *ref = &out->refs[out->nrefs];
		memset(ref, 0, sizeof *ref);
		if (!copy_attr(n, "URI", ref->uri, sizeof ref->uri)) {
			err = ds_error_set(DS_EINVALID, "%s: a DataObjectReference without a usable URI",
					   what);
			goto done;
		}
		xmlNode *dm = next_elem(n->children, &bad);
		xmlNode *dv = dm ? next_elem(dm->next, &bad) : NULL;
		char alg[128] = "";
		if (!is_elem(dm, XMLDSIG_NS, "DigestMethod") || !is_elem(dv, XMLDSIG_NS, "DigestValue") ||
		    next_elem(dv->next, &bad) || !copy_attr(dm, "Algorithm", alg, sizeof alg)) {
			err = ds_error_set(DS_EINVALID, "%s: reference %s lacks DigestMethod/DigestValue",
					   what, ref->uri);
			goto done;
		}
		if (strcmp(alg, DS_ASIC_SHA256_URI) == 0) {
			ref->digest_len = 32;
		} else if (strcmp(alg, DS_ASIC_SHA512_URI) == 0) {
			ref->digest_len = 64;
			ref->sha512 = 1;
		} else {
			err = ds_error_set(DS_EINVALID, "%s: unsupported digest algorithm %s", what, alg);
			goto done;
		}
		xmlChar *txt = xmlNodeGetContent(dv);
		int ok = txt && strlen((const char *)txt) < 200 &&
			 decode_b64((const char *)txt, ref->digest, ref->digest_len);
		xmlFree(txt);
		if (!ok) {
			err = ds_error_set(DS_EINVALID, "%s: reference %s has a malformed DigestValue",
					   what, ref->uri);
			goto done;
		}
		for (size_t k = 0; k < out->nrefs; k++)
			if (strcmp(out->refs[k].uri, ref->uri) == 0) {
				err = ds_error_set(DS_EINVALID, "%s: %s listed twice", what, ref->uri);
				goto done;
			}
		out->nrefs++;
	}
	if (bad) {
		err = ds_error_set(DS_EINVALID, "%s: unexpected text or nodes", what);
		goto done;
	}
done:
	if (doc)
		xmlFreeDoc(doc);
	if (err < 0)
		ds_archive__manifest_clear(out);
	return err;
}
