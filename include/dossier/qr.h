/* dossier — QR codes on receipt cover sheets: finding them on a page (zbar).
 *
 * A receipt ("Giấy tiếp nhận hồ sơ và hẹn trả kết quả", see receipt.h)
 * carries one QR code whose payload is exactly the dossier code. The
 * daemon decodes every scanned page: a page with a QR holding a dossier
 * code is a cover sheet that starts a new dossier segment of a batch.
 * Payloads are untrusted: bounded in length and count, and a dossier code
 * is accepted only when it matches the code's syntax.
 */
#ifndef DOSSIER_QR_H
#define DOSSIER_QR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct Pix;

#define DS_QR_SYMBOLS_MAX 8     /* QR symbols kept per page */
#define DS_QR_PAYLOAD_MAX 256   /* bytes per payload, incl. NUL */
/* Pages larger than this are scaled down before decoding (a receipt's
 * modules stay ≥ 4 px even from a 600 dpi A3 scan). */
#define DS_QR_PIXELS_MAX ((size_t)24 * 1000 * 1000)

struct ds_qr_symbol {
	char data[DS_QR_PAYLOAD_MAX]; /* NUL-terminated; a longer payload is dropped */
	size_t len;
};

struct ds_qr_result {
	size_t n;          /* symbols kept */
	size_t dropped;    /* symbols seen but dropped (too long, too many, NUL inside) */
	struct ds_qr_symbol sym[DS_QR_SYMBOLS_MAX];
};

/* 0 when `pix` certainly holds no QR code zbar could find: a 1-bit page
 * (at most DS_QR_PIXELS_MAX pixels) without enough rows and columns that
 * cross a finder pattern's 1:1:3:1:1 runs; 1 otherwise (any other page,
 * or when it may). ds_qr_decode asks it first; it costs a fraction of a
 * millisecond on an A4 page at 100 dpi. */
int ds_qr_maybe(struct Pix *pix);

/* Decodes every QR code on `pix` (any depth; not modified). *out is filled
 * (n = 0 when the page has none). DS_ENOMEM, DS_EINVALID for a page that
 * cannot be converted, DS_ERROR when zbar fails. */
int ds_qr_decode(struct ds_qr_result *out, struct Pix *pix);

/* Whether `s` has the syntax of a dossier code (FORMATS.md):
 * AGENCY-YYMMDD-SEQ, AGENCY 1..35 of [0-9A-Z.], YYMMDD six digits with a
 * plausible month and day, SEQ 4..9 digits. */
int ds_qr_code_valid(const char *s);

/* The dossier code of a receipt page: 0 and the code in `code` (size n)
 * when the page carries a QR whose payload is a valid dossier code;
 * DS_ENOTFOUND when it carries none (QR codes with other payloads, such
 * as the one on a citizen identity card, are ignored: that page is an
 * ordinary page); DS_EINVALID when it carries two different dossier codes
 * (the message names both). */
int ds_qr_page_code(char *code, size_t n, struct Pix *pix);

#ifdef __cplusplus
}
#endif
#endif
