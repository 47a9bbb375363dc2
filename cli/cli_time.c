/* Times for people: in the site's zone, with the offset written.
 *
 * The zone is dossier.conf's [site] timezone, an IANA name ("Asia/Ho_Chi_Minh")
 * looked up in the system's tz database through the C library (TZ is set for
 * this process, once, before any thread starts: the library never reads it),
 * or else [site] utc_offset ("+07:00", fixed). Without a home (verify of a
 * bundle elsewhere), the machine's own zone. Signed data (a bundle's
 * sealed_at, seal-log leaves) is never rewritten: only its display is. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "dossier/clock.h"
#include "dossier/config.h"
#include "dossier/error.h"
#include "dossier/fs.h"

static struct {
	int set;       /* from a home's dossier.conf */
	int named;     /* TZ set from [site] timezone */
	int offset;    /* else: fixed seconds east of UTC */
	char name[128];
} zone;

static int name_ok(const char *n)
{
	size_t len = strlen(n);
	if (len == 0 || len >= sizeof zone.name || n[0] == '/' || strstr(n, ".."))
		return 0;
	for (const char *p = n; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '/' || *p == '_' || *p == '-' || *p == '+'))
			return 0;
	return 1;
}

int ds_cli_zone_set(ds_config *cfg)
{
	const char *name = ds_config_get(cfg, "site", "timezone", NULL);
	if (name && *name) {
		const char *dir = getenv("TZDIR");
		char path[DS_PATH_MAX];
		struct stat st;
		if (!dir || !*dir)
			dir = "/usr/share/zoneinfo";
		if (!name_ok(name) || ds_path_join(path, sizeof path, dir, name) < 0 ||
		    stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			return ds_error_set(DS_EINVALID,
					    "dossier.conf: [site] timezone '%s' is not in the tz "
					    "database (%s)",
					    name, dir);
		/* TZ is set once (dossierd rereads its config while threads run:
		 * a changed name takes effect at its restart) */
		if (!zone.named) {
			char tz[sizeof zone.name + 1];
			if (ds_fmt(tz, sizeof tz, ":%s", name) < 0 || setenv("TZ", tz, 1) != 0)
				return ds_error_set(DS_ENOMEM, "cannot set the time zone");
			tzset();
			memcpy(zone.name, name, strlen(name) + 1);
			zone.named = 1;
		}
		/* the library's dates (due dates, dossier codes, receipts) take
		 * the zone's offset of now */
		time_t now = (time_t)ds_now();
		struct tm tm;
		if (localtime_r(&now, &tm))
			ds_config_set_utc_offset(cfg, (int)tm.tm_gmtoff);
	} else {
		zone.offset = ds_config_utc_offset(cfg);
		zone.named = 0;
	}
	zone.set = 1;
	return 0;
}

void ds_cli_zone_apply(ds_config *cfg)
{
	if (!zone.named)
		return;
	time_t now = (time_t)ds_now();
	struct tm tm;
	if (localtime_r(&now, &tm))
		ds_config_set_utc_offset(cfg, (int)tm.tm_gmtoff);
}

void ds_cli_zone_default(const char *home_dir)
{
	char path[DS_PATH_MAX];
	ds_config *cfg = NULL;
	if (zone.set || ds_path_join(path, sizeof path, home_dir, "dossier.conf") < 0)
		return;
	if (ds_config_load(&cfg, path) == 0)
		(void)ds_cli_zone_set(cfg);
	ds_config_free(cfg);
	ds_error_clear();
}

int ds_cli_zone_offset(int64_t t)
{
	if (zone.set && !zone.named)
		return zone.offset;
	/* the named zone, or without a home the machine's own */
	time_t tt = (time_t)t;
	struct tm tm;
	if (!localtime_r(&tt, &tm))
		return 0;
	return (int)tm.tm_gmtoff;
}

const char *ds_cli_time_at(int64_t t, char *buf, size_t n)
{
	if (ds_time_iso(t, ds_cli_zone_offset(t), 0, buf, n) < 0 && n)
		buf[0] = '\0';
	return buf;
}

const char *ds_cli_when(const char *rfc3339, char *buf, size_t n)
{
	int64_t t;
	if (!rfc3339 || !*rfc3339 || ds_time_parse(rfc3339, &t) < 0)
		return rfc3339 ? rfc3339 : "";
	return ds_cli_time_at(t, buf, n);
}
