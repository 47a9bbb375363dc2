/* The receipt ("Giấy tiếp nhận hồ sơ và hẹn trả kết quả") with its QR cover
 * code: one layout drawn by cairo in millimetres, onto a PDF surface or a
 * 300 dpi image surface. */
#include "dossier/receipt.h"

#include <allheaders.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <cairo-pdf.h>
#include <cairo.h>
#include <glib.h>
#include <pango/pangocairo.h>
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dossier/error.h"
#include "dossier/qr.h"

#define PAGE_W_MM 210.0
#define PAGE_H_MM 297.0
#define MM_PER_IN 25.4
#define PT_PER_IN 72.0
#define PNG_W 2480 /* A4 at 300 dpi */
#define PNG_H 3508
#define PDF_BYTES_MAX ((size_t)16 << 20)
#define FONT "DejaVu Sans"

/* ---- text ---- */

/* snprintf that refuses to truncate */
static int __attribute__((format(printf, 3, 4))) fmt(char *out, size_t n, const char *f, ...)
{
	va_list ap;
	int k;

	va_start(ap, f);
	k = vsnprintf(out, n, f, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= n)
		return ds_error_set(DS_ETOOBIG, "receipt: text longer than %zu bytes", n);
	return 0;
}

struct page {
	cairo_t *cr;
	PangoContext *pango;
	double px_per_mm; /* device units per mm: 300/25.4 for PNG, 72/25.4 for PDF */
};

/* Draws `text` in a box of width `w` mm at (x, y) and returns its height in
 * mm. `align` is a PangoAlignment; `size` in points. */
static double text(struct page *p, double x, double y, double w, const char *face, double size,
		   PangoAlignment align, const char *s)
{
	PangoLayout *l = pango_layout_new(p->pango);
	PangoFontDescription *fd = pango_font_description_from_string(face);
	int lw = 0, lh = 0;

	pango_font_description_set_size(fd, (gint)(size * PANGO_SCALE));
	pango_layout_set_font_description(l, fd);
	pango_layout_set_width(l, (int)(w * PANGO_SCALE));
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_alignment(l, align);
	pango_layout_set_text(l, s, -1);
	cairo_move_to(p->cr, x, y);
	pango_cairo_show_layout(p->cr, l);
	pango_layout_get_size(l, &lw, &lh);
	pango_font_description_free(fd);
	g_object_unref(l);
	return (double)lh / PANGO_SCALE;
}

/* "08 giờ 14 phút, ngày 26/11/2025" in local time. */
static int local_time_vi(char *out, size_t n, int64_t t, int utc_offset)
{
	time_t lt = (time_t)(t + utc_offset);
	struct tm tm;

	if (!gmtime_r(&lt, &tm))
		return ds_error_set(DS_EINVALID, "receipt: time %lld out of range", (long long)t);
	return fmt(out, n, "%02d giờ %02d phút, ngày %02d/%02d/%04d", tm.tm_hour, tm.tm_min,
		      tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900);
}

/* A label and a value on one line, the value wrapped under itself. */
static double field(struct page *p, double x, double y, double w, const char *label,
		    const char *value)
{
	double lw = 58.0, h1, h2;

	h1 = text(p, x, y, lw, FONT, 11, PANGO_ALIGN_LEFT, label);
	h2 = text(p, x + lw, y, w - lw, FONT " Bold", 11, PANGO_ALIGN_LEFT, value);
	return (h1 > h2 ? h1 : h2) + 2.5;
}

/* ---- QR ---- */

/* Draws the QR (with its 4-module quiet zone included in `size_mm`) with
 * its top-left corner at (x, y) mm; (x, y) and the module size are whole
 * device pixels on the PNG page so that every module is a crisp square. */
static int draw_qr(struct page *p, const QRcode *q, double x, double y, double module_mm)
{
	cairo_save(p->cr);
	cairo_set_antialias(p->cr, CAIRO_ANTIALIAS_NONE);
	cairo_set_source_rgb(p->cr, 1, 1, 1);
	cairo_rectangle(p->cr, x, y, (q->width + 8) * module_mm, (q->width + 8) * module_mm);
	cairo_fill(p->cr);
	cairo_set_source_rgb(p->cr, 0, 0, 0);
	for (int r = 0; r < q->width; r++) {
		int c = 0;
		while (c < q->width) {
			int start;
			if (!(q->data[r * q->width + c] & 1)) {
				c++;
				continue;
			}
			start = c;
			while (c < q->width && (q->data[r * q->width + c] & 1))
				c++;
			cairo_rectangle(p->cr, x + (4 + start) * module_mm, y + (4 + r) * module_mm,
					(c - start) * module_mm, module_mm);
		}
	}
	cairo_fill(p->cr);
	cairo_restore(p->cr);
	return 0;
}

/* ---- the page ---- */

static int check_text(const char *what, const char *s)
{
	if (!s)
		return 0;
	if (strlen(s) >= DS_RECEIPT_TEXT_MAX)
		return ds_error_set(DS_ETOOBIG, "receipt: %s longer than %d bytes", what,
				    DS_RECEIPT_TEXT_MAX - 1);
	if (!g_utf8_validate(s, -1, NULL))
		return ds_error_set(DS_EINVALID, "receipt: %s is not UTF-8", what);
	return 0;
}

static int check_receipt(const struct ds_receipt *r)
{
	int err;

	if (!r || !r->code || !*r->code)
		return ds_error_set(DS_EINVALID, "receipt: no dossier code");
	if (!ds_qr_code_valid(r->code))
		return ds_error_set(DS_EINVALID, "receipt: '%s' is not a dossier code", r->code);
	if ((err = check_text("agency name", r->agency_name)) < 0 ||
	    (err = check_text("procedure code", r->procedure_code)) < 0 ||
	    (err = check_text("procedure name", r->procedure_name)) < 0 ||
	    (err = check_text("department name", r->department_name)) < 0 ||
	    (err = check_text("applicant id", r->applicant_id)) < 0 ||
	    (err = check_text("applicant name", r->applicant_name)) < 0 ||
	    (err = check_text("clerk", r->clerk)) < 0)
		return err;
	return 0;
}

static int set(const char *s)
{
	return s && *s;
}

static int draw_page(cairo_t *cr, const struct ds_receipt *r, double px_per_mm)
{
	struct page p = { .cr = cr, .px_per_mm = px_per_mm };
	QRcode *q = NULL;
	char buf[DS_RECEIPT_TEXT_MAX * 2];
	double y, qx, qy, module_mm, qsize, textw;
	int err = 0;

	if (!(q = QRcode_encodeString(r->code, 0, QR_ECLEVEL_M, QR_MODE_8, 1))) {
		err = ds_error_set_errno(DS_ERROR, errno, "receipt: cannot encode QR for %s", r->code);
		goto done;
	}
	p.pango = pango_cairo_create_context(cr);
	{
		/* 1 pt = 25.4/72 mm: font sizes are real points on paper */
		cairo_font_options_t *fo = cairo_font_options_create();
		cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
		cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
		pango_cairo_context_set_font_options(p.pango, fo);
		cairo_font_options_destroy(fo);
		pango_cairo_context_set_resolution(p.pango, MM_PER_IN);
		/* a user unit is a millimetre: whole-unit glyph positions would
		 * scatter the letters */
		pango_context_set_round_glyph_positions(p.pango, FALSE);
	}

	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_set_source_rgb(cr, 0, 0, 0);

	/* heading: the agency on the left, the national motto on the right */
	if (set(r->agency_name))
		text(&p, 8, 14, 92, FONT " Bold", 10, PANGO_ALIGN_CENTER, r->agency_name);
	y = 14 + text(&p, 92, 14, 110, FONT " Bold", 10.5, PANGO_ALIGN_CENTER,
		      "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM");
	text(&p, 92, y, 110, FONT " Bold", 10.5, PANGO_ALIGN_CENTER,
	     "Độc lập - Tự do - Hạnh phúc");

	y = 42;
	y += text(&p, 15, y, 180, FONT " Bold", 15, PANGO_ALIGN_CENTER,
		  "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ") + 2;
	if ((err = fmt(buf, sizeof(buf), "Mã hồ sơ: %s", r->code)) < 0)
		goto done;
	y += text(&p, 15, y, 180, FONT " Bold", 13, PANGO_ALIGN_CENTER, buf) + 8;

	/* the QR, top right of the fields, on whole device pixels */
	module_mm = DS_RECEIPT_QR_MODULE_PX * MM_PER_IN / DS_RECEIPT_DPI;
	qsize = (q->width + 8) * module_mm;
	{
		double qx_px = (double)(long)((PAGE_W_MM - 20) * (DS_RECEIPT_DPI / MM_PER_IN)) -
			       (q->width + 8) * DS_RECEIPT_QR_MODULE_PX;
		double qy_px = (double)(long)(y * (DS_RECEIPT_DPI / MM_PER_IN));
		qx = qx_px * MM_PER_IN / DS_RECEIPT_DPI;
		qy = qy_px * MM_PER_IN / DS_RECEIPT_DPI;
	}
	draw_qr(&p, q, qx, qy, module_mm);
	text(&p, qx - 10, qy + qsize + 1, qsize + 20, FONT, 7.5, PANGO_ALIGN_CENTER, r->code);

	textw = qx - 4 - 18;
	if (set(r->applicant_name))
		y += field(&p, 18, y, textw, "Tiếp nhận hồ sơ của:", r->applicant_name);
	if (set(r->applicant_id))
		y += field(&p, 18, y, textw, "Số giấy tờ tùy thân:", r->applicant_id);
	if (set(r->procedure_name) || set(r->procedure_code)) {
		if (set(r->procedure_name) && set(r->procedure_code))
			err = fmt(buf, sizeof(buf), "%s (mã %s)", r->procedure_name,
				     r->procedure_code);
		else
			err = fmt(buf, sizeof(buf), "%s",
				     set(r->procedure_name) ? r->procedure_name : r->procedure_code);
		if (err < 0)
			goto done;
		y += field(&p, 18, y, textw, "Thủ tục hành chính:", buf);
	}
	if (set(r->department_name))
		y += field(&p, 18, y, textw, "Cơ quan giải quyết:", r->department_name);
	if (r->received_at) {
		if ((err = local_time_vi(buf, sizeof(buf), r->received_at, r->utc_offset)) < 0)
			goto done;
		y += field(&p, 18, y, textw, "Thời gian tiếp nhận:", buf);
	}
	if (r->due_at) {
		if ((err = local_time_vi(buf, sizeof(buf), r->due_at, r->utc_offset)) < 0)
			goto done;
		y += field(&p, 18, y, textw, "Hẹn trả kết quả:", buf);
	}
	if (set(r->clerk))
		y += field(&p, 18, y, textw, "Người tiếp nhận:", r->clerk);
	if (y < qy + qsize + 8)
		y = qy + qsize + 8;
	y += 6;
	text(&p, 18, y, 174, FONT " Oblique", 9.5, PANGO_ALIGN_LEFT,
	     "Công dân mang theo giấy này khi đến nhận kết quả. "
	     "Cán bộ: đặt trang này lên đầu hồ sơ khi quét; mã QR cho biết hồ sơ của các trang sau.");

	cairo_status_t st = cairo_status(cr);
	if (st != CAIRO_STATUS_SUCCESS) {
		err = ds_error_set(DS_ERROR, "receipt: cairo: %s", cairo_status_to_string(st));
		goto done;
	}
done:
	if (p.pango)
		g_object_unref(p.pango);
	QRcode_free(q);
	return err;
}

/* ---- PNG / Pix ---- */

int ds_receipt_render_pix(struct Pix **out, const struct ds_receipt *r)
{
	cairo_surface_t *s = NULL;
	cairo_t *cr = NULL;
	PIX *pix = NULL;
	int err;

	*out = NULL;
	if ((err = check_receipt(r)) < 0)
		return err;
	s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, PNG_W, PNG_H);
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
		err = ds_error_set(DS_ENOMEM, "receipt: cannot create a %dx%d image", PNG_W, PNG_H);
		goto done;
	}
	cr = cairo_create(s);
	cairo_scale(cr, DS_RECEIPT_DPI / MM_PER_IN, DS_RECEIPT_DPI / MM_PER_IN);
	if ((err = draw_page(cr, r, DS_RECEIPT_DPI / MM_PER_IN)) < 0)
		goto done;
	cairo_surface_flush(s);
	if (!(pix = pixCreate(PNG_W, PNG_H, 8))) {
		err = ds_error_set(DS_ENOMEM, "receipt: cannot create a %dx%d page", PNG_W, PNG_H);
		goto done;
	}
	pixSetResolution(pix, DS_RECEIPT_DPI, DS_RECEIPT_DPI);
	{
		const unsigned char *data = cairo_image_surface_get_data(s);
		int stride = cairo_image_surface_get_stride(s);
		l_uint32 *pd = pixGetData(pix);
		l_int32 wpl = pixGetWpl(pix);
		for (int y = 0; y < PNG_H; y++) {
			const uint32_t *row = (const uint32_t *)(const void *)(data + (size_t)y * stride);
			l_uint32 *line = pd + (size_t)y * wpl;
			for (int x = 0; x < PNG_W; x++) {
				uint32_t v = row[x];
				unsigned rr = (v >> 16) & 0xff, gg = (v >> 8) & 0xff, bb = v & 0xff;
				SET_DATA_BYTE(line, x, (rr * 299 + gg * 587 + bb * 114) / 1000);
			}
		}
	}
	*out = pix;
	pix = NULL; /* transferred */
done:
	pixDestroy(&pix);
	if (cr)
		cairo_destroy(cr);
	if (s)
		cairo_surface_destroy(s);
	return err;
}

static int render_png(unsigned char **out, size_t *out_len, const struct ds_receipt *r)
{
	PIX *pix = NULL;
	l_uint8 *mem = NULL;
	size_t len = 0;
	unsigned char *buf = NULL;
	int err;

	if ((err = ds_receipt_render_pix(&pix, r)) < 0)
		goto done;
	if (pixWriteMem(&mem, &len, pix, IFF_PNG) != 0 || !mem) {
		err = ds_error_set(DS_ERROR, "receipt: PNG encoding failed");
		goto done;
	}
	if (!(buf = malloc(len ? len : 1))) {
		err = ds_error_set(DS_ENOMEM, "receipt: out of memory");
		goto done;
	}
	memcpy(buf, mem, len);
	*out = buf;
	*out_len = len;
	buf = NULL; /* transferred */
done:
	if (mem)
		lept_free(mem);
	pixDestroy(&pix);
	return err;
}

/* ---- PDF ---- */

struct membuf {
	unsigned char *data;
	size_t len, cap;
	int overflow;
};

static cairo_status_t mem_write(void *closure, const unsigned char *data, unsigned int length)
{
	struct membuf *m = closure;
	size_t need;

	if (__builtin_add_overflow(m->len, (size_t)length, &need) || need > PDF_BYTES_MAX) {
		m->overflow = 1;
		return CAIRO_STATUS_WRITE_ERROR;
	}
	if (need > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 65536;
		unsigned char *n;
		while (cap < need)
			cap *= 2;
		if (!(n = realloc(m->data, cap)))
			return CAIRO_STATUS_NO_MEMORY;
		m->data = n;
		m->cap = cap;
	}
	memcpy(m->data + m->len, data, length);
	m->len = need;
	return CAIRO_STATUS_SUCCESS;
}

static int render_pdf(unsigned char **out, size_t *out_len, const struct ds_receipt *r)
{
	struct membuf m = { 0 };
	cairo_surface_t *s = NULL;
	cairo_t *cr = NULL;
	cairo_status_t st;
	char title[DS_RECEIPT_TEXT_MAX];
	int err;

	if ((err = check_receipt(r)) < 0)
		return err;
	s = cairo_pdf_surface_create_for_stream(mem_write, &m, PAGE_W_MM * PT_PER_IN / MM_PER_IN,
						PAGE_H_MM * PT_PER_IN / MM_PER_IN);
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
		err = ds_error_set(DS_ENOMEM, "receipt: cannot create a PDF surface");
		goto done;
	}
	if ((err = fmt(title, sizeof(title), "Giấy tiếp nhận hồ sơ và hẹn trả kết quả %s",
			  r->code)) < 0)
		goto done;
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, title);
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "dossier");
	cr = cairo_create(s);
	cairo_scale(cr, PT_PER_IN / MM_PER_IN, PT_PER_IN / MM_PER_IN);
	if ((err = draw_page(cr, r, PT_PER_IN / MM_PER_IN)) < 0)
		goto done;
	cairo_show_page(cr);
	cairo_destroy(cr);
	cr = NULL;
	cairo_surface_finish(s);
	if ((st = cairo_surface_status(s)) != CAIRO_STATUS_SUCCESS) {
		err = m.overflow ? ds_error_set(DS_ETOOBIG, "receipt: PDF larger than %zu bytes",
						PDF_BYTES_MAX)
				 : ds_error_set(DS_ERROR, "receipt: PDF: %s",
						cairo_status_to_string(st));
		goto done;
	}
	*out = m.data;
	*out_len = m.len;
	m.data = NULL; /* transferred */
done:
	if (cr)
		cairo_destroy(cr);
	if (s)
		cairo_surface_destroy(s);
	free(m.data);
	return err;
}

int ds_receipt_render(unsigned char **out, size_t *out_len, const struct ds_receipt *r,
		      enum ds_receipt_format fmt)
{
	*out = NULL;
	*out_len = 0;
	switch (fmt) {
	case DS_RECEIPT_PDF:
		return render_pdf(out, out_len, r);
	case DS_RECEIPT_PNG:
		return render_png(out, out_len, r);
	}
	return ds_error_set(DS_EINVALID, "receipt: unknown format %d", (int)fmt);
}

int ds_receipt_format_from_path(enum ds_receipt_format *out, const char *path)
{
	size_t n = path ? strlen(path) : 0;

	if (n > 4 && strcasecmp(path + n - 4, ".pdf") == 0) {
		*out = DS_RECEIPT_PDF;
		return 0;
	}
	if (n > 4 && strcasecmp(path + n - 4, ".png") == 0) {
		*out = DS_RECEIPT_PNG;
		return 0;
	}
	return ds_error_set(DS_EINVALID, "%s: the receipt is written as .pdf or .png",
			    path ? path : "(null)");
}
