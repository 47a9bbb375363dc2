/* CLI helpers for the seal log (shared by `dossier log` and `dossier verify`). */
#include "cli.h"
