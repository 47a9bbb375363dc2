/* dossier — configuration (dossier.conf, INI read with inih).
 *
 * Values are kept as section/key strings; typed getters apply defaults and
 * validate. Unknown keys are kept (so modules can add their own) but a
 * malformed file is refused with the file name and line.
 */
#ifndef DOSSIER_CONFIG_H
#define DOSSIER_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DS_CONFIG_BYTES_MAX (256u * 1024u)
#define DS_CONFIG_ENTRIES_MAX 512
#define DS_HOLIDAYS_MAX 512
#define DS_CONFIG_LIST_MAX 8192 /* a repeated key's joined values ([pki] trust) */

typedef struct ds_config ds_config;

/* Parses `path`. DS_EINVALID names the file and line on a syntax error. */
int ds_config_load(ds_config **out, const char *path);

/* Parses INI text held in memory; `name` is used in messages. */
int ds_config_parse(ds_config **out, const char *name, const char *text, size_t len);

/* An empty config (all defaults). */
int ds_config_new(ds_config **out);

void ds_config_free(ds_config *cfg);

/* The raw value of section.key, or `def` when absent. Borrowed.
 * [pki] trust may repeat: its values are joined with commas. */
const char *ds_config_get(const ds_config *cfg, const char *section, const char *key,
			  const char *def);

/* Integer value in [min, max]; DS_EINVALID when not a number or out of range. */
int ds_config_get_int(const ds_config *cfg, const char *section, const char *key,
		      long def, long min, long max, long *out);

/* Boolean: true/false/yes/no/on/off/1/0. */
int ds_config_get_bool(const ds_config *cfg, const char *section, const char *key,
		       int def, int *out);

/* The agency identifier ([site] agency_id), validated: 1..35 chars of [0-9A-Z.]. */
const char *ds_config_agency_id(const ds_config *cfg);

/* The site's UTC offset ([site] utc_offset, "+07:00") in seconds. */
int ds_config_utc_offset(const ds_config *cfg);
/* Sets it: the CLI gives the offset of a [site] timezone (tz database). */
void ds_config_set_utc_offset(ds_config *cfg, int seconds);

/* Holidays ([site] holidays = 2025-01-01, 2025-04-30 …) as days since the
 * epoch (local dates), sorted. Borrowed. */
const int32_t *ds_config_holidays(const ds_config *cfg, size_t *n);

/* The default dossier.conf written by `dossier init`. */
const char *ds_config_default_text(void);

/* Validates a parsed config: agency id, offset and holiday dates. */
int ds_config_validate(const ds_config *cfg, const char *path);

#ifdef __cplusplus
}
#endif
#endif
