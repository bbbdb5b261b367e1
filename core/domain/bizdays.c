/* Business days and the date arithmetic under them. Dates here are local
 * calendar dates of the client; only the final deadline needs the zone. */
#include "domain/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/validate.h"
#include "util/util.h"

/* Howard Hinnant's days_from_civil / civil_from_days: exact for every
 * proleptic Gregorian date, no tables, no time zone. */
int64_t nx_days_from_civil(int year, int month, int day)
{
    int64_t y = (int64_t)year - (month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void nx_civil_from_days(int64_t days, int *year, int *month, int *day)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    *year = (int)(yoe + era * 400 + (m <= 2));
    *month = (int)m;
    *day = (int)(doy - (153 * mp + 2) / 5 + 1);
}

int nx_weekday_of_days(int64_t days)
{
    /* 1970-01-01 was a Thursday (ISO 4). */
    int64_t r = (days + 3) % 7;
    return (int)(r < 0 ? r + 7 : r) + 1;
}

static int cmp_day(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* The item as the user wrote it, for the message; bytes that would not
 * print are shown as '?' so a stray control character cannot garble it. */
static void quote_item(const char *p, size_t n, char *out, size_t outlen)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < outlen; i++)
        out[k++] = (p[i] >= 0x20 && p[i] < 0x7f) ? p[i] : '?';
    out[k] = '\0';
}

int nx_holidays_parse(const char *list, nx_holidays *out, char *err, size_t errlen)
{
    out->n = 0;
    const char *p = list;
    int item = 0;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '\0')
        return 0;
    for (;;) {
        item++;
        while (*p == ' ' || *p == '\t')
            p++;
        const char *end = p + strcspn(p, ",");
        size_t n = (size_t)(end - p);
        while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        if (n == 0) {
            out->n = 0;
            return nx_err(err, errlen, "holidays: item %d is empty", item);
        }
        char text[24], shown[24];
        quote_item(p, n, shown, sizeof shown);
        const char *why = "date must be YYYY-MM-DD (e.g. 2026-03-08)";
        int y, m, d;
        if (n < sizeof text) {
            memcpy(text, p, n);
            text[n] = '\0';
            why = nx_parse_date(text, &y, &m, &d);
        }
        if (why) {
            out->n = 0;
            return nx_err(err, errlen, "holidays: item %d \"%s%s\": %s", item, shown,
                          n >= sizeof shown ? "..." : "", why);
        }
        if (out->n == NX_HOLIDAYS_MAX) {
            out->n = 0;
            return nx_err(err, errlen, "holidays: more than %d dates", NX_HOLIDAYS_MAX);
        }
        out->day[out->n++] = (int32_t)nx_days_from_civil(y, m, d);
        if (*end == '\0')
            break;
        p = end + 1;
    }
    qsort(out->day, (size_t)out->n, sizeof out->day[0], cmp_day);
    int k = 0;
    for (int i = 0; i < out->n; i++)
        if (k == 0 || out->day[k - 1] != out->day[i])
            out->day[k++] = out->day[i];
    out->n = k;
    return 0;
}

static int is_holiday(const nx_holidays *h, int64_t days)
{
    if (!h || h->n == 0)
        return 0;
    int32_t key = (int32_t)days;
    return bsearch(&key, h->day, (size_t)h->n, sizeof key, cmp_day) != NULL;
}

static int business(const nx_holidays *h, int64_t days)
{
    return nx_weekday_of_days(days) <= 5 && !is_holiday(h, days);
}

int nx_clock_is_business_day(const nx_holidays *h, int year, int month, int day)
{
    return business(h, nx_days_from_civil(year, month, day));
}

int nx_clock_add_business_days(const char *tz, const nx_holidays *h, int64_t from_utc,
                               int days, int64_t *due, char *err, size_t errlen)
{
    if (days < 0 || days > 365)
        return nx_err(err, errlen, "%d business days is out of range (0-365)", days);
    nx_local from;
    if (nx_clock_local(tz, from_utc, &from, err, errlen) != 0)
        return -1;
    int64_t dn = nx_days_from_civil(from.year, from.month, from.day);
    if (days == 0) {
        while (!business(h, dn))
            dn++;
    } else {
        for (int counted = 0; counted < days;)
            counted += business(h, ++dn);
    }
    /* Ending at the next day's first instant minus one second, rather than
     * at 23:59:59, stays right where a zone skips or repeats midnight. */
    int y, m, d;
    nx_civil_from_days(dn + 1, &y, &m, &d);
    int64_t next_start;
    if (nx_clock_from_local(tz, y, m, d, 0, 0, &next_start, err, errlen) != 0)
        return -1;
    *due = next_start - 1;
    return 0;
}
