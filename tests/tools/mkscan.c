/* ds-mkscan: renders UTF-8 text into a synthetic "scan" (A4 at 300 dpi by
 * default) for the demo, the tests and the benchmarks, so that none of them
 * needs third-party pages. Text comes from --text or standard input.
 *
 *   ds-mkscan -o page.tif [--bits 1|8|24] [--dpi N] [--pages N]
 *             [--width PX --height PX] [--rotate 0|90|180|270]
 *             [--compression g4|lzw|zip|jpeg|packbits] [--font "DejaVu Serif 11"]
 *             [--skew DEG] [--markup]
 *
 * --skew turns the text on the paper by DEG degrees (positive: clockwise,
 * -10..10) as a sheet fed askew would be: the page is drawn turned,
 * anti-aliased, and only then reduced to 1 or 8 bits, like a scanner's
 * own thresholding of what its sensor saw. --markup reads the text as Pango
 * markup (<b>, <big>, <span size="...">) for headings set like a form's.
 * Output format by extension: .tif (multi-page with --pages), .png, .jpg.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>
#include <leptonica/allheaders.h>
#include <pango/pangocairo.h>

static PIX *render(const char *text, int w, int h, int dpi, const char *font, int page,
		   double skew, int markup)
{
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
	cairo_t *cr = cairo_create(s);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_set_source_rgb(cr, 0, 0, 0);
	if (skew != 0) {
		cairo_translate(cr, w / 2.0, h / 2.0);
		cairo_rotate(cr, skew * G_PI / 180.0);
		cairo_translate(cr, -w / 2.0, -h / 2.0);
	}
	PangoLayout *layout = pango_cairo_create_layout(cr);
	pango_cairo_context_set_resolution(pango_layout_get_context(layout), dpi);
	PangoFontDescription *fd = pango_font_description_from_string(font);
	pango_layout_set_font_description(layout, fd);
	int margin = dpi * 2 / 3;
	pango_layout_set_width(layout, (w - 2 * margin) * PANGO_SCALE);
	pango_layout_set_wrap(layout, PANGO_WRAP_WORD);
	char *buf = NULL;
	if (page > 0) {
		size_t n = strlen(text) + 64;
		buf = malloc(n);
		if (!buf || snprintf(buf, n, "%s\n\n— %d —", text, page + 1) < 0)
			abort();
	}
	if (markup)
		pango_layout_set_markup(layout, buf ? buf : text, -1);
	else
		pango_layout_set_text(layout, buf ? buf : text, -1);
	cairo_move_to(cr, margin, margin);
	pango_cairo_show_layout(cr, layout);
	cairo_surface_flush(s);
	PIX *pix = pixCreate(w, h, 32);
	int stride = cairo_image_surface_get_stride(s);
	unsigned char *data = cairo_image_surface_get_data(s);
	for (int y = 0; y < h; y++) {
		uint32_t *src = (uint32_t *)(data + (size_t)y * (size_t)stride);
		uint32_t *dst = pixGetData(pix) + (size_t)y * pixGetWpl(pix);
		for (int x = 0; x < w; x++) {
			uint32_t v = src[x];
			dst[x] = (((v >> 16) & 0xff) << 24) | (((v >> 8) & 0xff) << 16) |
				 ((v & 0xff) << 8);
		}
	}
	pixSetResolution(pix, dpi, dpi);
	free(buf);
	pango_font_description_free(fd);
	g_object_unref(layout);
	cairo_destroy(cr);
	cairo_surface_destroy(s);
	return pix;
}

static char *read_stdin(void)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	size_t r;
	while (buf && (r = fread(buf + len, 1, cap - len - 1, stdin)) > 0) {
		len += r;
		if (len + 1 == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
	}
	if (buf)
		buf[len] = '\0';
	return buf;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'}, {"text", required_argument, NULL, 't'},
		{"bits", required_argument, NULL, 'b'},   {"dpi", required_argument, NULL, 'd'},
		{"pages", required_argument, NULL, 'p'},  {"width", required_argument, NULL, 'W'},
		{"height", required_argument, NULL, 'H'}, {"rotate", required_argument, NULL, 'r'},
		{"compression", required_argument, NULL, 'c'},
		{"font", required_argument, NULL, 'f'},   {"skew", required_argument, NULL, 's'},
		{"markup", no_argument, NULL, 'm'},       {0}};
	const char *out = NULL, *text = NULL, *comp = "g4", *font = "DejaVu Serif 11";
	int bits = 1, dpi = 300, pages = 1, w = 0, h = 0, rot = 0, markup = 0, c;
	double skew = 0;
	while ((c = getopt_long(argc, argv, "o:t:", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 't': text = optarg; break;
		case 'b': bits = (int)strtol(optarg, NULL, 10); break;
		case 'd': dpi = (int)strtol(optarg, NULL, 10); break;
		case 'p': pages = (int)strtol(optarg, NULL, 10); break;
		case 'W': w = (int)strtol(optarg, NULL, 10); break;
		case 'H': h = (int)strtol(optarg, NULL, 10); break;
		case 'r': rot = (int)strtol(optarg, NULL, 10); break;
		case 'c': comp = optarg; break;
		case 'f': font = optarg; break;
		case 's': skew = strtod(optarg, NULL); break;
		case 'm': markup = 1; break;
		default: return 64;
		}
	}
	if (!out || (bits != 1 && bits != 8 && bits != 24) || dpi < 50 || dpi > 1200 || pages < 1 ||
	    pages > 5000 || !(skew >= -10 && skew <= 10)) {
		fprintf(stderr, "usage: ds-mkscan -o FILE [--text T] [--bits 1|8|24] [--dpi N] [--skew DEG] ...\n");
		return 64;
	}
	char *owned = NULL;
	if (!text)
		text = owned = read_stdin();
	if (!w)
		w = dpi * 210 * 10 / 254;
	if (!h)
		h = dpi * 297 * 10 / 254;
	const char *ext = strrchr(out, '.');
	int tiff = ext && (strcmp(ext, ".tif") == 0 || strcmp(ext, ".tiff") == 0);
	int format = IFF_PNG;
	if (ext && strcmp(ext, ".jpg") == 0)
		format = IFF_JFIF_JPEG;
	if (tiff) {
		if (bits == 1 && strcmp(comp, "g4") == 0)
			format = IFF_TIFF_G4;
		else if (strcmp(comp, "g4") == 0 || strcmp(comp, "zip") == 0)
			format = IFF_TIFF_ZIP;
		else if (strcmp(comp, "lzw") == 0)
			format = IFF_TIFF_LZW;
		else if (strcmp(comp, "jpeg") == 0)
			format = IFF_TIFF_JPEG;
		else if (strcmp(comp, "packbits") == 0)
			format = IFF_TIFF_PACKBITS;
		else
			format = IFF_TIFF;
	}
	remove(out);
	setMsgSeverity(L_SEVERITY_ERROR);
	for (int p = 0; p < pages; p++) {
		PIX *pix = render(text, w, h, dpi, font, pages > 1 ? p : 0, skew, markup), *conv = NULL;
		if (bits == 1)
			conv = pixConvertTo1(pix, 128);
		else if (bits == 8)
			conv = pixConvertRGBToLuminance(pix);
		else
			conv = pixClone(pix);
		if (rot) {
			PIX *r = pixRotateOrth(conv, rot / 90);
			pixDestroy(&conv);
			conv = r;
		}
		pixSetResolution(conv, dpi, dpi);
		int rc;
		if (tiff)
			rc = pixWriteTiff(out, conv, format, p == 0 ? "w" : "a");
		else
			rc = pixWrite(out, conv, format);
		pixDestroy(&pix);
		pixDestroy(&conv);
		if (rc != 0) {
			fprintf(stderr, "ds-mkscan: %s: cannot write\n", out);
			return 1;
		}
		if (!tiff)
			break;
	}
	free(owned);
	return 0;
}
