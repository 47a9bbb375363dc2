/* Catalog tables and queries for the signer area. */
#include "core/catalog_int.h"

const char ds_catalog__schema_signer[] = "";
