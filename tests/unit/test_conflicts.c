/* The supervisor's two writes on the laptop (issue 5): re-routing an item
 * and resolving the conflict inbox.
 *   - the inbox's store: rows, open ones first, marking inside a
 *     transaction only, and the hub's answer settling a row (taken: gone;
 *     refused: open again);
 *   - the pull fills the inbox from ITEM history rows of type "conflict":
 *     the hub's rows replace ours, but a row resolved here whose op is
 *     still pending keeps its state; a drop erases them; a malformed row
 *     refuses the frame and names no value;
 *   - core/session: assign and resolve are a supervisor's (others are
 *     refused, audited as failed, and write nothing), items of the team
 *     only, each one transaction with its op and its audit event (an audit
 *     event that cannot be written takes the op and the change with it),
 *     and the inbox as a screen may show it (masked as the form is). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session/session.h"
#include "store/conflict_store.h"
#include "store/rows.h"
#include "store/sync_store.h"
#include "sync/client_int.h"
#include "tests/helpers/fakehub.h"
#include "tests/helpers/run.h"
#include "tests/helpers/syncfix.h"

static nx_sf F;

static long long n(const char *sql) { return nx_sf_count(&F, sql); }

static void open_profile(const char *user, const char *role)
{
    char err[512] = "";
    cr_assert_eq(nx_sf_open(&F, "conflicts", user, role, 0, err, sizeof err), 0, "%s", err);
}

static void start(const char *user, const char *role)
{
    char err[512] = "";
    open_profile(user, role);
    cr_assert_eq(nx_sf_session(&F, err, sizeof err), 0, "%s", err);
}

/* A prior-auth item of team `team` assigned to alice, as a pull leaves it. */
static void put_item(const char *id, const char *team, const char *status)
{
    nx_store *st = F.prof.store;
    nx_item_row r = { .id = id, .kind = "prior-auth", .client_id = "cl-1", .patient_id = "pt-1",
                      .status = status, .assignee = "alice", .team = team,
                      .created = NX_SF_NOW - 86400, .updated = NX_SF_NOW - 86400 };
    cr_assert_eq(nx_store_begin(st), 0);
    cr_assert_eq(nx_store_item_put(st, &r), 0, "%s", nx_store_errmsg(st));
    cr_assert_eq(nx_store_commit(st), 0);
}

static void put_conflict(int64_t id, const char *item, const char *kind, const char *field,
                         const char *value, int64_t at)
{
    nx_conflict_rec c;
    memset(&c, 0, sizeof c);
    c.id = id;
    snprintf(c.item_id, sizeof c.item_id, "%s", item);
    snprintf(c.kind, sizeof c.kind, "%s", kind);
    snprintf(c.field, sizeof c.field, "%s", field);
    snprintf(c.value, sizeof c.value, "%s", value);
    snprintf(c.detail, sizeof c.detail, "step pending -> %s; the hub had denied", value);
    c.at = at;
    cr_assert_eq(nx_conflict_put(F.prof.store, &c), 0);
}

/* ---- the store ---------------------------------------------------------------------- */

typedef struct {
    int64_t ids[16];
    char states[16][16];
    size_t n;
} seen;

static int collect(void *ctx, const nx_conflict_rec *c)
{
    seen *s = ctx;
    if (s->n < 16) {
        s->ids[s->n] = c->id;
        snprintf(s->states[s->n], sizeof s->states[0], "%s", c->state);
        s->n++;
    }
    return 0;
}

Test(conflict_store, open_rows_first_marking_and_the_hubs_answer)
{
    open_profile("sam", "supervisor");
    nx_store *st = F.prof.store;
    put_conflict(7, "pa-1", "status", "status", "approved", 300);
    put_conflict(3, "pa-1", "field", "payer_ref", "REF-A", 100);
    put_conflict(9, "pa-2", "status", "status", "closed", 200);
    cr_assert_eq(nx_conflict_count_open(st), 3);

    /* Marking is part of the resolve's transaction, never on its own. */
    cr_assert_eq(nx_conflict_mark(st, 3, "applied", "op-3"), -1);
    cr_assert_eq(nx_store_begin(st), 0);
    cr_assert_eq(nx_conflict_mark(st, 3, "applied", "op-3"), 1);
    cr_assert_eq(nx_conflict_mark(st, 3, "discarded", "op-x"), 0, "only an open row is marked");
    cr_assert_eq(nx_conflict_mark(st, 42, "applied", "op-y"), 0);
    cr_assert_eq(nx_store_commit(st), 0);
    cr_assert_eq(nx_conflict_count_open(st), 2);

    seen s = { .n = 0 };
    cr_assert_eq(nx_conflict_scan(st, collect, &s), 0);
    cr_assert_eq(s.n, 3);
    cr_assert_eq(s.ids[0], 9, "open rows oldest first");
    cr_assert_eq(s.ids[1], 7);
    cr_assert_eq(s.ids[2], 3, "a row resolved here comes after the open ones");
    cr_assert_str_eq(s.states[2], "applied");

    nx_conflict_rec c;
    cr_assert_eq(nx_conflict_get(st, 3, &c), 1);
    cr_assert_str_eq(c.op_id, "op-3");
    cr_assert_str_eq(c.value, "REF-A");
    cr_assert_str_eq(c.field, "payer_ref");
    cr_assert_eq(c.at, 100);
    nx_conflict_rec_wipe(&c);
    cr_assert_eq(c.value[0], '\0');
    cr_assert_eq(nx_conflict_get(st, 4, &c), 0);

    /* A refusal opens it again; an answer for another op changes nothing. */
    cr_assert_eq(nx_conflict_settle(st, "op-other", 0), 0);
    cr_assert_eq(nx_conflict_count_open(st), 2);
    cr_assert_eq(nx_conflict_settle(st, "op-3", 1), 0);
    cr_assert_eq(n("SELECT count(*) FROM conflict_inbox WHERE id=3 AND state='open' AND op_id=''"), 1);

    /* Taken: the row goes (the hub no longer holds it open). */
    cr_assert_eq(nx_store_begin(st), 0);
    cr_assert_eq(nx_conflict_mark(st, 7, "discarded", "op-7"), 1);
    cr_assert_eq(nx_store_commit(st), 0);
    cr_assert_eq(nx_conflict_settle(st, "op-7", 0), 0);
    cr_assert_eq(n("SELECT count(*) FROM conflict_inbox WHERE id=7"), 0);
    cr_assert_eq(nx_conflict_count_open(st), 2);
    nx_sf_close(&F);
}

/* ---- filled by the pull --------------------------------------------------------------- */

static nx_sync_applier *A;
static nx_pull_buf PB;
static nx_msg *M;
static nx_wbuf W;

static void apply_setup(void)
{
    open_profile("sam", "supervisor");
    cr_assert_eq(nx_sync_applier_new(F.prof.store, &A), 0);
    cr_assert_eq(nx_pull_buf_init(&PB), 0);
    M = malloc(sizeof *M);
    cr_assert_not_null(M);
    nx_wbuf_init(&W);
}

static void apply_teardown(void)
{
    nx_wbuf_free(&W);
    free(M);
    nx_pull_buf_free(&PB);
    nx_sync_applier_free(A);
    nx_sf_close(&F);
}

static nx_sync_code pull(const nx_fh_item *it, char *err, size_t errlen)
{
    nx_wbuf_reset(&W);
    nx_fh_encode_item(&W, it);
    char derr[256] = "";
    cr_assert_eq(nx_msg_decode(W.p + 4, W.len - 4, M, derr, sizeof derr), 0, "%s", derr);
    cr_assert_eq(nx_store_begin(F.prof.store), 0);
    nx_sync_code c = nx_pull_item(A, &PB, M, err, errlen);
    if (c == NX_SYNC_OK)
        cr_assert_eq(nx_store_commit(F.prof.store), 0);
    else
        nx_store_rollback(F.prof.store);
    return c;
}

static void pull_ok(const nx_fh_item *it)
{
    char err[512] = "";
    cr_assert_eq(pull(it, err, sizeof err), NX_SYNC_OK, "%s", err);
}

static nx_fh_item pulled(const char *const *hist)
{
    nx_fh_item it = { .id = "pa-1", .kind = "prior-auth", .client = "cl-1", .patient = "pt-1",
                      .status = "denied", .assignee = "alice", .team = "north",
                      .created = 1780000000, .updated = 1780000600, .hist = hist };
    return it;
}

TestSuite(conflict_apply, .init = apply_setup, .fini = apply_teardown);

Test(conflict_apply, conflict_rows_fill_and_replace_the_inbox)
{
    static const char *const h1[] = {
        "1780000100", "alice", "status", "pending\x1f" "denied",
        "1780000200", "hub", "conflict",
        "12\x1fstatus\x1fstatus\x1f" "approved\x1fstep pending -> approved; the hub had denied",
        "1780000300", "hub", "conflict",
        "13\x1f" "field\x1fpayer_ref\x1fREF-A\x1f" "a later edit won (op x)",
        NULL };
    nx_fh_item it = pulled(h1);
    pull_ok(&it);
    cr_assert_eq(n("SELECT count(*) FROM transitions WHERE item_id='pa-1'"), 1);
    cr_assert_eq(n("SELECT count(*) FROM conflict_inbox WHERE item_id='pa-1' AND state='open'"), 2);
    cr_assert_eq(n("SELECT count(*) FROM conflict_inbox WHERE id=12 AND kind='status' AND "
                   "field='status' AND value='approved' AND at=1780000200 AND "
                   "detail='step pending -> approved; the hub had denied'"), 1);
    cr_assert_eq(n("SELECT count(*) FROM conflict_inbox WHERE id=13 AND kind='field' AND "
                   "field='payer_ref' AND value='REF-A'"), 1);
    /* Twice is harmless. */
    pull_ok(&it);
    cr_assert_eq(n("SELECT count(*) FROM conflict_inbox"), 2);

    /* Resolved here, op pending: the next pull keeps its state even when
     * the hub still sends it open (the op has not reached it yet) ... */
    cr_assert_eq(nx_store_begin(F.prof.store), 0);
    char op[40];
    cr_assert_eq(nx_outbox_add(F.prof.store, NX_OP_RESOLVE, "pa-1", "12", "discard", NULL,
                               NX_SF_NOW, (int64_t)NX_SF_NOW * 1000, op), 0);
    cr_assert_eq(nx_conflict_mark(F.prof.store, 12, "discarded", op), 1);
    cr_assert_eq(nx_store_commit(F.prof.store), 0);
    pull_ok(&it);
    cr_assert_eq(n("SELECT count(*) FROM conflict_inbox WHERE id=12 AND state='discarded'"), 1);
    /* ... and even when it no longer comes (resolved by another supervisor). */
    static const char *const h2[] = {
        "1780000100", "alice", "status", "pending\x1f" "denied",
        "1780000300", "hub", "conflict",
        "13\x1f" "field\x1fpayer_ref\x1fREF-A\x1f" "a later edit won (op x)",
        NULL };
    it = pulled(h2);
    pull_ok(&it);
    cr_assert_eq(n("SELECT count(*) FROM conflict_inbox WHERE id=12"), 1);
    /* The hub's answer settles it; without a pending op the hub's view
     * replaces ours. */
    cr_assert_eq(nx_outbox_settle(F.prof.store, op, NULL, NX_SF_NOW), 1);
    cr_assert_eq(n("SELECT count(*) FROM conflict_inbox WHERE id=12"), 0);
    static const char *const h3[] = {
        "1780000100", "alice", "status", "pending\x1f" "denied", NULL };
    it = pulled(h3);
    pull_ok(&it);
    cr_assert_eq(n("SELECT count(*) FROM conflict_inbox"), 0, "a conflict the hub closed stays");

    /* An item sent without history (too big for a frame) leaves the inbox. */
    it = pulled(h1);
    pull_ok(&it);
    it = pulled(NULL);
    pull_ok(&it);
    cr_assert_eq(n("SELECT count(*) FROM conflict_inbox"), 2);

    /* Dropped from the laptop: its conflicts go with it. */
    cr_assert_eq(nx_store_begin(F.prof.store), 0);
    cr_assert_eq(nx_sync_erase_item(A, "pa-1"), 1);
    cr_assert_eq(nx_store_commit(F.prof.store), 0);
    cr_assert_eq(n("SELECT count(*) FROM conflict_inbox"), 0);
}

Test(conflict_apply, a_refused_resolve_opens_the_row_again)
{
    static const char *const h[] = {
        "1780000200", "hub", "conflict", "5\x1fstatus\x1fstatus\x1f" "approved\x1fstep", NULL };
    nx_fh_item it = pulled(h);
    pull_ok(&it);
    char op[40];
    cr_assert_eq(nx_store_begin(F.prof.store), 0);
    cr_assert_eq(nx_outbox_add(F.prof.store, NX_OP_RESOLVE, "pa-1", "5", "apply", NULL,
                               NX_SF_NOW, (int64_t)NX_SF_NOW * 1000, op), 0);
    cr_assert_eq(nx_conflict_mark(F.prof.store, 5, "applied", op), 1);
    cr_assert_eq(nx_outbox_settle(F.prof.store, op, "resolve: status: not allowed", NX_SF_NOW), 1);
    cr_assert_eq(nx_store_commit(F.prof.store), 0);
    cr_assert_eq(n("SELECT count(*) FROM conflict_inbox WHERE id=5 AND state='open' AND op_id=''"), 1);
    cr_assert_eq(n("SELECT count(*) FROM op_rejects WHERE item_id='pa-1' AND kind='resolve'"), 1,
                 "the reason is on the item");
}

Test(conflict_apply, malformed_conflict_rows_refuse_the_frame_and_name_no_value)
{
    static const char *const bad[7][5] = {
        { "1780000200", "hub", "conflict", "12\x1fstatus\x1fstatus\x1fSECRETVALUE", NULL },
        { "1780000200", "hub", "conflict", "x1\x1fstatus\x1fstatus\x1fSECRETVALUE\x1f" "d", NULL },
        { "1780000200", "hub", "conflict", "0\x1fstatus\x1fstatus\x1fSECRETVALUE\x1f" "d", NULL },
        { "1780000200", "hub", "conflict", "-4\x1fstatus\x1fstatus\x1fSECRETVALUE\x1f" "d", NULL },
        { "1780000200", "hub", "conflict", "4\x1f\x1fstatus\x1fSECRETVALUE\x1f" "d", NULL },
        { "1780000200", "hub", "conflict", "4\x1fstatus\x1f" "bad field\x1fSECRETVALUE\x1f" "d", NULL },
        { "1780000200", "hub", "conflict",
          "1234567890123456789\x1fstatus\x1fstatus\x1fSECRETVALUE\x1f" "d", NULL },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        nx_fh_item it = pulled(bad[i]);
        char err[512] = "";
        cr_assert_eq(pull(&it, err, sizeof err), NX_SYNC_PROTOCOL, "row %zu accepted", i);
        cr_assert(strstr(err, "pa-1"), "%s", err);
        cr_assert_null(strstr(err, "SECRETVALUE"), "%s", err);
        cr_assert_eq(n("SELECT count(*) FROM items"), 0);
        cr_assert_eq(n("SELECT count(*) FROM conflict_inbox"), 0);
    }
}

/* ---- core/session ------------------------------------------------------------------------ */

Test(super_session, assign_is_one_transaction_with_its_op_and_audit_event)
{
    start("sam", "supervisor");
    put_item("pa-1", "north", "pending");
    char err[512] = "";
    nx_item it;
    cr_assert_eq(nx_session_open(&F.sess, "pa-1", &it, err, sizeof err), 0, "%s", err);
    long long events = n("SELECT count(*) FROM audit");
    cr_assert_eq(nx_session_assign(&F.sess, &it, "bob", err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(it.assignee, "bob");
    cr_assert_eq(n("SELECT count(*) FROM items WHERE id='pa-1' AND assignee='bob'"), 1);
    cr_assert_eq(n("SELECT count(*) FROM outbox WHERE kind='assign' AND item='pa-1' AND "
                   "field='' AND value='bob'"), 1);
    cr_assert_eq(n("SELECT count(*) FROM audit WHERE action='assign' AND item_id='pa-1' AND "
                   "field='assignee' AND outcome='ok' AND user='sam'"), 1);
    cr_assert_eq(n("SELECT count(*) FROM audit"), events + 1);

    /* Not a user id, or no change: refused before any write. */
    cr_assert_eq(nx_session_assign(&F.sess, &it, "bob smith", err, sizeof err), -1);
    cr_assert(strstr(err, "user id"), "%s", err);
    cr_assert_eq(nx_session_assign(&F.sess, &it, "bob", err, sizeof err), -1);
    cr_assert(strstr(err, "already assigned"), "%s", err);
    cr_assert_eq(n("SELECT count(*) FROM outbox"), 1);

    /* The audit event cannot be written: no op, no change. */
    cr_assert_eq(sqlite3_exec(nx_store_db(F.prof.store),
                              "CREATE TEMP TRIGGER no_audit BEFORE INSERT ON main.audit "
                              "BEGIN SELECT RAISE(ABORT, 'audit unavailable'); END",
                              NULL, NULL, NULL), SQLITE_OK);
    cr_assert_eq(nx_session_assign(&F.sess, &it, "carol", err, sizeof err), -1);
    cr_assert_str_eq(it.assignee, "bob", "the caller's item is as it was");
    cr_assert_eq(n("SELECT count(*) FROM items WHERE id='pa-1' AND assignee='bob'"), 1);
    cr_assert_eq(n("SELECT count(*) FROM outbox"), 1);
    cr_assert_eq(sqlite3_exec(nx_store_db(F.prof.store), "DROP TRIGGER temp.no_audit", NULL,
                              NULL, NULL), SQLITE_OK);

    /* Back to the queue: nobody. */
    cr_assert_eq(nx_session_assign(&F.sess, &it, "", err, sizeof err), 0, "%s", err);
    cr_assert_eq(n("SELECT count(*) FROM outbox WHERE kind='assign' AND value=''"), 1);
    nx_item_free(&it);
    nx_sf_close(&F);
}

Test(super_session, only_a_supervisor_assigns_and_only_in_the_team)
{
    start("alice", "prior-auth");
    put_item("pa-1", "north", "pending");
    char err[512] = "";
    nx_item it;
    cr_assert_eq(nx_session_open(&F.sess, "pa-1", &it, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_session_assign(&F.sess, &it, "bob", err, sizeof err), -1);
    cr_assert(strstr(err, "may not re-route"), "%s", err);
    cr_assert_str_eq(it.assignee, "alice");
    cr_assert_eq(n("SELECT count(*) FROM outbox"), 0);
    cr_assert_eq(n("SELECT count(*) FROM items WHERE assignee='alice'"), 1);
    cr_assert_eq(n("SELECT count(*) FROM audit WHERE action='assign' AND outcome='failed' AND "
                   "item_id='pa-1'"), 1, "a refused attempt is audited");
    nx_item_free(&it);
    nx_sf_close(&F);

    /* A supervisor, an item of another team (loaded without the scope
     * check the opening would do). */
    start("sam", "supervisor");
    put_item("pa-9", "south", "pending");
    memset(&it, 0, sizeof it);
    cr_assert_eq(nx_session_open(&F.sess, "pa-9", &it, err, sizeof err), -1);
    nx_item other;
    cr_assert_eq(nx_item_init(&other, F.sess.dict, NX_KIND_PRIOR_AUTH), 0);
    snprintf(other.id, sizeof other.id, "pa-9");
    snprintf(other.team, sizeof other.team, "south");
    snprintf(other.assignee, sizeof other.assignee, "alice");
    cr_assert_eq(nx_session_assign(&F.sess, &other, "bob", err, sizeof err), -1);
    cr_assert(strstr(err, "not an item of your team"), "%s", err);
    cr_assert_eq(n("SELECT count(*) FROM outbox"), 0);
    cr_assert_eq(n("SELECT count(*) FROM items WHERE id='pa-9' AND assignee='alice'"), 1);
    nx_item_free(&other);
    nx_sf_close(&F);
}

Test(super_session, resolve_writes_the_op_marks_the_row_and_audits)
{
    start("sam", "supervisor");
    put_item("pa-1", "north", "denied");
    put_conflict(12, "pa-1", "status", "status", "approved", NX_SF_NOW - 60);
    put_conflict(13, "pa-1", "field", "payer_ref", "REF-A", NX_SF_NOW - 30);
    put_conflict(14, "pa-1", "field", "assignee", "carol", NX_SF_NOW - 10);
    char err[512] = "";
    cr_assert_eq(nx_session_resolve(&F.sess, 12, 1, err, sizeof err), 0, "%s", err);
    cr_assert_eq(n("SELECT count(*) FROM outbox o JOIN conflict_inbox c ON c.op_id = o.op_id "
                   "WHERE o.kind='resolve' AND o.item='pa-1' AND o.field='12' AND "
                   "o.value='apply' AND c.id=12 AND c.state='applied'"), 1);
    cr_assert_eq(n("SELECT count(*) FROM audit WHERE action='status' AND item_id='pa-1' AND "
                   "field='status' AND reason='conflict 12 apply' AND user='sam'"), 1);
    cr_assert_eq(nx_session_resolve(&F.sess, 13, 0, err, sizeof err), 0, "%s", err);
    cr_assert_eq(n("SELECT count(*) FROM outbox WHERE kind='resolve' AND field='13' AND "
                   "value='discard'"), 1);
    cr_assert_eq(n("SELECT count(*) FROM audit WHERE action='update' AND field='payer_ref' AND "
                   "reason='conflict 13 discard'"), 1);
    cr_assert_eq(nx_session_resolve(&F.sess, 14, 1, err, sizeof err), 0, "%s", err);
    cr_assert_eq(n("SELECT count(*) FROM audit WHERE action='assign' AND field='assignee' AND "
                   "reason='conflict 14 apply'"), 1);
    cr_assert_eq(nx_conflict_count_open(F.prof.store), 0);
    /* The item itself waits for the hub: nothing of it changed here. */
    cr_assert_eq(n("SELECT count(*) FROM items WHERE id='pa-1' AND status='denied' AND "
                   "assignee='alice'"), 1);

    /* Twice, or a conflict not in the inbox: refused, nothing written. */
    long long ops = n("SELECT count(*) FROM outbox");
    cr_assert_eq(nx_session_resolve(&F.sess, 12, 0, err, sizeof err), -1);
    cr_assert(strstr(err, "already applied"), "%s", err);
    cr_assert_eq(nx_session_resolve(&F.sess, 99, 1, err, sizeof err), -1);
    cr_assert(strstr(err, "not in the inbox"), "%s", err);
    cr_assert_eq(n("SELECT count(*) FROM outbox"), ops);

    /* The audit event cannot be written: neither the op nor the mark. */
    put_conflict(15, "pa-1", "status", "status", "closed", NX_SF_NOW);
    cr_assert_eq(sqlite3_exec(nx_store_db(F.prof.store),
                              "CREATE TEMP TRIGGER no_audit BEFORE INSERT ON main.audit "
                              "BEGIN SELECT RAISE(ABORT, 'audit unavailable'); END",
                              NULL, NULL, NULL), SQLITE_OK);
    cr_assert_eq(nx_session_resolve(&F.sess, 15, 1, err, sizeof err), -1);
    cr_assert_eq(n("SELECT count(*) FROM outbox"), ops);
    cr_assert_eq(n("SELECT count(*) FROM conflict_inbox WHERE id=15 AND state='open'"), 1);
    cr_assert_eq(sqlite3_exec(nx_store_db(F.prof.store), "DROP TRIGGER temp.no_audit", NULL,
                              NULL, NULL), SQLITE_OK);

    /* An item of another team (its row should never have come): refused. */
    put_item("pa-9", "south", "denied");
    put_conflict(16, "pa-9", "status", "status", "closed", NX_SF_NOW);
    cr_assert_eq(nx_session_resolve(&F.sess, 16, 1, err, sizeof err), -1);
    cr_assert(strstr(err, "not an item of your team"), "%s", err);
    cr_assert_eq(n("SELECT count(*) FROM outbox"), ops);
    nx_sf_close(&F);
}

Test(super_session, agents_may_not_resolve)
{
    start("alice", "prior-auth");
    put_item("pa-1", "north", "denied");
    put_conflict(12, "pa-1", "status", "status", "approved", NX_SF_NOW);
    char err[512] = "";
    cr_assert_eq(nx_session_resolve(&F.sess, 12, 1, err, sizeof err), -1);
    cr_assert(strstr(err, "supervisor"), "%s", err);
    cr_assert_eq(n("SELECT count(*) FROM outbox"), 0);
    cr_assert_eq(n("SELECT count(*) FROM conflict_inbox WHERE state='open'"), 1);
    cr_assert_eq(n("SELECT count(*) FROM audit WHERE action='status' AND outcome='failed' AND "
                   "item_id='pa-1'"), 1);
    nx_sf_close(&F);
}

/* The policy with the supervisor's plan ids (member id) at reveal. */
static void reveal_policy(char *path, size_t len)
{
    FILE *in = fopen(nx_t_root("assets/policy.txt"), "r");
    cr_assert_not_null(in);
    snprintf(path, len, "%s/policy.txt", F.dir);
    FILE *out = fopen(path, "w");
    cr_assert_not_null(out);
    char line[1024];
    int changed = 0;
    while (fgets(line, sizeof line, in)) {
        if (strncmp(line, "class supervisor plan-id full", 29) == 0) {
            fputs("class supervisor plan-id reveal\n", out);
            changed = 1;
        } else {
            fputs(line, out);
        }
    }
    fclose(in);
    fclose(out);
    cr_assert(changed, "assets/policy.txt has no supervisor plan-id rule");
}

Test(super_session, the_inbox_as_a_screen_shows_it)
{
    open_profile("sam", "supervisor");
    char err[512] = "", policy[4200];
    reveal_policy(policy, sizeof policy);
    cr_assert_eq(nx_session_start(&F.sess, &F.prof, nx_dict_default(), policy, err, sizeof err),
                 0, "%s", err);
    F.has_sess = 1;
    put_item("pa-1", "north", "denied");
    put_conflict(12, "pa-1", "status", "status", "approved", 300);
    put_conflict(13, "pa-1", "field", "member_id", "ZX998877665", 100);
    put_conflict(14, "pa-1", "field", "payer_ref", "REF-A", 200);
    put_conflict(15, "pa-1", "field", "no_such_field", "LEAKME", 50);
    cr_assert_eq(nx_store_begin(F.prof.store), 0);
    cr_assert_eq(nx_conflict_mark(F.prof.store, 15, "discarded", "op-15"), 1);
    cr_assert_eq(nx_store_commit(F.prof.store), 0);

    nx_conflict_view *v = NULL;
    size_t count = 0;
    cr_assert_eq(nx_session_conflicts(&F.sess, &v, &count, err, sizeof err), 0, "%s", err);
    cr_assert_eq(count, 4);
    cr_assert_eq(v[0].id, 13);
    cr_assert_eq(v[1].id, 14);
    cr_assert_eq(v[2].id, 12);
    cr_assert_eq(v[3].id, 15);
    cr_assert_str_eq(v[3].state, "discarded");
    cr_assert_null(strstr(v[0].shown, "998877"), "a reveal-level value is masked: %s", v[0].shown);
    cr_assert(v[0].shown[0], "masked, not left out");
    cr_assert_str_eq(v[1].shown, "REF-A");
    cr_assert_str_eq(v[2].shown, "approved");
    cr_assert_str_eq(v[2].label, "Status");
    cr_assert_str_eq(v[3].shown, "", "a field the dictionary does not know shows nothing");
    cr_assert_str_neq(v[0].label, "member_id", "the form's label, not the id");
    nx_conflict_views_free(v, count);
    nx_sf_close(&F);
}
