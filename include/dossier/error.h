/* dossier — errors: one small enum of negative codes and a per-thread message.
 *
 * A function that fails sets the message where it detects the failure with
 * ds_error_set() (which returns the code, so `return ds_error_set(...)` reads
 * naturally) and its callers propagate the code without overwriting the
 * message. Only cli/ reads the message, with ds_error_last().
 */
#ifndef DOSSIER_ERROR_H
#define DOSSIER_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

enum ds_error_code {
	DS_OK = 0,
	DS_ERROR = -1,    /* generic failure */
	DS_ENOMEM = -2,   /* out of memory */
	DS_EINVALID = -3, /* malformed input or argument */
	DS_ETOOBIG = -4,  /* a size, count or ratio limit exceeded */
	DS_ENOTFOUND = -5,
	DS_EEXISTS = -6,
	DS_EPERM = -7,    /* refused by policy or file permissions */
	DS_EAUTH = -8,    /* wrong passphrase or PIN */
	DS_ESIG = -9,     /* a signature or digest does not verify */
	DS_ECRYPTO = -10, /* a cryptographic library failed */
	DS_EIO = -11,     /* reading or writing a file failed */
	DS_ECORRUPT = -12,/* stored data no longer matches its hash */
	DS_ESTATE = -13,  /* not allowed in the dossier's current state */
	DS_EBUSY = -14,   /* locked by another process; try again */
	DS_EUNSUPPORTED = -15
};

/* Sets the calling thread's message and returns `code`. */
int ds_error_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Like ds_error_set(), appending ": " and strerror(errnum). */
int ds_error_set_errno(int code, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like ds_error_set(), appending OpenSSL's queued errors, and clears the queue. */
int ds_error_set_openssl(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The calling thread's last message (never NULL; "" when none). Borrowed. */
const char *ds_error_last(void);

/* The code the last ds_error_set() stored on this thread (0 when none). */
int ds_error_last_code(void);

/* Clears the calling thread's message. */
void ds_error_clear(void);

/* A short name for a code: "DS_EINVALID", … */
const char *ds_error_name(int code);

#ifdef __clang_analyzer__
/* Tell the static analyser what the functions guarantee: they return the
 * code they were given, so `if ((err = f()) < 0)` paths are understood. */
#define ds_error_set(code, ...) (ds_error_set((code), __VA_ARGS__), (code))
#define ds_error_set_errno(code, e, ...) (ds_error_set_errno((code), (e), __VA_ARGS__), (code))
#define ds_error_set_openssl(code, ...) (ds_error_set_openssl((code), __VA_ARGS__), (code))
#endif

#ifdef __cplusplus
}
#endif
#endif
