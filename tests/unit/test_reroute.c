/* Re-routing a whole agent's queue on the laptop (core/session/
 * session_reroute.h; issue 6, seed 000 §12):
 *   - exactly the open items of the agent in the kind (not closed ones,
 *     not another team's, not another agent's, not another kind's) move,
 *     dealt round-robin in due order (no due last), each with one assign
 *     op and one assign audit event under the supervisor's id, as the
 *     per-item re-routing writes them; every kind at once too;
 *   - refused for an agent's role (audited as failed), and for bad ids, no
 *     target, the agent among the targets, a target twice, too many, or
 *     nothing to move — with nothing written;
 *   - one transaction: an item that cannot be written, or the last audit
 *     event, takes the whole move back;
 *   - the list parser and the summary the status line shows. */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session/session_reroute.h"
#include "store/rows.h"
#include "store/store.h"
#include "tests/helpers/syncfix.h"

static nx_sf F;

static long long n(const char *sql) { return nx_sf_count(&F, sql); }

static void start(const char *user, const char *role)
{
    char err[512] = "";
    cr_assert_eq(nx_sf_open(&F, "reroute", user, role, 0, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_sf_session(&F, err, sizeof err), 0, "%s", err);
}

static void put(const char *id, const char *kind, const char *status, const char *assignee,
                const char *team, int64_t due)
{
    nx_store *st = F.prof.store;
    nx_item_row r = { .id = id, .kind = kind, .client_id = "cl-1", .patient_id = "pt-1",
                      .status = status, .assignee = assignee, .team = team,
                      .created = NX_SF_NOW - 86400, .updated = NX_SF_NOW - 86400, .due = due };
    cr_assert_eq(nx_store_begin(st), 0);
    cr_assert_eq(nx_store_item_put(st, &r), 0, "%s", nx_store_errmsg(st));
    cr_assert_eq(nx_store_commit(st), 0);
}

static const char *assignee_of(const char *id)
{
    static char v[64];
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT assignee FROM items WHERE id='%s'", id);
    nx_sf_text(&F, sql, v, sizeof v);
    return v;
}

static void exec(const char *sql)
{
    cr_assert_eq(sqlite3_exec(nx_store_db(F.prof.store), sql, NULL, NULL, NULL), SQLITE_OK,
                 "%s", sql);
}

#define H 3600

/* alice's scheduling queue: five open items, one closed; around it items
 * that must not move. */
static void alice_queue(void)
{
    put("s-1", "scheduling", "new", "alice", "north", NX_SF_NOW + 3 * H);
    put("s-2", "scheduling", "verifying", "alice", "north", NX_SF_NOW + 1 * H);
    put("s-3", "scheduling", "in-progress", "alice", "north", 0);           /* no due: last */
    put("s-4", "scheduling", "new", "alice", "north", NX_SF_NOW + 2 * H);
    put("s-8", "scheduling", "escalated", "alice", "north", NX_SF_NOW + 4 * H);
    put("s-5", "scheduling", "closed", "alice", "north", NX_SF_NOW);         /* final */
    put("s-6", "scheduling", "new", "alice", "south", NX_SF_NOW);            /* other team */
    put("s-7", "scheduling", "new", "dave", "north", NX_SF_NOW);             /* other agent */
    put("pa-1", "prior-auth", "pending", "alice", "north", NX_SF_NOW + 5 * H); /* other kind */
}

Test(reroute, moves_the_open_items_of_the_agent_round_robin_in_due_order)
{
    start("sam", "supervisor");
    alice_queue();
    char err[512] = "";
    cr_assert_eq(nx_session_reroute_count(&F.sess, NX_KIND_SCHEDULING, "alice", err, sizeof err),
                 5, "%s", err);
    long long events = n("SELECT count(*) FROM audit");
    const char *to[] = { "bob", "carol" };
    nx_reroute_result r;
    cr_assert_eq(nx_session_reroute_agent(&F.sess, NX_KIND_SCHEDULING, "alice", to, 2, &r, err,
                                          sizeof err), 0, "%s", err);
    cr_assert_eq(r.moved, 5);
    cr_assert_eq(r.ntargets, 2);
    cr_assert_str_eq(r.to[0].user, "bob");
    cr_assert_eq(r.to[0].n, 3);
    cr_assert_str_eq(r.to[1].user, "carol");
    cr_assert_eq(r.to[1].n, 2);
    char said[128];
    nx_reroute_summary(&r, said, sizeof said);
    cr_assert_str_eq(said, "moved 5 items: 3 to bob, 2 to carol");

    /* Due order s-2, s-4, s-1, s-8, then s-3 (no due), dealt in turn. */
    cr_assert_str_eq(assignee_of("s-2"), "bob");
    cr_assert_str_eq(assignee_of("s-4"), "carol");
    cr_assert_str_eq(assignee_of("s-1"), "bob");
    cr_assert_str_eq(assignee_of("s-8"), "carol");
    cr_assert_str_eq(assignee_of("s-3"), "bob");
    /* What must not move. */
    cr_assert_str_eq(assignee_of("s-5"), "alice");
    cr_assert_str_eq(assignee_of("s-6"), "alice");
    cr_assert_str_eq(assignee_of("s-7"), "dave");
    cr_assert_str_eq(assignee_of("pa-1"), "alice");

    /* One op and one audit event per item, as the per-item path writes
     * them, under the supervisor's id; nothing else. */
    cr_assert_eq(n("SELECT count(*) FROM outbox"), 5);
    cr_assert_eq(n("SELECT count(*) FROM outbox o JOIN items i ON i.id = o.item WHERE "
                   "o.kind='assign' AND o.field='' AND o.value = i.assignee AND "
                   "i.id IN ('s-1','s-2','s-3','s-4','s-8')"), 5);
    cr_assert_eq(n("SELECT count(*) FROM audit") - events, 5);
    cr_assert_eq(n("SELECT count(DISTINCT item_id) FROM audit WHERE action='assign' AND "
                   "field='assignee' AND outcome='ok' AND user='sam' AND role='supervisor' AND "
                   "item_id IN ('s-1','s-2','s-3','s-4','s-8')"), 5);
    cr_assert_eq(n("SELECT count(*) FROM items WHERE updated=" "1780300800"), 5,
                 "each moved item carries the change's time");

    /* Again: nothing left to move, and nothing written. */
    cr_assert_eq(nx_session_reroute_count(&F.sess, NX_KIND_SCHEDULING, "alice", err, sizeof err),
                 0, "%s", err);
    cr_assert_eq(nx_session_reroute_agent(&F.sess, NX_KIND_SCHEDULING, "alice", to, 2, &r, err,
                                          sizeof err), -1);
    cr_assert(strstr(err, "nothing to move") && strstr(err, "alice"), "%s", err);
    cr_assert_eq(n("SELECT count(*) FROM outbox"), 5);

    /* Every kind: what is left of alice's is the prior-auth item. */
    const char *erin[] = { "erin" };
    cr_assert_eq(nx_session_reroute_count(&F.sess, NX_KIND_COUNT, "alice", err, sizeof err), 1);
    cr_assert_eq(nx_session_reroute_agent(&F.sess, NX_KIND_COUNT, "alice", erin, 1, &r, err,
                                          sizeof err), 0, "%s", err);
    cr_assert_eq(r.moved, 1);
    cr_assert_str_eq(assignee_of("pa-1"), "erin");
    cr_assert_str_eq(assignee_of("s-6"), "alice", "another team's item never moves");
    nx_sf_close(&F);
}

Test(reroute, every_kind_at_once_is_one_due_order_across_kinds)
{
    start("sam", "supervisor");
    put("e-1", "eligibility", "new", "alice", "north", NX_SF_NOW + 2 * H);
    put("pa-1", "prior-auth", "pending", "alice", "north", NX_SF_NOW + 1 * H);
    put("r-1", "roi", "new", "alice", "north", NX_SF_NOW + 3 * H);
    put("s-1", "scheduling", "new", "alice", "north", NX_SF_NOW + 4 * H);
    char err[512] = "";
    const char *to[] = { "bob", "carol", "dan" };
    nx_reroute_result r;
    cr_assert_eq(nx_session_reroute_agent(&F.sess, NX_KIND_COUNT, "alice", to, 3, &r, err,
                                          sizeof err), 0, "%s", err);
    cr_assert_eq(r.moved, 4);
    cr_assert_str_eq(assignee_of("pa-1"), "bob");
    cr_assert_str_eq(assignee_of("e-1"), "carol");
    cr_assert_str_eq(assignee_of("r-1"), "dan");
    cr_assert_str_eq(assignee_of("s-1"), "bob");
    char said[128];
    nx_reroute_summary(&r, said, sizeof said);
    cr_assert_str_eq(said, "moved 4 items: 2 to bob, 1 to carol, 1 to dan");
    nx_sf_close(&F);
}

Test(reroute, an_agent_is_refused_and_the_attempt_is_audited)
{
    start("alice", "scheduling");
    put("s-1", "scheduling", "new", "alice", "north", NX_SF_NOW + H);
    put("s-2", "scheduling", "new", "alice", "north", NX_SF_NOW + 2 * H);
    char err[512] = "";
    const char *to[] = { "bob" };
    cr_assert_eq(nx_session_reroute_agent(&F.sess, NX_KIND_SCHEDULING, "alice", to, 1, NULL, err,
                                          sizeof err), -1);
    cr_assert(strstr(err, "may not re-route"), "%s", err);
    cr_assert_eq(n("SELECT count(*) FROM audit WHERE action='assign' AND outcome='failed' AND "
                   "user='alice'"), 1, "a refused attempt is audited");
    cr_assert_eq(n("SELECT count(*) FROM outbox"), 0);
    cr_assert_eq(n("SELECT count(*) FROM items WHERE assignee='alice'"), 2);
    /* Counting is refused too (it writes nothing, so nothing to audit). */
    cr_assert_eq(nx_session_reroute_count(&F.sess, NX_KIND_SCHEDULING, "alice", err, sizeof err),
                 -1);
    cr_assert(strstr(err, "may not re-route"), "%s", err);
    nx_sf_close(&F);
}

Test(reroute, bad_ids_and_lists_are_refused_with_nothing_changed)
{
    start("sam", "supervisor");
    alice_queue();
    long long events = n("SELECT count(*) FROM audit");
    char err[512] = "";
    const char *ok[] = { "bob" };
    const char *self[] = { "bob", "alice" };
    const char *twice[] = { "bob", "carol", "bob" };
    const char *bad[] = { "bob", "carol smith" };
    const char *many[NX_REROUTE_TARGETS_MAX + 1];
    for (int i = 0; i <= NX_REROUTE_TARGETS_MAX; i++)
        many[i] = "bob";
    struct {
        const char *from;
        const char *const *to;
        size_t nt;
        const char *says;
    } cases[] = {
        { "alice smith", ok, 1, "user id" },
        { "", ok, 1, "user id" },
        { NULL, ok, 1, "user id" },
        { "alice", ok, 0, "no user" },
        { "alice", NULL, 1, "no user" },
        { "alice", self, 2, "cannot be re-routed to alice" },
        { "alice", twice, 3, "bob is named twice" },
        { "alice", bad, 2, "user id" },
        { "alice", many, NX_REROUTE_TARGETS_MAX + 1, "at most" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        err[0] = '\0';
        cr_assert_eq(nx_session_reroute_agent(&F.sess, NX_KIND_SCHEDULING, cases[i].from,
                                              cases[i].to, cases[i].nt, NULL, err, sizeof err),
                     -1, "case %zu accepted", i);
        cr_assert(strstr(err, cases[i].says), "case %zu: %s", i, err);
    }
    /* An agent with no open item here: nothing to move. */
    cr_assert_eq(nx_session_reroute_agent(&F.sess, NX_KIND_ROI, "alice", ok, 1, NULL, err,
                                          sizeof err), -1);
    cr_assert(strstr(err, "nothing to move: alice has no open roi item"), "%s", err);
    cr_assert_eq(nx_session_reroute_agent(&F.sess, NX_KIND_SCHEDULING, "nobody-here", ok, 1,
                                          NULL, err, sizeof err), -1);
    cr_assert(strstr(err, "nothing to move"), "%s", err);
    cr_assert_eq(nx_session_reroute_count(&F.sess, NX_KIND_SCHEDULING, "a b", err, sizeof err),
                 -1);
    cr_assert_eq(n("SELECT count(*) FROM outbox"), 0);
    cr_assert_eq(n("SELECT count(*) FROM audit"), events);
    cr_assert_eq(n("SELECT count(*) FROM items WHERE assignee='alice'"), 8);
    nx_sf_close(&F);
}

Test(reroute, one_transaction_a_failure_anywhere_takes_all_of_it_back)
{
    start("sam", "supervisor");
    alice_queue();
    long long events = n("SELECT count(*) FROM audit");
    char err[512] = "";
    const char *to[] = { "bob", "carol" };

    /* The third item in due order (s-1) cannot be written. */
    exec("CREATE TEMP TRIGGER no_s1 BEFORE UPDATE ON main.items WHEN NEW.id = 's-1' "
         "BEGIN SELECT RAISE(ABORT, 'item unavailable'); END");
    cr_assert_eq(nx_session_reroute_agent(&F.sess, NX_KIND_SCHEDULING, "alice", to, 2, NULL, err,
                                          sizeof err), -1);
    cr_assert(strstr(err, "s-1"), "the error names the item: %s", err);
    cr_assert_null(strstr(err, "Testperson"), "%s", err);
    cr_assert_eq(n("SELECT count(*) FROM items WHERE assignee='alice'"), 8,
                 "the items before it moved back");
    cr_assert_eq(n("SELECT count(*) FROM outbox"), 0);
    cr_assert_eq(n("SELECT count(*) FROM audit"), events);
    exec("DROP TRIGGER temp.no_s1");

    /* The last item's audit event (written at the commit) cannot be
     * written: the whole move goes back. */
    exec("CREATE TEMP TRIGGER no_s3_event BEFORE INSERT ON main.audit WHEN NEW.item_id = 's-3' "
         "BEGIN SELECT RAISE(ABORT, 'audit unavailable'); END");
    cr_assert_eq(nx_session_reroute_agent(&F.sess, NX_KIND_SCHEDULING, "alice", to, 2, NULL, err,
                                          sizeof err), -1);
    cr_assert_eq(n("SELECT count(*) FROM items WHERE assignee='alice'"), 8);
    cr_assert_eq(n("SELECT count(*) FROM outbox"), 0);
    cr_assert_eq(n("SELECT count(*) FROM audit"), events);
    exec("DROP TRIGGER temp.no_s3_event");

    /* Without the triggers it goes through. */
    nx_reroute_result r;
    cr_assert_eq(nx_session_reroute_agent(&F.sess, NX_KIND_SCHEDULING, "alice", to, 2, &r, err,
                                          sizeof err), 0, "%s", err);
    cr_assert_eq(r.moved, 5);
    cr_assert_eq(n("SELECT count(*) FROM outbox"), 5);
    nx_sf_close(&F);
}

Test(reroute, the_list_of_targets_and_the_summary)
{
    char t[NX_REROUTE_TARGETS_MAX][NX_NAME_MAX];
    size_t nt = 0;
    char err[256] = "";
    cr_assert_eq(nx_reroute_parse_targets(" bob, carol ,dan.k", "alice", t,
                                          NX_REROUTE_TARGETS_MAX, &nt, err, sizeof err), 0, "%s",
                 err);
    cr_assert_eq(nt, 3);
    cr_assert_str_eq(t[0], "bob");
    cr_assert_str_eq(t[1], "carol");
    cr_assert_str_eq(t[2], "dan.k");
    cr_assert_eq(nx_reroute_parse_targets("bob,,carol", "alice", t, NX_REROUTE_TARGETS_MAX, &nt,
                                          err, sizeof err), 0, "%s", err);
    cr_assert_eq(nt, 2);
    const struct {
        const char *text, *says;
    } bad[] = {
        { "", "no user" },
        { " , ", "no user" },
        { "bob, alice", "cannot be re-routed to alice" },
        { "bob carol bob", "bob is named twice" },
        { "bob, J. Smith!", "user 3 of the list is not a user id" },
        { "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q", "at most" },
        { "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "too long" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        cr_assert_eq(nx_reroute_parse_targets(bad[i].text, "alice", t, NX_REROUTE_TARGETS_MAX,
                                              &nt, err, sizeof err), -1, "%s accepted",
                     bad[i].text);
        cr_assert(strstr(err, bad[i].says), "%s: %s", bad[i].text, err);
    }

    nx_reroute_result r;
    memset(&r, 0, sizeof r);
    r.moved = 1;
    r.ntargets = 1;
    snprintf(r.to[0].user, sizeof r.to[0].user, "bob");
    r.to[0].n = 1;
    char said[64];
    nx_reroute_summary(&r, said, sizeof said);
    cr_assert_str_eq(said, "moved 1 item: 1 to bob");
    char tiny[12];
    nx_reroute_summary(&r, tiny, sizeof tiny);
    cr_assert_eq(strlen(tiny), sizeof tiny - 1, "cut short, terminated: %s", tiny);
}
