/* The hub's own audit chain on an officer's laptop (core/store/hub_events.c,
 * the review's query in core/store/audit_review.c, the model in
 * core/session/session_audit.c): the hub's events as a pull stores them
 * are listed with this laptop's and the devices' events, marked as the
 * hub's, filtered by user, item, action and time like the rest; the
 * hub's chain has its line in the chain list, "verified up to event N"
 * while its links hold and BROKEN at the first one that does not (an
 * event's hash altered, an event removed, the first ones missing). A seq
 * already held keeps its first event. All data synthetic. */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile/profile.h"
#include "session/session.h"
#include "session/session_oversight.h"
#include "store/device_events.h"
#include "store/hub_events.h"
#include "store/rows.h"
#include "tests/unit/test_officer_fx.h"
#include "tests/helpers/run.h"

/* 2031-06-03 12:00 UTC (after the real clock, which stamps the profile's
 * own first event). */
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

static void exec(const char *sql)
{
    cr_assert_eq(sqlite3_exec(nx_store_db(prof.store), sql, NULL, NULL, NULL), SQLITE_OK,
                 "%s", sql);
}

/* The hub's event seq: hash = bytes (seq + 50), linked to the one before. */
static void hubev(int64_t seq, int64_t at, const char *user, const char *role,
                  const char *device, const char *action, const char *item, const char *field,
                  const char *reason, const char *outcome)
{
    unsigned char prev[32], hash[32];
    memset(prev, seq == 1 ? 0 : (int)(seq - 1 + 50), sizeof prev);
    memset(hash, (int)(seq + 50), sizeof hash);
    nx_hubev e = { .seq = seq, .at = at, .user = user, .role = role, .device = device,
                   .action = action, .item_id = item, .field = field, .reason = reason,
                   .outcome = outcome, .prev_hash = prev, .hash = hash };
    cr_assert_eq(nx_hubev_write(prof.store, &e), 0, "hub event %lld", (long long)seq);
}

static void load(void)
{
    nx_store *st = prof.store;
    cr_assert_eq(nx_store_begin(st), 0);
    /* the hub: its administrator's commands, bob's session, push and a
     * rejected op, one about this very laptop */
    hubev(1, NOW - 80 * H, "root", "hub-admin", "hub", "hub-init", "", "", "production hub", "ok");
    hubev(2, NOW - 70 * H, "root", "hub-admin", "hub", "user-add", "", "",
          "user=bob role=scheduling team=north", "ok");
    hubev(3, NOW - 49 * H, "bob", "scheduling", "aaaa", "session", "", "", "session start", "ok");
    hubev(4, NOW - 48 * H, "bob", "scheduling", "aaaa", "push", "sch-1", "phone",
          "op 5b0e set", "ok");
    hubev(5, NOW - 3 * H, "bob", "scheduling", "aaaa", "reject", "sch-9", "",
          "op 5b0f status: not in scope", "failed");
    hubev(6, NOW - 1 * H, "root", "hub-admin", "hub", "banner", "", "", "set (31 bytes)", "ok");
    hubev(7, NOW - 1 * H, "olga", "privacy-officer", prof.audit.device, "session", "", "",
          "session start", "ok");
    /* and bob's own laptop, as the devices' stream stores it */
    nx_devev_writer *w = NULL;
    cr_assert_eq(nx_devev_writer_new(st, &w), 0);
    unsigned char z[32] = { 0 }, h1[32];
    memset(h1, 9, sizeof h1);
    nx_devev d = { .hub_seq = 1, .seq = 1, .at = NOW - 48 * H, .device = "aaaa", .user = "bob",
                   .role = "scheduling", .action = "update", .item_id = "sch-1",
                   .field = "phone", .reason = "", .outcome = "ok", .prev_hash = z, .hash = h1 };
    cr_assert_eq(nx_devev_write(w, &d), 0);
    nx_devev_writer_free(w);
    cr_assert_eq(nx_store_commit(st), 0);
}

static void open_as(const char *role)
{
    nx_t_officer_open("hub_chain_review", role, NOW - 100 * H, load, fixed_clock, &prof, &sess,
                      dir, sizeof dir);
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

/* The hub's lines in a page of everything. */
static size_t hub_rows(nx_audit_view_row *rows, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += rows[i].hub != 0;
    return k;
}

Test(hub_chain_review, the_hubs_events_are_listed_as_the_hubs_and_filtered, .fini = done)
{
    open_as("privacy-officer");
    char err[256] = "";
    cr_assert_eq(nx_session_audit_open(&sess, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_hubev_count(prof.store), 7);
    /* this laptop: init, login, view(audit) = 3; bob's device 1; the hub 7,
     * its event about this laptop included (only the devices' copy of
     * this laptop's own chain is left out) */
    nx_audit_filter all = filter(NULL, NULL, NULL);
    cr_assert_eq(n_of(&all), 3 + 1 + 7);
    nx_audit_view_row rows[20];
    size_t n = 0;
    cr_assert_eq(nx_session_audit_page(&sess, &all, 0, 20, rows, &n, err, sizeof err), 0, "%s",
                 err);
    cr_assert_eq(n, 11);
    cr_assert_eq(hub_rows(rows, n), 7);
    for (size_t i = 0; i < n; i++) {
        if (!rows[i].hub)
            continue;
        cr_assert_eq(rows[i].local, 0, "a hub event is not this laptop's");
        cr_assert_eq(rows[i].hub_seq, 0);
        if (strcmp(rows[i].action, "reject") == 0) {
            cr_assert_eq(rows[i].mark, NX_AUDIT_MARK_FAILED);
            cr_assert_str_eq(rows[i].device, "aaaa", "the device the hub's event is about");
            cr_assert_str_eq(rows[i].item_id, "sch-9");
            cr_assert_eq(rows[i].seq, 5);
        }
        if (strcmp(rows[i].action, "user-add") == 0) {
            cr_assert_str_eq(rows[i].device, "hub");
            cr_assert_str_eq(rows[i].role, "hub-admin");
            cr_assert_str_eq(rows[i].reason, "user=bob role=scheduling team=north");
        }
    }
    /* newest first: this laptop's (now), then the hub's two of an hour ago
     * (7 before 6), the hub's rejection 3 h ago */
    cr_assert_eq(rows[0].local, 1);
    cr_assert_eq(rows[2].hub, 1);
    cr_assert_eq(rows[2].seq, 7);
    cr_assert_eq(rows[3].seq, 6);
    cr_assert_str_eq(rows[4].action, "reject");
    /* the oldest: this laptop's init (the real clock's time), then the
     * hub's init (80 h before the test's now) */
    cr_assert_eq(rows[n - 1].local, 1);
    cr_assert_str_eq(rows[n - 2].action, "hub-init");
    cr_assert_eq(rows[n - 2].hub, 1);
    nx_audit_rows_wipe(rows, n);

    /* filters: bob's hub events (session, push, reject) and his device's */
    nx_audit_filter f = filter("bob", NULL, NULL);
    cr_assert_eq(n_of(&f), 3 + 1);
    f = filter("root", NULL, NULL);
    cr_assert_eq(n_of(&f), 3);
    f = filter(NULL, "sch-1", NULL);
    cr_assert_eq(n_of(&f), 2, "the hub's push and the device's update");
    f = filter(NULL, NULL, "user-add");
    cr_assert_eq(n_of(&f), 1);
    cr_assert_eq(nx_session_audit_page(&sess, &f, 0, 20, rows, &n, err, sizeof err), 0);
    cr_assert_eq(n, 1);
    cr_assert_eq(rows[0].hub, 1);
    nx_audit_rows_wipe(rows, n);
    f = filter(NULL, NULL, "session");
    cr_assert_eq(n_of(&f), 2);
    /* the last 4 h: this laptop's login and review, the hub's 5, 6, 7 */
    f = filter(NULL, NULL, NULL);
    cr_assert_eq(nx_audit_parse_range("4h", "UTC", NOW, &f.from, &f.to, err, sizeof err), 0);
    cr_assert_eq(n_of(&f), 2 + 3);
    f = filter("root", NULL, NULL);
    cr_assert_eq(nx_audit_parse_range("2h", "UTC", NOW, &f.from, &f.to, err, sizeof err), 0);
    cr_assert_eq(n_of(&f), 1, "the banner");
}

static const nx_audit_chain_view *hub_chain(nx_audit_chain_view *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].hub)
            return &v[i];
    return NULL;
}

Test(hub_chain_review, the_hubs_chain_verifies_and_breaks_where_altered, .fini = done)
{
    open_as("auditor");
    char err[256] = "";
    nx_audit_chain_view *v = NULL;
    size_t n = 0;
    cr_assert_eq(nx_session_audit_chains(&sess, &v, &n, err, sizeof err), 0, "%s", err);
    cr_assert_eq(n, 3, "this laptop, the hub, device aaaa");
    cr_assert_eq(v[0].local, 1);
    const nx_audit_chain_view *h = hub_chain(v, n);
    cr_assert_not_null(h);
    cr_assert_eq(h, &v[1], "the hub's chain right after this laptop's");
    cr_assert_str_eq(h->device, "hub");
    cr_assert_eq(h->events, 7);
    cr_assert_eq(h->verified_upto, 7);
    cr_assert_eq(h->broken_at, 0);
    cr_assert_eq(h->why[0], '\0');
    free(v);

    /* A stored event's hash altered: the link after it breaks. */
    exec("UPDATE hub_events SET hash = zeroblob(32) WHERE seq = 3");
    cr_assert_eq(nx_session_audit_chains(&sess, &v, &n, err, sizeof err), 0, "%s", err);
    h = hub_chain(v, n);
    cr_assert_eq(h->events, 7);
    cr_assert_eq(h->broken_at, 4);
    cr_assert_eq(h->verified_upto, 3);
    cr_assert_eq(h->breaks, 1);
    cr_assert(strstr(h->why, "previous hash"), "%s", h->why);
    free(v);

    /* Put back, then an event taken out: a gap. */
    exec("UPDATE hub_events SET hash = (SELECT prev_hash FROM hub_events WHERE seq = 4)"
         " WHERE seq = 3");
    nx_devev_chain ch;
    cr_assert_eq(nx_hubev_chain_check(prof.store, &ch), 0);
    cr_assert_eq(ch.broken_at, 0, "restored");
    exec("DELETE FROM hub_events WHERE seq = 5");
    cr_assert_eq(nx_session_audit_chains(&sess, &v, &n, err, sizeof err), 0, "%s", err);
    h = hub_chain(v, n);
    cr_assert_eq(h->events, 6);
    cr_assert_eq(h->broken_at, 6);
    cr_assert_eq(h->verified_upto, 4);
    cr_assert(strstr(h->why, "missing"), "%s", h->why);
    free(v);

    /* The first events missing. */
    exec("DELETE FROM hub_events WHERE seq <= 2");
    cr_assert_eq(nx_hubev_chain_check(prof.store, &ch), 0);
    cr_assert_eq(ch.first_seq, 3);
    cr_assert_eq(ch.broken_at, 3);
    cr_assert_eq(ch.why, NX_CHAIN_START);
    cr_assert_eq(ch.verified_upto, 0);
    cr_assert_eq(ch.breaks, 2, "the start and the gap");
}

Test(hub_chain_review, a_seq_held_keeps_its_first_event_and_a_rewrite_shows_as_a_break,
     .fini = done)
{
    open_as("security-officer");
    /* The hub sends event 7 again with other content (its chain cut and
     * written again after it was pulled): the first one stays. */
    unsigned char prev[32], hash[32];
    memset(prev, 6 + 50, sizeof prev);
    memset(hash, 0xee, sizeof hash);
    nx_hubev again = { .seq = 7, .at = NOW, .user = "root", .role = "hub-admin",
                       .device = "hub", .action = "user-revoke", .outcome = "ok",
                       .prev_hash = prev, .hash = hash };
    cr_assert_eq(nx_store_begin(prof.store), 0);
    cr_assert_eq(nx_hubev_write(prof.store, &again), 1, "held already");
    /* ... and the rewritten chain's next event links to the new 7, not
     * to the one held here */
    unsigned char h8[32];
    memset(h8, 0x77, sizeof h8);
    nx_hubev next = { .seq = 8, .at = NOW, .user = "root", .role = "hub-admin",
                      .device = "hub", .action = "banner", .outcome = "ok",
                      .prev_hash = hash, .hash = h8 };
    cr_assert_eq(nx_hubev_write(prof.store, &next), 0);
    cr_assert_eq(nx_store_commit(prof.store), 0);
    nx_audit_filter f = filter(NULL, NULL, "user-revoke");
    cr_assert_eq(n_of(&f), 0);
    nx_devev_chain ch;
    cr_assert_eq(nx_hubev_chain_check(prof.store, &ch), 0);
    cr_assert_eq(ch.events, 8);
    cr_assert_eq(ch.broken_at, 8);
    cr_assert_eq(ch.why, NX_CHAIN_LINK);
    cr_assert_eq(ch.verified_upto, 7);
}

Test(hub_chain_review, the_cursor_and_clearing, .fini = done)
{
    open_as("privacy-officer");
    uint64_t c = 99;
    cr_assert_eq(nx_hubev_cursor(prof.store, &c), 0);
    cr_assert_eq(c, 0, "none before the first END");
    cr_assert_eq(nx_hubev_cursor_set(prof.store, 7), 0);
    cr_assert_eq(nx_hubev_cursor(prof.store, &c), 0);
    cr_assert_eq(c, 7);
    cr_assert_eq(nx_store_begin(prof.store), 0);
    cr_assert_eq(nx_hubev_clear(prof.store), 0);
    cr_assert_eq(nx_store_commit(prof.store), 0);
    cr_assert_eq(nx_hubev_count(prof.store), 0);
    cr_assert_eq(nx_hubev_cursor(prof.store, &c), 0);
    cr_assert_eq(c, 0);
    nx_audit_filter all = filter(NULL, NULL, NULL);
    cr_assert_eq(n_of(&all), 2 + 1, "this laptop's init and login, bob's device");
}
