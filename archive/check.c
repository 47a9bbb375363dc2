/* `dossier check`, the archive part: every bundle the catalog records is on
 * disk with the recorded SHA-256 and has its seal log leaf; every bundle
 * file under archive/ is recorded; temp files of an interrupted seal are
 * leftovers. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dossier/archive.h"
#include "dossier/catalog_archive.h"
#include "dossier/catalog_seallog.h"
#include "dossier/check.h"
#include "dossier/clock.h"
#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/home.h"

#define ARCHIVE_WALK_DEPTH 4 /* archive/YYYY/MM/file; deeper is not ours */

struct actx {
	ds_home *h;
	const struct ds_check_opts *o;
	size_t n;
};

static void finding(struct actx *x, enum ds_finding_kind k, const char *what, const char *detail)
{
	x->n++;
	if (x->o->on_finding)
		x->o->on_finding(x->o->arg, k, what, detail);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* The bundle's leaf names its seal signature's hash: one leaf per version. */
static int leaf_present(ds_catalog *c, const struct ds_bundle_row *b, int *present)
{
	struct ds_seallog_leaf *l = NULL;
	size_t n = 0;
	int err = ds_catalog_seallog_leaf_list(c, b->code, &l, &n);
	*present = 0;
	for (size_t i = 0; err == 0 && i < n; i++)
		if (strstr(l[i].leaf, b->seal_p7s_sha256))
			*present = 1;
	free(l);
	return err;
}

static int check_rows(struct actx *x)
{
	struct ds_bundle_row *b = NULL;
	size_t n = 0;
	int err;

	if ((err = ds_catalog_bundle_list(x->h->catalog, NULL, &b, &n)) < 0)
		return err;
	for (size_t i = 0; i < n; i++) {
		char path[DS_PATH_MAX], sha[65] = "", detail[DS_DETAIL_MAX];
		int present;
		if ((err = ds_home_path(x->h, b[i].path, path, sizeof path)) < 0)
			goto done;
		if (access(path, F_OK) != 0) {
			ds_fmt(detail, sizeof detail, "bundle v%d of %s recorded, file missing",
			       b[i].version, b[i].code);
			finding(x, DS_FINDING_LOSS, path, detail);
		} else if (ds_sha256_file_hex(path, sha) < 0 || strcmp(sha, b[i].sha256) != 0) {
			ds_fmt(detail, sizeof detail, "bundle v%d of %s: SHA-256 %s, recorded %s",
			       b[i].version, b[i].code, sha[0] ? sha : "unreadable", b[i].sha256);
			finding(x, DS_FINDING_CORRUPT, path, detail);
		}
		if ((err = leaf_present(x->h->catalog, &b[i], &present)) < 0)
			goto done;
		if (!present) {
			ds_fmt(detail, sizeof detail, "bundle v%d of %s has no seal log leaf",
			       b[i].version, b[i].code);
			finding(x, DS_FINDING_CORRUPT, b[i].path, detail);
		}
	}
done:
	free(b);
	return err;
}

/* Files under archive/ that no bundle row names. */
static int walk(struct actx *x, const char *dir, const char *rel, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int err = 0;
	if (!d)
		return 0; /* no archive yet */
	while ((de = readdir(d)) != NULL && err == 0) {
		char path[DS_PATH_MAX], r[DS_PATH_MAX];
		struct stat st;
		if (de->d_name[0] == '.' || ds_path_join(path, sizeof path, dir, de->d_name) < 0 ||
		    ds_path_join(r, sizeof r, rel, de->d_name) < 0 || lstat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (depth < ARCHIVE_WALK_DEPTH)
				err = walk(x, path, r, depth + 1);
			continue;
		}
		if (!S_ISREG(st.st_mode))
			continue;
		if (strstr(de->d_name, ".asice.tmp.")) {
			finding(x, DS_FINDING_LEFTOVER, path, "temp file of an interrupted seal");
			if (x->o->remove_leftovers &&
			    ds_now() - (int64_t)st.st_mtime >= x->o->leftover_min_age)
				(void)unlink(path);
		} else if (ends_with(de->d_name, ".asice")) {
			int known = 0;
			if ((err = ds_catalog_bundle_path_known(x->h->catalog, r, &known)) < 0)
				break;
			/* kept, never removed: the next seal of that dossier replaces it */
			if (!known)
				finding(x, DS_FINDING_LEFTOVER, path,
					"bundle that no catalog row names (a seal interrupted before its commit)");
		}
	}
	closedir(d);
	return err;
}

int ds_archive_check(ds_home *h, const struct ds_check_opts *o, size_t *nfindings)
{
	struct actx x = {.h = h, .o = o};
	char dir[DS_PATH_MAX];
	int err;

	if ((err = check_rows(&x)) == 0 &&
	    (err = ds_home_path(h, "archive", dir, sizeof dir)) == 0)
		err = walk(&x, dir, "archive", 0);
	if (nfindings)
		*nfindings = x.n;
	return err;
}
