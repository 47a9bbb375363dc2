/* RFC 3161 time-stamp client: request over HTTP(S) with libcurl, response
 * checked (status, nonce, imprint, TSA signature, certificate and EKU). */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>

#include "dossier/error.h"
#include "signer/signer_int.h"

struct sink {
	unsigned char *buf;
	size_t len;
	int too_big;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *u)
{
	struct sink *s = u;
	size_t n;
	if (__builtin_mul_overflow(size, nmemb, &n))
		return 0;
	if (n > DS_TSA_REPLY_MAX - s->len) {
		s->too_big = 1;
		return 0;
	}
	unsigned char *nb = realloc(s->buf, s->len + n + 1);
	if (!nb)
		return 0;
	memcpy(nb + s->len, ptr, n);
	s->buf = nb;
	s->len += n;
	return n;
}

static int http_post(const char *url, const unsigned char *body, size_t body_len, struct sink *out)
{
	CURL *h = curl_easy_init();
	struct curl_slist *hdr = NULL;
	char ebuf[CURL_ERROR_SIZE] = "";
	long code = 0;
	int err = 0;

	if (!h)
		return ds_error_set(DS_ENOMEM, "curl_easy_init failed");
	hdr = curl_slist_append(hdr, "Content-Type: application/timestamp-query");
	if (!hdr) {
		err = ds_error_set(DS_ENOMEM, "out of memory");
		goto done;
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, (const char *)body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)body_len);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	CURLcode rc = curl_easy_perform(h);
	if (out->too_big) {
		err = ds_error_set(DS_ETOOBIG, "%s: time-stamp reply larger than %u bytes", url,
				   DS_TSA_REPLY_MAX);
		goto done;
	}
	if (rc != CURLE_OK) {
		err = ds_error_set(DS_EIO, "%s: %s", url, ebuf[0] ? ebuf : curl_easy_strerror(rc));
		goto done;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	if (code != 200) {
		err = ds_error_set(DS_EIO, "%s: HTTP status %ld", url, code);
		goto done;
	}
done:
	curl_slist_free_all(hdr);
	curl_easy_cleanup(h);
	return err;
}

int ds_signer__tsa_stamp(const char *url, const char *tsa_trust_path,
			 const unsigned char *sigval, size_t sigval_len,
			 unsigned char **der, size_t *der_len)
{
	unsigned char md[32];
	unsigned char nonce_b[8];
	TS_REQ *req = NULL;
	TS_MSG_IMPRINT *mi = NULL;
	X509_ALGOR *alg = NULL;
	ASN1_INTEGER *nonce = NULL;
	BIGNUM *bn = NULL;
	unsigned char *req_der = NULL;
	int req_len;
	struct sink reply = {0};
	TS_RESP *resp = NULL;
	TS_VERIFY_CTX *vctx = NULL;
	X509_STORE *store = NULL;
	STACK_OF(X509) *trust = NULL;
	int err = 0;

	*der = NULL;
	*der_len = 0;
	if (!url || !*url)
		return ds_error_set(DS_EINVALID, "a time-stamp (B-T) needs a TSA URL");
	if (!tsa_trust_path)
		return ds_error_set(DS_EINVALID, "a time-stamp needs the TSA's CA to check the reply");
	if (!EVP_Digest(sigval, sigval_len, md, NULL, EVP_sha256(), NULL)) {
		err = ds_error_set_openssl(DS_ECRYPTO, "hashing the signature value");
		goto done;
	}
	if (RAND_bytes(nonce_b, sizeof nonce_b) != 1) {
		err = ds_error_set_openssl(DS_ECRYPTO, "nonce");
		goto done;
	}
	nonce_b[0] &= 0x7f;
	req = TS_REQ_new();
	mi = TS_MSG_IMPRINT_new();
	alg = X509_ALGOR_new();
	bn = BN_bin2bn(nonce_b, sizeof nonce_b, NULL);
	nonce = bn ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
	if (!req || !mi || !alg || !nonce || !TS_REQ_set_version(req, 1) ||
	    !X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) ||
	    !TS_MSG_IMPRINT_set_algo(mi, alg) || !TS_MSG_IMPRINT_set_msg(mi, md, sizeof md) ||
	    !TS_REQ_set_msg_imprint(req, mi) || !TS_REQ_set_nonce(req, nonce) ||
	    !TS_REQ_set_cert_req(req, 1)) {
		err = ds_error_set_openssl(DS_ECRYPTO, "building the time-stamp request");
		goto done;
	}
	req_len = i2d_TS_REQ(req, &req_der);
	if (req_len <= 0) {
		err = ds_error_set_openssl(DS_ECRYPTO, "encoding the time-stamp request");
		goto done;
	}
	if ((err = http_post(url, req_der, (size_t)req_len, &reply)) < 0)
		goto done;
	const unsigned char *p = reply.buf;
	resp = reply.buf ? d2i_TS_RESP(NULL, &p, (long)reply.len) : NULL;
	if (!resp || p != reply.buf + reply.len) {
		err = ds_error_set_openssl(DS_EINVALID, "%s: not a time-stamp reply", url);
		goto done;
	}
	if ((err = ds_signer__certs_read(&trust, tsa_trust_path)) < 0)
		goto done;
	store = X509_STORE_new();
	if (!store) {
		err = ds_error_set(DS_ENOMEM, "out of memory");
		goto done;
	}
	for (int i = 0; i < sk_X509_num(trust); i++)
		X509_STORE_add_cert(store, sk_X509_value(trust, i));
	vctx = TS_REQ_to_TS_VERIFY_CTX(req, NULL);
	if (!vctx) {
		err = ds_error_set_openssl(DS_ECRYPTO, "time-stamp verification context");
		goto done;
	}
	/* status, version, imprint, nonce (from the request), plus the TSA's
	 * signature and certificate: X509_PURPOSE_TIMESTAMP_SIGN requires the
	 * critical timeStamping EKU. */
	TS_VERIFY_CTX_add_flags(vctx, TS_VFY_SIGNATURE | TS_VFY_VERSION | TS_VFY_IMPRINT |
					      TS_VFY_NONCE);
	TS_VERIFY_CTX_set_store(vctx, store);
	store = NULL; /* transferred */
	if (TS_RESP_verify_response(vctx, resp) != 1) {
		err = ds_error_set_openssl(DS_ESIG, "%s: time-stamp reply refused", url);
		goto done;
	}
	PKCS7 *tok = TS_RESP_get_token(resp);
	unsigned char *t = NULL;
	int tl = tok ? i2d_PKCS7(tok, &t) : -1;
	if (tl <= 0) {
		err = ds_error_set_openssl(DS_ECRYPTO, "%s: encoding the token", url);
		goto done;
	}
	*der = t;
	*der_len = (size_t)tl;
done:
	TS_REQ_free(req);
	TS_MSG_IMPRINT_free(mi);
	X509_ALGOR_free(alg);
	ASN1_INTEGER_free(nonce);
	BN_free(bn);
	OPENSSL_free(req_der);
	free(reply.buf);
	TS_RESP_free(resp);
	TS_VERIFY_CTX_free(vctx);
	X509_STORE_free(store);
	sk_X509_pop_free(trust, X509_free);
	return err;
}
