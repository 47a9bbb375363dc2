/* Shared by intake and pages add: ingest files into a dossier. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_ingest.h"
#include "dossier/error.h"

int ds_cli_ingest_files(struct ds_cli *cli, ds_home *h, char **files, int nfiles,
			ds_ingest **out)
{
	ds_ingest *in = NULL;
	char code[DS_CODE_MAX];
	int err = ds_ingest_new(&in, h->store, NULL);
	if (err < 0)
		return err;
	for (int i = 0; i < nfiles; i++) {
		if ((err = ds_ingest_add_file(in, files[i], NULL)) < 0)
			goto fail;
		/* ds_ingest_add_file adds one file (its pages) each time */
		size_t k = ds_ingest_file_count(in) - 1;
		const char *sha = ds_ingest_file_sha256(in, k);
		/* the same bytes twice in one dossier: refused, naming both */
		for (int j = 0; j < i; j++) {
			if (strcmp(ds_ingest_file_sha256(in, (size_t)j), sha) == 0) {
				err = ds_error_set(DS_EINVALID,
						   "%s and %s are the same file (SHA-256 %.16s…); "
						   "give it once",
						   files[j], files[i], sha);
				goto fail;
			}
		}
	}
	/* already in a dossier: said, as dossierd does, but taken (a citizen
	 * may hand in the same paper for another procedure) */
	for (int i = 0; i < nfiles; i++) {
		if ((err = ds_catalog_file_find(h->catalog, ds_ingest_file_sha256(in, (size_t)i),
						code)) == 0)
			fprintf(stderr, "dossier %s: warning: %s: already ingested as %s\n",
				cli && cli->verb ? cli->verb : "", files[i], code);
		else if (err != DS_ENOTFOUND)
			goto fail;
		err = 0;
	}
	*out = in;
	return 0;
fail:
	/* removes the blobs it stored that nothing else names */
	ds_ingest_abort_unnamed(in, h->catalog);
	ds_ingest_free(in);
	return err;
}
