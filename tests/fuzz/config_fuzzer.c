/* Fuzz target: dossier.conf parsing (inih + our validation). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dossier/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	ds_config *cfg = NULL;
	if (ds_config_parse(&cfg, "fuzz.conf", text, size) == 0) {
		long v;
		int b;
		size_t n;
		ds_config_get_int(cfg, "ocr", "jobs", 0, 0, 64, &v);
		ds_config_get_bool(cfg, "daemon", "ocr", 1, &b);
		ds_config_holidays(cfg, &n);
		(void)ds_config_agency_id(cfg);
	}
	ds_config_free(cfg);
	free(text);
	return 0;
}
