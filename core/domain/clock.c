#include "domain/clock.h"

#include <string.h>
#include <unicode/ucal.h>

#include "domain/validate.h"
#include "util/util.h"

#define TZ_NAME_MAX 64
#define FIRST_UTC (-2208988800LL) /* 1900-01-01 00:00:00 UTC */
#define END_UTC 7258118400LL      /* 2200-01-01 00:00:00 UTC */

/* tz database names are ASCII letters, digits and / _ + -; checking that
 * first keeps odd bytes out of ICU and out of the error message. */
static int tz_name_ok(const char *tz, UChar *id, int32_t *len, char *err, size_t errlen)
{
    size_t n = tz ? strlen(tz) : 0;
    if (n == 0)
        return nx_err(err, errlen, "no time zone given");
    if (n > TZ_NAME_MAX)
        return nx_err(err, errlen, "time zone name is longer than any zone name");
    for (size_t i = 0; i < n; i++) {
        char c = tz[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '/' || c == '_' || c == '+' || c == '-'))
            return nx_err(err, errlen, "time zone name has a character no zone name has");
        id[i] = (UChar)c;
    }
    *len = (int32_t)n;
    return 0;
}

/* ucal_open never fails on a name it does not know: it quietly uses
 * "Etc/Unknown", which is UTC. Asking for the canonical ID is what tells
 * a real zone from a typo, and "system" rules out hand-written offsets. */
static int tz_known(const UChar *id, int32_t len)
{
    UChar canon[128];
    UBool is_system = 0;
    UErrorCode st = U_ZERO_ERROR;
    ucal_getCanonicalTimeZoneID(id, len, canon, (int32_t)(sizeof canon / sizeof *canon),
                                &is_system, &st);
    return U_SUCCESS(st) && is_system;
}

static UCalendar *open_zone(const char *tz, char *err, size_t errlen)
{
    UChar id[TZ_NAME_MAX];
    int32_t len = 0;
    if (tz_name_ok(tz, id, &len, err, errlen) != 0)
        return NULL;
    if (!tz_known(id, len)) {
        nx_err(err, errlen, "unknown time zone \"%s\"", tz);
        return NULL;
    }
    UErrorCode st = U_ZERO_ERROR;
    UCalendar *cal = ucal_open(id, len, "en_US_POSIX", UCAL_GREGORIAN, &st);
    if (U_FAILURE(st)) {
        ucal_close(cal);
        nx_err(err, errlen, "time zone \"%s\": %s", tz, u_errorName(st));
        return NULL;
    }
    ucal_setAttribute(cal, UCAL_SKIPPED_WALL_TIME, UCAL_WALLTIME_LAST);
    ucal_setAttribute(cal, UCAL_REPEATED_WALL_TIME, UCAL_WALLTIME_FIRST);
    return cal;
}

static int in_range(int64_t utc, char *err, size_t errlen)
{
    if (utc < FIRST_UTC || utc >= END_UTC)
        return nx_err(err, errlen, "time %lld is outside the years 1900-2199", (long long)utc);
    return 0;
}

static int utc_to_local(UCalendar *cal, const char *tz, int64_t utc, nx_local *out,
                        char *err, size_t errlen)
{
    if (in_range(utc, err, errlen) != 0)
        return -1;
    UErrorCode st = U_ZERO_ERROR;
    ucal_setMillis(cal, (UDate)utc * 1000.0, &st);
    nx_local l;
    l.year = ucal_get(cal, UCAL_YEAR, &st);
    l.month = ucal_get(cal, UCAL_MONTH, &st) + 1;
    l.day = ucal_get(cal, UCAL_DATE, &st);
    l.hour = ucal_get(cal, UCAL_HOUR_OF_DAY, &st);
    l.minute = ucal_get(cal, UCAL_MINUTE, &st);
    l.second = ucal_get(cal, UCAL_SECOND, &st);
    int dow = ucal_get(cal, UCAL_DAY_OF_WEEK, &st); /* ICU: 1 Sunday .. 7 Saturday */
    l.weekday = dow == UCAL_SUNDAY ? 7 : dow - 1;
    int32_t dst = ucal_get(cal, UCAL_DST_OFFSET, &st);
    l.utc_offset = (ucal_get(cal, UCAL_ZONE_OFFSET, &st) + dst) / 1000;
    l.is_dst = dst != 0;
    if (U_FAILURE(st))
        return nx_err(err, errlen, "time zone \"%s\": %s", tz, u_errorName(st));
    *out = l;
    return 0;
}

static int local_to_utc(UCalendar *cal, const char *tz, int y, int mo, int d, int h, int mi,
                        int s, int64_t *utc, char *err, size_t errlen)
{
    if (y < 1900 || y > 2199)
        return nx_err(err, errlen, "year %d is outside 1900-2199", y);
    if (d < 1 || d > nx_days_in_month(y, mo))
        return nx_err(err, errlen, "%04d-%02d-%02d is not a date", y, mo, d);
    if (h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59)
        return nx_err(err, errlen, "%02d:%02d:%02d is not a time of day", h, mi, s);
    UErrorCode st = U_ZERO_ERROR;
    ucal_clear(cal);
    ucal_setDateTime(cal, y, mo - 1, d, h, mi, s, &st);
    UDate ms = ucal_getMillis(cal, &st);
    if (U_FAILURE(st))
        return nx_err(err, errlen, "time zone \"%s\": %s", tz, u_errorName(st));
    int64_t t = (int64_t)(ms / 1000.0);
    if (in_range(t, err, errlen) != 0)
        return -1;
    *utc = t;
    return 0;
}

int nx_clock_check_tz(const char *tz, char *err, size_t errlen)
{
    UChar id[TZ_NAME_MAX];
    int32_t len = 0;
    if (tz_name_ok(tz, id, &len, err, errlen) != 0)
        return -1;
    if (!tz_known(id, len))
        return nx_err(err, errlen, "unknown time zone \"%s\"", tz);
    return 0;
}

const char *nx_clock_tzdata_version(void)
{
    UErrorCode st = U_ZERO_ERROR;
    const char *v = ucal_getTZDataVersion(&st);
    return U_SUCCESS(st) && v ? v : "unknown";
}

int nx_clock_local(const char *tz, int64_t utc, nx_local *out, char *err, size_t errlen)
{
    UCalendar *cal = open_zone(tz, err, errlen);
    if (!cal)
        return -1;
    int rc = utc_to_local(cal, tz, utc, out, err, errlen);
    ucal_close(cal);
    return rc;
}

int nx_clock_from_local(const char *tz, int year, int month, int day, int hour,
                        int minute, int64_t *utc, char *err, size_t errlen)
{
    UCalendar *cal = open_zone(tz, err, errlen);
    if (!cal)
        return -1;
    int rc = local_to_utc(cal, tz, year, month, day, hour, minute, 0, utc, err, errlen);
    ucal_close(cal);
    return rc;
}

int64_t nx_clock_add_hours(int64_t from_utc, int hours)
{
    return from_utc + (int64_t)hours * 3600;
}

static int shift_local_date(UCalendar *cal, const char *tz, const nx_local *l, int days,
                            int hour, int minute, int second, int64_t *out, char *err,
                            size_t errlen)
{
    int y, m, d;
    nx_civil_from_days(nx_days_from_civil(l->year, l->month, l->day) + days, &y, &m, &d);
    return local_to_utc(cal, tz, y, m, d, hour, minute, second, out, err, errlen);
}

int nx_clock_add_days(const char *tz, int64_t from_utc, int days, int64_t *out,
                      char *err, size_t errlen)
{
    if (days < -100000 || days > 100000)
        return nx_err(err, errlen, "%d days is out of range", days);
    UCalendar *cal = open_zone(tz, err, errlen);
    if (!cal)
        return -1;
    nx_local l;
    int rc = utc_to_local(cal, tz, from_utc, &l, err, errlen);
    if (rc == 0)
        rc = shift_local_date(cal, tz, &l, days, l.hour, l.minute, l.second, out, err, errlen);
    ucal_close(cal);
    return rc;
}

int nx_clock_day_bounds(const char *tz, int64_t utc, int64_t *start, int64_t *next_start,
                        char *err, size_t errlen)
{
    UCalendar *cal = open_zone(tz, err, errlen);
    if (!cal)
        return -1;
    nx_local l;
    int64_t a = 0, b = 0;
    /* Midnight itself may be skipped (zones that change at 00:00); the
     * gap rule then lands on the first instant the day has. */
    int rc = utc_to_local(cal, tz, utc, &l, err, errlen);
    if (rc == 0)
        rc = shift_local_date(cal, tz, &l, 0, 0, 0, 0, &a, err, errlen);
    if (rc == 0)
        rc = shift_local_date(cal, tz, &l, 1, 0, 0, 0, &b, err, errlen);
    ucal_close(cal);
    if (rc != 0)
        return -1;
    if (start)
        *start = a;
    if (next_start)
        *next_start = b;
    return 0;
}

int nx_clock_is_today(const char *tz, int64_t now, int64_t t, char *err, size_t errlen)
{
    int64_t start, next;
    if (nx_clock_day_bounds(tz, now, &start, &next, err, errlen) != 0)
        return -1;
    return t >= start && t < next;
}
