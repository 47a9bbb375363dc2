/* Catalog tables and queries for the daemon area. */
#include "core/catalog_int.h"

const char ds_catalog__schema_daemon[] = "";
