/* Shared by intake and pages add: ingest files into a dossier. */
#include <stdio.h>

#include "cli.h"
#include "cli_ingest.h"
#include "dossier/error.h"

int ds_cli_ingest_files(ds_home *h, char **files, int nfiles, ds_ingest **out)
{
	ds_ingest *in = NULL;
	int err = ds_ingest_new(&in, h->store, NULL);
	if (err < 0)
		return err;
	for (int i = 0; i < nfiles; i++) {
		if ((err = ds_ingest_add_file(in, files[i], NULL)) < 0) {
			/* removes the blobs it stored that nothing else names */
			ds_ingest_abort_unnamed(in, h->catalog);
			ds_ingest_free(in);
			return err;
		}
	}
	*out = in;
	return 0;
}
