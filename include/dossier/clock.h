/* dossier — dates: working days, due dates, ISO 8601 with the site offset. */
#ifndef DOSSIER_CLOCK_H
#define DOSSIER_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Days since 1970-01-01 of a civil date, and back. */
int32_t ds_days_from_civil(int y, unsigned m, unsigned d);
void ds_civil_from_days(int32_t z, int *y, unsigned *m, unsigned *d);

/* Parses "YYYY-MM-DD" into days since the epoch. DS_EINVALID otherwise. */
int ds_date_parse(const char *s, int32_t *out);

/* The due time of a dossier received at `received` (UTC seconds) whose
 * procedure takes `days` working days: the `days`-th working day (Mon–Fri,
 * not in `holidays`, sorted days-since-epoch) after the local receiving day,
 * at 17:00 local time; `days` = 0 gives 17:00 on the receiving day. */
int64_t ds_due_at(int64_t received, int days, int utc_offset,
		  const int32_t *holidays, size_t nholidays);

/* "2025-12-17T17:00:00+07:00" (offset seconds; 0 gives "Z" when `z_for_utc`). */
int ds_time_iso(int64_t t, int utc_offset, int z_for_utc, char *out, size_t n);

/* Parses "+07:00" / "-05:30" / "Z" into seconds. */
int ds_offset_parse(const char *s, int *out);

/* Parses an RFC 3339 time ("2025-11-26T08:14:03+07:00" or "…Z"). */
int ds_time_parse(const char *s, int64_t *out);

/* Current time; honours a fixed clock for tests set by ds_clock_fix(). */
int64_t ds_now(void);
void ds_clock_fix(int64_t t); /* 0 restores the real clock */

#ifdef __cplusplus
}
#endif
#endif
