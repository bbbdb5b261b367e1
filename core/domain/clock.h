/* core/domain/clock — due times in a client's time zone, and business days.
 *
 * Instants are int64_t Unix seconds (UTC). A zone is a tz database name
 * ("America/New_York"); aliases ("US/Eastern") are accepted, offsets
 * written by hand ("GMT+05:00") are not, because a client's zone must
 * follow its DST rules, not one offset. The rules come from ICU's copy of
 * the tz database (nx_clock_tzdata_version says which).
 *
 * Thread-safe: every call works on its own ICU calendar; nothing touches
 * TZ, tzset() or other process state, so the sync worker and the UI may
 * compute due times at the same time.
 *
 * Local times that do not exist or exist twice get one defined answer:
 * - in a spring-forward gap the wall time is read with the offset in force
 *   before the change, which moves it forward by the gap (New York,
 *   2026-03-08 02:30 -> 03:30 EDT), the way java.time and Python do;
 * - in a fall-back overlap the first occurrence wins (New York,
 *   2026-11-01 01:30 -> 01:30 EDT, not EST), so a deadline is never
 *   silently pushed an hour later.
 *
 * Errors: -1 and a message in err (if non-NULL) naming the zone or value.
 * Every instant and date must lie in the years 1900-2199, the range the
 * date validator accepts. */
#ifndef NX_CLOCK_H
#define NX_CLOCK_H

#include <stddef.h>
#include <stdint.h>

typedef struct nx_local {
    int year, month, day;      /* month and day from 1 */
    int hour, minute, second;
    int weekday;               /* ISO: 1 Monday .. 7 Sunday */
    int utc_offset;            /* seconds east of UTC, DST included */
    int is_dst;
} nx_local;

/* 0 if tz names a zone of the tz database. */
int nx_clock_check_tz(const char *tz, char *err, size_t errlen);
/* "2022e": the tz database release the rules come from. */
const char *nx_clock_tzdata_version(void);

/* The wall time in tz at utc. */
int nx_clock_local(const char *tz, int64_t utc, nx_local *out, char *err, size_t errlen);
/* The instant of a wall time in tz (gap and overlap as above). */
int nx_clock_from_local(const char *tz, int year, int month, int day, int hour,
                        int minute, int64_t *utc, char *err, size_t errlen);

/* Elapsed hours, for follow-up clocks stated in hours (prior auth 72 h,
 * urgent 48 h): across a DST change the local time of day shifts. */
int64_t nx_clock_add_hours(int64_t from_utc, int hours);
/* Calendar days in tz, keeping the wall time (a "next day" reminder stays
 * at 09:00 across a DST change, so it is 23 or 25 hours away). */
int nx_clock_add_days(const char *tz, int64_t from_utc, int days, int64_t *out,
                      char *err, size_t errlen);

/* The first instant of utc's local day in tz, and of the next day (the
 * day's length is their difference: 23 h, 24 h or 25 h). Either out
 * pointer may be NULL. */
int nx_clock_day_bounds(const char *tz, int64_t utc, int64_t *start, int64_t *next_start,
                        char *err, size_t errlen);
/* 1 if t falls on the same local day as now in tz ("due today"), 0 if
 * not, -1 on error. */
int nx_clock_is_today(const char *tz, int64_t now, int64_t t, char *err, size_t errlen);

/* ---- business days (bizdays.c) ---------------------------------------- */

#define NX_HOLIDAYS_MAX 256

/* A client's holidays: local dates, as days since 1970-01-01, sorted,
 * without repeats. */
typedef struct nx_holidays {
    int n;
    int32_t day[NX_HOLIDAYS_MAX];
} nx_holidays;

/* "2026-11-26,2026-12-25": YYYY-MM-DD dates separated by commas, blanks
 * around them allowed; "" is no holidays. Errors name the item:
 * `holidays: item 2 "2026-02-30": February has only 28 days that year`. */
int nx_holidays_parse(const char *list, nx_holidays *out, char *err, size_t errlen);
/* Monday to Friday and not one of h's dates (h may be NULL). */
int nx_clock_is_business_day(const nx_holidays *h, int year, int month, int day);

/* The deadline "within days business days" of from_utc in tz: the end of
 * the days-th business day after from's local date (0: the end of from's
 * own day if it is a business day, else of the next one). Days are whole
 * days because that is how the firm's SOP counts them (§6.15: routed to
 * the client within 2 business days): a request that came in Friday 16:00
 * or Saturday is due at the end of Tuesday, whatever the hour it arrived.
 * The end is the last second of that local day (23:59:59, or the second
 * before the next day starts where a zone skips midnight). days: 0-365. */
int nx_clock_add_business_days(const char *tz, const nx_holidays *h, int64_t from_utc,
                               int days, int64_t *due, char *err, size_t errlen);

/* Proleptic Gregorian date <-> days since 1970-01-01, for date arithmetic
 * that needs no zone (day counts for KPIs, stepping over weekends). */
int64_t nx_days_from_civil(int year, int month, int day);
void nx_civil_from_days(int64_t days, int *year, int *month, int *day);
/* ISO weekday of a day number: 1 Monday .. 7 Sunday. */
int nx_weekday_of_days(int64_t days);

#endif
