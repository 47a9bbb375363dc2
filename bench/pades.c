/* bench/pades: signing one PDF with the approver's and the seal's PAdES
 * signatures at B-B, the keys unlocked once before timing; ROUNDS rounds,
 * the median of each stage (parse, write, hash, CMS, read-back check) and of
 * the total for both signatures; then ds_pades_verify on the signed file.
 *   pades APPROVER_KEY APPROVER_CERT SEAL_KEY SEAL_CERT PASSFILE IN.pdf OUT.pdf ROUNDS TRUST
 * Prints one line per figure: "name milliseconds". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/pades.h"

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static double median_ms(int64_t *v, size_t n)
{
	qsort(v, n, sizeof v[0], cmp64);
	return (double)v[n / 2] / 1e6;
}

static int die(const char *what)
{
	fprintf(stderr, "bench/pades: %s: %s\n", what, ds_error_last());
	return 1;
}

#define ROUNDS_MAX 1000

int main(int argc, char **argv)
{
	if (argc != 10) {
		fprintf(stderr, "usage: pades AKEY ACERT SKEY SCERT PASSFILE IN OUT ROUNDS TRUST\n");
		return 64;
	}
	char pass[256];
	FILE *f = fopen(argv[5], "r");
	if (!f || !fgets(pass, sizeof pass, f))
		return die(argv[5]);
	fclose(f);
	pass[strcspn(pass, "\r\n")] = '\0';
	long rounds = strtol(argv[8], NULL, 10);
	if (rounds < 1 || rounds > ROUNDS_MAX)
		rounds = 20;
	ds_signer *a = NULL, *s = NULL;
	int64_t t = now_ns();
	if (ds_signer_load_file(&a, argv[1], argv[2], pass, strlen(pass)) < 0 ||
	    ds_signer_load_file(&s, argv[3], argv[4], pass, strlen(pass)) < 0)
		return die("unlocking the keys");
	printf("unlock %.1f\n", (double)(now_ns() - t) / 1e6);
	unsigned char *in = NULL, *mid = NULL, *out = NULL;
	size_t len = 0, mid_len = 0, out_len = 0;
	if (ds_file_read(argv[6], DS_PDF_MAX, &in, &len) < 0)
		return die(argv[6]);
	static int64_t total[ROUNDS_MAX], parse[ROUNDS_MAX], write[ROUNDS_MAX], hash[ROUNDS_MAX],
		cms[ROUNDS_MAX], check[ROUNDS_MAX], verify[ROUNDS_MAX], cpu[ROUNDS_MAX];
	for (long r = 0; r < rounds; r++) {
		struct ds_pades_timing ta, ts;
		struct ds_pades_opts ao = {.field_name = "Approver", .name = "an", .timing = &ta,
					   .utc_offset = 7 * 3600};
		struct ds_pades_opts so = {.field_name = "Seal", .name = "STNMT-1", .timing = &ts,
					   .utc_offset = 7 * 3600};
		free(mid);
		free(out);
		int64_t c0 = cpu_ns();
		t = now_ns();
		if (ds_pades_sign(a, argv[6], in, len, &ao, &mid, &mid_len) < 0 ||
		    ds_pades_sign(s, argv[6], mid, mid_len, &so, &out, &out_len) < 0)
			return die("signing");
		total[r] = now_ns() - t;
		cpu[r] = cpu_ns() - c0;
		parse[r] = ta.parse_ns + ts.parse_ns;
		write[r] = ta.write_ns + ts.write_ns;
		hash[r] = ta.hash_ns + ts.hash_ns;
		cms[r] = ta.cms_ns + ts.cms_ns;
		check[r] = ta.check_ns + ts.check_ns;
		struct ds_verify_opts vo = {.trust_pem_path = argv[9]};
		struct ds_pades_report *rep = NULL;
		t = now_ns();
		if (ds_pades_verify(argv[7], out, out_len, &vo, &rep) < 0)
			return die("verifying");
		verify[r] = now_ns() - t;
		if (rep->indication != DS_TOTAL_PASSED || rep->nsigs != 2) {
			fprintf(stderr, "bench/pades: the signed file does not verify\n");
			return 1;
		}
		free(rep);
	}
	f = fopen(argv[7], "wb");
	if (!f || fwrite(out, 1, out_len, f) != out_len || fclose(f) != 0)
		return die(argv[7]);
	printf("sign_both %.2f\n", median_ms(total, (size_t)rounds));
	printf("sign_both_cpu %.2f\n", median_ms(cpu, (size_t)rounds));
	printf("parse %.2f\n", median_ms(parse, (size_t)rounds));
	printf("write %.2f\n", median_ms(write, (size_t)rounds));
	printf("hash %.2f\n", median_ms(hash, (size_t)rounds));
	printf("cms %.2f\n", median_ms(cms, (size_t)rounds));
	printf("check %.2f\n", median_ms(check, (size_t)rounds));
	printf("verify_inproc %.2f\n", median_ms(verify, (size_t)rounds));
	printf("bytes_in %zu\nbytes_out %zu\n", len, out_len);
	free(in);
	free(mid);
	free(out);
	ds_signer_free(a);
	ds_signer_free(s);
	return 0;
}
