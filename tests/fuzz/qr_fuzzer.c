/* Fuzz target: the QR payload check (ds_qr_code_valid) on arbitrary bytes,
 * as the daemon applies it to a decoded payload: NUL-terminated, bounded by
 * DS_QR_PAYLOAD_MAX. An accepted code must have the syntax FORMATS.md gives
 * (AGENCY-YYMMDD-SEQ over [0-9A-Z.-]), which is re-checked here. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dossier/qr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[DS_QR_PAYLOAD_MAX];
	if (size >= sizeof s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (ds_qr_code_valid(s)) {
		size_t n = strlen(s), dashes = 0;
		if (n < 1 + 1 + 6 + 1 + 4)
			__builtin_trap();
		for (size_t i = 0; i < n; i++) {
			char c = s[i];
			if (c == '-')
				dashes++;
			else if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || c == '.'))
				__builtin_trap();
		}
		if (dashes != 2)
			__builtin_trap();
	}
	return 0;
}
