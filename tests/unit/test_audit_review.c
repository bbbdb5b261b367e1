/* The audit review's model (core/session/session_audit.c): an officer's
 * laptop holds its own chain and two other devices' events as the hub
 * sent them (one with a tampered link); the filters, the paging, each
 * chain's state, the highlighting decision, the accounting of
 * disclosures, and that opening the review and showing an accounting are
 * audited. All data synthetic. */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/audit.h"
#include "profile/profile.h"
#include "session/session.h"
#include "session/session_oversight.h"
#include "store/device_events.h"
#include "store/items_io.h"
#include "store/rows.h"
#include "tests/unit/test_officer_fx.h"
#include "tests/helpers/run.h"

/* 2031-06-03 12:00 UTC: after the real clock, which stamps each profile's
 * first event (init), so that event is always the oldest here. */
#define NOW 1938254400
#define H 3600

static nx_profile prof;
static nx_session sess;
static char dir[4096];

static int64_t fixed_clock(void *ctx)
{
    (void)ctx;
    return NOW;
}

static long long count(const char *sql)
{
    sqlite3_stmt *s;
    cr_assert_eq(sqlite3_prepare_v2(nx_store_db(prof.store), sql, -1, &s, NULL), SQLITE_OK,
                 "%s", sql);
    cr_assert_eq(sqlite3_step(s), SQLITE_ROW);
    long long n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

static void exec(const char *sql)
{
    cr_assert_eq(sqlite3_exec(nx_store_db(prof.store), sql, NULL, NULL, NULL), SQLITE_OK,
                 "%s", sql);
}

/* ---- another device's events, as a pull stores them ------------------------------ */

static int64_t hub_seq;

/* Event seq of device dev: hash = byte (seq + salt), linked to the one
 * before unless broken. */
static void devev(nx_devev_writer *w, const char *dev, int salt, int64_t seq, int64_t at,
                  const char *user, const char *action, const char *item, const char *field,
                  const char *reason, const char *outcome, int broken)
{
    unsigned char prev[32], hash[32];
    memset(prev, seq == 1 ? 0 : (int)(seq - 1 + salt) & 0xff, sizeof prev);
    if (broken)
        prev[0] ^= 0x01;
    memset(hash, (int)(seq + salt) & 0xff, sizeof hash);
    nx_devev e = { .hub_seq = ++hub_seq, .seq = seq, .at = at, .device = dev, .user = user,
                   .role = "scheduling", .action = action, .item_id = item, .field = field,
                   .reason = reason, .outcome = outcome, .prev_hash = prev, .hash = hash };
    cr_assert_eq(nx_devev_write(w, &e), 0, "%s %lld", dev, (long long)seq);
}

static void load_devices(void)
{
    nx_store *st = prof.store;
    nx_devev_writer *w = NULL;
    cr_assert_eq(nx_store_begin(st), 0);
    cr_assert_eq(nx_devev_writer_new(st, &w), 0);
    hub_seq = 0;
    /* aaaa: bob's laptop, an intact chain of 5 with a break-glass reveal */
    devev(w, "aaaa", 0, 1, NOW - 50 * H, "bob", "init", "", "", "", "ok", 0);
    devev(w, "aaaa", 0, 2, NOW - 49 * H, "bob", "login", "", "", "", "ok", 0);
    devev(w, "aaaa", 0, 3, NOW - 48 * H, "bob", "view", "sch-1", "", "", "ok", 0);
    devev(w, "aaaa", 0, 4, NOW - 47 * H, "bob", "reveal", "sch-1", "dob",
          "caller could not confirm identity", "ok", 0);
    devev(w, "aaaa", 0, 5, NOW - 2 * H, "bob", "unlock-failed", "", "", "", "failed", 0);
    /* bbbb: cara's laptop; event 3's previous hash was tampered with */
    devev(w, "bbbb", 100, 1, NOW - 30 * H, "cara", "init", "", "", "", "ok", 0);
    devev(w, "bbbb", 100, 2, NOW - 29 * H, "cara", "view", "sch-2", "", "", "ok", 0);
    devev(w, "bbbb", 100, 3, NOW - 5 * H, "cara", "update", "sch-2", "phone", "", "ok", 1);
    devev(w, "bbbb", 100, 4, NOW - 4 * H, "cara", "view", "sch-1", "", "", "ok", 0);
    /* This laptop's own events as the hub holds them: left out (its own
     * chain is read instead), so nothing shows twice. */
    devev(w, prof.audit.device, 200, 1, NOW - 60 * H, "olga", "init", "", "", "", "ok", 0);
    nx_devev_writer_free(w);
    cr_assert_eq(nx_store_commit(st), 0);
}

static void open_as(const char *role)
{
    nx_t_officer_open("audit_review", role, NOW - 100 * H, load_devices, fixed_clock, &prof, &sess, dir,
                      sizeof dir);
}

static void done(void)
{
    nx_session_end(&sess);
    nx_profile_close(&prof);
}

static nx_audit_filter filter(const char *user, const char *item, const char *action)
{
    nx_audit_filter f;
    memset(&f, 0, sizeof f);
    snprintf(f.user, sizeof f.user, "%s", user ? user : "");
    snprintf(f.item, sizeof f.item, "%s", item ? item : "");
    snprintf(f.action, sizeof f.action, "%s", action ? action : "");
    return f;
}

static int64_t n_of(const nx_audit_filter *f)
{
    char err[256] = "";
    int64_t n = nx_session_audit_count(&sess, f, err, sizeof err);
    cr_assert_geq(n, 0, "%s", err);
    return n;
}

/* ---- opening -------------------------------------------------------------------------- */

Test(audit_review, opening_is_audited_and_for_officers_only, .fini = done)
{
    open_as("privacy-officer");
    char err[256] = "";
    cr_assert_eq(nx_session_audit_open(&sess, err, sizeof err), 0, "%s", err);
    cr_assert_eq(count("SELECT count(*) FROM audit WHERE action='view' AND field='audit'"
                       " AND item_id='' AND outcome='ok' AND user='olga'"), 1);
    uint64_t events = 0;
    char why[256] = "";
    cr_assert_eq(nx_profile_verify(&prof, &events, why, sizeof why), 0, "%s", why);
}

Test(audit_review, an_agent_is_refused_and_the_refusal_audited, .fini = done)
{
    open_as("scheduling");
    char err[256] = "";
    cr_assert_eq(nx_session_audit_open(&sess, err, sizeof err), -1);
    cr_assert(strstr(err, "may not"), "%s", err);
    cr_assert_eq(count("SELECT count(*) FROM audit WHERE action='view' AND field='audit'"
                       " AND outcome='failed'"), 1);
    nx_audit_filter f = filter(NULL, NULL, NULL);
    cr_assert_eq(nx_session_audit_count(&sess, &f, err, sizeof err), -1);
}

/* ---- the list and its filters ---------------------------------------------------------- */

Test(audit_review, filters_by_user_item_action_and_time, .fini = done)
{
    open_as("security-officer");
    char err[256] = "";
    cr_assert_eq(nx_session_audit_open(&sess, err, sizeof err), 0, "%s", err);
    /* This laptop: init, login, view(audit) = 3; bob 5, cara 4; the hub's
     * copy of this laptop's init is not counted again. */
    cr_assert_eq(count("SELECT count(*) FROM audit"), 3);
    nx_audit_filter all = filter(NULL, NULL, NULL);
    cr_assert_eq(n_of(&all), 3 + 5 + 4);

    nx_audit_filter f = filter("bob", NULL, NULL);
    cr_assert_eq(n_of(&f), 5);
    f = filter(NULL, "sch-1", NULL);
    cr_assert_eq(n_of(&f), 3);       /* bob's view and reveal, cara's view */
    f = filter(NULL, NULL, "view");
    cr_assert_eq(n_of(&f), 4);       /* bob 1, cara 2, this laptop's review 1 */
    f = filter("cara", "sch-1", "view");
    cr_assert_eq(n_of(&f), 1);
    f = filter("nobody", NULL, NULL);
    cr_assert_eq(n_of(&f), 0);
    /* The last 24 h: this laptop's login and review (its init is older),
     * bob's failed unlock, cara's update and view. */
    f = filter(NULL, NULL, NULL);
    cr_assert_eq(nx_audit_parse_range("24h", "UTC", NOW, &f.from, &f.to, err, sizeof err), 0);
    cr_assert_eq(f.from, NOW - 24 * H);
    cr_assert_eq(f.to, 0);
    cr_assert_eq(n_of(&f), 2 + 1 + 2);
    /* A day: 2031-06-01 (bob's first four events, 50-47 h before now,
     * fall on 06-01 10:00-13:00). */
    f = filter(NULL, NULL, NULL);
    cr_assert_eq(nx_audit_parse_range("2031-06-01", "UTC", NOW, &f.from, &f.to, err,
                                      sizeof err), 0);
    cr_assert_eq(f.to - f.from, 24 * H);
    cr_assert_eq(n_of(&f), 4);
    f = filter("bob", NULL, NULL);
    cr_assert_eq(nx_audit_parse_range("2031-06-01..2031-06-03", "UTC", NOW, &f.from, &f.to,
                                      err, sizeof err), 0);
    cr_assert_eq(n_of(&f), 5);
}

Test(audit_review, pages_newest_first_with_marks, .fini = done)
{
    open_as("auditor");
    char err[256] = "";
    nx_audit_filter f = filter(NULL, NULL, NULL);
    nx_audit_view_row rows[4];
    size_t n = 0;
    cr_assert_eq(nx_session_audit_page(&sess, &f, 0, 4, rows, &n, err, sizeof err), 0, "%s",
                 err);
    cr_assert_eq(n, 4);
    /* now: this laptop's login; then bob's failed unlock (-2 h), cara's
     * view (-4 h) and update (-5 h) */
    cr_assert_eq(rows[0].local, 1);
    cr_assert_str_eq(rows[0].action, "login");
    cr_assert_str_eq(rows[1].user, "bob");
    cr_assert_str_eq(rows[1].action, "unlock-failed");
    cr_assert_eq(rows[1].mark, NX_AUDIT_MARK_FAILED);
    cr_assert_eq(rows[1].local, 0);
    cr_assert_str_eq(rows[1].device, "aaaa");
    cr_assert_eq(rows[1].seq, 5);
    cr_assert_str_eq(rows[2].action, "view");
    cr_assert_eq(rows[2].mark, NX_AUDIT_MARK_NONE);
    cr_assert_str_eq(rows[3].field, "phone");
    nx_audit_rows_wipe(rows, n);
    /* the next page from offset 4: bob's 4 older events, cara's 2, then
     * this laptop's init */
    nx_audit_view_row more[10];
    cr_assert_eq(nx_session_audit_page(&sess, &f, 4, 10, more, &n, err, sizeof err), 0);
    cr_assert_eq(n, 7);
    cr_assert_str_eq(more[0].action, "view");
    cr_assert_str_eq(more[0].user, "cara");
    cr_assert_str_eq(more[2].action, "reveal");
    cr_assert_eq(more[2].mark, NX_AUDIT_MARK_REVEAL);
    cr_assert_str_eq(more[2].reason, "caller could not confirm identity");
    cr_assert_str_eq(more[6].action, "init");
    cr_assert_eq(more[6].local, 1);
    nx_audit_rows_wipe(more, n);
    cr_assert_eq(more[2].reason[0], '\0');
}

Test(audit_review, highlighting_decision)
{
    cr_assert_eq(nx_audit_review_mark("reveal", "ok"), NX_AUDIT_MARK_REVEAL);
    /* a refused reveal is still an attempt at break-glass */
    cr_assert_eq(nx_audit_review_mark("reveal", "failed"), NX_AUDIT_MARK_REVEAL);
    cr_assert_eq(nx_audit_review_mark("unlock-failed", "failed"), NX_AUDIT_MARK_FAILED);
    cr_assert_eq(nx_audit_review_mark("unlock-failed", "ok"), NX_AUDIT_MARK_FAILED);
    cr_assert_eq(nx_audit_review_mark("view", "failed"), NX_AUDIT_MARK_FAILED);
    cr_assert_eq(nx_audit_review_mark("view", "ok"), NX_AUDIT_MARK_NONE);
    cr_assert_eq(nx_audit_review_mark("update", "ok"), NX_AUDIT_MARK_NONE);
    cr_assert_eq(nx_audit_review_mark(NULL, NULL), NX_AUDIT_MARK_NONE);
}

Test(audit_review, time_ranges)
{
    char err[256] = "";
    int64_t from = 1, to = 1;
    cr_assert_eq(nx_audit_parse_range("", "UTC", NOW, &from, &to, err, sizeof err), 0);
    cr_assert_eq(from, 0);
    cr_assert_eq(to, 0);
    cr_assert_eq(nx_audit_parse_range(" 7d ", "UTC", NOW, &from, &to, err, sizeof err), 0);
    cr_assert_eq(from, NOW - 7 * 24 * H);
    /* A local day in New York (EDT, UTC-4). */
    cr_assert_eq(nx_audit_parse_range("2031-06-01", "America/New_York", NOW, &from, &to, err,
                                      sizeof err), 0);
    cr_assert_eq(from, NOW - 2 * 24 * H - 12 * H + 4 * H);
    cr_assert_eq(to, from + 24 * H);
    static const char *const bad[] = { "yesterday", "2026-6-1", "0h", "2031-06-01..",
                                       "2031-06-03..2031-06-01", "12x", "2026-02-30" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        cr_assert_eq(nx_audit_parse_range(bad[i], "UTC", NOW, &from, &to, err, sizeof err), -1,
                     "%s", bad[i]);
        cr_assert(strstr(err, "time:"), "%s: %s", bad[i], err);
    }
}

/* ---- chains --------------------------------------------------------------------------------- */

static const nx_audit_chain_view *chain_of(const nx_audit_chain_view *v, size_t n,
                                           const char *dev)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].device, dev) == 0)
            return &v[i];
    return NULL;
}

Test(audit_review, chain_status_per_device_with_a_tampered_event, .fini = done)
{
    open_as("privacy-officer");
    nx_audit_chain_view *v = NULL;
    size_t n = 0;
    char err[256] = "";
    cr_assert_eq(nx_session_audit_chains(&sess, &v, &n, err, sizeof err), 0, "%s", err);
    /* this laptop, the hub's own chain (none held here), aaaa, bbbb (the
     * hub's copy of this laptop's chain skipped) */
    cr_assert_eq(n, 4);
    cr_assert_eq(v[1].hub, 1);
    cr_assert_str_eq(v[1].device, "hub");
    cr_assert_eq(v[1].events, 0);
    cr_assert_eq(v[1].broken_at, 0);
    cr_assert_eq(v[0].local, 1);
    cr_assert_str_eq(v[0].device, prof.audit.device);
    cr_assert_eq(v[0].events, 2);          /* init, login */
    cr_assert_eq(v[0].verified_upto, 2);
    cr_assert_eq(v[0].broken_at, 0);
    const nx_audit_chain_view *a = chain_of(v, n, "aaaa"), *b = chain_of(v, n, "bbbb");
    cr_assert_not_null(a);
    cr_assert_eq(a->events, 5);
    cr_assert_eq(a->verified_upto, 5);
    cr_assert_eq(a->broken_at, 0);
    cr_assert_not_null(b);
    cr_assert_eq(b->events, 4);
    cr_assert_eq(b->verified_upto, 2);
    cr_assert_eq(b->broken_at, 3);
    cr_assert_eq(b->breaks, 1);
    cr_assert(strstr(b->why, "previous hash"), "%s", b->why);
    free(v);
}

Test(audit_review, this_laptops_own_chain_tampered, .fini = done)
{
    open_as("security-officer");
    char err[256] = "";
    cr_assert_eq(nx_session_audit_open(&sess, err, sizeof err), 0, "%s", err);
    /* Someone with the file but not the key rewrites who logged in. */
    exec("UPDATE audit SET user='mallory' WHERE seq=2");
    nx_audit_chain_view *v = NULL;
    size_t n = 0;
    cr_assert_eq(nx_session_audit_chains(&sess, &v, &n, err, sizeof err), 0, "%s", err);
    cr_assert_eq(v[0].local, 1);
    cr_assert_eq(v[0].events, 3);
    cr_assert_eq(v[0].broken_at, 2);
    cr_assert_eq(v[0].verified_upto, 1);
    cr_assert(strstr(v[0].why, "event 2"), "%s", v[0].why);
    free(v);
}

/* ---- the accounting of disclosures ------------------------------------------------------ */

static void load_disclosures(void)
{
    nx_store *st = prof.store;
    nx_client_row cl = { "cl-1", "Synthetic Clinic", "UTC", "555-0100", "" };
    nx_patient_row pt = { .id = "pt-7", .client_id = "cl-1", .family_name = "Testcase",
                          .given_name = "Delta" };
    nx_item_row it = { .id = "roi-9", .kind = "roi", .client_id = "cl-1", .patient_id = "pt-7",
                       .status = "released", .assignee = "rita", .team = "north",
                       .created = NOW - 90 * H, .updated = NOW - 10 * H };
    cr_assert_eq(nx_store_begin(st), 0);
    cr_assert_eq(nx_store_client_put(st, &cl), 0);
    cr_assert_eq(nx_store_patient_put(st, &pt), 0);
    cr_assert_eq(nx_store_item_put(st, &it), 0);
    nx_disclosure_rec d1 = { "roi-9", "pt-7", "Jane Q Sample", "9 Elm St, Springfield, IL 62704",
                             "discharge summary 2026-05", "legal", "rita", NOW - 10 * H };
    nx_disclosure_rec d2 = { "roi-9", "pt-7", "Acme Law Office", "1 Main St, Metro, NY 10001",
                             "billing records", "legal", "rita", NOW - 20 * H };
    cr_assert_eq(nx_store_disclosure_add(st, &d1), 0);
    cr_assert_eq(nx_store_disclosure_add(st, &d2), 0);
    cr_assert_eq(nx_store_commit(st), 0);
}

Test(audit_review, accounting_masked_for_the_role_and_audited, .fini = done)
{
    open_as("privacy-officer");
    load_disclosures();
    nx_disclosure_view *v = NULL;
    size_t n = 0;
    int64_t held = 0;
    char err[256] = "";
    cr_assert_eq(nx_session_disclosures(&sess, "pt-7", &v, &n, &held, err, sizeof err), 0, "%s",
                 err);
    cr_assert_eq(n, 2);
    cr_assert_eq(held, 2);
    /* oldest first */
    cr_assert_eq(v[0].at, NOW - 20 * H);
    cr_assert_str_eq(v[0].item_id, "roi-9");
    cr_assert_str_eq(v[0].user, "rita");
    /* The privacy officer holds names and addresses at `reveal`: shown
     * masked here, like the form shows them. */
    cr_assert_str_eq(v[1].recipient, "J\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2 "
                                     "Q\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2 "
                                     "S\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2");
    cr_assert(strstr(v[1].address, "Springfield, IL 62704"), "%s", v[1].address);
    cr_assert_null(strstr(v[1].address, "Elm"));
    nx_disclosure_views_free(v, n);
    cr_assert_eq(count("SELECT count(*) FROM audit WHERE action='view' AND item_id='pt-7'"
                       " AND field='disclosures' AND outcome='ok'"), 1);
    /* Another patient: nothing, but the view is recorded too. */
    cr_assert_eq(nx_session_disclosures(&sess, "pt-8", &v, &n, &held, err, sizeof err), 0);
    cr_assert_eq(n, 0);
    cr_assert_eq(held, 2);
    cr_assert_eq(count("SELECT count(*) FROM audit WHERE field='disclosures'"), 2);
    /* Not an id: refused before anything is recorded. */
    cr_assert_eq(nx_session_disclosures(&sess, "pt 7; drop", &v, &n, &held, err, sizeof err),
                 -1);
    cr_assert_eq(count("SELECT count(*) FROM audit WHERE field='disclosures'"), 2);
}

Test(audit_review, accounting_hidden_fields_for_the_security_officer, .fini = done)
{
    open_as("security-officer");
    load_disclosures();
    nx_disclosure_view *v = NULL;
    size_t n = 0;
    int64_t held = 0;
    char err[256] = "";
    cr_assert_eq(nx_session_disclosures(&sess, "pt-7", &v, &n, &held, err, sizeof err), 0, "%s",
                 err);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(v[0].recipient, "(hidden)");
    cr_assert_str_eq(v[0].address, "(hidden)");
    cr_assert_str_eq(v[0].purpose, "legal");   /* the purpose is no PHI (class none) */
    nx_disclosure_views_free(v, n);
}

Test(audit_review, an_officers_cache_holds_no_accounting_from_the_hub, .fini = done)
{
    /* As a pull leaves an officer's cache: items, device events, no
     * disclosures (the hub keeps the accounting; it sends none). */
    open_as("privacy-officer");
    nx_disclosure_view *v = NULL;
    size_t n = 0;
    int64_t held = 7;
    char err[256] = "";
    cr_assert_eq(nx_session_disclosures(&sess, "pt-7", &v, &n, &held, err, sizeof err), 0, "%s",
                 err);
    cr_assert_eq(n, 0);
    cr_assert_eq(held, 0);
    nx_disclosure_views_free(v, n);
}
