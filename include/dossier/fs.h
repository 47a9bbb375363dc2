/* dossier — small file-system and encoding helpers used by every module. */
#ifndef DOSSIER_FS_H
#define DOSSIER_FS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DS_PATH_MAX 4096

/* Joins a and b with '/' into out (size n). DS_ETOOBIG when it does not fit. */
int ds_path_join(char *out, size_t n, const char *a, const char *b);

/* snprintf that returns DS_ETOOBIG instead of truncating. */
int ds_fmt(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* mkdir -p with `mode` for created folders; each created folder's parent is
 * fsynced, so that the new entry survives a crash. */
int ds_mkdirs(const char *path, unsigned mode);

/* Reads a whole regular file of at most `max` bytes into a new buffer
 * (NUL-terminated, *len excludes the NUL). Caller frees *out.
 * DS_ETOOBIG when larger than max, DS_EIO when unreadable. */
int ds_file_read(const char *path, size_t max, unsigned char **out, size_t *len);

/* Writes `data` to `path` atomically: temp file in the same folder, fsync,
 * rename, fsync of the folder. `mode` is the file's mode. Never leaves a
 * half-written file at `path`. */
int ds_file_write_atomic(const char *path, const void *data, size_t len, unsigned mode);

/* fsyncs a folder so a rename in it is durable. */
int ds_fsync_dir(const char *dir);
/* fsync of a written file (by path). */
int ds_fsync_file(const char *path);

/* Copies src to dst atomically (as ds_file_write_atomic). */
int ds_file_copy_atomic(const char *src, const char *dst, unsigned mode);

/* As ds_file_write_atomic / ds_file_copy_atomic, but never replacing a file:
 * DS_EEXISTS (naming path) when one is there when the new file is put in
 * place; the new file is whole or absent. */
int ds_file_write_new(const char *path, const void *data, size_t len, unsigned mode);
int ds_file_copy_new(const char *src, const char *dst, unsigned mode);

/* SHA-256 of a buffer as 64 lowercase hex digits + NUL. */
void ds_sha256_hex(const void *data, size_t len, char out[65]);

/* SHA-256 of a file, streamed. */
int ds_sha256_file_hex(const char *path, char out[65]);

/* Lowercase hex of `len` bytes into out (2*len+1 bytes). */
void ds_hex(const unsigned char *in, size_t len, char *out);

/* Whether s[0..len) is well-formed UTF-8 without NUL or C0 controls other
 * than tab (for names and identifiers typed at the counter). */
int ds_text_valid(const char *s, size_t len);

/* Writes `in` (NUL-terminated, from outside: a file name, a reason naming
 * one) to out[0..n) fit for a terminal or a log line: C0 controls, DEL and
 * bytes that are not well-formed UTF-8 become \xHH, the C1 controls and
 * the invisible or direction-changing format characters (U+061C, U+200B-
 * U+200F, U+202A-U+202E, U+2060-U+2069, U+FEFF) become \u{XXXX}, and a
 * backslash becomes \\, so the text shown cannot move the cursor, repaint
 * the screen or reorder what follows, and can be read back unambiguously.
 * Always NUL-terminated; cut before an escape or a character that would
 * not fit. Returns out. The one escaping used wherever such a name is
 * shown. */
char *ds_text_escape(char *out, size_t n, const char *in);

/* Every text that enters dossier (names, reasons, queries, sidecars, OCR
 * text) goes through ds_text_nfc: Unicode NFC, so that the same words typed
 * precomposed or decomposed are the same bytes. *out is malloc'd and
 * NUL-terminated; invalid UTF-8 becomes U+FFFD; DS_ETOOBIG past
 * DS_TEXT_NFC_MAX bytes. */
#define DS_TEXT_NFC_MAX ((size_t)16 << 20)
int ds_text_nfc(char **out, const char *s, size_t len);
/* The same into dst[n] (s NUL-terminated); DS_ETOOBIG when it does not fit.
 * dst may be s. */
int ds_text_nfc_buf(char *dst, size_t n, const char *s);

/* Fault injection for tests (crash-consistency harness): when the
 * process was started with DS_FAULT=<name>:<n>, ds_fault("name") returns
 * true on its n-th call. Set once by the CLI through ds_fault_configure(). */
void ds_fault_configure(const char *spec);
int ds_fault(const char *point);

#ifdef __cplusplus
}
#endif
#endif
