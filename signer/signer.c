/* Loading a signer: an encrypted PEM key file, a PKCS#12 file, or a key on a
 * PKCS#11 token (libp11), each with its certificate. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <libp11.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>

#include "dossier/catalog_signer.h"
#include "dossier/error.h"
#include "signer/signer_int.h"

#define DS_PIN_MAX 256
#define DS_PKCS11_URI_MAX 1024

struct ds_p11 {
	PKCS11_CTX *ctx;
	PKCS11_SLOT *slots;
	unsigned int nslots;
	int loaded; /* PKCS11_CTX_load succeeded */
};

static void p11_free(struct ds_p11 *p)
{
	if (!p)
		return;
	if (p->slots)
		PKCS11_release_all_slots(p->ctx, p->slots, p->nslots);
	if (p->ctx) {
		/* libp11 0.4.12 dereferences the module's function list in
		 * PKCS11_CTX_unload: after a failed load (a library that is not a
		 * PKCS#11 module) there is none, and it crashed */
		if (p->loaded)
			PKCS11_CTX_unload(p->ctx);
		PKCS11_CTX_free(p->ctx);
	}
	free(p);
}

void ds_signer_free(ds_signer *s)
{
	if (!s)
		return;
	EVP_PKEY_free(s->key); /* OpenSSL cleanses key material on free */
	X509_free(s->cert);
	sk_X509_pop_free(s->chain, X509_free);
	p11_free(s->p11);
	free(s);
}

/* Keys in memory must not end up in a core dump. */
static void no_core_dumps(void)
{
	struct rlimit rl = {0, 0};
	(void)setrlimit(RLIMIT_CORE, &rl);
}

static int check_pair(ds_signer *s, const char *what)
{
	if (X509_check_private_key(s->cert, s->key) != 1) {
		ERR_clear_error();
		return ds_error_set(DS_EINVALID, "%s: the certificate does not match the key", what);
	}
	return 0;
}

int ds_signer_load_file(ds_signer **out, const char *key_pem_path, const char *cert_pem_path,
			const char *passphrase, size_t passphrase_len)
{
	ds_signer *s = calloc(1, sizeof *s);
	STACK_OF(X509) *certs = NULL;
	int err;

	*out = NULL;
	if (!s)
		return ds_error_set(DS_ENOMEM, "out of memory");
	no_core_dumps();
	if ((err = ds_signer__certs_read(&certs, cert_pem_path)) < 0)
		goto done;
	s->cert = sk_X509_shift(certs);
	if (sk_X509_num(certs) > 0) {
		s->chain = certs;
		certs = NULL;
	}
	if ((err = ds_signer__key_read(&s->key, key_pem_path, passphrase, passphrase_len)) < 0)
		goto done;
	if ((err = check_pair(s, key_pem_path)) < 0)
		goto done;
	*out = s;
	s = NULL; /* transferred */
done:
	sk_X509_pop_free(certs, X509_free);
	ds_signer_free(s);
	return err;
}

int ds_signer_load_pkcs12(ds_signer **out, const char *p12_path, const char *passphrase,
			  size_t passphrase_len)
{
	ds_signer *s = calloc(1, sizeof *s);
	unsigned char *buf = NULL;
	size_t len = 0;
	PKCS12 *p12 = NULL;
	char *pass = NULL;
	int err;

	*out = NULL;
	if (!s)
		return ds_error_set(DS_ENOMEM, "out of memory");
	no_core_dumps();
	if ((err = ds_signer__read_file(p12_path, DS_CERT_FILE_MAX, &buf, &len)) < 0)
		goto done;
	const unsigned char *p = buf;
	p12 = d2i_PKCS12(NULL, &p, (long)len);
	if (!p12) {
		err = ds_error_set_openssl(DS_EINVALID, "%s: not a PKCS#12 file", p12_path);
		goto done;
	}
	pass = OPENSSL_secure_malloc(passphrase_len + 1);
	if (!pass) {
		err = ds_error_set(DS_ENOMEM, "out of memory");
		goto done;
	}
	memcpy(pass, passphrase, passphrase_len);
	pass[passphrase_len] = '\0';
	if (!PKCS12_parse(p12, pass, &s->key, &s->cert, &s->chain)) {
		ERR_clear_error();
		err = ds_error_set(DS_EAUTH, "%s: cannot open (wrong passphrase?)", p12_path);
		goto done;
	}
	if (!s->key || !s->cert) {
		err = ds_error_set(DS_EINVALID, "%s: needs both a key and its certificate", p12_path);
		goto done;
	}
	if (s->chain && sk_X509_num(s->chain) == 0) {
		sk_X509_free(s->chain);
		s->chain = NULL;
	}
	if ((err = check_pair(s, p12_path)) < 0)
		goto done;
	*out = s;
	s = NULL;
done:
	if (pass)
		OPENSSL_secure_clear_free(pass, passphrase_len + 1);
	PKCS12_free(p12);
	free(buf);
	ds_signer_free(s);
	return err;
}

/* RFC 7512: pkcs11:token=…;object=…;id=%01…  (path attributes only; a
 * pin-value in the URI is refused: PINs come from files). */
struct p11_uri {
	char token[128];
	char object[128];
	unsigned char id[64];
	size_t id_len;
	char serial[64];
};

static int pct_decode(const char *s, size_t len, unsigned char *out, size_t max, size_t *olen)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '%') {
			if (i + 2 >= len)
				return -1;
			int v = OPENSSL_hexchar2int((unsigned char)s[i + 1]);
			int w = OPENSSL_hexchar2int((unsigned char)s[i + 2]);
			if (v < 0 || w < 0)
				return -1;
			c = (unsigned char)(v * 16 + w);
			i += 2;
		}
		if (o >= max)
			return -1;
		out[o++] = c;
	}
	*olen = o;
	return 0;
}

static int parse_uri(const char *uri, struct p11_uri *u)
{
	memset(u, 0, sizeof *u);
	if (strlen(uri) > DS_PKCS11_URI_MAX || strncmp(uri, "pkcs11:", 7) != 0)
		return ds_error_set(DS_EINVALID, "'%s' is not a pkcs11: URI", uri);
	const char *p = uri + 7;
	const char *end = strchr(p, '?');
	if (!end)
		end = p + strlen(p);
	else if (strstr(end, "pin-value") || strstr(end, "pin-source"))
		return ds_error_set(DS_EINVALID, "PKCS#11 URI: give the PIN in a file, not in the URI");
	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *stop = semi ? semi : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		if (!eq)
			return ds_error_set(DS_EINVALID, "PKCS#11 URI: malformed attribute");
		size_t kl = (size_t)(eq - p);
		const char *v = eq + 1;
		size_t vl = (size_t)(stop - v);
		size_t ol = 0;
		int r = 0;
		if (kl == 5 && memcmp(p, "token", 5) == 0) {
			r = pct_decode(v, vl, (unsigned char *)u->token, sizeof u->token - 1, &ol);
			u->token[ol] = '\0';
		} else if (kl == 6 && memcmp(p, "object", 6) == 0) {
			r = pct_decode(v, vl, (unsigned char *)u->object, sizeof u->object - 1, &ol);
			u->object[ol] = '\0';
		} else if (kl == 2 && memcmp(p, "id", 2) == 0) {
			r = pct_decode(v, vl, u->id, sizeof u->id, &u->id_len);
		} else if (kl == 6 && memcmp(p, "serial", 6) == 0) {
			r = pct_decode(v, vl, (unsigned char *)u->serial, sizeof u->serial - 1, &ol);
			u->serial[ol] = '\0';
		} else if (kl == 9 && memcmp(p, "pin-value", 9) == 0) {
			return ds_error_set(DS_EINVALID,
					    "PKCS#11 URI: give the PIN in a file, not in the URI");
		} /* other attributes (type, manufacturer, model, …) are ignored */
		if (r < 0)
			return ds_error_set(DS_EINVALID, "PKCS#11 URI: bad percent-encoding");
		p = semi ? semi + 1 : end;
	}
	if (!u->object[0] && u->id_len == 0)
		return ds_error_set(DS_EINVALID, "PKCS#11 URI names no object= or id=");
	return 0;
}

int ds_signer_load_pkcs11(ds_signer **out, const char *module_path, const char *uri,
			  const char *cert_pem_path, const char *pin, size_t pin_len)
{
	ds_signer *s = calloc(1, sizeof *s);
	struct ds_p11 *p11 = calloc(1, sizeof *p11);
	struct p11_uri u;
	PKCS11_KEY *keys = NULL;
	unsigned int nkeys = 0;
	char pinbuf[DS_PIN_MAX + 1];
	int err;

	*out = NULL;
	if (!s || !p11) {
		free(s);
		free(p11);
		return ds_error_set(DS_ENOMEM, "out of memory");
	}
	s->p11 = p11;
	no_core_dumps();
	if ((err = parse_uri(uri, &u)) < 0)
		goto done;
	if (pin_len > DS_PIN_MAX) {
		err = ds_error_set(DS_EINVALID, "PIN too long");
		goto done;
	}
	if ((err = ds_signer__cert_read(&s->cert, cert_pem_path)) < 0)
		goto done;
	p11->ctx = PKCS11_CTX_new();
	if (!p11->ctx) {
		err = ds_error_set_openssl(DS_ENOMEM, "PKCS#11 context");
		goto done;
	}
	if (PKCS11_CTX_load(p11->ctx, module_path) != 0) {
		ERR_clear_error();
		err = ds_error_set(DS_EINVALID, "%s: not a PKCS#11 module (it cannot be loaded "
						"or has no C_GetFunctionList)", module_path);
		goto done;
	}
	p11->loaded = 1;
	if (PKCS11_enumerate_slots(p11->ctx, &p11->slots, &p11->nslots) != 0) {
		err = ds_error_set_openssl(DS_EIO, "%s: cannot list slots", module_path);
		goto done;
	}
	PKCS11_SLOT *slot = NULL;
	for (unsigned int i = 0; i < p11->nslots; i++) {
		PKCS11_SLOT *sl = &p11->slots[i];
		if (!sl->token || !sl->token->initialized)
			continue;
		if (u.token[0] && strcmp(sl->token->label, u.token) != 0)
			continue;
		if (u.serial[0] && strcmp(sl->token->serialnr, u.serial) != 0)
			continue;
		slot = sl;
		break;
	}
	if (!slot) {
		err = ds_error_set(DS_ENOTFOUND, "%s: no token matches %s", module_path, uri);
		goto done;
	}
	memcpy(pinbuf, pin, pin_len);
	pinbuf[pin_len] = '\0';
	int rc = PKCS11_login(slot, 0, pinbuf);
	OPENSSL_cleanse(pinbuf, sizeof pinbuf);
	if (rc != 0) {
		ERR_clear_error();
		err = ds_error_set(DS_EAUTH, "token '%s': login failed (wrong PIN?)",
				   slot->token->label);
		goto done;
	}
	if (PKCS11_enumerate_keys(slot->token, &keys, &nkeys) != 0) {
		err = ds_error_set_openssl(DS_EIO, "token '%s': cannot list keys", slot->token->label);
		goto done;
	}
	PKCS11_KEY *key = NULL;
	for (unsigned int i = 0; i < nkeys; i++) {
		if (u.object[0] && (!keys[i].label || strcmp(keys[i].label, u.object) != 0))
			continue;
		if (u.id_len && (keys[i].id_len != u.id_len || memcmp(keys[i].id, u.id, u.id_len) != 0))
			continue;
		key = &keys[i];
		break;
	}
	if (!key) {
		err = ds_error_set(DS_ENOTFOUND, "token '%s': no private key matches %s",
				   slot->token->label, uri);
		goto done;
	}
	s->key = PKCS11_get_private_key(key);
	if (!s->key) {
		err = ds_error_set_openssl(DS_EIO, "token '%s': cannot use the key", slot->token->label);
		goto done;
	}
	if ((err = check_pair(s, uri)) < 0)
		goto done;
	*out = s;
	s = NULL;
done:
	ds_signer_free(s);
	return err;
}

const char *ds_indication_name(enum ds_indication i)
{
	switch (i) {
	case DS_TOTAL_PASSED:
		return "TOTAL_PASSED";
	case DS_TOTAL_FAILED:
		return "TOTAL_FAILED";
	case DS_INDETERMINATE:
		return "INDETERMINATE";
	}
	return "?";
}

int ds_signer_cert_info(const struct ds_signer *s, struct ds_cert_info *out)
{
	if (!s || !s->cert)
		return ds_error_set(DS_EINVALID, "no signer");
	return ds_signer__cert_info(s->cert, out);
}

int ds_pkcs11_module_resolve(const char *allowed, const char *ref, char *out, size_t n)
{
	char entry[PATH_MAX], found[PATH_MAX] = "", want[PATH_MAX], real_entry[PATH_MAX];
	const char *p = allowed ? allowed : "";
	size_t count = 0, matches = 0;
	int any = !ref || !*ref;
	int have_want = !any && realpath(ref, want) != NULL;
	struct stat st;

	if (n)
		out[0] = '\0';
	for (;;) {
		p += strspn(p, " \t,");
		size_t len = strcspn(p, " \t,");
		if (len == 0)
			break;
		if (len >= sizeof entry)
			return ds_error_set(DS_EINVALID, "PKCS#11 allow-list: a path is too long");
		memcpy(entry, p, len);
		entry[len] = '\0';
		p += len;
		if (entry[0] != '/')
			return ds_error_set(DS_EINVALID,
					    "PKCS#11 allow-list: '%s' is not an absolute path", entry);
		count++;
		const char *base = strrchr(entry, '/') + 1;
		int match = any || strcmp(ref, entry) == 0 || strcmp(ref, base) == 0 ||
			    (have_want && realpath(entry, real_entry) && strcmp(want, real_entry) == 0);
		if (match && matches++ == 0)
			memcpy(found, entry, len + 1);
	}
	if (count == 0)
		return ds_error_set(DS_EPERM, "no PKCS#11 module is allowed on this site "
					      "(dossier.conf [pkcs11] modules)");
	if (matches == 0)
		return ds_error_set(DS_EPERM, "PKCS#11 module %s is not on the allow-list "
					      "(dossier.conf [pkcs11] modules)", ref);
	if (any && count > 1)
		return ds_error_set(DS_EINVALID, "%zu PKCS#11 modules are allowed: name one", count);
	if (stat(found, &st) != 0)
		return ds_error_set_errno(errno == ENOENT ? DS_ENOTFOUND : DS_EIO, errno,
					  "PKCS#11 module %s", found);
	if (!S_ISREG(st.st_mode))
		return ds_error_set(DS_EINVALID, "PKCS#11 module %s is not a file", found);
	if (st.st_mode & 022)
		return ds_error_set(DS_EPERM, "PKCS#11 module %s is writable by group or others",
				    found);
	int r = snprintf(out, n, "%s", found);
	if (r < 0 || (size_t)r >= n)
		return ds_error_set(DS_EINVALID, "PKCS#11 module path too long");
	return 0;
}

int ds_signer_load_seal(struct ds_signer **out, const struct ds_seal *seal, const char *pkcs11_allowed,
			const char *secret, size_t secret_len)
{
	*out = NULL;
	if (!seal->active)
		return ds_error_set(DS_EPERM, "seal %s is disabled", seal->seal_id);
	if (strcmp(seal->store, DS_SEAL_STORE_FILE) == 0)
		return ds_signer_load_file(out, seal->key_path, seal->cert_path, secret, secret_len);
	if (strcmp(seal->store, DS_SEAL_STORE_PKCS12) == 0)
		return ds_signer_load_pkcs12(out, seal->key_path, secret, secret_len);
	if (strcmp(seal->store, DS_SEAL_STORE_PKCS11) == 0) {
		/* the catalog's module is only a reference: what is loaded is the
		 * allow-list's entry it names */
		char module[PATH_MAX];
		int err = ds_pkcs11_module_resolve(pkcs11_allowed, seal->pkcs11_module, module,
						   sizeof module);
		if (err < 0)
			return err;
		return ds_signer_load_pkcs11(out, module, seal->pkcs11_uri, seal->cert_path, secret,
					     secret_len);
	}
	return ds_error_set(DS_EINVALID, "seal %s: unknown key store '%s'", seal->seal_id,
			    seal->store);
}
