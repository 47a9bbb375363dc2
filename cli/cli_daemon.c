/* Shared CLI pieces of dossierd and `dossier status` (filled in with the daemon). */
#include "cli.h"
