/* Per-thread error messages; see include/dossier/error.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "dossier/error.h"

#define DS_ERRMSG_MAX 1024

static _Thread_local char ds_errmsg[DS_ERRMSG_MAX];
static _Thread_local int ds_errcode;

/* Formats into a buffer of its own first: callers add context to the
 * message before theirs (ds_error_set(c, "x: %s", ds_error_last())), and
 * vsnprintf over the string it reads from is undefined (it garbled them). */
__attribute__((format(printf, 2, 0))) static void set_v(int code, const char *fmt, va_list ap)
{
	char msg[DS_ERRMSG_MAX];
	int n = vsnprintf(msg, sizeof msg, fmt, ap);
	if (n < 0)
		msg[0] = '\0';
	memcpy(ds_errmsg, msg, sizeof ds_errmsg);
	ds_errcode = code;
}

int (ds_error_set)(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_v(code, fmt, ap);
	va_end(ap);
	return code;
}

static void append(const char *s)
{
	size_t used = strnlen(ds_errmsg, sizeof ds_errmsg);
	if (used + 1 >= sizeof ds_errmsg)
		return;
	int n = snprintf(ds_errmsg + used, sizeof ds_errmsg - used, "%s", s);
	(void)n; /* truncation of a message is acceptable */
}

int (ds_error_set_errno)(int code, int errnum, const char *fmt, ...)
{
	va_list ap;
	char tail[256];
	va_start(ap, fmt);
	set_v(code, fmt, ap);
	va_end(ap);
	if (snprintf(tail, sizeof tail, ": %s", strerror(errnum)) > 0)
		append(tail);
	return code;
}

int (ds_error_set_openssl)(int code, const char *fmt, ...)
{
	va_list ap;
	unsigned long e;
	char buf[256];
	va_start(ap, fmt);
	set_v(code, fmt, ap);
	va_end(ap);
	int first = 1;
	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, buf, sizeof buf);
		append(first ? ": " : "; ");
		append(buf);
		first = 0;
	}
	return code;
}

const char *ds_error_last(void) { return ds_errmsg; }
int ds_error_last_code(void) { return ds_errcode; }

void ds_error_clear(void)
{
	ds_errmsg[0] = '\0';
	ds_errcode = 0;
}

const char *ds_error_name(int code)
{
	switch (code) {
	case DS_OK: return "DS_OK";
	case DS_ERROR: return "DS_ERROR";
	case DS_ENOMEM: return "DS_ENOMEM";
	case DS_EINVALID: return "DS_EINVALID";
	case DS_ETOOBIG: return "DS_ETOOBIG";
	case DS_ENOTFOUND: return "DS_ENOTFOUND";
	case DS_EEXISTS: return "DS_EEXISTS";
	case DS_EPERM: return "DS_EPERM";
	case DS_EAUTH: return "DS_EAUTH";
	case DS_ESIG: return "DS_ESIG";
	case DS_ECRYPTO: return "DS_ECRYPTO";
	case DS_EIO: return "DS_EIO";
	case DS_ECORRUPT: return "DS_ECORRUPT";
	case DS_ESTATE: return "DS_ESTATE";
	case DS_EBUSY: return "DS_EBUSY";
	case DS_EUNSUPPORTED: return "DS_EUNSUPPORTED";
	default: return "DS_E?";
	}
}
