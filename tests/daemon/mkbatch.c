/* ds-mkbatch: joins the pages of images (PNG, JPEG, TIFF, multi-page TIFF)
 * into one multi-page TIFF, as a scanner's batch mode does: a receipt, the
 * pages of its dossier, the next receipt, …  Used by the daemon tests.
 *
 *   ds-mkbatch -o batch.tif [--bits 1] IMAGE…
 *   ds-mkbatch --split PREFIX IMAGE.tif     one file PREFIX0001.tif per page
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <leptonica/allheaders.h>

int main(int argc, char **argv)
{
	const char *out = NULL, *split = NULL;
	int bits1 = 0, first = 1, i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
			out = argv[++i];
		else if (strcmp(argv[i], "--split") == 0 && i + 1 < argc)
			split = argv[++i];
		else if (strcmp(argv[i], "--bits") == 0 && i + 1 < argc && strcmp(argv[i + 1], "1") == 0)
			bits1 = 1, i++;
		else
			break;
	}
	if (split && i < argc) {
		PIXA *pa = pixaReadMultipageTiff(argv[i]);
		char name[4096];
		setLeptDebugOK(0);
		if (!pa)
			return 1;
		for (l_int32 k = 0; k < pixaGetCount(pa); k++) {
			PIX *p = pixaGetPix(pa, k, L_CLONE);
			if (snprintf(name, sizeof(name), "%s%04d.tif", split, (int)k + 1) >= (int)sizeof(name) ||
			    pixWriteTiff(name, p, pixGetDepth(p) == 1 ? IFF_TIFF_G4 : IFF_TIFF_ZIP, "w") != 0)
				return 1;
			pixDestroy(&p);
		}
		pixaDestroy(&pa);
		return 0;
	}
	if (!out || i >= argc) {
		fprintf(stderr, "usage: ds-mkbatch -o OUT.tif [--bits 1] IMAGE…\n");
		return 64;
	}
	setLeptDebugOK(0);
	for (; i < argc; i++) {
		PIXA *pa = NULL;
		l_int32 fmt = 0;
		findFileFormat(argv[i], &fmt);
		if (fmt == IFF_TIFF || fmt == IFF_TIFF_G4 || fmt == IFF_TIFF_ZIP || fmt == IFF_TIFF_LZW ||
		    fmt == IFF_TIFF_PACKBITS || fmt == IFF_TIFF_RLE || fmt == IFF_TIFF_G3 ||
		    fmt == IFF_TIFF_JPEG) {
			pa = pixaReadMultipageTiff(argv[i]);
		} else {
			PIX *p = pixRead(argv[i]);
			if (p) {
				pa = pixaCreate(1);
				pixaAddPix(pa, p, L_INSERT);
			}
		}
		if (!pa) {
			fprintf(stderr, "ds-mkbatch: cannot read %s\n", argv[i]);
			return 1;
		}
		for (l_int32 k = 0; k < pixaGetCount(pa); k++) {
			PIX *p = pixaGetPix(pa, k, L_CLONE), *q;
			l_int32 xres, yres;
			pixGetResolution(p, &xres, &yres);
			if (bits1 || pixGetDepth(p) == 1)
				q = pixConvertTo1(p, 128);
			else
				q = pixConvertTo8(p, 0);
			pixSetResolution(q, xres, yres);
			if (pixWriteTiff(out, q, pixGetDepth(q) == 1 ? IFF_TIFF_G4 : IFF_TIFF_ZIP,
					 first ? "w" : "a") != 0) {
				fprintf(stderr, "ds-mkbatch: cannot write %s\n", out);
				return 1;
			}
			first = 0;
			pixDestroy(&q);
			pixDestroy(&p);
		}
		pixaDestroy(&pa);
	}
	return 0;
}
