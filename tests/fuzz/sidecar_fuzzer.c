/* Fuzz target: the daemon's sidecar NAME.json (ds_sidecar_parse: jansson
 * plus our strict shape checks), bounded as the daemon bounds it. */
#include <stdint.h>
#include <string.h>

#include "dossier/inbox.h"
#include "dossier/qr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ds_sidecar sc;
	if (size > DS_SIDECAR_BYTES_MAX)
		return 0;
	memset(&sc, 0xA5, sizeof sc);
	if (ds_sidecar_parse(&sc, "fuzz.json", data, size) == 0) {
		/* what is accepted is NUL-terminated within its field */
		if (!memchr(sc.dossier, '\0', sizeof sc.dossier) ||
		    !memchr(sc.procedure, '\0', sizeof sc.procedure) ||
		    !memchr(sc.applicant_id, '\0', sizeof sc.applicant_id) ||
		    !memchr(sc.applicant_name, '\0', sizeof sc.applicant_name) ||
		    !memchr(sc.actor, '\0', sizeof sc.actor))
			__builtin_trap();
		/* either a dossier code or a new intake */
		if (sc.dossier[0] ? !ds_qr_code_valid(sc.dossier)
				  : (!sc.procedure[0] || !sc.applicant_id[0] || !sc.applicant_name[0]))
			__builtin_trap();
	}
	return 0;
}
