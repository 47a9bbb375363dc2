/* dossier — the home folder: dossier.conf, catalog.db, store/, inbox/,
 * archive/, pki/. One handle gathers them for the commands. */
#ifndef DOSSIER_HOME_H
#define DOSSIER_HOME_H

#include "dossier/catalog.h"
#include "dossier/config.h"
#include "dossier/store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ds_home {
	char root[4096];
	ds_config *config;
	ds_catalog *catalog;
	ds_store *store;
} ds_home;

/* Creates the layout under `root` (idempotent): folders 0700 where they hold
 * keys, dossier.conf with defaults when absent, the catalog and the store. */
int ds_home_init(const char *root);

/* Opens an initialised home; DS_ENOTFOUND (naming the folder) when `init`
 * was not run. */
int ds_home_open(ds_home **out, const char *root);
/* For commands that only read: as ds_home_open, but where the catalog cannot
 * be opened for writing (a read-only folder or medium, another user's home,
 * a full disk) it is opened read-only (ds_catalog_open_readonly). A home
 * that cannot be read at all is DS_EPERM "permission denied", naming it. */
int ds_home_open_read(ds_home **out, const char *root);
void ds_home_free(ds_home *h);

/* HOME/<rel> into out. */
int ds_home_path(const ds_home *h, const char *rel, char *out, size_t n);

#ifdef __cplusplus
}
#endif
#endif
