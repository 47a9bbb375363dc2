/* dossier — the receipt handed to the citizen at the counter ("Giấy tiếp
 * nhận hồ sơ và hẹn trả kết quả"), printed as a PDF or a 300 dpi PNG.
 *
 * The receipt doubles as the cover sheet of the dossier's scans: it carries
 * one QR code whose payload is exactly the dossier code (qr.h reads it
 * back), drawn with modules of DS_RECEIPT_QR_MODULE_PX pixels at 300 dpi so
 * that a scan at 200 dpi still resolves every module. Text is drawn with
 * pango and the DejaVu fonts (Vietnamese needs the full Latin Extended
 * Additional block). Page size A4.
 */
#ifndef DOSSIER_RECEIPT_H
#define DOSSIER_RECEIPT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct Pix;

#define DS_RECEIPT_DPI 300
#define DS_RECEIPT_QR_MODULE_PX 12 /* ≥ 8 px at 300 dpi */
#define DS_RECEIPT_TEXT_MAX 1024   /* bytes per text field */

enum ds_receipt_format { DS_RECEIPT_PDF = 1, DS_RECEIPT_PNG = 2 };

/* What the receipt says. Strings are UTF-8 (invalid UTF-8 is refused);
 * only `code` is required, NULL or "" fields are left out. */
struct ds_receipt {
	const char *code;            /* the dossier code; the QR holds exactly this */
	const char *agency_name;     /* heading, e.g. "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG" */
	const char *procedure_code;
	const char *procedure_name;
	const char *department_name; /* the department that decides */
	const char *applicant_id;
	const char *applicant_name;
	int64_t received_at;         /* UTC seconds; 0: left out */
	int64_t due_at;              /* UTC seconds; 0: left out */
	int utc_offset;              /* seconds, for the local times printed */
	const char *clerk;           /* who received it; may be NULL */
};

/* Renders the receipt as PDF (vector, fonts embedded) or PNG (8-bit grey,
 * 300 dpi recorded in the file). *out is malloc'd; free() it.
 * DS_EINVALID for a missing code or a field that is not UTF-8 or too long,
 * DS_ERROR when cairo or pango fail. */
int ds_receipt_render(unsigned char **out, size_t *out_len, const struct ds_receipt *r,
		      enum ds_receipt_format fmt);

/* The same page as an 8-bit grey Leptonica image at 300 dpi (for tests and
 * for building scans). Caller pixDestroy()s *out. */
int ds_receipt_render_pix(struct Pix **out, const struct ds_receipt *r);

/* Picks the format from a file name ending in .pdf or .png (any case);
 * DS_EINVALID otherwise. */
int ds_receipt_format_from_path(enum ds_receipt_format *out, const char *path);

#ifdef __cplusplus
}
#endif
#endif
