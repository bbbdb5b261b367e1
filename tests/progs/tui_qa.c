/* tests/progs — tui_qa: adds to a supervisor's profile tui_fixture made
 * what the QA screens read, as sync would leave it, so their golden
 * screens have something to show: finished items of the team (blue) done
 * by dana and eli, the QA samples the hub drew of them (one of an item
 * gone to the archive, one of the supervisor's own work, one of another
 * team, one reviewed already), and corrective actions (one overdue, one
 * in progress, one closed). All synthetic; times fixed relative to
 * tui_fixture's "now".
 *
 * Program: tui_qa DIR   (a profile tui_fixture made with role supervisor)
 * run-script.sh calls it for a script with "# fixture-extra: tui_qa".
 * Prints nothing on success; exit 1 with a message. */
#include "profile/profile.h"
#include "domain/capa.h"
#include "domain/qa_review.h"
#include "store/items_io.h"
#include "store/record_store.h"
#include "store/rows.h"
#include "tests/helpers/fixprof.h"
#include "util/jsonz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOW 1772463600LL         /* tui_fixture's: 2026-03-02 15:00 UTC, a Monday */
#define HOUR 3600LL
#define DAY (24 * HOUR)

static nx_store *st;
static char why[512];

static int fail(const char *what)
{
    fprintf(stderr, "tui_qa: %s: %s\n", what, why[0] ? why : nx_store_errmsg(st));
    return 1;
}

static int item(const char *id, const char *kind, const char *status, const char *agent,
                const char *pid, int64_t done)
{
    nx_item_row r = { .id = id, .kind = kind, .client_id = "cl-lakeside", .patient_id = pid,
                      .status = status, .assignee = agent, .team = "blue",
                      .created = done - 2 * DAY, .updated = done };
    return nx_store_item_put(st, &r);
}

static int tr(const char *id, int64_t at, const char *who, const char *from, const char *to)
{
    return nx_store_transition_add(st, id, at, who, from, to);
}

/* A sample as the hub draws it (qa_review.h). */
static int sample(const char *rule, const char *period, const char *item_id, const char *team,
                  const char *owner, const char *by, int64_t done, const char *status)
{
    nx_qa_sample_info in = { .completed_at = done };
    snprintf(in.rule, sizeof in.rule, "%s", rule);
    snprintf(in.period, sizeof in.period, "%s", period);
    snprintf(in.kind, sizeof in.kind, "%s", rule);
    snprintf(in.completed_by, sizeof in.completed_by, "%s", by);
    snprintf(in.drawn, sizeof in.drawn, "%s", strcmp(rule, "scheduling") == 0 ||
             strcmp(rule, "prior-auth") == 0 ? "live" : "period-end");
    nx_record r = { .created = done + 60, .updated = done + 60, .hlc = 1 };
    if (nx_qa_sample_id(rule, period, item_id, r.id) != 0 || nx_qa_sample_body(&in, &r.body) != 0)
        return -1;
    snprintf(r.kind, sizeof r.kind, "qa_sample");
    snprintf(r.item_id, sizeof r.item_id, "%s", item_id);
    snprintf(r.team, sizeof r.team, "%s", team);
    snprintf(r.author, sizeof r.author, "hub");
    snprintf(r.owner, sizeof r.owner, "%s", owner);
    snprintf(r.status, sizeof r.status, "%s", status);
    int rc = nx_record_apply(st, &r) == 1 ? 0 : -1;
    nx_record_clear(&r);
    return rc;
}

static int capa(const char *id, const char *item_id, const char *owner, const char *status,
                int64_t due, const char *finding, const char *action, const char *resolution)
{
    nx_capa_body b;
    memset(&b, 0, sizeof b);
    snprintf(b.finding, sizeof b.finding, "%s", finding);
    snprintf(b.action, sizeof b.action, "%s", action);
    snprintf(b.resolution, sizeof b.resolution, "%s", resolution);
    nx_record r = { .due = due, .created = due - 14 * DAY, .updated = due - 10 * DAY, .hlc = 1 };
    if (nx_capa_body_json(&b, &r.body) != 0)
        return -1;
    snprintf(r.id, sizeof r.id, "%s", id);
    snprintf(r.kind, sizeof r.kind, "capa");
    snprintf(r.item_id, sizeof r.item_id, "%s", item_id);
    snprintf(r.team, sizeof r.team, "blue");
    snprintf(r.author, sizeof r.author, "agent");
    snprintf(r.owner, sizeof r.owner, "%s", owner);
    snprintf(r.status, sizeof r.status, "%s", status);
    int rc = nx_record_apply(st, &r) == 1 ? 0 : -1;
    nx_record_clear(&r);
    return rc;
}

static int fill(void)
{
    /* dana's scheduling call, closed last Friday: identity checked by
     * callback, one outreach logged */
    int64_t sched = NOW - 3 * DAY - 2 * HOUR;          /* Fri 2026-02-27 13:00 UTC */
    if (item("sched-q1", "scheduling", "closed", "dana", "pat-02", sched) ||
        nx_store_item_field_put(st, "sched-q1", "identity_method", "callback") ||
        nx_store_item_field_put(st, "sched-q1", "identity_result", "verified") ||
        nx_store_item_field_put(st, "sched-q1", "channel", "phone") ||
        tr("sched-q1", sched - 3 * HOUR, "dana", "new", "verifying") ||
        tr("sched-q1", sched - 2 * HOUR, "dana", "verifying", "in-progress") ||
        nx_store_attempt_add(st, "sched-q1", sched - 90 * 60, "dana", "phone", "reached",
                             "") ||
        tr("sched-q1", sched, "dana", "in-progress", "closed"))
        return -1;
    /* eli's eligibility verification of last week */
    int64_t elig = NOW - 5 * DAY;                       /* Wed 2026-02-25 15:00 UTC */
    if (item("elig-q2", "eligibility", "closed", "eli", "pat-05", elig) ||
        tr("elig-q2", elig - DAY, "eli", "new", "verifying") ||
        tr("elig-q2", elig - HOUR, "eli", "verifying", "verified") ||
        tr("elig-q2", elig, "eli", "verified", "closed"))
        return -1;
    /* dana's prior-auth submission this morning: still being worked */
    int64_t pa = NOW - 6 * HOUR;
    if (item("pa-q3", "prior-auth", "submitted", "dana", "pat-07", pa) ||
        tr("pa-q3", pa, "dana", "draft", "submitted"))
        return -1;
    if (sample("scheduling", "2026-W09", "sched-q1", "blue", "dana", "dana", sched, "open") ||
        sample("eligibility", "2026-W09", "elig-q2", "blue", "eli", "eli", elig, "open") ||
        sample("prior-auth", "2026-W10", "pa-q3", "blue", "dana", "dana", pa, "open") ||
        /* gone to the archive: the hub keeps it, this laptop does not */
        sample("roi", "2026-02", "roi-q9", "blue", "eli", "eli", NOW - 20 * DAY, "open") ||
        /* the supervisor's own work, another team's, and one reviewed */
        sample("scheduling", "2026-W09", "scheduling-01", "blue", "agent", "agent",
               NOW - 4 * DAY, "open") ||
        sample("scheduling", "2026-W09", "sched-red", "red", "ria", "ria", NOW - 4 * DAY,
               "open") ||
        sample("scheduling", "2026-W08", "sched-old", "blue", "eli", "eli", NOW - 9 * DAY,
               "reviewed"))
        return -1;
    if (capa("capa-q1", "sched-old", "eli", "open", NOW - DAY,
             "Next action missing in the outreach log",
             "Coach eli on logging time, outcome and next action", "") ||
        capa("capa-q2", "", "dana", "in-progress", NOW + 5 * DAY,
             "SMS template named the procedure", "Re-train on the approved SMS templates", "") ||
        capa("capa-q3", "", "eli", "closed", NOW - 10 * DAY, "Fax number not verified",
             "Callback before every fax", "Callback checklist in use; 10 faxes checked"))
        return -1;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: tui_qa DIR\n");
        return 1;
    }
    nx_json_init();
    nx_profile p;
    if (nx_fixprof_open(&p, argv[1], why, sizeof why) != 0)
        return fail(argv[1]);
    st = p.store;
    int rc = nx_store_begin(st);
    if (rc == 0)
        rc = fill();
    if (rc == 0)
        rc = nx_store_commit(st);
    else
        nx_store_rollback(st);
    int out = rc ? fail("records") : 0;
    nx_profile_close(&p);
    return out;
}
