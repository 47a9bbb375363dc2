/* The home folder's layout. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/home.h"

int ds_home_init(const char *root)
{
	static const struct {
		const char *rel;
		unsigned mode;
	} dirs[] = {
		{"", 0750},          {"store", 0750},        {"inbox", 0770},
		{"inbox/done", 0750}, {"inbox/rejected", 0750}, {"archive", 0750},
		{"pki", 0700},
	};
	char path[DS_PATH_MAX];
	int err;
	ds_catalog *c = NULL;
	ds_store *s = NULL;
	ds_config *cfg = NULL;

	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		if ((err = ds_path_join(path, sizeof path, root, dirs[i].rel)) < 0)
			return err;
		int existed = access(path, F_OK) == 0;
		if ((err = ds_mkdirs(path, dirs[i].mode)) < 0)
			return err;
		/* the umask must not take the scanners' group write on inbox/; an
		 * existing folder keeps what the operator gave it */
		if (!existed && chmod(path, dirs[i].mode) != 0)
			return ds_error_set_errno(DS_EIO, errno, "%s: chmod", path);
	}
	/* pki/ keeps keys: make sure it is private even if it existed. */
	if ((err = ds_path_join(path, sizeof path, root, "pki")) < 0)
		return err;
	if (chmod(path, 0700) != 0)
		return ds_error_set_errno(DS_EIO, errno, "%s: chmod", path);
	if ((err = ds_path_join(path, sizeof path, root, "dossier.conf")) < 0)
		return err;
	if (access(path, F_OK) != 0) {
		const char *text = ds_config_default_text();
		if ((err = ds_file_write_atomic(path, text, strlen(text), 0640)) < 0)
			return err;
	}
	/* An existing config must still parse: init does not hide a broken one. */
	if ((err = ds_config_load(&cfg, path)) < 0)
		return err;
	ds_config_free(cfg);
	if ((err = ds_path_join(path, sizeof path, root, "store")) < 0 ||
	    (err = ds_store_open(&s, path, 1)) < 0)
		return err;
	ds_store_free(s);
	if ((err = ds_path_join(path, sizeof path, root, "catalog.db")) < 0)
		return err;
	int existed = access(path, F_OK) == 0;
	if ((err = ds_catalog_open(&c, path, 1)) < 0)
		return err;
	ds_catalog_free(c);
	/* the catalog holds citizens' ID numbers: not for other users */
	if (!existed && chmod(path, 0640) != 0)
		return ds_error_set_errno(DS_EIO, errno, "%s: chmod", path);
	return 0;
}

static int home_open(ds_home **out, const char *root, int read_only_ok)
{
	ds_home *h = NULL;
	char path[DS_PATH_MAX];
	int err;
	struct stat st;

	*out = NULL;
	if ((err = ds_path_join(path, sizeof path, root, "catalog.db")) < 0)
		return err;
	if (stat(path, &st) != 0) {
		if (errno == EACCES)
			return ds_error_set(DS_EPERM, "%s: permission denied", root);
		if (errno != ENOENT && errno != ENOTDIR)
			return ds_error_set_errno(DS_EIO, errno, "%s", root);
		return ds_error_set(DS_ENOTFOUND,
				    "%s: not a dossier home (no catalog.db); run `dossier --home %s init`",
				    root, root);
	}
	/* another user's home: said as such, not as a database error */
	if (access(path, R_OK) != 0 && errno == EACCES)
		return ds_error_set(DS_EPERM, "%s: permission denied (catalog.db)", root);
	/* Absolute, so that paths recorded from it (seal key files…) hold
	 * whatever the working folder of a later command. */
	char abs[PATH_MAX];
	if (!realpath(root, abs))
		return ds_error_set_errno(DS_EIO, errno, "%s", root);
	root = abs;
	h = calloc(1, sizeof *h);
	if (!h)
		return ds_error_set(DS_ENOMEM, "out of memory");
	if ((err = ds_fmt(h->root, sizeof h->root, "%s", root)) < 0)
		goto done;
	if ((err = ds_path_join(path, sizeof path, root, "dossier.conf")) < 0 ||
	    (err = ds_config_load(&h->config, path)) < 0)
		goto done;
	if ((err = ds_path_join(path, sizeof path, root, "catalog.db")) < 0)
		goto done;
	if ((err = ds_catalog_open(&h->catalog, path, 0)) < 0 && read_only_ok &&
	    err != DS_EUNSUPPORTED && err != DS_ECORRUPT && err != DS_ENOMEM) {
		/* cannot be written here (read-only folder or medium, another
		 * user's home, a full disk): a reader reads it as it is */
		char first[512];
		if (ds_fmt(first, sizeof first, "%s", ds_error_last()) < 0)
			first[0] = '\0';
		if ((err = ds_catalog_open_readonly(&h->catalog, path)) < 0 && err != DS_EUNSUPPORTED)
			ds_error_set(err, "%s (opening it for writing: %s)", ds_error_last(), first);
	}
	if (err == DS_EIO && !read_only_ok && access(root, W_OK) != 0 &&
	    (errno == EROFS || errno == EACCES))
		err = ds_error_set(DS_EPERM, "%s: cannot be written here (%s); the commands that "
				   "only read work", root, errno == EROFS ? "read-only file system"
								: "permission denied");
	if (err < 0)
		goto done;
	if ((err = ds_path_join(path, sizeof path, root, "store")) < 0 ||
	    (err = ds_store_open(&h->store, path, 0)) < 0)
		goto done;
	*out = h;
	h = NULL; /* transferred */
done:
	ds_home_free(h);
	return err;
}

int ds_home_open(ds_home **out, const char *root)
{
	return home_open(out, root, 0);
}

int ds_home_open_read(ds_home **out, const char *root)
{
	return home_open(out, root, 1);
}

void ds_home_free(ds_home *h)
{
	if (!h)
		return;
	ds_catalog_free(h->catalog);
	ds_store_free(h->store);
	ds_config_free(h->config);
	free(h);
}

int ds_home_path(const ds_home *h, const char *rel, char *out, size_t n)
{
	return ds_path_join(out, n, h->root, rel);
}
