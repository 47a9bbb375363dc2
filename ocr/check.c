/* `dossier check`, the OCR part: page PDFs kept in HOME/tmp/ocr-pages-CODE
 * for an unfinished run are in use while the dossier is `received`; for a
 * dossier in any other state (or none) they are leftovers. */
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dossier/catalog.h"
#include "dossier/check.h"
#include "dossier/clock.h"
#include "dossier/error.h"
#include "dossier/fs.h"
#include "dossier/home.h"
#include "dossier/ocr.h"
#include "ocr/ocr_int.h"

#define PREFIX "ocr-pages-"

/* Removes a page PDF folder (the files of one dossier's run, then the
 * folder). Used by the pool (ocr/run.c) once the dossier's PDF is stored. */
void ds_ocr__remove_pdf_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[DS_PATH_MAX];
	if (!d)
		return;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
		    ds_path_join(path, sizeof path, dir, de->d_name) == 0)
			(void)unlink(path);
	closedir(d);
	(void)rmdir(dir);
}

int ds_ocr_check(struct ds_home *h, const struct ds_check_opts *o, size_t *nfindings)
{
	char tmp[DS_PATH_MAX], path[DS_PATH_MAX];
	struct dirent *de;
	size_t n = 0;
	int err;
	DIR *d;

	if (nfindings)
		*nfindings = 0;
	if ((err = ds_home_path(h, "tmp", tmp, sizeof tmp)) < 0)
		return err;
	if (!(d = opendir(tmp)))
		return 0; /* no OCR run yet */
	while ((de = readdir(d)) != NULL) {
		struct ds_dossier dos;
		struct stat st;
		if (strncmp(de->d_name, PREFIX, strlen(PREFIX)) != 0 ||
		    ds_path_join(path, sizeof path, tmp, de->d_name) < 0 || lstat(path, &st) != 0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		const char *code = de->d_name + strlen(PREFIX);
		if (ds_catalog_dossier_get(h->catalog, code, &dos) == 0 &&
		    strcmp(dos.state, DS_STATE_RECEIVED) == 0)
			continue; /* an OCR run to resume */
		n++;
		if (o->on_finding)
			o->on_finding(o->arg, DS_FINDING_LEFTOVER, path,
				      "page PDFs of an OCR run whose dossier is no longer received");
		if (o->remove_leftovers && ds_now() - (int64_t)st.st_mtime >= o->leftover_min_age)
			ds_ocr__remove_pdf_dir(path);
	}
	closedir(d);
	if (nfindings)
		*nfindings = n;
	return 0;
}
