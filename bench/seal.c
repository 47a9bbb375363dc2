/* Seals per second in one process: ds_cades_sign at B-B (which verifies
 * what it signed before returning), key unlocked once.
 * usage: ds_bench_seal KEY CERT PASSFILE MANIFEST SECONDS [OUT.p7s] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dossier/error.h"
#include "dossier/signer.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	char pass[1024];
	ds_signer *s = NULL;
	if (argc < 6) {
		fprintf(stderr, "usage: %s KEY CERT PASSFILE MANIFEST SECONDS [OUT]\n", argv[0]);
		return 64;
	}
	FILE *f = fopen(argv[3], "r");
	if (!f || !fgets(pass, sizeof pass, f))
		return 1;
	fclose(f);
	pass[strcspn(pass, "\r\n")] = '\0';
	f = fopen(argv[4], "rb");
	if (!f)
		return 1;
	static unsigned char data[1 << 20];
	size_t len = fread(data, 1, sizeof data, f);
	fclose(f);
	double t0 = now();
	if (ds_signer_load_file(&s, argv[1], argv[2], pass, strlen(pass)) < 0) {
		fprintf(stderr, "%s\n", ds_error_last());
		return 1;
	}
	double unlock = now() - t0;
	double secs = strtod(argv[5], NULL);
	struct ds_sign_opts o = {.level = DS_CADES_B_B};
	unsigned long n = 0;
	t0 = now();
	double t;
	do {
		unsigned char *p7s = NULL;
		size_t pl = 0;
		if (ds_cades_sign(s, data, len, &o, &p7s, &pl) < 0) {
			fprintf(stderr, "%s\n", ds_error_last());
			return 1;
		}
		if (argc > 6 && n == 0) {
			FILE *out = fopen(argv[6], "wb");
			if (!out || fwrite(p7s, 1, pl, out) != pl || fclose(out) != 0)
				return 1;
		}
		free(p7s);
		n++;
		t = now() - t0;
	} while (t < secs);
	printf("seals %lu seconds %.3f per_second %.1f unlock_seconds %.3f\n", n, t, (double)n / t,
	       unlock);
	ds_signer_free(s);
	return 0;
}
