/* Private to archive/: helpers shared by the bundle writer and verifier. */
#ifndef DOSSIER_ARCHIVE_INT_H
#define DOSSIER_ARCHIVE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "dossier/archive.h"

#define DS_ASIC_SHA256_URI "http://www.w3.org/2001/04/xmlenc#sha256"
#define DS_ASIC_SHA512_URI "http://www.w3.org/2001/04/xmlenc#sha512"
#define DS_IO_CHUNK (256u * 1024u)

/* One DataObjectReference of a parsed manifest. */
struct ds_asic_ref {
	char uri[DS_BUNDLE_NAME_MAX + 1];
	int sha512;               /* 0: SHA-256 */
	unsigned char digest[64];
	size_t digest_len;
};

struct ds_asic_manifest {
	char sigref[DS_BUNDLE_NAME_MAX + 1];
	size_t nrefs;
	struct ds_asic_ref *refs; /* malloc'd */
};

/* Parses an ASiCManifest (hostile: size-bounded, no DTD, no entities, no
 * network). `what` names it in error messages. DS_EINVALID on any
 * deviation from FORMATS.md's shape. */
int ds_archive__manifest_parse(struct ds_asic_manifest *out, const unsigned char *xml,
			       size_t len, const char *what);
void ds_archive__manifest_clear(struct ds_asic_manifest *m);

/* Limits of ds_archive__xml_bounds. */
struct ds_xml_limits {
	size_t bytes;    /* the document */
	size_t attrs;    /* attributes (namespace declarations too) in one start tag */
	size_t depth;    /* nesting of elements */
	size_t elements; /* elements, comments, PIs and CDATA sections */
};

/* Counts the markup of an XML document over its bytes, before any XML
 * parser sees it (archive/xml_bounds.c): 0 within `lim`; DS_ETOOBIG past a
 * limit, DS_EINVALID for bytes it cannot delimit the way libxml2 would (a
 * declaration, NUL, UTF-16, a malformed tag). `what` names the document in
 * the message. Parse with XML_PARSE_IGNORE_ENC afterwards: the counts hold
 * for the bytes read as UTF-8. */
int ds_archive__xml_bounds(const unsigned char *xml, size_t len, const struct ds_xml_limits *lim,
			   const char *what);

/* SHA-256 of a file, streamed, into 32 raw bytes; *size_out gets its size. */
int ds_archive__sha256_file(const char *path, unsigned char out[32], uint64_t *size_out);

/* ASCII case fold into out (size n). */
void ds_archive__fold(const char *in, char *out, size_t n);

/* Whether the bytes are valid UTF-8 (no overlongs, no surrogates). */
int ds_archive__utf8_valid(const unsigned char *s, size_t n);

/* Base64 without newlines into out (size n). */
int ds_archive__b64(const unsigned char *in, size_t len, char *out, size_t n);

#endif
