/* The OCR engine of one worker thread: one TessBaseAPI per language, each
 * initialised once on first use, plus one for OSD; the `auto` language
 * policy. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <leptonica/allheaders.h>
#include <tesseract/capi.h>

#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/ocr.h"
#include "ocr/ocr_int.h"

#define LANGS_MAX 8

/* `auto`: vie alone is accepted when at least this share of its letters
 * are Vietnamese-only (ordinary Vietnamese prose: 30–45 %; English or
 * French read by the vie model: a few %)... */
#define AUTO_VIET_PERMILLE 10
/* ...and at least this share of its words are Vietnamese syllables
 * (Vietnamese pages, corpus and generated: 99–100 %; English pages read by
 * the vie model: 20–26 %, eurotext 14 %). Letters alone are not enough: a
 * poor English scan read by vie grows marks (linn.txt's brochure at
 * 150 dpi 1-bit: 1.6 % marked letters, "musìcan"), syllables do not follow
 * (24 %). A page whose marks are at least two thirds Latin-1 accents is
 * European text (vie reads its accents, eng drops them: eurotext vie CER
 * 0.017, eng 0.022, though eng is more confident, 91 against 86): vie. */
#define AUTO_SYLLABLE_PERCENT 60
/* OSD below this confidence counts as undecided. */
#define OSD_MIN_CONFIDENCE 2.0

struct lang_api {
	char name[DS_OCR_LANGUAGES_MAX];
	TessBaseAPI *api;
};

struct ds_ocr_engine {
	char tessdata[DS_PATH_MAX];
	int auto_mode;
	struct lang_api langs[2]; /* auto: vie, eng; fixed: the one list */
	size_t nlangs;
	TessBaseAPI *osd;
	TessBaseAPI *last; /* holds the page last recognised */
};

/* Tesseract's Init touches process-wide state (its parameter tables and
 * the debug file); initialise one handle at a time. */
static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;

/* Tesseract parameters that are process-wide (globals of the library, not
 * of a handle), set once before the first handle is made and never again:
 * setting them per handle would write what another thread's Recognize is
 * reading (ThreadSanitizer: e2e_ocr_cli with two workers).
 * - debug_file: Tesseract writes its warnings there; the library never
 *   prints.
 * - textord_fast_pitch_test: the faster fixed-pitch test (bit counts
 *   instead of a scan in the cut search): 4.3% fewer instructions per page
 *   (callgrind, one bench page), the same text on every corpus page in vie
 *   and eng and on the 12 bench pages. The LSTM reads whole lines, so the
 *   pitch only steers how a row is cut into words before it. */
static pthread_once_t globals_once = PTHREAD_ONCE_INIT;
static int globals_set; /* 1: debug_file is set (the pitch test may not be) */

static void set_globals(void)
{
	TessBaseAPI *api = TessBaseAPICreate();
	if (!api)
		return;
	globals_set = TessBaseAPISetVariable(api, "debug_file", "/dev/null");
	/* speed only: a Tesseract without it reads the same, a little slower */
	(void)TessBaseAPISetVariable(api, "textord_fast_pitch_test", "1");
	TessBaseAPIDelete(api);
}

/* Sets the process-wide parameters once; an error names what failed. */
static int globals_ready(void)
{
	pthread_once(&globals_once, set_globals);
	if (!globals_set)
		return ds_error_set(DS_ERROR, "Tesseract: cannot set its parameter debug_file "
				    "(its warnings would go to the terminal)");
	return 0;
}

const char *ds_ocr__tessdata(const char *t)
{
	return t && *t ? t : DS_OCR_TESSDATA_DEFAULT;
}

static int model_present(const char *tessdata, const char *name)
{
	char path[DS_PATH_MAX];
	int err = ds_fmt(path, sizeof path, "%s/%s.traineddata", tessdata, name);
	if (err < 0)
		return err;
	if (access(path, R_OK) != 0)
		return ds_error_set(DS_ENOTFOUND,
				    "%s: OCR model missing (install tesseract-ocr-%s)", path, name);
	return 0;
}

static int check_models(const char *tessdata, const char *langs)
{
	char buf[DS_OCR_LANGUAGES_MAX];
	char *p = buf, *plus;
	int err = ds_fmt(buf, sizeof buf, "%s", langs);
	if (err < 0)
		return err;
	for (;;) {
		plus = strchr(p, '+');
		if (plus)
			*plus = '\0';
		if ((err = model_present(tessdata, p)) < 0)
			return err;
		if (!plus)
			return 0;
		p = plus + 1;
	}
}

static int api_open(TessBaseAPI **out, const char *tessdata, const char *lang, int psm)
{
	TessBaseAPI *api = NULL;
	int rc, err;

	*out = NULL;
	if ((err = globals_ready()) < 0)
		return err;
	api = TessBaseAPICreate();
	if (!api)
		return ds_error_set(DS_ENOMEM, "Tesseract: cannot create an engine");
	pthread_mutex_lock(&init_lock);
	rc = TessBaseAPIInit3(api, tessdata, lang);
	pthread_mutex_unlock(&init_lock);
	if (rc != 0) {
		TessBaseAPIDelete(api);
		return ds_error_set(DS_ERROR, "Tesseract: cannot load '%s' from %s", lang, tessdata);
	}
	TessBaseAPISetPageSegMode(api, (TessPageSegMode)psm);
	*out = api;
	return 0;
}

int ds_ocr_engine_new(ds_ocr_engine **out, const struct ds_ocr_options *opt)
{
	ds_ocr_engine *e = NULL;
	const char *langs = opt && opt->languages ? opt->languages : "auto";
	const char *td = ds_ocr__tessdata(opt ? opt->tessdata : NULL);
	int err;

	*out = NULL;
	if ((err = ds_ocr_languages_valid(langs)) < 0 || (err = globals_ready()) < 0)
		return err;
	e = calloc(1, sizeof *e);
	if (!e)
		return ds_error_set(DS_ENOMEM, "out of memory");
	if ((err = ds_fmt(e->tessdata, sizeof e->tessdata, "%s", td)) < 0)
		goto done;
	if (strcmp(langs, "auto") == 0) {
		e->auto_mode = 1;
		memcpy(e->langs[0].name, "vie", 4);
		memcpy(e->langs[1].name, "eng", 4);
		e->nlangs = 2;
		if ((err = check_models(td, "vie+eng")) < 0)
			goto done;
	} else {
		if ((err = ds_fmt(e->langs[0].name, sizeof e->langs[0].name, "%s", langs)) < 0)
			goto done;
		e->nlangs = 1;
		if ((err = check_models(td, langs)) < 0)
			goto done;
	}
	*out = e;
	e = NULL; /* transferred */
done:
	ds_ocr_engine_free(e);
	return err;
}

void ds_ocr_engine_free(ds_ocr_engine *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->nlangs; i++)
		if (e->langs[i].api) {
			TessBaseAPIEnd(e->langs[i].api);
			TessBaseAPIDelete(e->langs[i].api);
		}
	if (e->osd) {
		TessBaseAPIEnd(e->osd);
		TessBaseAPIDelete(e->osd);
	}
	free(e);
}

TessBaseAPI *ds_ocr__engine_last(ds_ocr_engine *e)
{
	return e->last;
}

int ds_ocr_engine_osd(ds_ocr_engine *e, struct Pix *pix, int *rotation_out,
		      double *confidence_out)
{
	int deg = 0, err;
	float conf = 0, sconf = 0;
	const char *script = NULL;

	*rotation_out = 0;
	if (confidence_out)
		*confidence_out = 0;
	if (!e->osd) {
		if ((err = model_present(e->tessdata, "osd")) < 0)
			return err;
		if ((err = api_open(&e->osd, e->tessdata, "osd", PSM_OSD_ONLY)) < 0)
			return err;
	}
	TessBaseAPISetImage2(e->osd, pix);
	if (!TessBaseAPIDetectOrientationScript(e->osd, &deg, &conf, &script, &sconf)) {
		TessBaseAPIClear(e->osd);
		return ds_error_set(DS_ENOTFOUND, "OSD: orientation undecided (too little text)");
	}
	TessBaseAPIClear(e->osd);
	if (confidence_out)
		*confidence_out = conf;
	if (conf < OSD_MIN_CONFIDENCE)
		return ds_error_set(DS_ENOTFOUND, "OSD: orientation undecided (confidence %.2f)",
				    (double)conf);
	/* `deg` is the page's turn from upright counter-clockwise; the
	 * correction is the clockwise turn 360 - deg (checked on phototest
	 * turned left, right and 180 in tests/ocr/test_engine.c). */
	*rotation_out = ((360 - deg) % 360 + 360) % 360;
	return 0;
}

double ds_ocr__thread_cpu(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void ds_ocr_result_clear(struct ds_ocr_result *r)
{
	if (!r)
		return;
	free(r->text);
	free(r->hocr);
	memset(r, 0, sizeof *r);
}

void ds_ocr__result_drop(struct ds_ocr_result *r)
{
	double rec = r->cpu_recognize, outp = r->cpu_output;
	ds_ocr_result_clear(r);
	r->cpu_recognize = rec;
	r->cpu_output = outp;
}

static struct lang_api *lang_get(ds_ocr_engine *e, size_t i, int *err)
{
	struct lang_api *l = &e->langs[i];
	*err = 0;
	if (!l->api)
		*err = api_open(&l->api, e->tessdata, l->name, PSM_AUTO);
	return *err < 0 ? NULL : l;
}

/* One recognition with language i: text (NFC) and confidence. */
static int recognize_one(ds_ocr_engine *e, size_t i, struct Pix *pix, int dpi,
			 struct ds_ocr_result *r)
{
	struct lang_api *l;
	char *raw = NULL;
	int err, rc;

	/* Recognize's CPU counts the model's first load in this engine */
	double t0 = ds_ocr__thread_cpu();
	if (!(l = lang_get(e, i, &err)))
		return err;
	TessBaseAPISetImage2(l->api, pix);
	if (dpi > 0)
		TessBaseAPISetSourceResolution(l->api, dpi);
	rc = TessBaseAPIRecognize(l->api, NULL);
	double t1 = ds_ocr__thread_cpu();
	r->cpu_recognize += t1 - t0;
	if (rc != 0)
		return ds_error_set(DS_ERROR, "Tesseract (%s) could not recognise the page", l->name);
	raw = TessBaseAPIGetUTF8Text(l->api);
	if (!raw)
		return ds_error_set(DS_ERROR, "Tesseract (%s) returned no text", l->name);
	err = ds_ocr_nfc(&r->text, raw, strlen(raw));
	TessDeleteText(raw);
	if (err < 0)
		return err;
	r->confidence = TessBaseAPIMeanTextConf(l->api);
	r->cpu_output += ds_ocr__thread_cpu() - t1;
	memcpy(r->language, l->name, sizeof r->language);
	r->passes++;
	e->last = l->api;
	return 0;
}

static int blank_text(const char *s)
{
	for (; *s; s++)
		if (!(*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r' || *s == '\f'))
			return 0;
	return 1;
}

int ds_ocr_engine_recognize(ds_ocr_engine *e, struct Pix *pix, int dpi, int page_number,
			    struct ds_ocr_result *out)
{
	struct ds_ocr_result alt = {0};
	char *hocr = NULL;
	int err;

	memset(out, 0, sizeof *out);
	e->last = NULL;
	if (!pix)
		return ds_error_set(DS_EINVALID, "no page image");
	if ((err = recognize_one(e, 0, pix, dpi, out)) < 0)
		goto done;
	if (e->auto_mode) {
		size_t letters = 0, viet = 0, words = 0, syllables = 0;
		ds_ocr_viet_letters(out->text, &letters, &viet);
		ds_ocr_viet_syllables(out->text, &words, &syllables);
		/* Marks outside Vietnamese words: European accents (mostly
		 * Latin-1: eurotext's vie reading, 5 of 6) that the eng model
		 * cannot read, or marks the vie model put on English (mostly
		 * Vietnamese-only letters: 59-61 % on linn at 150 and 100 dpi). */
		size_t only = viet ? ds_ocr_viet_only_letters(out->text) : 0;
		int european = viet > 0 && (viet - only) * 3 >= viet * 2;
		if (viet == 0 || viet * 1000 < letters * AUTO_VIET_PERMILLE ||
		    (syllables * 100 < words * AUTO_SYLLABLE_PERCENT && !european)) {
			/* Not plainly Vietnamese: try eng and keep the more
			 * confident reading. */
			TessBaseAPI *vie_api = e->last;
			if ((err = recognize_one(e, 1, pix, dpi, &alt)) < 0) {
				out->cpu_recognize += alt.cpu_recognize;
				out->cpu_output += alt.cpu_output;
				goto done;
			}
			if (alt.confidence > out->confidence) {
				alt.passes += out->passes;
				alt.cpu_recognize += out->cpu_recognize;
				alt.cpu_output += out->cpu_output;
				ds_ocr_result_clear(out);
				*out = alt;
				memset(&alt, 0, sizeof alt);
			} else {
				out->passes += alt.passes;
				out->cpu_recognize += alt.cpu_recognize;
				out->cpu_output += alt.cpu_output;
				e->last = vie_api;
			}
		}
	}
	if (blank_text(out->text)) {
		err = ds_error_set(DS_EINVALID, "no text recognised");
		goto done;
	}
	double t0 = ds_ocr__thread_cpu();
	hocr = TessBaseAPIGetHOCRText(e->last, page_number > 0 ? page_number - 1 : 0);
	if (!hocr) {
		err = ds_error_set(DS_ERROR, "Tesseract returned no hOCR");
		goto done;
	}
	err = ds_ocr_nfc(&out->hocr, hocr, strlen(hocr));
	out->cpu_output += ds_ocr__thread_cpu() - t0;
done:
	if (hocr)
		TessDeleteText(hocr);
	ds_ocr_result_clear(&alt);
	if (err < 0)
		ds_ocr__result_drop(out);
	return err;
}
