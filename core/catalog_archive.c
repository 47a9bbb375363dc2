/* Catalog tables and queries for the archive area. */
#include "core/catalog_int.h"

const char ds_catalog__schema_archive[] = "";
