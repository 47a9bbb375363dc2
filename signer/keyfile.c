/* Key files: encrypted PKCS#8 PEM with a strong KDF, careful modes; and
 * small certificate helpers shared by signer/. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "dossier/error.h"
#include "signer/signer_int.h"

int ds_signer__read_file(const char *path, size_t max, unsigned char **out, size_t *len)
{
	int fd = -1, err = 0;
	unsigned char *buf = NULL;
	struct stat st;
	size_t got = 0;

	*out = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		err = ds_error_set_errno(errno == ENOENT ? DS_ENOTFOUND : DS_EIO, errno, "%s", path);
		goto done;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		err = ds_error_set(DS_EIO, "%s: not a regular file", path);
		goto done;
	}
	if ((uint64_t)st.st_size > max) {
		err = ds_error_set(DS_ETOOBIG, "%s: larger than %zu bytes", path, max);
		goto done;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		err = ds_error_set(DS_ENOMEM, "%s: out of memory", path);
		goto done;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = ds_error_set_errno(DS_EIO, errno, "%s", path);
			goto done;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	buf = NULL; /* transferred */
done:
	if (fd >= 0)
		close(fd);
	free(buf);
	return err;
}

int ds_secret_file_create(const char *path, const void *data, size_t len)
{
	char dir[4096];
	struct stat st;
	int fd = -1, err = 0;
	const char *slash = strrchr(path, '/');

	if (slash) {
		size_t dl = (size_t)(slash - path);
		if (dl == 0)
			dl = 1;
		if (dl >= sizeof dir)
			return ds_error_set(DS_ETOOBIG, "%s: path too long", path);
		memcpy(dir, path, dl);
		dir[dl] = '\0';
	} else {
		dir[0] = '.';
		dir[1] = '\0';
	}
	if (stat(dir, &st) != 0)
		return ds_error_set_errno(DS_EIO, errno, "%s", dir);
	if ((st.st_mode & 077) != 0)
		return ds_error_set(DS_EPERM,
				    "%s: folder for a key is accessible by group or others (mode %o; want 0700)",
				    dir, (unsigned)(st.st_mode & 07777));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return ds_error_set_errno(errno == EEXIST ? DS_EEXISTS : DS_EIO, errno, "%s", path);
	const unsigned char *p = data;
	size_t left = len;
	while (left > 0) {
		ssize_t w = write(fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			err = ds_error_set_errno(DS_EIO, errno, "%s: write", path);
			goto done;
		}
		p += w;
		left -= (size_t)w;
	}
	if (fsync(fd) != 0) {
		err = ds_error_set_errno(DS_EIO, errno, "%s: fsync", path);
		goto done;
	}
done:
	if (fd >= 0 && close(fd) != 0 && err == 0)
		err = ds_error_set_errno(DS_EIO, errno, "%s: close", path);
	if (err < 0)
		unlink(path);
	return err;
}

int ds_signer__key_write(const char *path, EVP_PKEY *pkey, const char *pass, size_t pass_len)
{
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	X509_ALGOR *pbe = NULL;
	X509_SIG *enc = NULL;
	BIO *mem = NULL;
	unsigned char salt[16];
	char *pem = NULL;
	long pem_len;
	int err = 0;

	if (pass_len == 0 || pass_len > INT_MAX)
		return ds_error_set(DS_EINVALID, "%s: an empty passphrase is not accepted", path);
	if (RAND_bytes(salt, sizeof salt) != 1) {
		err = ds_error_set_openssl(DS_ECRYPTO, "%s: random salt", path);
		goto done;
	}
	p8 = EVP_PKEY2PKCS8(pkey);
	pbe = PKCS5_pbe2_set_iv(EVP_aes_256_cbc(), DS_KEY_PBKDF2_ITER, salt, (int)sizeof salt, NULL,
				NID_hmacWithSHA256);
	if (!p8 || !pbe) {
		err = ds_error_set_openssl(DS_ECRYPTO, "%s: preparing PKCS#8", path);
		goto done;
	}
	enc = PKCS8_set0_pbe(pass, (int)pass_len, p8, pbe);
	if (!enc) {
		err = ds_error_set_openssl(DS_ECRYPTO, "%s: encrypting the key", path);
		goto done;
	}
	pbe = NULL; /* transferred to enc */
	mem = BIO_new(BIO_s_secmem());
	if (!mem || PEM_write_bio_PKCS8(mem, enc) != 1) {
		err = ds_error_set_openssl(DS_ECRYPTO, "%s: PEM encoding", path);
		goto done;
	}
	pem_len = BIO_get_mem_data(mem, &pem);
	if (pem_len <= 0) {
		err = ds_error_set(DS_ECRYPTO, "%s: PEM encoding", path);
		goto done;
	}
	err = ds_secret_file_create(path, pem, (size_t)pem_len);
done:
	OPENSSL_cleanse(salt, sizeof salt);
	PKCS8_PRIV_KEY_INFO_free(p8);
	X509_ALGOR_free(pbe);
	X509_SIG_free(enc);
	BIO_free(mem);
	return err;
}

/* Opens a key file without following a symbolic link and checks the mode
 * on the descriptor it then reads, so the file checked is the file read. */
static int key_file_open_checked(const char *path, unsigned char **buf, size_t *len)
{
	struct stat st;
	int fd, err = 0;
	unsigned char *b = NULL;
	size_t got = 0;

	*buf = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ELOOP)
			return ds_error_set(DS_EPERM, "%s: a key file may not be a symbolic link", path);
		return ds_error_set_errno(errno == ENOENT ? DS_ENOTFOUND : DS_EIO, errno, "%s", path);
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		err = ds_error_set(DS_EIO, "%s: not a regular file", path);
		goto done;
	}
	if ((st.st_mode & 077) != 0) {
		err = ds_error_set(DS_EPERM,
				   "%s: key file is accessible by group or others (mode %o; want 0600)",
				   path, (unsigned)(st.st_mode & 07777));
		goto done;
	}
	if ((uint64_t)st.st_size > DS_KEY_FILE_MAX) {
		err = ds_error_set(DS_ETOOBIG, "%s: larger than %u bytes", path, DS_KEY_FILE_MAX);
		goto done;
	}
	b = malloc((size_t)st.st_size + 1);
	if (!b) {
		err = ds_error_set(DS_ENOMEM, "%s: out of memory", path);
		goto done;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, b + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = ds_error_set_errno(DS_EIO, errno, "%s", path);
			goto done;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	b[got] = '\0';
	*buf = b;
	*len = got;
	b = NULL; /* transferred */
done:
	if (b) {
		OPENSSL_cleanse(b, (size_t)st.st_size);
		free(b);
	}
	close(fd);
	return err;
}

struct pass_cb {
	const char *pass;
	size_t len;
};

static int pass_cb(char *buf, int size, int rwflag, void *u)
{
	const struct pass_cb *p = u;
	(void)rwflag;
	if (!p || size < 0 || p->len > (size_t)size)
		return -1;
	memcpy(buf, p->pass, p->len);
	return (int)p->len;
}

int ds_signer__key_read(EVP_PKEY **out, const char *path, const char *pass, size_t pass_len)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	BIO *bio = NULL;
	EVP_PKEY *k = NULL;
	int err;
	struct pass_cb cb = {pass, pass_len};

	*out = NULL;
	if ((err = key_file_open_checked(path, &buf, &len)) < 0)
		goto done;
	if (!strstr((char *)buf, "-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
		err = ds_error_set(DS_EPERM, "%s: not an encrypted PKCS#8 key (refusing a plain key)",
				   path);
		goto done;
	}
	bio = BIO_new_mem_buf(buf, (int)len);
	if (!bio) {
		err = ds_error_set(DS_ENOMEM, "%s: out of memory", path);
		goto done;
	}
	k = PEM_read_bio_PrivateKey(bio, NULL, pass_cb, &cb);
	if (!k) {
		unsigned long e = ERR_peek_last_error();
		int reason = ERR_GET_REASON(e);
		ERR_clear_error();
		(void)reason;
		err = ds_error_set(DS_EAUTH, "%s: cannot decrypt the key (wrong passphrase?)", path);
		goto done;
	}
	*out = k;
	k = NULL; /* transferred */
	err = 0;
done:
	if (buf) {
		OPENSSL_cleanse(buf, len);
		free(buf);
	}
	BIO_free(bio);
	EVP_PKEY_free(k);
	return err;
}

int ds_key_file_check(const char *path, long *iter_out)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	BIO *bio = NULL;
	X509_SIG *sig = NULL;
	PBE2PARAM *pbe2 = NULL;
	PBKDF2PARAM *kdf = NULL;
	int err;

	if ((err = key_file_open_checked(path, &buf, &len)) < 0)
		goto done;
	bio = BIO_new_mem_buf(buf, (int)len);
	if (!bio || !(sig = PEM_read_bio_PKCS8(bio, NULL, NULL, NULL))) {
		ERR_clear_error();
		err = ds_error_set(DS_EPERM, "%s: not a PEM ENCRYPTED PRIVATE KEY", path);
		goto done;
	}
	const X509_ALGOR *alg = NULL;
	const ASN1_OCTET_STRING *digest = NULL;
	X509_SIG_get0(sig, &alg, &digest);
	const ASN1_OBJECT *aobj = NULL;
	int ptype = 0;
	const void *pval = NULL;
	X509_ALGOR_get0(&aobj, &ptype, &pval, alg);
	if (OBJ_obj2nid(aobj) != NID_pbes2 || ptype != V_ASN1_SEQUENCE) {
		err = ds_error_set(DS_EPERM, "%s: key encryption is not PBES2", path);
		goto done;
	}
	pbe2 = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), alg->parameter);
	if (!pbe2) {
		err = ds_error_set(DS_EPERM, "%s: malformed PBES2 parameters", path);
		goto done;
	}
	if (OBJ_obj2nid(pbe2->encryption->algorithm) != NID_aes_256_cbc) {
		err = ds_error_set(DS_EPERM, "%s: key cipher is not AES-256-CBC", path);
		goto done;
	}
	int kdf_nid = OBJ_obj2nid(pbe2->keyfunc->algorithm);
	if (kdf_nid == NID_id_scrypt) {
		if (iter_out)
			*iter_out = 0;
		err = 0;
		goto done;
	}
	if (kdf_nid != NID_id_pbkdf2) {
		err = ds_error_set(DS_EPERM, "%s: key KDF is neither PBKDF2 nor scrypt", path);
		goto done;
	}
	kdf = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), pbe2->keyfunc->parameter);
	if (!kdf) {
		err = ds_error_set(DS_EPERM, "%s: malformed PBKDF2 parameters", path);
		goto done;
	}
	long iter = ASN1_INTEGER_get(kdf->iter);
	int prf = kdf->prf ? OBJ_obj2nid(kdf->prf->algorithm) : NID_hmacWithSHA1;
	if (prf != NID_hmacWithSHA256) {
		err = ds_error_set(DS_EPERM, "%s: PBKDF2 PRF is %s, not HMAC-SHA256", path,
				   OBJ_nid2sn(prf));
		goto done;
	}
	if (iter < DS_KEY_PBKDF2_ITER) {
		err = ds_error_set(DS_EPERM, "%s: PBKDF2 with %ld iterations (need at least %d)",
				   path, iter, DS_KEY_PBKDF2_ITER);
		goto done;
	}
	if (iter_out)
		*iter_out = iter;
	err = 0;
done:
	free(buf);
	BIO_free(bio);
	X509_SIG_free(sig);
	PBE2PARAM_free(pbe2);
	PBKDF2PARAM_free(kdf);
	ERR_clear_error();
	return err;
}

int ds_signer__certs_read(STACK_OF(X509) **out, const char *path)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	BIO *bio = NULL;
	STACK_OF(X509) *sk = NULL;
	X509 *x = NULL;
	int err;

	*out = NULL;
	if ((err = ds_signer__read_file(path, DS_CERT_FILE_MAX, &buf, &len)) < 0)
		return err;
	if (!buf)
		return DS_EIO;
	sk = sk_X509_new_null();
	bio = BIO_new_mem_buf(buf, (int)len);
	if (!sk || !bio) {
		err = ds_error_set(DS_ENOMEM, "%s: out of memory", path);
		goto done;
	}
	if (strstr((char *)buf, "-----BEGIN CERTIFICATE-----")) {
		while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
			if (!sk_X509_push(sk, x)) {
				err = ds_error_set(DS_ENOMEM, "%s: out of memory", path);
				goto done;
			}
			x = NULL;
		}
		ERR_clear_error();
	} else {
		const unsigned char *p = buf;
		x = d2i_X509(NULL, &p, (long)len);
		if (x && sk_X509_push(sk, x))
			x = NULL;
		ERR_clear_error();
	}
	if (sk_X509_num(sk) == 0) {
		err = ds_error_set(DS_EINVALID, "%s: no certificate found", path);
		goto done;
	}
	*out = sk;
	sk = NULL; /* transferred */
	err = 0;
done:
	free(buf);
	BIO_free(bio);
	X509_free(x);
	sk_X509_pop_free(sk, X509_free);
	return err;
}

int ds_signer__cert_read(X509 **out, const char *path)
{
	STACK_OF(X509) *sk = NULL;
	int err = ds_signer__certs_read(&sk, path);
	*out = NULL;
	if (err < 0)
		return err;
	*out = sk_X509_shift(sk);
	sk_X509_pop_free(sk, X509_free);
	return 0;
}

int ds_signer__pss(EVP_PKEY_CTX *pctx, EVP_PKEY *key)
{
	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA && EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA_PSS)
		return 0;
	if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) <= 0)
		return ds_error_set_openssl(DS_ECRYPTO, "setting up RSASSA-PSS");
	return 0;
}

int ds_signer__asn1_time(const ASN1_TIME *t, int64_t *out)
{
	struct tm tm;
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return ds_error_set(DS_EINVALID, "malformed time");
	*out = (int64_t)timegm(&tm);
	return 0;
}

int ds_signer__serial_hex(const ASN1_INTEGER *s, char out[DS_SERIAL_HEX_MAX])
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(s, NULL);
	char *hex = NULL;
	int err = 0;
	out[0] = '\0';
	if (!bn || !(hex = BN_bn2hex(bn))) {
		err = ds_error_set_openssl(DS_ECRYPTO, "serial number");
		goto done;
	}
	size_t n = strlen(hex);
	if (n + 1 > DS_SERIAL_HEX_MAX) {
		err = ds_error_set(DS_ETOOBIG, "serial number longer than 20 bytes");
		goto done;
	}
	for (size_t i = 0; i <= n; i++)
		out[i] = (char)((hex[i] >= 'A' && hex[i] <= 'F') ? hex[i] - 'A' + 'a' : hex[i]);
done:
	BN_free(bn);
	OPENSSL_free(hex);
	return err;
}

int ds_signer__cert_sha256(X509 *x, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	static const char hexd[] = "0123456789abcdef";
	if (X509_digest(x, EVP_sha256(), md, &mdlen) != 1 || mdlen != 32)
		return ds_error_set_openssl(DS_ECRYPTO, "certificate digest");
	for (unsigned i = 0; i < 32; i++) {
		out[2 * i] = hexd[md[i] >> 4];
		out[2 * i + 1] = hexd[md[i] & 15];
	}
	out[64] = '\0';
	return 0;
}

static void name_text(X509_NAME *n, int nid, char *out, size_t sz)
{
	out[0] = '\0';
	int idx = X509_NAME_get_index_by_NID(n, nid, -1);
	if (idx < 0)
		return;
	ASN1_STRING *d = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, idx));
	unsigned char *utf8 = NULL;
	int l = ASN1_STRING_to_UTF8(&utf8, d);
	if (l < 0)
		return;
	size_t m = (size_t)l < sz - 1 ? (size_t)l : sz - 1;
	memcpy(out, utf8, m);
	out[m] = '\0';
	OPENSSL_free(utf8);
}

static void name_line(X509_NAME *n, char *out, size_t sz)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL;
	out[0] = '\0';
	if (!b)
		return;
	if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		long l = BIO_get_mem_data(b, &p);
		if (l > 0) {
			size_t m = (size_t)l < sz - 1 ? (size_t)l : sz - 1;
			memcpy(out, p, m);
			out[m] = '\0';
		}
	}
	BIO_free(b);
}

int ds_signer__cert_info(X509 *x, struct ds_cert_info *out)
{
	int err;
	memset(out, 0, sizeof *out);
	if ((err = ds_signer__serial_hex(X509_get0_serialNumber(x), out->serial)) < 0)
		return err;
	if ((err = ds_signer__cert_sha256(x, out->sha256)) < 0)
		return err;
	name_line(X509_get_subject_name(x), out->subject, sizeof out->subject);
	name_line(X509_get_issuer_name(x), out->issuer, sizeof out->issuer);
	name_text(X509_get_subject_name(x), NID_commonName, out->cn, sizeof out->cn);
	name_text(X509_get_subject_name(x), NID_organizationName, out->o, sizeof out->o);
	name_text(X509_get_subject_name(x), NID_organizationalUnitName, out->ou, sizeof out->ou);
	name_text(X509_get_subject_name(x), NID_organizationIdentifier, out->org_id,
		  sizeof out->org_id);
	if ((err = ds_signer__asn1_time(X509_get0_notBefore(x), &out->not_before)) < 0 ||
	    (err = ds_signer__asn1_time(X509_get0_notAfter(x), &out->not_after)) < 0)
		return err;
	out->is_ca = X509_check_ca(x) > 0;
	uint32_t ku = X509_get_key_usage(x);
	out->key_usage_ok = (ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) != 0;
	return 0;
}

int ds_cert_info_file(const char *cert_path, struct ds_cert_info *out)
{
	X509 *x = NULL;
	int err = ds_signer__cert_read(&x, cert_path);
	if (err < 0)
		return err;
	err = ds_signer__cert_info(x, out);
	X509_free(x);
	return err;
}
