/* Catalog tables and queries for the seallog area. */
#include "core/catalog_int.h"

const char ds_catalog__schema_seallog[] = "";
