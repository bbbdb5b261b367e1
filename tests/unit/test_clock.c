/* Due times in a client's zone. Every expected instant is a literal worked
 * out from the published rules (New York: EST = UTC-5, EDT = UTC-4, 2026
 * changes on Sunday Mar 8 02:00 EST and Sunday Nov 1 02:00 EDT; Manila:
 * UTC+8 all year) and cross-checked against the system zoneinfo files
 * (tzdata 2025b), which ICU does not read — so a test also catches ICU's
 * copy of the rules disagreeing with the system's. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "domain/clock.h"

#define NY "America/New_York"
#define MNL "Asia/Manila"

static int64_t from_local(const char *tz, int y, int mo, int d, int h, int mi)
{
    int64_t t = 0;
    char err[256] = "";
    cr_assert_eq(nx_clock_from_local(tz, y, mo, d, h, mi, &t, err, sizeof err), 0, "%s", err);
    return t;
}

static nx_local local(const char *tz, int64_t t)
{
    nx_local l;
    char err[256] = "";
    cr_assert_eq(nx_clock_local(tz, t, &l, err, sizeof err), 0, "%s", err);
    return l;
}

static int64_t add_days(const char *tz, int64_t t, int days)
{
    int64_t out = 0;
    char err[256] = "";
    cr_assert_eq(nx_clock_add_days(tz, t, days, &out, err, sizeof err), 0, "%s", err);
    return out;
}

static int64_t biz(const char *tz, const nx_holidays *h, int64_t t, int days)
{
    int64_t out = 0;
    char err[256] = "";
    cr_assert_eq(nx_clock_add_business_days(tz, h, t, days, &out, err, sizeof err), 0, "%s", err);
    return out;
}

static void expect_local(nx_local l, int y, int mo, int d, int h, int mi, int s, int wd,
                         int offset, int dst)
{
    cr_expect_eq(l.year, y);
    cr_expect_eq(l.month, mo);
    cr_expect_eq(l.day, d);
    cr_expect_eq(l.hour, h);
    cr_expect_eq(l.minute, mi);
    cr_expect_eq(l.second, s);
    cr_expect_eq(l.weekday, wd);
    cr_expect_eq(l.utc_offset, offset);
    cr_expect_eq(l.is_dst, dst);
}

/* ---- America/New_York around the 2026 changes ---------------------------- */

Test(clock, ny_march_24h_is_not_one_local_day)
{
    int64_t sat = from_local(NY, 2026, 3, 7, 9, 0);
    cr_assert_eq(sat, 1772892000);                       /* Sat 03-07 09:00 EST */
    cr_assert_eq(nx_clock_add_hours(sat, 24), 1772978400); /* Sun 03-08 10:00 EDT */
    cr_assert_eq(add_days(NY, sat, 1), 1772974800);       /* Sun 03-08 09:00 EDT, 23 h */
    expect_local(local(NY, 1772978400), 2026, 3, 8, 10, 0, 0, 7, -4 * 3600, 1);
}

Test(clock, ny_november_24h_is_not_one_local_day)
{
    int64_t sat = from_local(NY, 2026, 10, 31, 9, 0);
    cr_assert_eq(sat, 1793451600);                       /* Sat 10-31 09:00 EDT */
    cr_assert_eq(nx_clock_add_hours(sat, 24), 1793538000); /* Sun 11-01 08:00 EST */
    cr_assert_eq(add_days(NY, sat, 1), 1793541600);       /* Sun 11-01 09:00 EST, 25 h */
    expect_local(local(NY, 1793538000), 2026, 11, 1, 8, 0, 0, 7, -5 * 3600, 0);
    cr_assert_eq(add_days(NY, 1793541600, -1), sat);
}

Test(clock, ny_72h_follow_up_spanning_the_changes)
{
    /* Prior auth submitted Friday 15:00; the 72 h clock is elapsed time,
     * so the due wall time moves with the change. */
    int64_t fall = from_local(NY, 2026, 10, 30, 15, 0);
    cr_assert_eq(fall, 1793386800);                           /* Fri 10-30 15:00 EDT */
    cr_assert_eq(nx_clock_add_hours(fall, 72), 1793646000);   /* Mon 11-02 14:00 EST */
    expect_local(local(NY, 1793646000), 2026, 11, 2, 14, 0, 0, 1, -5 * 3600, 0);

    int64_t spring = from_local(NY, 2026, 3, 6, 15, 0);
    cr_assert_eq(spring, 1772827200);                         /* Fri 03-06 15:00 EST */
    cr_assert_eq(nx_clock_add_hours(spring, 72), 1773086400); /* Mon 03-09 16:00 EDT */
    expect_local(local(NY, 1773086400), 2026, 3, 9, 16, 0, 0, 1, -4 * 3600, 1);
}

Test(clock, ny_nonexistent_0230_moves_forward)
{
    cr_assert_eq(from_local(NY, 2026, 3, 8, 2, 30), 1772955000); /* 03:30 EDT = 07:30Z */
    cr_assert_eq(from_local(NY, 2026, 3, 8, 2, 0), 1772953200);  /* 03:00 EDT = 07:00Z */
    expect_local(local(NY, 1772955000), 2026, 3, 8, 3, 30, 0, 7, -4 * 3600, 1);
    /* One second before the change is still EST. */
    expect_local(local(NY, 1772953199), 2026, 3, 8, 1, 59, 59, 7, -5 * 3600, 0);
    /* A "next day at 02:30" reminder from Saturday lands on 03:30 EDT. */
    int64_t sat = from_local(NY, 2026, 3, 7, 2, 30);
    cr_assert_eq(sat, 1772868600);                               /* Sat 02:30 EST */
    cr_assert_eq(add_days(NY, sat, 1), 1772955000);
}

Test(clock, ny_ambiguous_0130_takes_the_first)
{
    cr_assert_eq(from_local(NY, 2026, 11, 1, 1, 30), 1793511000); /* 01:30 EDT = 05:30Z */
    expect_local(local(NY, 1793511000), 2026, 11, 1, 1, 30, 0, 7, -4 * 3600, 1);
    /* The second 01:30 exists as an instant and reads back as EST. */
    expect_local(local(NY, 1793514600), 2026, 11, 1, 1, 30, 0, 7, -5 * 3600, 0);
    cr_assert_eq(from_local(NY, 2026, 11, 1, 2, 0), 1793516400);  /* 02:00 EST = 07:00Z */
}

Test(clock, ny_day_lengths_and_today)
{
    int64_t start, next;
    char err[256] = "";
    cr_assert_eq(nx_clock_day_bounds(NY, 1772955000, &start, &next, err, sizeof err), 0, "%s", err);
    cr_expect_eq(start, 1772946000); /* 03-08 00:00 EST */
    cr_expect_eq(next, 1773028800);  /* 03-09 00:00 EDT */
    cr_expect_eq(next - start, 23 * 3600);
    cr_assert_eq(nx_clock_day_bounds(NY, 1793514600, &start, &next, err, sizeof err), 0, "%s", err);
    cr_expect_eq(start, 1793505600); /* 11-01 00:00 EDT */
    cr_expect_eq(next, 1793595600);  /* 11-02 00:00 EST */
    cr_expect_eq(next - start, 25 * 3600);
    cr_assert_eq(nx_clock_day_bounds(NY, 1793505600, NULL, &next, err, sizeof err), 0);
    cr_expect_eq(next, 1793595600);

    /* 11-01 23:30 EST is already 11-02 in UTC; "today" is the client's. */
    int64_t now = 1793593800;
    cr_expect_eq(nx_clock_is_today(NY, now, 1793506200, err, sizeof err), 1); /* 00:10 EDT */
    cr_expect_eq(nx_clock_is_today(NY, now, 1793595599, err, sizeof err), 1); /* 23:59:59 EST */
    cr_expect_eq(nx_clock_is_today(NY, now, 1793595600, err, sizeof err), 0); /* 11-02 00:00 */
    cr_expect_eq(nx_clock_is_today(NY, now, 1793505599, err, sizeof err), 0); /* 10-31 23:59:59 */
}

/* ---- Asia/Manila: no DST ---------------------------------------------------- */

Test(clock, manila_is_utc_plus_8_all_year)
{
    int64_t t = from_local(MNL, 2026, 3, 8, 9, 0);
    cr_assert_eq(t, 1772931600);                         /* 03-08 09:00 PHT = 01:00Z */
    cr_assert_eq(add_days(MNL, t, 1), 1773018000);       /* 03-09 09:00, exactly 24 h */
    cr_assert_eq(nx_clock_add_hours(t, 24), 1773018000);
    expect_local(local(MNL, 1772931600), 2026, 3, 8, 9, 0, 0, 7, 8 * 3600, 0);
    /* New York's fall-back hour is an ordinary hour in Manila. */
    cr_assert_eq(from_local(MNL, 2026, 11, 1, 1, 30), 1793467800); /* = 10-31 17:30Z */
    expect_local(local(MNL, 1793511000), 2026, 11, 1, 13, 30, 0, 7, 8 * 3600, 0);
    int64_t start, next;
    cr_assert_eq(nx_clock_day_bounds(MNL, 1793467800, &start, &next, NULL, 0), 0);
    cr_expect_eq(start, 1793462400); /* 11-01 00:00 PHT = 10-31 16:00Z */
    cr_expect_eq(next - start, 24 * 3600);
}

/* ---- business days ------------------------------------------------------------ */

Test(clock, business_days_skip_the_weekend)
{
    /* Friday 16:00 and Saturday 10:00 both count Mon, Tue: due end of Tue. */
    cr_assert_eq(biz(NY, NULL, 1795208400, 2), 1795582799); /* Fri 11-20 16:00 EST -> Tue 11-24 23:59:59 EST */
    cr_assert_eq(biz(NY, NULL, 1795273200, 2), 1795582799); /* Sat 11-21 10:00 EST -> same */
    /* Zero days: the end of the day itself, or of Monday if on a weekend. */
    cr_assert_eq(biz(NY, NULL, 1795208400, 0), 1795237199); /* Fri -> Fri 11-20 23:59:59 EST */
    cr_assert_eq(biz(NY, NULL, 1795273200, 0), 1795496399); /* Sat -> Mon 11-23 23:59:59 EST */
}

Test(clock, business_days_skip_a_configured_holiday)
{
    nx_holidays h;
    char err[256] = "";
    cr_assert_eq(nx_holidays_parse("2026-11-26, 2026-12-25", &h, err, sizeof err), 0, "%s", err);
    /* Wednesday before Thanksgiving: Thu is off, so Fri (1), Mon (2). */
    cr_assert_eq(biz(NY, &h, 1795618800, 2), 1796101199);    /* Wed 11-25 10:00 -> Mon 11-30 23:59:59 EST */
    cr_assert_eq(biz(NY, NULL, 1795618800, 2), 1795841999);  /* no holidays: Fri 11-27 23:59:59 EST */
    /* Received on the holiday itself: Fri (1), Mon (2) again. */
    cr_assert_eq(biz(NY, &h, 1795705200, 2), 1796101199);    /* Thu 11-26 10:00 -> Mon 11-30 23:59:59 EST */
    cr_assert_eq(biz(NY, &h, 1795705200, 3), 1796187599);    /* -> Tue 12-01 23:59:59 EST */
    cr_assert_eq(biz(NY, &h, 1795705200, 0), 1795841999);    /* -> Fri 11-27 23:59:59 EST */
    cr_expect_eq(nx_clock_is_business_day(&h, 2026, 11, 26), 0);
    cr_expect_eq(nx_clock_is_business_day(&h, 2026, 11, 27), 1);
    cr_expect_eq(nx_clock_is_business_day(&h, 2026, 11, 28), 0);
    cr_expect_eq(nx_clock_is_business_day(NULL, 2026, 11, 26), 1);
}

Test(clock, business_days_count_from_the_local_date)
{
    /* Thu 22:00 EST is Friday in UTC; the client's Thursday counts:
     * Fri (1), Mon (2). */
    cr_assert_eq(biz(NY, NULL, 1795143600, 2), 1795496399); /* Thu 11-19 22:00 EST -> Mon 11-23 23:59:59 EST */
    /* Mon 06:00 in Manila is Sunday in UTC: Tue (1), Wed (2). */
    cr_assert_eq(biz(MNL, NULL, 1795384800, 2), 1795622399); /* Mon 11-23 06:00 PHT -> Wed 11-25 23:59:59 PHT */
    cr_assert_eq(biz(MNL, NULL, 1795165200, 2), 1795535999); /* Fri 11-20 17:00 PHT -> Tue 11-24 23:59:59 PHT */
}

Test(clock, business_days_across_spring_forward)
{
    /* Fri 03-06 15:00 EST: Mon (1), Tue (2); the deadline is in EDT. */
    cr_assert_eq(biz(NY, NULL, 1772827200, 2), 1773201599); /* Tue 03-10 23:59:59 EDT = 03-11 03:59:59Z */
    cr_assert_eq(biz(NY, NULL, 1772827200, 1), 1773115199); /* Mon 03-09 23:59:59 EDT */
}

Test(clock, business_days_range)
{
    int64_t out = 7;
    char err[256] = "";
    cr_assert_eq(nx_clock_add_business_days(NY, NULL, 1795208400, -1, &out, err, sizeof err), -1);
    cr_assert_str_eq(err, "-1 business days is out of range (0-365)");
    cr_assert_eq(out, 7);
}

/* ---- holiday lists ------------------------------------------------------------ */

Test(clock, holidays_parse)
{
    nx_holidays h;
    char err[256] = "";
    cr_assert_eq(nx_holidays_parse("2026-12-25,2026-11-26,2026-12-25", &h, err, sizeof err), 0, "%s", err);
    cr_assert_eq(h.n, 2);
    cr_expect_eq(h.day[0], 20783);           /* 2026-11-26: 2026-01-01 is day 20454, + 304 + 25 */
    cr_expect_eq(h.day[1], 20812);           /* 2026-12-25 */
    cr_assert_eq(nx_holidays_parse("", &h, err, sizeof err), 0);
    cr_assert_eq(h.n, 0);
    cr_assert_eq(nx_holidays_parse("  ", &h, err, sizeof err), 0);
    cr_assert_eq(h.n, 0);
}

Test(clock, holidays_parse_errors)
{
    static const struct { const char *in, *err; } rows[] = {
        { "2026-11-26,2026-02-30", "holidays: item 2 \"2026-02-30\": February has only 28 days that year" },
        { "2026-11-26,,2026-12-25", "holidays: item 2 is empty" },
        { "2026-11-26,", "holidays: item 2 is empty" },
        { "11/26/2026", "holidays: item 1 \"11/26/2026\": date must be YYYY-MM-DD (e.g. 2026-03-08)" },
        { "2026-13-01", "holidays: item 1 \"2026-13-01\": month must be 01 to 12" },
        { "2026-11-26;2026-12-25", "holidays: item 1 \"2026-11-26;2026-12-25\": date must be YYYY-MM-DD (e.g. 2026-03-08)" },
        { "2026-11-26 2026-12-25 2027-01-01", "holidays: item 1 \"2026-11-26 2026-12-25 2...\": date must be YYYY-MM-DD (e.g. 2026-03-08)" },
        { "Thanksgiving\t\x01", "holidays: item 1 \"Thanksgiving??\": date must be YYYY-MM-DD (e.g. 2026-03-08)" },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        nx_holidays h;
        char err[256] = "";
        cr_expect_eq(nx_holidays_parse(rows[i].in, &h, err, sizeof err), -1, "%s", rows[i].in);
        cr_expect_str_eq(err, rows[i].err);
        cr_expect_eq(h.n, 0);
    }
}

Test(clock, holidays_limit)
{
    static char list[NX_HOLIDAYS_MAX * 11 + 16];
    size_t o = 0;
    for (int i = 0; i <= NX_HOLIDAYS_MAX; i++) {
        int y, m, d;
        nx_civil_from_days(20454 + i, &y, &m, &d); /* from 2026-01-01 */
        o += (size_t)snprintf(list + o, sizeof list - o, "%s%04d-%02d-%02d", i ? "," : "", y, m, d);
    }
    nx_holidays h;
    char err[256] = "";
    cr_assert_eq(nx_holidays_parse(list, &h, err, sizeof err), -1);
    cr_assert_str_eq(err, "holidays: more than 256 dates");
    list[o - 11] = '\0'; /* drop the last date: exactly 256 */
    cr_assert_eq(nx_holidays_parse(list, &h, err, sizeof err), 0, "%s", err);
    cr_assert_eq(h.n, NX_HOLIDAYS_MAX);
    cr_assert_eq(h.day[255], 20454 + 255);
}

/* ---- refusals -------------------------------------------------------------------- */

Test(clock, unknown_zone_is_refused_by_name)
{
    char err[256] = "";
    int64_t t = 0;
    nx_local l;
    cr_assert_eq(nx_clock_check_tz("America/New_Yrok", err, sizeof err), -1);
    cr_assert_str_eq(err, "unknown time zone \"America/New_Yrok\"");
    cr_assert_eq(nx_clock_local("Mars/Olympus_Mons", 0, &l, err, sizeof err), -1);
    cr_assert_str_eq(err, "unknown time zone \"Mars/Olympus_Mons\"");
    cr_assert_eq(nx_clock_from_local("Etc/Unknown", 2026, 1, 1, 0, 0, &t, err, sizeof err), -1);
    cr_assert_str_eq(err, "unknown time zone \"Etc/Unknown\"");
    cr_assert_eq(nx_clock_add_business_days("EST5", NULL, 0, 2, &t, err, sizeof err), -1);
    cr_assert_str_eq(err, "unknown time zone \"EST5\"");
    cr_assert_eq(nx_clock_is_today("", 0, 0, err, sizeof err), -1);
    cr_assert_str_eq(err, "no time zone given");
    cr_assert_eq(nx_clock_check_tz("GMT+05:00", err, sizeof err), -1);
    cr_assert_str_eq(err, "time zone name has a character no zone name has");
    cr_assert_eq(nx_clock_check_tz("America/New_York\n", err, sizeof err), -1);
    cr_assert_str_eq(err, "time zone name has a character no zone name has");
    cr_assert_eq(nx_clock_check_tz("America/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                                   err, sizeof err), -1);
    cr_assert_str_eq(err, "time zone name is longer than any zone name");
    cr_assert_eq(t, 0);
    /* Aliases of real zones are zones. */
    cr_assert_eq(nx_clock_check_tz("US/Eastern", err, sizeof err), 0);
    cr_assert_eq(nx_clock_check_tz("UTC", err, sizeof err), 0);
}

Test(clock, impossible_local_times_are_refused)
{
    char err[256] = "";
    int64_t t = 0;
    cr_assert_eq(nx_clock_from_local(NY, 2026, 2, 29, 9, 0, &t, err, sizeof err), -1);
    cr_assert_str_eq(err, "2026-02-29 is not a date");
    cr_assert_eq(nx_clock_from_local(NY, 2026, 13, 1, 9, 0, &t, err, sizeof err), -1);
    cr_assert_str_eq(err, "2026-13-01 is not a date");
    cr_assert_eq(nx_clock_from_local(NY, 2026, 3, 8, 24, 0, &t, err, sizeof err), -1);
    cr_assert_str_eq(err, "24:00:00 is not a time of day");
    cr_assert_eq(nx_clock_from_local(NY, 2200, 1, 1, 0, 0, &t, err, sizeof err), -1);
    cr_assert_str_eq(err, "year 2200 is outside 1900-2199");
    nx_local l;
    cr_assert_eq(nx_clock_local(NY, -2208988801LL, &l, err, sizeof err), -1);
    cr_assert_str_eq(err, "time -2208988801 is outside the years 1900-2199");
    cr_assert_eq(t, 0);
    cr_assert_eq(from_local(NY, 2028, 2, 29, 9, 0), 1835445600); /* leap day 09:00 EST = 14:00Z */
}

Test(clock, civil_day_numbers)
{
    cr_expect_eq(nx_days_from_civil(1970, 1, 1), 0);
    cr_expect_eq(nx_days_from_civil(2026, 1, 1), 20454);
    cr_expect_eq(nx_days_from_civil(2000, 3, 1), 11017);
    cr_expect_eq(nx_days_from_civil(1900, 1, 1), -25567);
    cr_expect_eq(nx_weekday_of_days(0), 4);       /* Thursday */
    cr_expect_eq(nx_weekday_of_days(20454), 4);   /* 2026-01-01, a Thursday */
    cr_expect_eq(nx_weekday_of_days(-25567), 1);  /* 1900-01-01, a Monday */
    int y, m, d;
    nx_civil_from_days(20783, &y, &m, &d);
    cr_expect(y == 2026 && m == 11 && d == 26);
    nx_civil_from_days(-1, &y, &m, &d);
    cr_expect(y == 1969 && m == 12 && d == 31);
}

Test(clock, tzdata_version_is_named)
{
    const char *v = nx_clock_tzdata_version();
    cr_assert_eq(strlen(v), 5, "%s", v);
    cr_assert(v[0] == '2' && v[1] == '0' && v[4] >= 'a' && v[4] <= 'z', "%s", v);
}

/* ---- two threads -------------------------------------------------------------------- */

enum { OP_FROM_LOCAL, OP_ADD_DAYS, OP_BIZ, OP_START_OF_DAY };

static const struct clock_case {
    int op;
    const char *tz;
    int64_t in;              /* instant, or y*10^8 + mo*10^6 + d*10^4 + h*100 + mi */
    int arg;
    int64_t want;
} cases[] = {
    { OP_FROM_LOCAL, NY, 202603080230LL, 0, 1772955000 },  /* gap -> 03:30 EDT */
    { OP_FROM_LOCAL, NY, 202611010130LL, 0, 1793511000 },  /* overlap -> 01:30 EDT */
    { OP_FROM_LOCAL, MNL, 202603080900LL, 0, 1772931600 }, /* 09:00 PHT */
    { OP_ADD_DAYS, NY, 1772892000, 1, 1772974800 },        /* Sat 09:00 EST -> Sun 09:00 EDT */
    { OP_ADD_DAYS, NY, 1793451600, 1, 1793541600 },        /* Sat 09:00 EDT -> Sun 09:00 EST */
    { OP_ADD_DAYS, MNL, 1772931600, 1, 1773018000 },
    { OP_BIZ, NY, 1795618800, 2, 1796101199 },             /* over Thanksgiving */
    { OP_BIZ, NY, 1772827200, 2, 1773201599 },             /* over spring forward */
    { OP_BIZ, MNL, 1795384800, 2, 1795622399 },
    { OP_START_OF_DAY, NY, 1793514600, 0, 1793505600 },    /* 25 h day */
    { OP_START_OF_DAY, NY, 1772955000, 0, 1772946000 },    /* 23 h day */
    { OP_START_OF_DAY, MNL, 1793467800, 0, 1793462400 },
};
#define NCASES (sizeof cases / sizeof cases[0])

static int64_t run_case(const struct clock_case *c, const nx_holidays *h)
{
    int64_t out = -1;
    int64_t v = c->in;
    switch (c->op) {
    case OP_FROM_LOCAL:
        nx_clock_from_local(c->tz, (int)(v / 100000000), (int)(v / 1000000 % 100),
                            (int)(v / 10000 % 100), (int)(v / 100 % 100), (int)(v % 100),
                            &out, NULL, 0);
        break;
    case OP_ADD_DAYS:
        nx_clock_add_days(c->tz, v, c->arg, &out, NULL, 0);
        break;
    case OP_BIZ:
        nx_clock_add_business_days(c->tz, h, v, c->arg, &out, NULL, 0);
        break;
    case OP_START_OF_DAY:
        nx_clock_day_bounds(c->tz, v, &out, NULL, NULL, 0);
        break;
    }
    return out;
}

struct worker {
    const nx_holidays *h;
    int offset;              /* the two threads walk the table out of step */
    int wrong;
};

#define ROUNDS 400

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    for (int r = 0; r < ROUNDS; r++)
        for (size_t i = 0; i < NCASES; i++) {
            const struct clock_case *c = &cases[(i + (size_t)w->offset) % NCASES];
            w->wrong += run_case(c, w->h) != c->want;
        }
    return NULL;
}

Test(clock, two_threads_give_the_single_thread_answers)
{
    nx_holidays h;
    cr_assert_eq(nx_holidays_parse("2026-11-26,2026-12-25", &h, NULL, 0), 0);
    for (size_t i = 0; i < NCASES; i++)
        cr_assert_eq(run_case(&cases[i], &h), cases[i].want, "case %zu alone", i);
    struct worker w[2] = { { &h, 0, 0 }, { &h, (int)NCASES / 2, 0 } };
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    cr_assert_eq(w[0].wrong, 0);
    cr_assert_eq(w[1].wrong, 0);
}
