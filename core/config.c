/* dossier.conf: INI (inih), kept as section/key/value strings. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "dossier/clock.h"
#include "dossier/config.h"
#include "dossier/error.h"
#include "dossier/fs.h"

struct entry {
	char *section, *key, *value;
};

struct ds_config {
	struct entry *e;
	size_t n, cap;
	int32_t holidays[DS_HOLIDAYS_MAX];
	size_t nholidays;
	int utc_offset;
	char agency_id[40];
	int error;           /* first error seen while parsing */
	char errmsg[512];
};

static const char default_text[] =
	"# dossier configuration. See dossier(1) and README.md.\n"
	"[site]\n"
	"# The receiving agency's electronic identifier (QĐ 20/2020/QĐ-TTg): set per site.\n"
	"agency_id = 000.00.00.H00\n"
	"# The site's offset from UTC: dates are shown and due dates computed in it.\n"
	"utc_offset = +07:00\n"
	"# Public holidays (YYYY-MM-DD, comma-separated; the line may repeat).\n"
	"holidays =\n"
	"\n"
	"[ocr]\n"
	"# auto picks vie or eng page by page; or a fixed list such as vie, eng, vie+eng.\n"
	"languages = auto\n"
	"# OCR worker threads; 0 = the number of cores.\n"
	"jobs = 0\n"
	"\n"
	"[daemon]\n"
	"# The scanner drop folder; relative paths are under the home.\n"
	"inbox = inbox\n"
	"# Run OCR on ingested pages.\n"
	"ocr = true\n"
	"# What happens to an ingested scan: move (to inbox/done/) or remove.\n"
	"after_ingest = move\n"
	"# Poll the inbox every N seconds as well as watching it (0: inotify only).\n"
	"poll_seconds = 0\n"
	"\n"
	"[seal_log]\n"
	"origin = dossier/seal-log\n"
	"# dossierd signs a checkpoint this often (seconds) when something was sealed or\n"
	"# recorded since the last one; 0: never.\n"
	"checkpoint_every = 3600\n"
	"# The log key's own passphrase (`dossier pki log-key`), in a file only dossierd's\n"
	"# user can read; without it dossierd signs no checkpoints.\n"
	"# passphrase_file = /etc/dossier/log.pass\n"
	"# A copy of each checkpoint dossierd signs, best on another machine.\n"
	"# publish_dir = /mnt/witness/dossier\n"
	"\n"
	"[pki]\n"
	"# Trust anchors (root certificates, PEM; relative paths are under the home) for\n"
	"# enrolling seals and approvers and for `dossier verify`. The line may repeat;\n"
	"# `dossier pki init` adds pki/root.pem. See docs/signer.md, \"Trust model\".\n"
	"# trust = /etc/dossier/national-ca.pem\n"
	"# Certificate policy OIDs of a department seal and of an approver:\n"
	"# seal_policy = 1.3.6.1.5.5.7.13.1\n"
	"# approver_policy = 1.3.6.1.5.5.7.13.2\n"
	"# organizationIdentifier `pki issue seal` writes ({agency}, {dept}):\n"
	"# seal_org_id = NTRVN-{agency}-{dept}\n"
	"# What marks a seal or a personal certificate under one anchor:\n"
	"# [anchor /etc/dossier/national-ca.pem]\n"
	"# seal = subject:UID=MST:\n"
	"# approver = subject:UID=CCCD:\n";

const char *ds_config_default_text(void) { return default_text; }

static int add_entry(ds_config *cfg, const char *section, const char *key, const char *value)
{
	for (size_t i = 0; i < cfg->n; i++) {
		if (strcmp(cfg->e[i].section, section) == 0 && strcmp(cfg->e[i].key, key) == 0) {
			char *v = strdup(value);
			if (!v)
				return -1;
			free(cfg->e[i].value);
			cfg->e[i].value = v;
			return 0;
		}
	}
	if (cfg->n >= DS_CONFIG_ENTRIES_MAX)
		return -1;
	if (cfg->n == cfg->cap) {
		size_t cap = cfg->cap ? cfg->cap * 2 : 32;
		struct entry *e = realloc(cfg->e, cap * sizeof *e);
		if (!e)
			return -1;
		cfg->e = e;
		cfg->cap = cap;
	}
	struct entry *e = &cfg->e[cfg->n];
	e->section = strdup(section);
	e->key = strdup(key);
	e->value = strdup(value);
	if (!e->section || !e->key || !e->value) {
		free(e->section);
		free(e->key);
		free(e->value);
		return -1;
	}
	cfg->n++;
	return 0;
}

static int add_holidays(ds_config *cfg, const char *value)
{
	const char *p = value;
	while (*p) {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (!*p)
			break;
		const char *start = p;
		while (*p && *p != ',' && *p != ' ' && *p != '\t')
			p++;
		char date[16];
		size_t len = (size_t)(p - start);
		if (len >= sizeof date)
			return ds_error_set(DS_EINVALID, "holiday '%.*s' is not a date (YYYY-MM-DD)",
					    (int)(len > 40 ? 40 : len), start);
		memcpy(date, start, len);
		date[len] = '\0';
		int32_t day;
		int err = ds_date_parse(date, &day);
		if (err < 0)
			return err;
		if (cfg->nholidays >= DS_HOLIDAYS_MAX)
			return ds_error_set(DS_ETOOBIG, "more than %d holidays", DS_HOLIDAYS_MAX);
		cfg->holidays[cfg->nholidays++] = day;
	}
	return 0;
}

static int on_entry(void *user, const char *section, const char *name, const char *value)
{
	ds_config *cfg = user;
	if (cfg->error)
		return 0;
	if (strcmp(section, "site") == 0 && strcmp(name, "holidays") == 0) {
		int err = add_holidays(cfg, value);
		if (err < 0) {
			cfg->error = err;
			ds_fmt(cfg->errmsg, sizeof cfg->errmsg, "%s", ds_error_last());
			return 0;
		}
		return 1;
	}
	if (strcmp(section, "pki") == 0 && strcmp(name, "trust") == 0) {
		/* the line may repeat: the anchors accumulate, comma-separated */
		const char *old = ds_config_get(cfg, section, name, NULL);
		char joined[DS_CONFIG_LIST_MAX];
		if ((old && *old && *value ? ds_fmt(joined, sizeof joined, "%s,%s", old, value)
					   : ds_fmt(joined, sizeof joined, "%s",
						    old && *old ? old : value)) < 0) {
			cfg->error = DS_ETOOBIG;
			ds_fmt(cfg->errmsg, sizeof cfg->errmsg, "[pki] trust: longer than %d bytes",
			       DS_CONFIG_LIST_MAX);
			return 0;
		}
		value = joined;
		if (add_entry(cfg, section, name, value) < 0) {
			cfg->error = DS_ENOMEM;
			ds_fmt(cfg->errmsg, sizeof cfg->errmsg, "out of memory");
			return 0;
		}
		return 1;
	}
	if (add_entry(cfg, section, name, value) < 0) {
		cfg->error = DS_ETOOBIG;
		ds_fmt(cfg->errmsg, sizeof cfg->errmsg, "too many entries (at most %d)",
		       DS_CONFIG_ENTRIES_MAX);
		return 0;
	}
	return 1;
}

static int cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return (x > y) - (x < y);
}

int ds_config_new(ds_config **out)
{
	ds_config *cfg = calloc(1, sizeof *cfg);
	if (!cfg)
		return ds_error_set(DS_ENOMEM, "out of memory");
	cfg->utc_offset = 7 * 3600;
	memcpy(cfg->agency_id, "000.00.00.H00", 14);
	*out = cfg;
	return 0;
}

int ds_config_parse(ds_config **out, const char *path, const char *text, size_t len)
{
	ds_config *cfg = NULL;
	int err = 0;

	*out = NULL;
	if (len > DS_CONFIG_BYTES_MAX)
		return ds_error_set(DS_ETOOBIG, "%s: larger than %u bytes", path, DS_CONFIG_BYTES_MAX);
	if (memchr(text, '\0', len) || text[len] != '\0')
		return ds_error_set(DS_EINVALID, "%s: contains a NUL byte", path);
	if ((err = ds_config_new(&cfg)) < 0)
		return err;
	int line = ini_parse_string(text, on_entry, cfg);
	if (cfg->error) {
		err = ds_error_set(cfg->error, "%s: %s", path, cfg->errmsg);
		goto done;
	}
	if (line != 0) {
		err = ds_error_set(DS_EINVALID, "%s:%d: syntax error", path, line);
		goto done;
	}
	qsort(cfg->holidays, cfg->nholidays, sizeof cfg->holidays[0], cmp_i32);
	if ((err = ds_config_validate(cfg, path)) < 0)
		goto done;
	*out = cfg;
	cfg = NULL; /* transferred */
done:
	ds_config_free(cfg);
	return err;
}

int ds_config_load(ds_config **out, const char *path)
{
	unsigned char *text = NULL;
	size_t len;
	int err;

	*out = NULL;
	if ((err = ds_file_read(path, DS_CONFIG_BYTES_MAX, &text, &len)) < 0)
		return err;
	err = ds_config_parse(out, path, (const char *)text, len);
	free(text);
	return err;
}

void ds_config_free(ds_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n; i++) {
		free(cfg->e[i].section);
		free(cfg->e[i].key);
		free(cfg->e[i].value);
	}
	free(cfg->e);
	free(cfg);
}

const char *ds_config_get(const ds_config *cfg, const char *section, const char *key,
			  const char *def)
{
	if (!cfg)
		return def;
	for (size_t i = 0; i < cfg->n; i++)
		if (strcmp(cfg->e[i].section, section) == 0 && strcmp(cfg->e[i].key, key) == 0)
			return cfg->e[i].value;
	return def;
}

int ds_config_get_int(const ds_config *cfg, const char *section, const char *key, long def,
		      long min, long max, long *out)
{
	const char *v = ds_config_get(cfg, section, key, NULL);
	if (!v || !*v) {
		*out = def;
		return 0;
	}
	char *end = NULL;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < min || n > max)
		return ds_error_set(DS_EINVALID, "[%s] %s = '%s': not a whole number from %ld to %ld",
				    section, key, v, min, max);
	*out = n;
	return 0;
}

int ds_config_get_bool(const ds_config *cfg, const char *section, const char *key, int def,
		       int *out)
{
	const char *v = ds_config_get(cfg, section, key, NULL);
	if (!v || !*v) {
		*out = def;
		return 0;
	}
	static const char *yes[] = {"true", "yes", "on", "1"}, *no[] = {"false", "no", "off", "0"};
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return ds_error_set(DS_EINVALID, "[%s] %s = '%s': not true or false", section, key, v);
}

const char *ds_config_agency_id(const ds_config *cfg) { return cfg->agency_id; }
int ds_config_utc_offset(const ds_config *cfg) { return cfg->utc_offset; }
void ds_config_set_utc_offset(ds_config *cfg, int seconds) { cfg->utc_offset = seconds; }

const int32_t *ds_config_holidays(const ds_config *cfg, size_t *n)
{
	*n = cfg->nholidays;
	return cfg->holidays;
}

int ds_config_validate(const ds_config *ccfg, const char *path)
{
	ds_config *cfg = (ds_config *)ccfg; /* caches the parsed values */
	const char *agency = ds_config_get(cfg, "site", "agency_id", "000.00.00.H00");
	size_t len = strlen(agency);
	if (len < 1 || len > 35)
		return ds_error_set(DS_EINVALID, "%s: [site] agency_id must have 1 to 35 characters",
				    path);
	for (size_t i = 0; i < len; i++)
		if (!(isdigit((unsigned char)agency[i]) || (agency[i] >= 'A' && agency[i] <= 'Z') ||
		      agency[i] == '.'))
			return ds_error_set(DS_EINVALID,
					    "%s: [site] agency_id '%s' may hold only 0-9, A-Z and '.'",
					    path, agency);
	memcpy(cfg->agency_id, agency, len + 1);
	const char *off = ds_config_get(cfg, "site", "utc_offset", "+07:00");
	int err = ds_offset_parse(off, &cfg->utc_offset);
	if (err < 0)
		return ds_error_set(err, "%s: [site] utc_offset: %s", path, ds_error_last());
	return 0;
}
