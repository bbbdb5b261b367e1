/* tests/progs — tui_oversight: adds to a profile tui_fixture made what the
 * oversight screens read, as sync would leave it, so their golden screens
 * have something to show: eight weeks of the team's history (status
 * steps, outreach attempts, QA reviews, corrective actions) for the KPI
 * screen, and two other devices' audit events (one with a broken link,
 * a break-glass reveal, a refused one, a wrong passphrase) and the hub's
 * own chain (an administrator's commands, a session, a refused op) for
 * the audit review. All synthetic; times fixed relative to tui_fixture's "now".
 *
 * Program: tui_oversight DIR   (a profile tui_fixture made; its passphrase)
 * run-script.sh calls it for a script with "# fixture-extra: tui_oversight".
 * Prints nothing on success; exit 1 with a message. */
#include "profile/profile.h"
#include "domain/record.h"
#include "store/device_events.h"
#include "store/hub_events.h"
#include "store/items_io.h"
#include "store/record_store.h"
#include "store/rows.h"
#include "tests/helpers/fixprof.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NOW 1772463600LL         /* tui_fixture's: 2026-03-02 15:00 UTC, a Monday */
#define HOUR 3600LL
#define DAY (24 * HOUR)
#define WEEK0 (1772409600LL - 7 * 7 * DAY)   /* Monday 2026-01-12 00:00 UTC */

static nx_store *st;
static char why[512];

static int fail(const char *what)
{
    fprintf(stderr, "tui_oversight: %s: %s\n", what, why[0] ? why : nx_store_errmsg(st));
    return 1;
}

static int item(const char *id, const char *kind, const char *status, const char *agent,
                int patient)
{
    char pid[16];
    snprintf(pid, sizeof pid, "pat-%02d", patient % 8 + 1);
    nx_item_row r = { .id = id, .kind = kind, .client_id = "cl-lakeside", .patient_id = pid,
                      .status = status, .assignee = agent, .team = "blue",
                      .created = WEEK0 - 14 * DAY, .updated = WEEK0 - 14 * DAY };
    return nx_store_item_put(st, &r);
}

static int tr(const char *id, int64_t at, const char *from, const char *to)
{
    return nx_store_transition_add(st, id, at, "agent", from, to);
}

static const char *const agents[] = { "dana", "eli" };

/* ---- the KPI screen's history ------------------------------------------------------ */

static int prior_auth(void)
{
    /* decisions and approvals per week, oldest first; the last is this week's */
    static const int decisions[8] = { 3, 4, 2, 4, 4, 3, 5, 1 };
    static const int approved[8] = { 2, 3, 1, 4, 2, 3, 3, 1 };
    char id[32];
    for (int w = 0; w < 8; w++) {
        int64_t start = WEEK0 + w * 7 * DAY;
        for (int i = 0; i < decisions[w]; i++) {
            snprintf(id, sizeof id, "kpi-pa-%d%d", w, i);
            const char *to = i < approved[w] ? (i == 1 ? "partially-approved" : "approved")
                                             : "denied";
            int64_t sub = w == 7 ? start - 2 * HOUR : start + DAY + 9 * HOUR;
            int64_t dec = w == 7 ? start + 9 * HOUR : sub + (12 + 6 * ((w + i) % 5)) * HOUR;
            if (item(id, "prior-auth", to, agents[i % 2], w + i) || tr(id, sub, "draft",
                "submitted") || tr(id, sub + HOUR, "submitted", "pending") ||
                tr(id, dec, "pending", to))
                return -1;
            /* an appeal on some denials, decided the same week */
            if (strcmp(to, "denied") == 0 && w >= 4 && w < 7) {
                const char *out = (w + i) % 2 ? "appeal-won" : "appeal-lost";
                if (tr(id, dec + HOUR, "denied", "appeal-prepared") ||
                    tr(id, dec + 2 * HOUR, "appeal-prepared", "appeal-submitted") ||
                    tr(id, dec + DAY, "appeal-submitted", out))
                    return -1;
            }
        }
    }
    return 0;
}

static int eligibility(void)
{
    char id[32], date[16];
    for (int w = 0; w < 8; w++) {
        /* the visit: Thursday of the week, 00:00 in New York (05:00 UTC) */
        int64_t visit = WEEK0 + w * 7 * DAY + 3 * DAY + 5 * HOUR;
        time_t t = (time_t)visit;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(date, sizeof date, "%Y-%m-%d", &tm);
        const int lead[3] = { 80, 60 + 10 * (w % 2), 30 + 20 * (w % 3) };
        for (int i = 0; i < 3; i++) {
            int64_t ver = visit - lead[i] * HOUR;
            if (ver > NOW)
                ver = 0;   /* this week's: not yet */
            snprintf(id, sizeof id, "kpi-el-%d%d", w, i);
            if (item(id, "eligibility", ver ? "verified" : "verifying", agents[i % 2], w + i) ||
                nx_store_item_field_put(st, id, "service_date", date) ||
                tr(id, visit - 7 * DAY, "new", "verifying") ||
                (ver && tr(id, ver, "verifying", "verified")))
                return -1;
        }
    }
    return 0;
}

static int roi(void)
{
    char id[32];
    for (int w = 0; w < 8; w++) {
        int64_t start = WEEK0 + w * 7 * DAY;
        for (int i = 0; i < 2; i++) {
            int64_t rec = w == 7 ? start + 10 * HOUR + i * HOUR : start + DAY + 12 * HOUR;
            int64_t req = rec - (3 + (w + i) % 4) * DAY;
            int64_t rel = rec + 2 * HOUR;
            snprintf(id, sizeof id, "kpi-roi-%d%d", w, i);
            if (item(id, "roi", "released", agents[i % 2], w + i) ||
                tr(id, req - DAY, "new", "authorization-valid") ||
                tr(id, req, "authorization-valid", "requested") ||
                tr(id, rec, "requested", "received") || tr(id, rel - HOUR, "received",
                "verified") || tr(id, rel, "verified", "released") ||
                nx_store_item_field_put(st, id, "complete_first_pass",
                                        (w % 2 || i == 0) ? "yes" : "no"))
                return -1;
        }
    }
    return 0;
}

static int outreach(void)
{
    static const char *const outcomes[] = { "reached", "voicemail", "no answer",
                                            "wrong number" };
    for (int w = 0; w < 8; w++) {
        int64_t start = WEEK0 + w * 7 * DAY + (w == 7 ? 8 * HOUR : DAY);
        const int n[4] = { 2 + w % 3, 3 - w % 2, 1 + w % 2, w % 4 == 0 };
        int k = 0;
        for (int o = 0; o < 4; o++)
            for (int i = 0; i < n[o]; i++, k++)
                if (nx_store_attempt_add(st, "scheduling-04", start + k * 600, agents[k % 2],
                                         "phone", outcomes[o], ""))
                    return -1;
    }
    return 0;
}

static int record(const char *id, const char *kind, const char *owner, const char *status,
                  int64_t created, int64_t updated, int64_t due)
{
    nx_record r;
    memset(&r, 0, sizeof r);
    snprintf(r.id, sizeof r.id, "%s", id);
    snprintf(r.kind, sizeof r.kind, "%s", kind);
    snprintf(r.owner, sizeof r.owner, "%s", owner);
    snprintf(r.team, sizeof r.team, "blue");
    snprintf(r.author, sizeof r.author, "agent");
    snprintf(r.status, sizeof r.status, "%s", status);
    r.created = created;
    r.updated = updated;
    r.due = due;
    r.hlc = 1;
    return nx_record_apply(st, &r) == 1 ? 0 : -1;
}

static int quality(void)
{
    static const int reviews[8] = { 4, 4, 4, 4, 4, 4, 4, 2 };
    static const int passed[8] = { 3, 4, 2, 4, 3, 4, 3, 1 };
    char id[32];
    for (int w = 0; w < 8; w++)
        for (int i = 0; i < reviews[w]; i++) {
            int64_t at = WEEK0 + w * 7 * DAY + (w == 7 ? 9 * HOUR + i * HOUR : 2 * DAY);
            snprintf(id, sizeof id, "kpi-qa-%d%d", w, i);
            if (record(id, "qa_review", agents[i % 2], i < passed[w] ? "pass" : "fail", at, at,
                       0))
                return -1;
        }
    /* open and overdue; in progress; closed in February; opened last week,
     * already overdue */
    return record("kpi-capa-1", "capa", "dana", "open", NOW - 41 * DAY, NOW - 41 * DAY,
                  NOW - 10 * DAY) ||
           record("kpi-capa-2", "capa", "eli", "in-progress", NOW - 20 * DAY, NOW - 3 * DAY,
                  NOW + 8 * DAY) ||
           record("kpi-capa-3", "capa", "dana", "closed", NOW - 46 * DAY, NOW - 25 * DAY,
                  NOW - 30 * DAY) ||
           record("kpi-capa-4", "capa", "eli", "open", NOW - 5 * DAY, NOW - 5 * DAY,
                  NOW - 2 * DAY);
}

/* ---- the audit review's devices ---------------------------------------------------------- */

static int64_t hub_seq;

typedef struct {
    int64_t at;
    const char *user, *role, *action, *item, *field, *reason, *outcome;
} ev;

/* A device's chain: hash of event n = bytes (salt + n); linked, except
 * event `broken`, whose previous hash was changed on the way. */
static int device(nx_devev_writer *w, const char *dev, int salt, const ev *e, int n, int broken)
{
    for (int i = 0; i < n; i++) {
        unsigned char prev[32], hash[32];
        memset(prev, i ? (salt + i) & 0xff : 0, sizeof prev);
        if (i + 1 == broken)
            prev[7] ^= 0x5a;
        memset(hash, (salt + i + 1) & 0xff, sizeof hash);
        nx_devev d = { .hub_seq = ++hub_seq, .seq = i + 1, .at = e[i].at, .device = dev,
                       .user = e[i].user, .role = e[i].role, .action = e[i].action,
                       .item_id = e[i].item, .field = e[i].field, .reason = e[i].reason,
                       .outcome = e[i].outcome, .prev_hash = prev, .hash = hash };
        if (nx_devev_write(w, &d) != 0)
            return -1;
    }
    return 0;
}

static int devices(void)
{
    static const ev dana[] = {
        { NOW - 10 * DAY, "dana", "scheduling", "init", "", "", "", "ok" },
        { NOW - 7 * HOUR, "dana", "scheduling", "login", "", "", "", "ok" },
        { NOW - 7 * HOUR + 300, "dana", "scheduling", "view", "scheduling-01", "", "", "ok" },
        { NOW - 7 * HOUR + 420, "dana", "scheduling", "reveal", "scheduling-01", "dob",
          "caller could not confirm identity; supervisor approved", "ok" },
        { NOW - 7 * HOUR + 600, "dana", "scheduling", "update", "scheduling-01", "phone", "",
          "ok" },
        { NOW - 7 * HOUR + 720, "dana", "scheduling", "status", "scheduling-01", "", "", "ok" },
        { NOW - 6 * HOUR, "dana", "scheduling", "sync", "", "", "", "ok" },
        { NOW - 5 * HOUR, "dana", "scheduling", "lock", "", "", "", "ok" },
    };
    static const ev eli[] = {
        { NOW - 12 * DAY, "eli", "roi", "init", "", "", "", "ok" },
        { NOW - 30 * HOUR, "eli", "roi", "login", "", "", "", "ok" },
        { NOW - 30 * HOUR + 120, "eli", "roi", "view", "roi-14", "", "", "ok" },
        { NOW - 27 * HOUR, "eli", "roi", "unlock-failed", "", "", "", "failed" },
        { NOW - 8 * HOUR, "eli", "roi", "login", "", "", "", "ok" },
        { NOW - 8 * HOUR + 600, "eli", "roi", "view", "roi-15", "", "", "ok" },
        { NOW - 8 * HOUR + 660, "eli", "roi", "reveal", "roi-15", "member_id",
          "payer asked", "failed" },
        { NOW - 8 * HOUR + 1800, "eli", "roi", "disclosure", "roi-15", "", "", "ok" },
        { NOW - 8 * HOUR + 2400, "eli", "roi", "logout", "", "", "", "ok" },
    };
    nx_devev_writer *w = NULL;
    if (nx_devev_writer_new(st, &w) != 0)
        return -1;
    int rc = device(w, "7f3a9c0e5b2d4e61a0b1c2d3e4f50617", 0x10, dana,
                    (int)(sizeof dana / sizeof dana[0]), 0) ||
             device(w, "c0ffee00112233445566778899aabbcc", 0x80, eli,
                    (int)(sizeof eli / sizeof eli[0]), 6);
    nx_devev_writer_free(w);
    return rc ? -1 : nx_devev_cursor_set(st, (uint64_t)hub_seq);
}

/* The hub's own chain, linked: hash of event n = bytes (0xc0 + n). */
static int hub(void)
{
    static const ev e[] = {
        { NOW - 12 * DAY - HOUR, "admin", "hub-admin", "hub-init", "", "", "production hub",
          "ok" },
        { NOW - 9 * DAY, "admin", "hub-admin", "user-add", "", "", "user=eli role=roi team=north",
          "ok" },
        { NOW - 8 * HOUR - 60, "eli", "roi", "session", "", "", "start: client 0.1.0, cursor 0",
          "ok" },
        { NOW - 7 * HOUR + 480, "dana", "scheduling", "reject", "scheduling-01", "",
          "op 7c1d status: the workflow does not allow this step", "failed" },
        { NOW - 4 * HOUR, "admin", "hub-admin", "banner", "", "", "set (38 bytes)", "ok" },
    };
    static const char *const about[] = { "hub", "hub", "c0ffee00112233445566778899aabbcc",
                                         "7f3a9c0e5b2d4e61a0b1c2d3e4f50617", "hub" };
    int n = (int)(sizeof e / sizeof e[0]);
    for (int i = 0; i < n; i++) {
        unsigned char prev[32], hash[32];
        memset(prev, i ? 0xc0 + i : 0, sizeof prev);
        memset(hash, 0xc0 + i + 1, sizeof hash);
        nx_hubev h = { .seq = i + 1, .at = e[i].at, .user = e[i].user, .role = e[i].role,
                       .device = about[i], .action = e[i].action, .item_id = e[i].item,
                       .field = e[i].field, .reason = e[i].reason, .outcome = e[i].outcome,
                       .prev_hash = prev, .hash = hash };
        if (nx_hubev_write(st, &h) != 0)
            return -1;
    }
    return nx_hubev_cursor_set(st, (uint64_t)n);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: tui_oversight PROFILE_DIR\n");
        return 2;
    }
    nx_profile p;
    if (nx_fixprof_open(&p, argv[1], why, sizeof why) != 0) {
        fprintf(stderr, "tui_oversight: %s: %s\n", argv[1], why);
        return 1;
    }
    st = p.store;
    int rc = nx_store_begin(st);
    if (rc == 0)
        rc = prior_auth() || eligibility() || roi() || outreach() || quality() || devices() ||
             hub();
    if (rc == 0)
        rc = nx_store_commit(st);
    else
        nx_store_rollback(st);
    int status = rc ? fail("history") : 0;
    nx_profile_close(&p);
    return status;
}
