/* A small RFC 3161 responder for the tests, on 127.0.0.1 and an ephemeral
 * port (written to PORTFILE once listening). It answers with OpenSSL's
 * TS_RESP_CTX; the URL path picks a behaviour so that the client's checks
 * can be tested:
 *   /ok         a correct reply
 *   /reject     a rejection (the hash algorithm is refused)
 *   /nonce      a reply to a request with another nonce
 *   /imprint    a reply over another imprint
 *   /untrusted  a reply signed by a self-signed TSA nobody trusts
 *   /garbage    bytes that are not a reply
 * usage: ds_tsa_server TSA.key TSA.pem PASSFILE PORTFILE
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>

#include "dossier/error.h"
#include "signer/signer_int.h"

static TS_RESP_CTX *make_ctx(X509 *cert, EVP_PKEY *key, int with_sha256)
{
	TS_RESP_CTX *ctx = TS_RESP_CTX_new();
	ASN1_OBJECT *pol = OBJ_txt2obj("1.3.6.1.4.1.99999.3161.1", 1);
	if (!ctx || !pol || !TS_RESP_CTX_set_signer_cert(ctx, cert) ||
	    !TS_RESP_CTX_set_signer_key(ctx, key) ||
	    !TS_RESP_CTX_set_signer_digest(ctx, EVP_sha256()) ||
	    !TS_RESP_CTX_set_ess_cert_id_digest(ctx, EVP_sha256()) ||
	    !TS_RESP_CTX_set_def_policy(ctx, pol) ||
	    !TS_RESP_CTX_add_md(ctx, with_sha256 ? EVP_sha256() : EVP_sha512()) ||
	    !TS_RESP_CTX_set_accuracy(ctx, 1, 0, 0)) {
		ERR_print_errors_fp(stderr);
		exit(1);
	}
	ASN1_OBJECT_free(pol);
	return ctx;
}

/* A throw-away self-signed TSA certificate. */
static void make_rogue(X509 **xo, EVP_PKEY **ko)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	X509V3_CTX v;
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"Rogue TSA", -1, -1, 0);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, n);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, k);
	X509V3_set_ctx_nodb(&v);
	X509V3_set_ctx(&v, x, x, NULL, NULL, 0);
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v, NID_ext_key_usage, "critical,timeStamping");
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	X509_sign(x, k, EVP_sha256());
	X509_NAME_free(n);
	*xo = x;
	*ko = k;
}

static int read_request(int fd, char *path, size_t pn, unsigned char **body, size_t *blen)
{
	char hdr[8192];
	size_t hl = 0;
	char *end = NULL;
	while (!end) {
		if (hl + 1 >= sizeof hdr)
			return -1;
		ssize_t r = read(fd, hdr + hl, sizeof hdr - 1 - hl);
		if (r <= 0)
			return -1;
		hl += (size_t)r;
		hdr[hl] = '\0';
		end = strstr(hdr, "\r\n\r\n");
	}
	size_t head = (size_t)(end - hdr) + 4;
	char *sp1 = strchr(hdr, ' ');
	char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (!sp2 || (size_t)(sp2 - sp1 - 1) >= pn)
		return -1;
	memcpy(path, sp1 + 1, (size_t)(sp2 - sp1 - 1));
	path[sp2 - sp1 - 1] = '\0';
	long cl = -1;
	for (char *l = strstr(hdr, "\r\n"); l && l < end; l = strstr(l + 2, "\r\n"))
		if (strncasecmp(l + 2, "Content-Length:", 15) == 0)
			cl = strtol(l + 17, NULL, 10);
	if (cl < 0 || cl > 65536)
		return -1;
	unsigned char *b = malloc((size_t)cl + 1);
	size_t have = hl - head;
	if (!b || have > (size_t)cl) {
		free(b);
		return -1;
	}
	memcpy(b, hdr + head, have);
	while (have < (size_t)cl) {
		ssize_t r = read(fd, b + have, (size_t)cl - have);
		if (r <= 0) {
			free(b);
			return -1;
		}
		have += (size_t)r;
	}
	*body = b;
	*blen = (size_t)cl;
	return 0;
}

static void reply(int fd, const unsigned char *data, size_t len)
{
	char h[256];
	int n = snprintf(h, sizeof h,
			 "HTTP/1.0 200 OK\r\nContent-Type: application/timestamp-reply\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n", len);
	if (n > 0 && write(fd, h, (size_t)n) == n && len)
		(void)!write(fd, data, len);
}

int main(int argc, char **argv)
{
	ds_signer *s = NULL;
	char pass[1024];
	X509 *rogue_x = NULL;
	EVP_PKEY *rogue_k = NULL;

	if (argc != 5) {
		fprintf(stderr, "usage: %s TSA.key TSA.pem PASSFILE PORTFILE\n", argv[0]);
		return 64;
	}
	signal(SIGPIPE, SIG_IGN);
	FILE *pf = fopen(argv[3], "r");
	if (!pf || !fgets(pass, sizeof pass, pf)) {
		fprintf(stderr, "cannot read %s\n", argv[3]);
		return 1;
	}
	fclose(pf);
	pass[strcspn(pass, "\r\n")] = '\0';
	if (ds_signer_load_file(&s, argv[1], argv[2], pass, strlen(pass)) < 0) {
		fprintf(stderr, "tsa: %s\n", ds_error_last());
		return 1;
	}
	make_rogue(&rogue_x, &rogue_k);
	TS_RESP_CTX *ok = make_ctx(s->cert, s->key, 1);
	TS_RESP_CTX *rej = make_ctx(s->cert, s->key, 0);
	TS_RESP_CTX *rogue = make_ctx(rogue_x, rogue_k, 1);

	int ls = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {0};
	socklen_t al = sizeof a;
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = 0;
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 16) != 0 ||
	    getsockname(ls, (struct sockaddr *)&a, &al) != 0) {
		perror("tsa: listen");
		return 1;
	}
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.tmp", argv[4]);
	FILE *out = fopen(tmp, "w");
	if (!out || fprintf(out, "%u\n", (unsigned)ntohs(a.sin_port)) < 0 || fclose(out) != 0 ||
	    rename(tmp, argv[4]) != 0) {
		perror("tsa: port file");
		return 1;
	}
	for (;;) {
		int c = accept(ls, NULL, NULL);
		if (c < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		char path[256];
		unsigned char *body = NULL;
		size_t blen = 0;
		if (read_request(c, path, sizeof path, &body, &blen) == 0) {
			TS_RESP_CTX *ctx = ok;
			const unsigned char *p = body;
			TS_REQ *req = d2i_TS_REQ(NULL, &p, (long)blen);
			if (strcmp(path, "/garbage") == 0) {
				reply(c, (const unsigned char *)"\x30\x03\x02\x01\x00", 5);
				goto next;
			}
			if (strcmp(path, "/reject") == 0)
				ctx = rej;
			if (strcmp(path, "/untrusted") == 0)
				ctx = rogue;
			if (req && strcmp(path, "/nonce") == 0) {
				ASN1_INTEGER *n = ASN1_INTEGER_new();
				ASN1_INTEGER_set(n, 424242);
				TS_REQ_set_nonce(req, n);
				ASN1_INTEGER_free(n);
			}
			if (req && strcmp(path, "/imprint") == 0) {
				TS_MSG_IMPRINT *mi = TS_REQ_get_msg_imprint(req);
				ASN1_OCTET_STRING *m = TS_MSG_IMPRINT_get_msg(mi);
				unsigned char z[32] = {1};
				ASN1_OCTET_STRING_set(m, z, sizeof z);
			}
			unsigned char *der = NULL;
			int dl = req ? i2d_TS_REQ(req, &der) : -1;
			BIO *in = dl > 0 ? BIO_new_mem_buf(der, dl) : NULL;
			TS_RESP *resp = in ? TS_RESP_create_response(ctx, in) : NULL;
			unsigned char *rd = NULL;
			int rl = resp ? i2d_TS_RESP(resp, &rd) : -1;
			if (rl > 0)
				reply(c, rd, (size_t)rl);
			else
				ERR_print_errors_fp(stderr);
			OPENSSL_free(rd);
			TS_RESP_free(resp);
			BIO_free(in);
			OPENSSL_free(der);
		next:
			TS_REQ_free(req);
			free(body);
		}
		close(c);
	}
	return 0;
}
