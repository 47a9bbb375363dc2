/* dossier — PAdES baseline signatures (ETSI EN 319 142-1) on PDF results.
 *
 * A signature is an incremental update appended to the PDF's exact bytes
 * (the earlier revisions stay byte-identical): a signature field with its
 * widget on a page, the /Sig dictionary (/Filter /Adobe.PPKLite, /SubFilter
 * /ETSI.CAdES.detached, /ByteRange over the whole file but /Contents, /M)
 * and a new cross-reference section of the same kind as the last one. The
 * CMS has no signing-time attribute (the PDF's /M says when). */
#ifndef DOSSIER_PADES_H
#define DOSSIER_PADES_H

#include <stddef.h>
#include <stdint.h>

#include "dossier/signer.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DS_PDF_MAX (128u * 1024u * 1024u)  /* bytes of a PDF we read */
#define DS_PDF_OBJECTS_MAX 1000000         /* its cross-reference /Size */
#define DS_PDF_PAGES_MAX 20000
#define DS_PDF_FIELDS_MAX 1000             /* form fields walked */
#define DS_PDF_FIELD_DEPTH_MAX 16          /* /Kids nesting of the field tree */
#define DS_PADES_SIGS_MAX 16               /* signatures verified in one PDF */
#define DS_PADES_CONTENTS_MAX (64u * 1024u)/* bytes reserved for one CMS */

/* Where the time of one ds_pades_sign went (monotonic clock, ns). */
struct ds_pades_timing {
	int64_t parse_ns; /* qpdf: read, check every object, DocMDP, field names */
	int64_t write_ns; /* the update's objects, xref, trailer, /ByteRange, hex */
	int64_t hash_ns;  /* SHA-256 of the byte ranges */
	int64_t cms_ns;   /* the CMS: sign, check, encode (and the TSA round trip) */
	int64_t check_ns; /* reading the signed file back */
};

struct ds_pades_opts {
	struct ds_sign_opts sign; /* level B-B or B-T, TSA, chain; signing_time: /M (0: now) */
	const char *field_name;   /* the field's /T, e.g. "Approver"; NULL: "Signature" */
	const char *name;         /* /Name (the signer, UTF-8); may be NULL */
	const char *reason;       /* /Reason (UTF-8); may be NULL */
	const char *location;     /* /Location (UTF-8); may be NULL */
	int utc_offset;           /* seconds, for /M (25200 for +07:00) */
	struct ds_pades_timing *timing; /* optional: filled in (benchmarks) */
};

/* Signs `pdf` (the whole file, `len` bytes) and returns the signed file in
 * *out (the input's bytes followed by one incremental update; caller frees
 * with free()). The input is read with qpdf within the limits above;
 * encrypted PDFs, damaged ones, and PDFs whose certification (DocMDP P=1)
 * forbids any change are refused (DS_EINVALID / DS_ETOOBIG / DS_EPERM,
 * message naming `name` and the reason). Before returning, the output is
 * read back and the new signature checked (byte range, CMS value and
 * digest). */
int ds_pades_sign(ds_signer *s, const char *name, const unsigned char *pdf, size_t len,
		  const struct ds_pades_opts *opts, unsigned char **out, size_t *out_len);

/* The CMS of a PAdES signature over the SHA-256 digest of the byte ranges:
 * content-type id-data, message-digest, signing-certificate-v2 and no
 * signing-time; B-T adds the signature time-stamp. DER in *p7s (free()). */
int ds_pades_cms_sign(ds_signer *s, const unsigned char digest[32],
		      const struct ds_sign_opts *opts, unsigned char **p7s, size_t *p7s_len);

struct ds_pades_sig {
	char field[128];         /* the field's /T as UTF-8 (may be truncated) */
	char subfilter[48];      /* "ETSI.CAdES.detached", "adbe.pkcs7.detached", … */
	char m_time[40];         /* /M as written */
	uint64_t range[4];       /* /ByteRange */
	int whole_file;          /* covers the whole file but /Contents */
	struct ds_cades_report cades; /* indication, checks, signer */
};

struct ds_pades_report {
	enum ds_indication indication; /* the worst of the signatures' and the file's */
	char sub_indication[48];
	size_t nsigs;
	struct ds_pades_sig sigs[DS_PADES_SIGS_MAX]; /* in file order (by coverage) */
	char problem[256];       /* a file-level finding, "" when none */
};

/* Verifies every signature of `pdf`: ByteRange shape (starts at 0, the gap
 * is exactly the /Contents hex string of that signature dictionary, ends at
 * a revision's end), the CMS over the covered bytes with ds_cades_verify's
 * checks (chain, validity at /M or the time-stamp, revocation), SubFilter,
 * no signing-time in an ETSI.CAdES.detached CMS, and that the last
 * signature covers the whole file. *out is allocated (free()). Returns 0
 * when a report was produced, whatever it says; a negative code when the
 * file is not a PDF that can be read (too big, not PDF, encrypted). */
int ds_pades_verify(const char *name, const unsigned char *pdf, size_t len,
		    const struct ds_verify_opts *opts, struct ds_pades_report **out);

/* The report as a JSON object (docs/archive.md); *out from malloc. */
int ds_pades_report_json(const char *path, const struct ds_pades_report *r, char **out);

/* 1 when `buf` starts like a PDF file. */
int ds_pades_is_pdf(const unsigned char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
