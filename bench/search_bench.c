/* search_bench: builds a catalog with N synthetic pages of Vietnamese
 * text (default 100,000) and runs Q queries (default 1,000) of one to three
 * words whose document frequencies are sampled log-uniformly. Half are
 * typed without diacritics and run as the default search (the folded
 * index, where one query word matches every syllable that folds to it, so
 * its frequency is that of the whole group: tâm, tấm, tám… → tam); half
 * are typed with diacritics and run with the exact flag (the exact index,
 * the syllable's own frequency). A word typed with diacritics in the
 * default search folds to the same token as its plain form, which the
 * first half measures. Prints p50/p99 latency for queries whose every word
 * occurs on at most 5 % of pages of the index searched, and separately for
 * the rest.
 *
 *   search_bench DIR [PAGES] [QUERIES]
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dossier/catalog.h"
#include "dossier/catalog_ocr.h"
#include "dossier/error.h"
#include "dossier/fs.h"

#define WORDS_PER_PAGE 250
#define PAGES_PER_DOSSIER 10

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}
static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
static double unif(void) { return (double)(next() >> 11) / 9007199254740992.0; }

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Syllables: onset + nucleus with a tone + coda, as Vietnamese is written. */
static const char *onsets[] = {"", "b", "c", "ch", "d", "đ", "g", "gi", "h", "k", "kh", "l", "m",
			       "n", "ng", "nh", "ph", "qu", "r", "s", "t", "th", "tr", "v", "x"};
static const char *nuclei[][6] = {
	{"a", "à", "á", "ả", "ã", "ạ"}, {"ă", "ằ", "ắ", "ẳ", "ẵ", "ặ"}, {"â", "ầ", "ấ", "ẩ", "ẫ", "ậ"},
	{"e", "è", "é", "ẻ", "ẽ", "ẹ"}, {"ê", "ề", "ế", "ể", "ễ", "ệ"}, {"i", "ì", "í", "ỉ", "ĩ", "ị"},
	{"o", "ò", "ó", "ỏ", "õ", "ọ"}, {"ô", "ồ", "ố", "ổ", "ỗ", "ộ"}, {"ơ", "ờ", "ớ", "ở", "ỡ", "ợ"},
	{"u", "ù", "ú", "ủ", "ũ", "ụ"}, {"ư", "ừ", "ứ", "ử", "ữ", "ự"}, {"y", "ỳ", "ý", "ỷ", "ỹ", "ỵ"}};
static const char *codas[] = {"", "", "", "c", "ch", "m", "n", "ng", "nh", "p", "t", "i", "o", "u"};

#define VOCAB 20000
static char vocab[VOCAB][24];
static char folded[VOCAB][24];
static int group_of[VOCAB];      /* index of the word's folded form */
static char groups[VOCAB][24];   /* distinct folded forms */

static void fold(const char *in, char *out, size_t n)
{
	/* crude ASCII fold for the typed-without-diacritics queries: keep the
	 * base letter of each syllable piece by regenerating it */
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)in; *p && o + 1 < n;) {
		if (*p < 0x80) {
			out[o++] = (char)*p++;
			continue;
		}
		/* find which table entry starts here */
		int done = 0;
		for (size_t i = 0; i < sizeof nuclei / sizeof nuclei[0] && !done; i++)
			for (int t = 0; t < 6 && !done; t++) {
				size_t l = strlen(nuclei[i][t]);
				if (strncmp((const char *)p, nuclei[i][t], l) == 0) {
					char base = nuclei[i][0][0];
					if ((unsigned char)base >= 0x80) /* ă â ê ô ơ ư */
						base = i == 1 || i == 2 ? 'a' : i == 4 ? 'e' : i == 7 || i == 8 ? 'o' : 'u';
					out[o++] = base;
					p += l;
					done = 1;
				}
			}
		if (!done && p[0] == 0xC4 && p[1] == 0x91) {
			out[o++] = 'd';
			p += 2;
			done = 1;
		}
		if (!done)
			p++;
	}
	out[o] = '\0';
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Latencies of one class of searches (wall clock and CPU). */
struct lat {
	double *wall, *cpu;
	size_t n;
};
static int lat_init(struct lat *l, size_t cap)
{
	l->wall = calloc(cap, sizeof(double));
	l->cpu = calloc(cap, sizeof(double));
	l->n = 0;
	return l->wall && l->cpu ? 0 : -1;
}
static void lat_add(struct lat *l, double wall, double cpu)
{
	l->wall[l->n] = wall;
	l->cpu[l->n++] = cpu;
}
static void lat_free(struct lat *l)
{
	free(l->wall);
	free(l->cpu);
}
#define PCT(a, n, p) ((n) ? (a)[(size_t)((double)((n) - 1) * (p))] * 1000.0 : 0.0)
static void lat_print(const char *what, struct lat *l)
{
	qsort(l->wall, l->n, sizeof(double), cmp);
	qsort(l->cpu, l->n, sizeof(double), cmp);
	printf("%s n=%zu p50=%.2f ms p99=%.2f ms max=%.2f ms\n", what, l->n,
	       PCT(l->wall, l->n, 0.5), PCT(l->wall, l->n, 0.99), PCT(l->wall, l->n, 1.0));
}

int main(int argc, char **argv)
{
	ds_catalog *c = NULL;
	char db[4096], code[DS_CODE_MAX];
	long npages = argc > 2 ? strtol(argv[2], NULL, 10) : 100000;
	long nq = argc > 3 ? strtol(argv[3], NULL, 10) : 1000;
	static double cdf[VOCAB];
	int *df = NULL, *seen = NULL;
	char *text = NULL;

	if (argc < 2 || npages < PAGES_PER_DOSSIER || nq < 1) {
		fprintf(stderr, "usage: search_bench DIR [PAGES] [QUERIES]\n");
		return 64;
	}
	if (ds_fmt(db, sizeof db, "%s/catalog.db", argv[1]) < 0 || ds_catalog_open(&c, db, 1) < 0) {
		fprintf(stderr, "search_bench: %s\n", ds_error_last());
		return 1;
	}
	/* A vocabulary of distinct syllables with Zipf frequencies (s = 1). */
	size_t nv = 0;
	for (size_t a = 0; nv < VOCAB && a < 200000; a++) {
		const char *on = onsets[next() % (sizeof onsets / sizeof onsets[0])];
		size_t ni = next() % (sizeof nuclei / sizeof nuclei[0]);
		const char *nu = nuclei[ni][next() % 6];
		const char *co = codas[next() % (sizeof codas / sizeof codas[0])];
		char w[24];
		if (ds_fmt(w, sizeof w, "%s%s%s", on, nu, co) < 0)
			continue;
		int dup = 0;
		for (size_t k = 0; k < nv && !dup; k++)
			dup = strcmp(vocab[k], w) == 0;
		if (dup)
			continue;
		memcpy(vocab[nv], w, sizeof w);
		fold(w, folded[nv], sizeof folded[nv]);
		nv++;
	}
	double sum = 0;
	for (size_t k = 0; k < nv; k++)
		sum += 1.0 / (double)(k + 1);
	double acc = 0;
	for (size_t k = 0; k < nv; k++) {
		acc += 1.0 / (double)(k + 1) / sum;
		cdf[k] = acc;
	}
	/* Typed without diacritics, many syllables fold to one token (tâm,
	 * tấm, tám, tạm… → tam): such a query's frequency is the group's. */
	size_t ng = 0;
	for (size_t k = 0; k < nv; k++) {
		size_t g = 0;
		while (g < ng && strcmp(groups[g], folded[k]) != 0)
			g++;
		if (g == ng)
			memcpy(groups[ng++], folded[k], sizeof groups[0]);
		group_of[k] = (int)g;
	}
	int *dfg = calloc(ng, sizeof *dfg), *seeng = calloc(ng, sizeof *seeng);
	df = calloc(nv, sizeof *df);
	seen = calloc(nv, sizeof *seen);
	if (!dfg || !seeng)
		return 1;
	text = malloc(WORDS_PER_PAGE * 25 + 1);
	if (!df || !seen || !text)
		return 1;

	struct ds_procedure p = {.code = "1.000001", .name = "Đăng ký kinh doanh", .department = "B",
				 .days = 5};
	ds_catalog_department_add(c, "B", "Bench");
	ds_catalog_procedure_add(c, &p);
	/* BENCH_SEARCH_REUSE=1: DIR already holds the catalog of an earlier run
	 * with the same PAGES; the texts are generated again (same seed) for
	 * their frequencies but not inserted. BENCH_SEARCH_TRACE=1: every query
	 * with its latency on stderr. */
	const char *reuse_env = getenv("BENCH_SEARCH_REUSE"), *trace_env = getenv("BENCH_SEARCH_TRACE");
	int reuse = reuse_env && *reuse_env == '1', trace = trace_env && *trace_env == '1';
	double t0 = now();
	long page = 0;
	int64_t day = 1764000000;
	while (page < npages) {
		if (!reuse && ds_catalog_begin(c) < 0)
			goto fail;
		for (int d = 0; d < 100 && page < npages; d++) {
			struct ds_dossier_new dn = {.agency_id = "000.00.24.H05", .procedure = "1.000001",
						    .applicant_id = "1", .applicant_name = "Nguyễn Văn An",
						    .received_at = day + (page / 5000) * 86400,
						    .due_at = day + 10 * 86400, .utc_offset = 25200,
						    .actor = "bench"};
			if (!reuse && ds_catalog_dossier_create(c, &dn, code) < 0)
				goto fail;
			for (int k = 0; k < PAGES_PER_DOSSIER && page < npages; k++, page++) {
				struct ds_page pg = {.width = 2480, .height = 3508, .dpi = 300, .bits = 1};
				int num;
				memcpy(pg.kind, "page", 5);
				memset(pg.sha256, 'a', 64);
				if (!reuse && ds_catalog_page_add(c, code, &pg, &num) < 0)
					goto fail;
				size_t o = 0;
				for (int w = 0; w < WORDS_PER_PAGE; w++) {
					double u = unif();
					size_t lo = 0, hi = nv - 1;
					while (lo < hi) {
						size_t mid = (lo + hi) / 2;
						if (cdf[mid] < u)
							lo = mid + 1;
						else
							hi = mid;
					}
					if (seen[lo] != page + 1) {
						seen[lo] = (int)page + 1;
						df[lo]++;
					}
					if (seeng[group_of[lo]] != page + 1) {
						seeng[group_of[lo]] = (int)page + 1;
						dfg[group_of[lo]]++;
					}
					size_t l = strlen(vocab[lo]);
					memcpy(text + o, vocab[lo], l);
					o += l;
					text[o++] = w % 12 == 11 ? '\n' : ' ';
				}
				text[o] = '\0';
				pg.number = num;
				memcpy(pg.ocr_state, "done", 5);
				memcpy(pg.language, "vie", 4);
				pg.ocr_confidence = 90;
				if (!reuse && ds_catalog_ocr_page_set(c, code, &pg, text) < 0)
					goto fail;
			}
		}
		if (!reuse && ds_catalog_commit(c) < 0)
			goto fail;
	}
	double t_index = now() - t0;

	/* Queries: 1–3 words, each with a document frequency drawn
	 * log-uniformly in [1, npages] (the nearest word present). A query
	 * typed with diacritics runs twice: exact, and as the default search. */
	static const char *mode_name[3] = {"plain, default search", "diacritics, --exact",
					   "diacritics, default search"};
	struct lat lat[3][2] = {{{0}}};     /* [mode][rare] */
	struct lat all[2] = {{0}};
	for (int m = 0; m < 3; m++)
		for (int r = 0; r < 2; r++)
			if (lat_init(&lat[m][r], (size_t)nq) < 0)
				return 1;
	if (lat_init(&all[0], 2 * (size_t)nq) < 0 || lat_init(&all[1], 2 * (size_t)nq) < 0)
		return 1;
	long hits_total = 0, searches = 0;
	for (long q = 0; q < nq; q++) {
		char query[256];
		size_t o = 0;
		int nw = 1 + (int)(next() % 3), maxdf[3] = {0, 0, 0};
		int plain = next() % 2;
		for (int w = 0; w < nw; w++) {
			double target = exp(unif() * log((double)npages));
			size_t best = 0, nk = plain ? ng : nv;
			const int *f = plain ? dfg : df;
			double bd = 1e30;
			for (size_t k = 0; k < nk; k++) {
				if (f[k] == 0)
					continue;
				double dd = fabs(log((double)f[k]) - log(target));
				if (dd < bd) {
					bd = dd;
					best = k;
				}
			}
			/* the word's frequency in the index each mode searches */
			int fm[3] = {plain ? dfg[best] : 0, plain ? 0 : df[best],
				     plain ? 0 : dfg[group_of[best]]};
			for (int m = 0; m < 3; m++)
				if (fm[m] > maxdf[m])
					maxdf[m] = fm[m];
			const char *word = plain ? groups[best] : vocab[best];
			size_t l = strlen(word);
			if (o + l + 2 >= sizeof query)
				break;
			if (o)
				query[o++] = ' ';
			memcpy(query + o, word, l);
			o += l;
		}
		query[o] = '\0';
		for (int m = plain ? 0 : 1; m < (plain ? 1 : 3); m++) {
			struct ds_search_query sq = {.text = query, .limit = 20, .mark_open = "[",
						     .mark_close = "]", .exact = m == 1};
			struct ds_search_hit *h = NULL;
			size_t n = 0;
			int rare = (double)maxdf[m] <= 0.05 * (double)npages;
			double s = now(), sc = cpu_now();
			if (ds_catalog_search(c, &sq, &h, &n) < 0)
				goto fail;
			double e = now() - s, ec = cpu_now() - sc;
			hits_total += (long)n;
			searches++;
			free(h);
			if (trace)
				fprintf(stderr, "%s\t%.2f ms\t%zu hits\tdf %d\t%s\t%s\n",
					rare ? "rare" : "common", e * 1000.0, n, maxdf[m], mode_name[m],
					query);
			lat_add(&lat[m][rare], e, ec);
			lat_add(&all[rare], e, ec);
		}
	}
	printf("pages %ld, vocabulary %zu (%zu without diacritics), index build %.1f s (%.0f pages/s)\n", npages, nv, ng, t_index,
	       (double)npages / t_index);
	printf("queries %ld (%ld searches), mean hits %.1f\n", nq, searches,
	       (double)hits_total / (double)searches);
	printf("rare: every word on <= 5%% of the pages of the index searched; common: the rest\n");
	printf("wall-clock latency, all searches:\n");
	lat_print("rare  ", &all[1]);
	lat_print("common", &all[0]);
	for (int m = 0; m < 3; m++) {
		printf("%s:\n", mode_name[m]);
		lat_print("  rare  ", &lat[m][1]);
		lat_print("  common", &lat[m][0]);
	}
	printf("CPU time per search, all (independent of other load on the machine):\n");
	printf("rare   p50=%.2f ms p99=%.2f ms; common p50=%.2f ms p99=%.2f ms\n",
	       PCT(all[1].cpu, all[1].n, 0.5), PCT(all[1].cpu, all[1].n, 0.99),
	       PCT(all[0].cpu, all[0].n, 0.5), PCT(all[0].cpu, all[0].n, 0.99));
	for (int m = 0; m < 3; m++)
		for (int r = 0; r < 2; r++)
			lat_free(&lat[m][r]);
	lat_free(&all[0]);
	lat_free(&all[1]);
	free(df);
	free(seen);
	free(dfg);
	free(seeng);
	free(text);
	ds_catalog_free(c);
	return 0;
fail:
	fprintf(stderr, "search_bench: %s\n", ds_error_last());
	return 1;
}
