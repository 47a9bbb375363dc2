/* Dates: civil-day arithmetic (H. Hinnant's algorithms), working days,
 * ISO 8601 formatting with the site's offset. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dossier/clock.h"
#include "dossier/error.h"
#include "dossier/fs.h"

int32_t ds_days_from_civil(int y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int32_t)doe - 719468;
}

void ds_civil_from_days(int32_t z, int *y, unsigned *m, unsigned *d)
{
	z += 719468;
	const int32_t era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = (unsigned)(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const int yy = (int)yoe + era * 400;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yy + (*m <= 2);
}

static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int days_in_month(int y, int m)
{
	static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dim[m - 1];
}

int ds_date_parse(const char *s, int32_t *out)
{
	int y, m, d;
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' || digits(s, 4, &y) < 0 ||
	    digits(s + 5, 2, &m) < 0 || digits(s + 8, 2, &d) < 0 || m < 1 || m > 12 || d < 1 ||
	    d > days_in_month(y, m))
		return ds_error_set(DS_EINVALID, "'%s' is not a date (YYYY-MM-DD)", s);
	*out = ds_days_from_civil(y, (unsigned)m, (unsigned)d);
	return 0;
}

static int floor_div(int64_t a, int64_t b, int64_t *q)
{
	int64_t r = a / b;
	if ((a % b != 0) && ((a < 0) != (b < 0)))
		r--;
	*q = r;
	return 0;
}

static int is_holiday(int32_t day, const int32_t *h, size_t n)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (h[mid] == day)
			return 1;
		if (h[mid] < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static int is_working_day(int32_t day, const int32_t *h, size_t n)
{
	/* 1970-01-01 was a Thursday: weekday 0 = Monday … 6 = Sunday */
	int wd = (int)(((int64_t)day % 7 + 7 + 3) % 7);
	return wd < 5 && !is_holiday(day, h, n);
}

int64_t ds_due_at(int64_t received, int days, int utc_offset, const int32_t *holidays,
		  size_t nholidays)
{
	int64_t local_day;
	floor_div(received + utc_offset, 86400, &local_day);
	int32_t day = (int32_t)local_day;
	for (int left = days; left > 0;) {
		day++;
		if (is_working_day(day, holidays, nholidays))
			left--;
	}
	return (int64_t)day * 86400 + 17 * 3600 - utc_offset;
}

int ds_time_iso(int64_t t, int utc_offset, int z_for_utc, char *out, size_t n)
{
	int64_t local = t + utc_offset, day, secs;
	floor_div(local, 86400, &day);
	secs = local - day * 86400;
	int y;
	unsigned m, d;
	ds_civil_from_days((int32_t)day, &y, &m, &d);
	int hh = (int)(secs / 3600), mm = (int)(secs / 60 % 60), ss = (int)(secs % 60);
	if (utc_offset == 0 && z_for_utc)
		return ds_fmt(out, n, "%04d-%02u-%02uT%02d:%02d:%02dZ", y, m, d, hh, mm, ss);
	int off = utc_offset < 0 ? -utc_offset : utc_offset;
	return ds_fmt(out, n, "%04d-%02u-%02uT%02d:%02d:%02d%c%02d:%02d", y, m, d, hh, mm, ss,
		      utc_offset < 0 ? '-' : '+', off / 3600, off / 60 % 60);
}

int ds_offset_parse(const char *s, int *out)
{
	int h, m;
	if (strcmp(s, "Z") == 0) {
		*out = 0;
		return 0;
	}
	if (strlen(s) != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' ||
	    digits(s + 1, 2, &h) < 0 || digits(s + 4, 2, &m) < 0 || h > 14 || m > 59)
		return ds_error_set(DS_EINVALID, "'%s' is not a UTC offset (+HH:MM)", s);
	*out = (s[0] == '-' ? -1 : 1) * (h * 3600 + m * 60);
	return 0;
}

int ds_time_parse(const char *s, int64_t *out)
{
	int hh, mm, ss, off;
	int32_t day;
	char date[11];
	size_t len = strlen(s);
	if (len < 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':')
		return ds_error_set(DS_EINVALID, "'%s' is not an RFC 3339 time", s);
	memcpy(date, s, 10);
	date[10] = '\0';
	if (ds_date_parse(date, &day) < 0 || digits(s + 11, 2, &hh) < 0 ||
	    digits(s + 14, 2, &mm) < 0 || digits(s + 17, 2, &ss) < 0 || hh > 23 || mm > 59 ||
	    ss > 60 || ds_offset_parse(s + 19, &off) < 0)
		return ds_error_set(DS_EINVALID, "'%s' is not an RFC 3339 time", s);
	*out = (int64_t)day * 86400 + hh * 3600 + mm * 60 + ss - off;
	return 0;
}

static int64_t fixed_now;

int64_t ds_now(void)
{
	if (fixed_now)
		return fixed_now;
	return (int64_t)time(NULL);
}

void ds_clock_fix(int64_t t) { fixed_now = t; }
