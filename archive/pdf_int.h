/* Private to archive/: reading PDFs for PAdES (qpdf's C API, bounded). */
#ifndef DOSSIER_PDF_INT_H
#define DOSSIER_PDF_INT_H

#include <stddef.h>
#include <stdint.h>

#include <qpdf/qpdf-c.h>

#include "dossier/pades.h"

struct ds_pdf {
	qpdf_data q;
	const char *name;
	const unsigned char *buf;
	size_t len;
	uint64_t startxref;   /* offset of the last cross-reference section */
	int xref_stream;      /* that section is an xref stream */
	long long size;       /* trailer /Size */
	int npages;
};

/* Opens `buf` (kept borrowed until ds_pdf__close) with qpdf, without
 * recovery: the size, the header, startxref, /Size and the page count are
 * bounded; an encrypted file, a file qpdf cannot read or warns about
 * ("damaged") are DS_EINVALID, with `name` and the reason. With
 * `strict`, every object and stream is also read (qpdf --check's pass). */
int ds_pdf__open(struct ds_pdf *p, const char *name, const unsigned char *buf, size_t len,
		 int strict);
void ds_pdf__close(struct ds_pdf *p);

/* The first of qpdf's messages (error or warning), "" if none. */
const char *ds_pdf__qpdf_reason(struct ds_pdf *p);

struct ds_pdf_sigref {
	char field[128];
	char subfilter[48];
	char type[24];           /* "Sig", "DocTimeStamp" or "" */
	char m_time[40];
	long long range[4];
	int range_ok;            /* four non-negative integers */
	const unsigned char *contents; /* the /Contents string as qpdf read it */
	size_t contents_len;
	unsigned char *owned;    /* copy of contents (free()) */
};

/* The signature fields (/FT /Sig with a /V dictionary) of the AcroForm,
 * walked to DS_PDF_FIELD_DEPTH_MAX and DS_PDF_FIELDS_MAX; also the /T of
 * every field in `names` (when non-NULL), to choose a new unique name. */
int ds_pdf__signatures(struct ds_pdf *p, struct ds_pdf_sigref *out, size_t max, size_t *n);
void ds_pdf__sigrefs_free(struct ds_pdf_sigref *s, size_t n);

/* 1 when a field named `t` (full name of a top-level field) exists. */
int ds_pdf__field_exists(struct ds_pdf *p, const char *t);

#endif
