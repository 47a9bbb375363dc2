/* dossier — sealed bundles: the ASiC-E container (ETSI EN 319 162-1) with
 * CAdES detached signatures over ASiCManifest files, its writer, and the
 * verifier that reads it as hostile input (FORMATS.md "Sealed bundle" and
 * "Verification report").
 *
 * The container layer does not hold keys and does not parse CMS itself: a
 * signature is made by a ds_bundle_sign_fn (normally a wrapper around
 * ds_cades_sign) and checked by a ds_bundle_cms_verify_fn (normally
 * ds_cades_verify), so that archive/ depends on signer/ only through
 * include/dossier/signer.h.
 */
#ifndef DOSSIER_ARCHIVE_H
#define DOSSIER_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

#include "dossier/catalog_archive.h"
#include "dossier/signer.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- limits: every one is also a verification check ---- */
#define DS_BUNDLE_ENTRIES_MAX 10000
#define DS_BUNDLE_NAME_MAX 255
#define DS_BUNDLE_BYTES_MAX ((uint64_t)4 << 30)         /* 4 GiB, the bundle file */
#define DS_BUNDLE_ENTRY_BYTES_MAX ((uint64_t)1 << 31)   /* 2 GiB, one entry */
#define DS_BUNDLE_TOTAL_BYTES_MAX ((uint64_t)4 << 30)   /* 4 GiB, all entries declared */
#define DS_BUNDLE_RATIO_MAX 200      /* uncompressed/compressed, entries > 1 MiB */
#define DS_BUNDLE_RATIO_MIN_BYTES ((uint64_t)1 << 20)
/* All entries together, as the central directory declares them: at most
 * DS_BUNDLE_TOTAL_RATIO_MAX times the bundle file's size once above
 * DS_BUNDLE_TOTAL_RATIO_MIN_BYTES (small entries escape the per-entry ratio:
 * 2,000 entries of 1 MiB of zeros fit in 2 MB). */
#define DS_BUNDLE_TOTAL_RATIO_MAX 100
#define DS_BUNDLE_TOTAL_RATIO_MIN_BYTES ((uint64_t)64 << 20)
#define DS_BUNDLE_MANIFEST_BYTES_MAX ((size_t)8 << 20)
#define DS_BUNDLE_P7S_BYTES_MAX ((size_t)4 << 20)
#define DS_BUNDLE_JSON_BYTES_MAX ((size_t)16 << 20)
#define DS_BUNDLE_SIGS_MAX 16
#define DS_BUNDLE_CD_BYTES_MAX ((uint64_t)64 << 20) /* central directory */
/* Any XML we read (ASiCManifests) is counted over its bytes before libxml2
 * parses it: attributes in one start tag, nesting, and elements (comments,
 * processing instructions and CDATA sections count as elements). */
#define DS_XML_ATTRS_MAX 16
#define DS_XML_DEPTH_MAX 16
#define DS_MANIFEST_ELEMENTS_MAX (4 * DS_BUNDLE_ENTRIES_MAX + 16)

#define DS_ASIC_MIMETYPE "application/vnd.etsi.asic-e+zip"
#define DS_ASIC_NS "http://uri.etsi.org/02918/v1.2.1#"

/* Whether `name` is acceptable as an entry name in a bundle we write:
 * 1..255 bytes of printable ASCII, relative, '/'-separated, no empty, "."
 * or ".." component, no backslash. */
int ds_bundle_name_valid(const char *name);

/* ---- writer ---- */

/* Makes a detached signature over `data` (the exact bytes of an
 * ASiCManifest); *p7s is malloc'd DER, freed by the caller with free(). */
typedef int (*ds_bundle_sign_fn)(void *arg, const unsigned char *data, size_t len,
				 unsigned char **p7s, size_t *p7s_len);

typedef struct ds_bundle_writer ds_bundle_writer;

/* A new bundle whose ZIP entries all carry `mtime` (the sealing time, UTC
 * seconds) so that the same inputs sealed at the same time give the same
 * bytes. */
int ds_bundle_writer_new(ds_bundle_writer **out, int64_t mtime);
void ds_bundle_writer_free(ds_bundle_writer *w);

/* Adds a data object from a file (read and hashed now, copied at write) or
 * from memory (copied). The name must satisfy ds_bundle_name_valid(), must
 * not be under META-INF/ nor be "mimetype", and must not repeat another
 * (after ASCII case folding): DS_EINVALID / DS_EEXISTS. `mime` may be NULL
 * (guessed from the extension). Already-compressed media (TIFF, PNG, JPEG,
 * PDF) are stored, everything else deflated. */
int ds_bundle_add_file(ds_bundle_writer *w, const char *name, const char *path,
		       const char *mime);
/* As ds_bundle_add_file, refusing (DS_ECORRUPT) a file whose SHA-256 is not
 * `expect_sha256` (hex), e.g. a store blob that rotted. */
int ds_bundle_add_file_expect(ds_bundle_writer *w, const char *name, const char *path,
			      const char *mime, const char *expect_sha256);
int ds_bundle_add_data(ds_bundle_writer *w, const char *name, const void *data,
		       size_t len, const char *mime);

/* Adds signature NNN (001, 002, … in call order): its ASiCManifestNNN.xml
 * covers every data object, and `fn` signs the manifest's bytes at write
 * time. */
int ds_bundle_add_signature(ds_bundle_writer *w, ds_bundle_sign_fn fn, void *arg);

/* Writes the container to `path` atomically (temp file in the same folder,
 * fsync, rename, fsync of the folder); refuses to replace an existing file
 * (DS_EEXISTS). On success, when p7s_sha256 is not NULL, fills the
 * SHA-256 (hex) of each signature file in order (at most `n`). */
int ds_bundle_write(ds_bundle_writer *w, const char *path, char (*p7s_sha256)[65], size_t n);

/* The manifest the writer would produce for signature `nnn` over the given
 * data objects (names, SHA-256 digests as 32 raw bytes, media types).
 * *out is malloc'd, NUL-terminated. */
int ds_asic_manifest_build(char **out, size_t *len, unsigned nnn, const char *const *names,
			   const unsigned char (*sha256)[32], const char *const *mimes,
			   size_t n);

/* A MIME type for a file name by extension (never NULL). */
const char *ds_bundle_mime_guess(const char *name);

/* ---- verifier ---- */

typedef int (*ds_bundle_cms_verify_fn)(const unsigned char *p7s, size_t p7s_len,
				       const unsigned char *data, size_t len,
				       const struct ds_verify_opts *opts,
				       struct ds_cades_report *out);

/* Seal log inclusion: given the leaf line recomputed from the bundle
 * (FORMATS.md "Seal log"), return 0 when included, DS_ESIG when the proof
 * does not hold, another negative code when the files cannot be read; the
 * message explains. */
typedef int (*ds_bundle_log_check_fn)(void *arg, const char *leaf, size_t leaf_len);

/* What the home a bundle was sealed in can confirm, when verify runs there
 * (the callbacks return 1 yes, 0 no, < 0 could not tell). */
struct ds_bundle_home {
	void *arg;
	int (*knows)(void *arg, const char *code);  /* the catalog has dossier `code` */
	int (*leaf_logged)(void *arg, const char *code, const char *leaf); /* in its seal log */
	/* cert_sha256 is the certificate the catalog registered for seal seal_id */
	int (*seal_registered)(void *arg, const char *seal_id, const char *cert_sha256);
	int64_t profiles_since; /* the recorded switch to the certificate profiles (a
				   `pki_profiles` event); 0: none recorded */
};

struct ds_bundle_verify_opts {
	struct ds_verify_opts cades;        /* trust anchors and profiles, CRLs, time */
	ds_bundle_cms_verify_fn cms_verify; /* normally ds_cades_verify; NULL: signatures
					       reported NOT_CHECKED, INDETERMINATE */
	ds_bundle_log_check_fn log_check;   /* NULL: seal log not checked against a proof */
	void *log_arg;
	const struct ds_bundle_home *home;  /* NULL: not in the sealing home */
};

#define DS_BUNDLE_CHECKS_MAX 24

struct ds_bundle_sig_report {
	char file[64];          /* META-INF/signatureNNN.p7s */
	char manifest[64];      /* META-INF/ASiCManifestNNN.xml */
	char role[16];          /* "seal", "approver" or "" (from dossier.json) */
	char id[64];            /* seal id or approver user, from dossier.json */
	enum ds_indication indication;
	char sub_indication[48];
	char p7s_sha256[65];
	size_t ncovered;        /* data objects its manifest lists */
	struct ds_cades_report cades; /* the CMS-level report (checks included) */
	size_t nchecks;         /* bundle-level checks for this signature */
	struct ds_check checks[12];
};

struct ds_bundle_report {
	char path[4096];
	int unreadable;          /* the file could not be opened or read at all */
	enum ds_indication indication;
	char sub_indication[48];
	char code[64];           /* from dossier.json, when it could be read */
	char department[64];
	char seal_id[64];
	char sealed_at[40];
	size_t nentries;
	uint64_t bytes_hashed;
	size_t nchecks;
	struct ds_check checks[DS_BUNDLE_CHECKS_MAX];
	size_t nsigs;
	struct ds_bundle_sig_report sigs[DS_BUNDLE_SIGS_MAX];
	int legacy_profile;      /* signed with certificates of before the profiles */
	char warning[256];       /* "" or a line to show (legacy profile) */
};

/* Verifies the bundle at `path`: container structure and limits, names,
 * mimetype, manifests, digests, completeness, each signature through
 * opts->cms_verify, the seal's department against dossier.json, and the seal
 * log when opts->log_check is set. Returns 0 when *out was filled (whatever
 * its verdict; an unreadable file gives unreadable = 1), or DS_ENOMEM.
 * *out is malloc'd; free() it. */
int ds_bundle_verify(const char *path, const struct ds_bundle_verify_opts *opts,
		     struct ds_bundle_report **out);

/* The report as JSON text (malloc'd, NUL-terminated). */
int ds_bundle_report_json(const struct ds_bundle_report *r, char **out);

/* Reads one data object of a bundle (bounded by `max`; same hostile-input
 * checks on the container as the verifier). Used to show dossier.json
 * and by reuse. *out is malloc'd and NUL-terminated. */
int ds_bundle_read_entry(const char *path, const char *name, size_t max,
			 unsigned char **out, size_t *len);

/* ---- sealing a dossier from the home (archive/seal.c) ---- */
struct ds_home;

struct ds_archive_seal_opts {
	const char *code;
	const char *seal_id;
	const char *seal_department;   /* the seal's department: must be the dossier's */
	const char *approver;          /* the approver's user name */
	const char *seal_cert_sha256;  /* SHA-256 (hex) of the seal's certificate, DER; may be NULL */
	const char *approver_cert_sha256; /* of the approver's certificate; may be NULL */
	const char *level;             /* "B-B", "B-T" or "B-LT": recorded in the catalog */
	int reseal;                    /* allow sealing a sealed dossier again */
	const char *actor;             /* for the event (the OS user); NULL: the approver */
	int64_t now;                   /* sealing time (UTC seconds); 0: ds_now() */
	ds_bundle_sign_fn seal_sign;   /* the department seal: signature001 */
	void *seal_arg;
	ds_bundle_sign_fn approver_sign; /* the approver's personal signature: signature002 */
	void *approver_arg;
	/* PAdES (issue 18): signs a result PDF — the approver, then the seal —
	 * returning the whole signed file (malloc'd); NULL: results are bundled
	 * as attached. A refusal (encrypted, damaged PDF) fails the seal. */
	int (*pdf_sign)(void *arg, const char *name, const unsigned char *pdf, size_t len,
			unsigned char **out, size_t *out_len);
	void *pdf_arg;
};

struct ds_archive_seal_result {
	char path[4096];               /* absolute path of the bundle */
	char relpath[1024];            /* relative to the home */
	int version;
	char sha256[65];               /* of the .asice file */
	char seal_p7s_sha256[65];
	uint64_t leaf_index;           /* in the seal log */
	size_t nentries;               /* data objects */
	size_t npdfs;                  /* result PDFs signed (PAdES) and written beside it */
};

/* What ds_archive_seal checks of the dossier before it does anything, for
 * the caller to check before the seal policy grants the seal: it exists,
 * is digitized (or sealed, with `reseal`), has pages, and belongs to
 * o->seal_department (DS_EPERM when not; DS_ESTATE, DS_ENOTFOUND). */
int ds_archive_seal_check(struct ds_home *h, const struct ds_archive_seal_opts *o);

/* Seals a digitised dossier (or, with `reseal`, a sealed one): gathers its
 * pages (scans, cleaned images, text, hOCR), searchable PDF, results and
 * reuse references from the catalog and the store (each blob re-hashed),
 * writes dossier.json and the bundle at archive/YYYY/MM/CODE.asice
 * (CODE.vN.asice for version N > 1; earlier versions are never touched),
 * then in one catalog transaction records the bundle, appends the seal log
 * leaf and moves the dossier to `sealed`. Seals are serialised by an flock
 * on HOME/archive/.seal-lock, so a bundle file that no catalog row names was
 * left by a seal that crashed before its commit; it is replaced.
 * DS_ESTATE when the dossier is not digitised (or already sealed without
 * `reseal`). */
int ds_archive_seal(struct ds_home *h, const struct ds_archive_seal_opts *o,
		    struct ds_archive_seal_result *out);

/* The signed result PDFs of a bundle (dossier.json's results[].signed_pdf,
 * each checked against its signed_sha256) written to DIR as
 * <bundle name without .asice>-result-N.pdf, N the result's position from
 * 1; `cb` is told each path written. Never overwrites (DS_EEXISTS);
 * DS_ENOTFOUND when the bundle has none. The caller checks the bundle
 * file's own hash first. */
typedef void (*ds_archive_pdf_cb)(void *arg, const char *path);
int ds_archive_pdf_export(const char *bundle_path, const char *dir, ds_archive_pdf_cb cb, void *arg);

/* Reuse (`dossier intake … --reuse CODE`): verifies the latest bundle of the
 * sealed dossier `source_code` with `vopts` (which must carry a CMS
 * verifier) and, when it is TOTAL_PASSED, records in the catalog that
 * dossier `code` reuses it (bundle hash, version, time and verdict), with
 * an event "reuse_attached" on `code`. The reference goes into `code`'s
 * dossier.json when it is sealed. DS_ESIG (message: the verdict) when the
 * earlier bundle does not verify, DS_ESTATE when `source_code` has no
 * bundle, DS_EPERM when it belongs to another applicant. Runs inside the
 * caller's transaction when one is open (verification happens first). */
int ds_archive_reuse_attach(struct ds_home *h, const char *code, const char *source_code,
			    const struct ds_bundle_verify_opts *vopts, const char *actor);

/* The two halves of ds_archive_reuse_attach, for a caller that registers
 * the new dossier itself (`dossier intake --reuse`): verify first, outside
 * any transaction (it reads and checks a whole bundle), then record inside
 * the transaction that creates the dossier. */
struct ds_archive_reuse {
	struct ds_reuse_row row;   /* everything but .code */
	char bundle_path[1024];    /* of the verified bundle, relative to the home */
};
/* Checks that `source_code` belongs to `applicant_id` and that its latest
 * bundle is the recorded file and verifies TOTAL_PASSED (errors as above). */
int ds_archive_reuse_verify(struct ds_home *h, const char *applicant_id, const char *source_code,
			    const struct ds_bundle_verify_opts *vopts, struct ds_archive_reuse *out);
/* Records the reference from `code` and its event (in the caller's
 * transaction when one is open). */
int ds_archive_reuse_record(struct ds_home *h, const char *code, const struct ds_archive_reuse *ru,
			    const char *actor);

/* `dossier check`, archive part (archive/check.c): each recorded bundle is
 * on disk with its recorded SHA-256 (else LOSS / CORRUPT) and has its seal
 * log leaf; .asice files no row names and temp files of an interrupted seal
 * are LEFTOVERs (only the temp files are removed with remove_leftovers).
 * Findings go to o->on_finding; returns < 0 only when it could not run. */
struct ds_check_opts;
int ds_archive_check(struct ds_home *h, const struct ds_check_opts *o, size_t *nfindings);

#ifdef __cplusplus
}
#endif
#endif
