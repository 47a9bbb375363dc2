/* Times ds_archive_seal on a digitised dossier, keys unlocked once (the
 * issue's target excludes key unlock): N seals (the first a seal, the rest
 * reseals), printing "median_ms min_ms bundle_bytes".
 *
 * usage: archive_seal HOME CODE N   (keys as made by ds_archive_setup) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "dossier/archive.h"
#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/home.h"
#include "dossier/signer.h"

struct sarg {
	ds_signer *s;
	struct ds_sign_opts o;
};

static int sign_cb(void *arg, const unsigned char *d, size_t n, unsigned char **p7s, size_t *len)
{
	struct sarg *a = arg;
	return ds_cades_sign(a->s, d, n, &a->o, p7s, len);
}

static ds_signer *load(const char *home, const char *name)
{
	char key[DS_PATH_MAX], cert[DS_PATH_MAX], pf[DS_PATH_MAX], pass[256];
	unsigned char *b = NULL;
	size_t len = 0;
	ds_signer *s = NULL;
	if (ds_fmt(key, sizeof key, "%s/pki/%s.key", home, name) < 0 ||
	    ds_fmt(cert, sizeof cert, "%s/pki/%s.pem", home, name) < 0 ||
	    ds_fmt(pf, sizeof pf, "%s/pki/%s.pass", home, name) < 0 ||
	    ds_file_read(pf, sizeof pass - 1, &b, &len) < 0)
		return NULL;
	memcpy(pass, b, len);
	free(b);
	if (ds_signer_load_file(&s, key, cert, pass, len) < 0)
		fprintf(stderr, "%s: %s\n", name, ds_error_last());
	return s;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc != 4)
		return 64;
	const char *home = argv[1], *code = argv[2];
	int n = (int)strtol(argv[3], NULL, 10);
	if (n < 1 || n > 1000)
		return 64;
	ds_home *h = NULL;
	if (ds_home_open(&h, home) < 0) {
		fprintf(stderr, "%s\n", ds_error_last());
		return 1;
	}
	struct sarg seal = {load(home, "seals/STNMT-1"), {0}}, appr = {load(home, "approvers/an"), {0}};
	if (!seal.s || !appr.s)
		return 1;
	double *ms = calloc((size_t)n, sizeof *ms);
	struct ds_archive_seal_result res;
	for (int i = 0; i < n; i++) {
		struct ds_archive_seal_opts o = {.code = code, .seal_id = "STNMT-1", .approver = "an",
						 .level = "B-B", .reseal = 1, .seal_sign = sign_cb,
						 .seal_arg = &seal, .approver_sign = sign_cb,
						 .approver_arg = &appr};
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		if (ds_archive_seal(h, &o, &res) < 0) {
			fprintf(stderr, "seal: %s\n", ds_error_last());
			free(ms);
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &b);
		ms[i] = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
	}
	struct stat st;
	if (stat(res.path, &st) != 0) {
		free(ms);
		return 1;
	}
	qsort(ms, (size_t)n, sizeof *ms, cmp);
	printf("%.1f %.1f %lld\n", ms[n / 2], ms[0], (long long)st.st_size);
	free(ms);
	ds_signer_free(seal.s);
	ds_signer_free(appr.s);
	ds_home_free(h);
	return 0;
}
