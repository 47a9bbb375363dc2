/* Small helpers of the bundle writer and verifier: names, media types,
 * hashing, encodings. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "archive/archive_int.h"
#include "dossier/error.h"

static int name_char_ok(unsigned char ch)
{
	if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))
		return 1;
	return ch == '.' || ch == '_' || ch == '-' || ch == '+' || ch == '~' || ch == '/';
}

int ds_bundle_name_valid(const char *name)
{
	size_t n = name ? strnlen(name, DS_BUNDLE_NAME_MAX + 1) : 0;
	if (n == 0 || n > DS_BUNDLE_NAME_MAX)
		return 0;
	if (name[0] == '/' || name[n - 1] == '/')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!name_char_ok((unsigned char)name[i]))
			return 0;
	/* components: none empty, "." or ".." */
	const char *p = name;
	for (;;) {
		const char *s = strchr(p, '/');
		size_t len = s ? (size_t)(s - p) : strlen(p);
		if (len == 0 || (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		if (!s)
			break;
		p = s + 1;
	}
	return 1;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	if (a < b)
		return 0;
	for (size_t i = 0; i < b; i++) {
		char c = s[a - b + i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != suffix[i])
			return 0;
	}
	return 1;
}

const char *ds_bundle_mime_guess(const char *name)
{
	static const struct {
		const char *ext, *mime;
	} map[] = {
		{".tif", "image/tiff"},        {".tiff", "image/tiff"},
		{".png", "image/png"},         {".jpg", "image/jpeg"},
		{".jpeg", "image/jpeg"},       {".pdf", "application/pdf"},
		{".txt", "text/plain"},        {".hocr", "text/vnd.hocr+html"},
		{".json", "application/json"}, {".xml", "application/xml"},
		{".p7s", "application/pkcs7-signature"},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (ends_with(name, map[i].ext))
			return map[i].mime;
	return "application/octet-stream";
}

int ds_archive__sha256_file(const char *path, unsigned char out[32], uint64_t *size_out)
{
	int err = 0, fd = -1;
	uint64_t total = 0;
	unsigned char *buf = NULL;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (!ctx || !(buf = malloc(DS_IO_CHUNK))) {
		err = ds_error_set(DS_ENOMEM, "hashing %s: out of memory", path);
		goto done;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		err = ds_error_set_errno(DS_EIO, errno, "%s", path);
		goto done;
	}
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		err = ds_error_set_openssl(DS_ECRYPTO, "SHA-256");
		goto done;
	}
	for (;;) {
		ssize_t r = read(fd, buf, DS_IO_CHUNK);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = ds_error_set_errno(DS_EIO, errno, "reading %s", path);
			goto done;
		}
		if (r == 0)
			break;
		total += (uint64_t)r;
		if (total > DS_BUNDLE_ENTRY_BYTES_MAX) {
			err = ds_error_set(DS_ETOOBIG, "%s: larger than the bundle's entry limit", path);
			goto done;
		}
		EVP_DigestUpdate(ctx, buf, (size_t)r);
	}
	if (EVP_DigestFinal_ex(ctx, out, NULL) != 1) {
		err = ds_error_set_openssl(DS_ECRYPTO, "SHA-256");
		goto done;
	}
	if (size_out)
		*size_out = total;
done:
	if (fd >= 0)
		close(fd);
	free(buf);
	EVP_MD_CTX_free(ctx);
	return err;
}

void ds_archive__fold(const char *in, char *out, size_t n)
{
	size_t i = 0;
	if (n == 0)
		return;
	for (; in[i] && i + 1 < n; i++) {
		char c = in[i];
		out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	out[i] = '\0';
}

int ds_archive__utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i];
		size_t need;
		uint32_t cp;
		if (c < 0x80) {
			if (c == 0)
				return 0;
			i++;
			continue;
		} else if ((c & 0xE0) == 0xC0) {
			need = 1;
			cp = c & 0x1F;
		} else if ((c & 0xF0) == 0xE0) {
			need = 2;
			cp = c & 0x0F;
		} else if ((c & 0xF8) == 0xF0) {
			need = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (n - i <= need)
			return 0;
		for (size_t k = 1; k <= need; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((need == 1 && cp < 0x80) || (need == 2 && cp < 0x800) ||
		    (need == 3 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += need + 1;
	}
	return 1;
}

int ds_archive__b64(const unsigned char *in, size_t len, char *out, size_t n)
{
	size_t need = 4 * ((len + 2) / 3) + 1;
	if (need > n || len > 1 << 20)
		return ds_error_set(DS_ETOOBIG, "base64: buffer too small");
	EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	return 0;
}
