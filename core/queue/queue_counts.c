/* The queues' clocks: eligibility risk per row, and the dashboard's counts
 * (queue.h says what each count is). */
#include "queue/queue_int.h"
#include "domain/clock.h"
#include "domain/deadlines.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void nx_queue_tune(nx_queue *q, int driver_cap, int filter_cap, int merge_cap)
{
    q->driver_cap = driver_cap;
    q->filter_cap = filter_cap;
    q->merge_cap = merge_cap;
    nx_qs_close(q->qs);
    q->qs = NULL;
}

int nx_queue_plan(nx_queue *q)
{
    return q->qs ? nx_qs_plan(q->qs) : -1;
}

int nx_queue_merge_inside(nx_queue *q)
{
    return q->qs ? nx_qs_merge_inside(q->qs) : -1;
}

int nx_queue_exact_count(nx_queue *q)
{
    return q->qs ? nx_qs_exact_count(q->qs) : -1;
}

/* A zone nx_clock accepts: the client's, or UTC when it has none or an
 * invalid one (so a bad client record cannot hide items from the clocks). */
static const char *zone_or_utc(const char *tz)
{
    return tz && *tz && nx_clock_check_tz(tz, NULL, 0) == 0 ? tz : "UTC";
}

int nx_queue_at_risk(nx_queue *q, const char *status, const char *service_date,
                     const char *tz, int64_t now)
{
    const char *zone = zone_or_utc(tz);
    for (int i = 0; i < q->risk_memo_n; i++)
        if (!strcmp(q->risk_memo[i].date, service_date) && !strcmp(q->risk_memo[i].tz, zone) &&
            !strcmp(q->risk_memo[i].status, status))
            return q->risk_memo[i].at_risk;
    nx_item *it = &q->risk_item;
    snprintf(it->status, sizeof it->status, "%s", status);
    nx_elig_risk r = NX_ELIG_RISK_NONE;
    char err[160];
    int at = 0;
    /* An unreadable date is not a risk this list can show: the form's
     * validation reports it. */
    if (nx_item_set(it, "service_date", service_date) == 0 &&
        nx_elig_risk_of(it, now, zone, &r, err, sizeof err) == 0)
        at = r == NX_ELIG_RISK_T72 || r == NX_ELIG_RISK_T48;
    if (q->risk_memo_n < NX_QUEUE_RISK_MEMO && strlen(service_date) < sizeof q->risk_memo[0].date &&
        strlen(status) < sizeof q->risk_memo[0].status) {
        int i = q->risk_memo_n++;
        snprintf(q->risk_memo[i].tz, sizeof q->risk_memo[i].tz, "%s", zone);
        snprintf(q->risk_memo[i].date, sizeof q->risk_memo[i].date, "%s", service_date);
        snprintf(q->risk_memo[i].status, sizeof q->risk_memo[i].status, "%s", status);
        q->risk_memo[i].at_risk = at;
    }
    return at;
}

/* The local dates whose visit (the start of that day in zone) is at T-72
 * or T-48 at now: now >= visit - 72 h and now < visit, as nx_elig_risk_of
 * reads them. Candidates: today and the four days after. */
static int risk_dates(const char *zone, int64_t now, char dates[5][16], const char **list)
{
    nx_local l;
    int n = 0;
    if (nx_clock_local(zone, now, &l, NULL, 0) != 0)
        return -1;
    int64_t today = nx_days_from_civil(l.year, l.month, l.day);
    for (int i = 0; i < 5; i++) {
        int y, m, d;
        nx_civil_from_days(today + i, &y, &m, &d);
        snprintf(dates[i], sizeof dates[i], "%04d-%02d-%02d", y, m, d);
        int64_t visit;
        if (nx_local_parse(zone, dates[i], &visit, NULL, 0) != 0)
            return -1;
        if (now >= nx_clock_add_hours(visit, -NX_VERIFY_LEAD_MAX) && now < visit)
            list[n++] = dates[i];
    }
    list[n] = NULL;
    return n;
}

/* The five counts, inside the caller's read transaction; -1 on error. */
static int count_all(nx_session *s, nx_kind k, const nx_qs_count_spec *base, int64_t now,
                     nx_queue_counts *out)
{
    nx_store *st = s->profile->store;
    nx_qs_count_spec c = *base;
    out->open = nx_qs_count_items(st, &c);
    c.due_range = 1;
    c.due_lo = INT64_MIN;
    c.due_hi = now;
    out->overdue = nx_qs_count_items(st, &c);
    c = *base;
    c.assignee = s->user;
    out->mine = nx_qs_count_items(st, &c);
    if (out->open < 0 || out->overdue < 0 || out->mine < 0)
        return -1;

    /* Each client's own day and visit dates: one window per zone, all
     * counted in one pass (with one zone, no need to look at the client). */
    int nz = nx_qs_client_zones(st, NULL, 0);
    if (nz <= 0)
        return nz;
    char (*tz)[64] = calloc((size_t)nz, sizeof *tz);
    nx_qs_zone *zones = calloc((size_t)nz, sizeof *zones);
    char (*dates)[5][16] = calloc((size_t)nz, sizeof *dates);
    int rc = -1;
    if (!tz || !zones || !dates || nx_qs_client_zones(st, tz, nz) != nz)
        goto done;
    for (int z = 0; z < nz; z++) {
        const char *zone = zone_or_utc(tz[z]);
        zones[z].tz = nz > 1 ? tz[z] : NULL;
        if (nx_clock_day_bounds(zone, now, &zones[z].due_lo, &zones[z].due_hi, NULL, 0) != 0 ||
            (k == NX_KIND_ELIGIBILITY && risk_dates(zone, now, dates[z], zones[z].dates) < 0))
            goto done;
    }
    c = *base;
    c.zones = zones;
    c.nzones = nz;
    out->due_today = nx_qs_count_items(st, &c);
    if (k == NX_KIND_ELIGIBILITY) {
        /* the statuses nx_elig_risk_of does not warn about */
        static const char *const not_at_risk[] = { "verified", "closed", NULL };
        memset(c.excluded, 0, sizeof c.excluded);
        for (int i = 0; not_at_risk[i]; i++)
            c.excluded[i] = not_at_risk[i];
        c.by_service_date = 1;
        out->at_risk = nx_qs_count_items(st, &c);
    }
    rc = out->due_today < 0 || out->at_risk < 0 ? -1 : 0;
done:
    free(tz);
    free(zones);
    free(dates);
    return rc;
}

int nx_queue_counts_for(nx_session *s, nx_kind k, nx_queue_counts *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if ((unsigned)k >= NX_KIND_COUNT)
        return nx_err(err, errlen, "unknown queue");
    if (!nx_policy_allows(s->policy, s->role, NX_ACTION_VIEW) &&
        !nx_policy_allows(s->policy, s->role, NX_ACTION_KPI))
        return nx_err(err, errlen, "your role (%s) may not see queue counts", nx_role_name(s->role));
    nx_scope scope = nx_policy_scope(s->policy, s->role);
    if (scope == NX_SCOPE_NONE)
        return nx_err(err, errlen, "your role (%s) sees no items", nx_role_name(s->role));
    nx_store *st = s->profile->store;
    nx_qs_count_spec base = {
        .kind = nx_kind_name(k),
        .scope_assignee = scope == NX_SCOPE_OWN ? s->user : NULL,
        .scope_team = scope == NX_SCOPE_TEAM ? s->team : NULL,
    };
    nx_queue_finals(k, base.excluded);
    if (nx_qs_read_begin(st) != 0)
        return nx_err(err, errlen, "cannot count the queue: %s", nx_store_errmsg(st));
    int rc = count_all(s, k, &base, nx_session_now(s), out);
    nx_qs_read_end(st);
    if (rc == 0)
        return 0;
    memset(out, 0, sizeof *out);
    return nx_err(err, errlen, "cannot count the queue: %s", nx_store_errmsg(st));
}
