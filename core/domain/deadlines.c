/* The SOPs' due and follow-up clocks, on top of clock.c's zone rules. */
#include "domain/deadlines.h"

#include <stdio.h>
#include <string.h>

#include "domain/validate.h"
#include "util/util.h"

int nx_local_parse(const char *tz, const char *text, int64_t *utc, char *err, size_t errlen)
{
    char date[11];
    size_t n = text ? strlen(text) : 0;
    if (n != 10 && n != 16)
        return nx_err(err, errlen, "date and time must be YYYY-MM-DD HH:MM");
    memcpy(date, text, 10);
    date[10] = '\0';
    int y, mo, d, h = 0, mi = 0;
    const char *why = nx_parse_date(date, &y, &mo, &d);
    if (!why && n == 16)
        why = text[10] != ' ' ? "date and time must be YYYY-MM-DD HH:MM"
                              : nx_parse_time(text + 11, &h, &mi);
    if (why)
        return nx_err(err, errlen, "%s", why);
    return nx_clock_from_local(tz, y, mo, d, h, mi, utc, err, errlen);
}

int nx_local_format(const char *tz, int64_t utc, char *out, size_t outlen,
                    char *err, size_t errlen)
{
    nx_local l;
    if (nx_clock_local(tz, utc, &l, err, errlen) != 0)
        return -1;
    int w = snprintf(out, outlen, "%04d-%02d-%02d %02d:%02d", l.year, l.month, l.day,
                     l.hour, l.minute);
    if (w < 0 || (size_t)w >= outlen)
        return nx_err(err, errlen, "no room for a date and time");
    return 0;
}

int nx_elig_due(const char *tz, const char *service_date, int lead_hours, int64_t *due,
                char *err, size_t errlen)
{
    if (lead_hours == 0)
        lead_hours = NX_VERIFY_LEAD_DEFAULT;
    if (lead_hours < NX_VERIFY_LEAD_MIN || lead_hours > NX_VERIFY_LEAD_MAX)
        return nx_err(err, errlen, "verification lead must be %d-%d hours", NX_VERIFY_LEAD_MIN,
                      NX_VERIFY_LEAD_MAX);
    int64_t visit;
    if (nx_local_parse(tz, service_date, &visit, err, errlen) != 0)
        return -1;
    *due = nx_clock_add_hours(visit, -lead_hours);
    return 0;
}

int nx_elig_risk_of(const nx_item *it, int64_t now, const char *tz, nx_elig_risk *out,
                    char *err, size_t errlen)
{
    *out = NX_ELIG_RISK_NONE;
    if (!it || it->kind != NX_KIND_ELIGIBILITY)
        return nx_err(err, errlen, "not an eligibility item");
    const char *svc = nx_item_get(it, "service_date");
    if (!*svc || strcmp(it->status, "verified") == 0 || strcmp(it->status, "closed") == 0)
        return 0;
    int64_t visit;
    if (nx_local_parse(tz, svc, &visit, err, errlen) != 0)
        return -1;
    if (now >= visit)
        *out = NX_ELIG_RISK_OVERDUE;
    else if (now >= nx_clock_add_hours(visit, -48))
        *out = NX_ELIG_RISK_T48;
    else if (now >= nx_clock_add_hours(visit, -72))
        *out = NX_ELIG_RISK_T72;
    return 0;
}

const char *nx_elig_risk_name(nx_elig_risk r)
{
    switch (r) {
    case NX_ELIG_RISK_NONE: return "none";
    case NX_ELIG_RISK_T72: return "t72";
    case NX_ELIG_RISK_T48: return "t48";
    case NX_ELIG_RISK_OVERDUE: return "overdue";
    }
    return "?";
}

int nx_pa_follow_up(int64_t submitted, int priority, int payer_hours, int64_t *out,
                    char *err, size_t errlen)
{
    if (payer_hours < 0 || payer_hours > 720)
        return nx_err(err, errlen, "payer follow-up must be 1-720 hours");
    int hours = payer_hours ? payer_hours
                            : priority ? NX_PA_FOLLOW_UP_URGENT : NX_PA_FOLLOW_UP_ROUTINE;
    *out = nx_clock_add_hours(submitted, hours);
    return 0;
}

int nx_pa_follow_up_item(const nx_item *it, const char *tz, int payer_hours, int64_t *out,
                         char *err, size_t errlen)
{
    if (!it || it->kind != NX_KIND_PRIOR_AUTH)
        return nx_err(err, errlen, "not a prior-auth item");
    const char *at = nx_item_get(it, "submitted_at");
    if (!*at)
        return nx_err(err, errlen, "not submitted yet: no follow-up");
    int64_t submitted;
    if (nx_local_parse(tz, at, &submitted, err, errlen) != 0)
        return -1;
    int urgent = it->priority || strcmp(nx_item_get(it, "priority"), "urgent") == 0;
    return nx_pa_follow_up(submitted, urgent, payer_hours, out, err, errlen);
}

int nx_pa_appeal_deadline(const char *tz, int64_t denied_at, int appeal_days,
                          char *date_out, size_t outlen, int64_t *end,
                          char *err, size_t errlen)
{
    if (appeal_days < 1 || appeal_days > 730)
        return nx_err(err, errlen, "payer appeal window must be 1-730 days");
    nx_local l;
    if (nx_clock_local(tz, denied_at, &l, err, errlen) != 0)
        return -1;
    int64_t dn = nx_days_from_civil(l.year, l.month, l.day) + appeal_days;
    int y, m, d;
    nx_civil_from_days(dn, &y, &m, &d);
    int w = snprintf(date_out, outlen, "%04d-%02d-%02d", y, m, d);
    if (w < 0 || (size_t)w >= outlen)
        return nx_err(err, errlen, "no room for a date");
    if (!end)
        return 0;
    /* The second before the next local day starts, as the business-day
     * clock does: right even where a zone skips midnight. */
    nx_civil_from_days(dn + 1, &y, &m, &d);
    int64_t next;
    if (nx_clock_from_local(tz, y, m, d, 0, 0, &next, err, errlen) != 0)
        return -1;
    *end = next - 1;
    return 0;
}

int nx_routing_due(const char *tz, const nx_holidays *h, int64_t received, int64_t *due,
                   char *err, size_t errlen)
{
    return nx_clock_add_business_days(tz, h, received, NX_ROUTING_BUSINESS_DAYS, due, err,
                                      errlen);
}
