/* A supervisor's two writes, end to end through the real hub (`nexus-hub
 * serve` over the local: pipe; the sshd scenarios cover the transport):
 *   - two laptops of one agent take different steps from the same status
 *     (approved and then closed on one, denied on the other): the hub
 *     keeps the first decision and puts the other two steps in the
 *     conflict inbox; the team's supervisor syncs and finds them in the
 *     inbox on the laptop; applying a step the workflow does not allow
 *     from the hub's status is refused by the hub and the row opens again
 *     (the reason on the item); applying the close closes the item;
 *     discarding the approval resolves it; each resolution is recorded on
 *     the hub under the supervisor's id and the laptop's inbox empties;
 *   - the supervisor re-routes an item from one agent to another: after
 *     the next syncs the old agent's laptop no longer holds it and the new
 *     agent's has it. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/dict.h"
#include "hub/hub.h"
#include "session/session.h"
#include "store/conflict_store.h"
#include "store/sync_store.h"
#include "sync/sync.h"
#include "sync/transport.h"
#include "tests/helpers/hubfix.h"
#include "util/util.h"

static nx_hf H;

typedef nx_lap lap;

/* A laptop of user/role in team north, its own device id; first = the
 * hub learns the user (with this laptop's key). */
static void lap_open(lap *l, const char *tag, const char *user, const char *role,
                     unsigned char device, int first)
{
    char err[1024] = "";
    cr_assert_eq(nx_lap_open(l, &H, tag, user, role, "north", device, first, err, sizeof err),
                 0, "%s", err);
}

static void lap_close(lap *l) { nx_lap_close(l); }

static nx_sync_stats lap_sync(lap *l)
{
    nx_sync_stats st;
    char err[1024] = "";
    nx_sync_code c = nx_lap_sync(l, &st, err, sizeof err);
    cr_assert_eq(c, NX_SYNC_OK, "%s: %s: %s", l->dir, nx_sync_code_name(c), err);
    return st;
}

static long long lap_n(lap *l, const char *sql) { return nx_lap_n(l, sql); }

static void lap_text(lap *l, const char *sql, char *out, size_t len)
{
    nx_lap_text(l, sql, out, len);
}

static void hub_text(const char *sql, char *out, size_t len)
{
    nx_hf_text(&H, sql, out, len);
}

static int64_t hour_behind(void *ctx)
{
    (void)ctx;
    return nx_now() - 3600;
}

static void step(lap *l, const char *id, const char *to)
{
    char err[512] = "", linked[NX_ID_MAX];
    nx_item it;
    cr_assert_eq(nx_session_open(&l->sess, id, &it, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_session_transition(&l->sess, &it, to, linked, err, sizeof err), 0, "%s: %s",
                 to, err);
    nx_item_free(&it);
}

static int64_t conflict_with(lap *l, const char *value)
{
    char sql[256], v[32];
    snprintf(sql, sizeof sql, "SELECT id FROM conflict_inbox WHERE item_id='pa-1' AND "
             "kind='status' AND value='%s'", value);
    lap_text(l, sql, v, sizeof v);
    cr_assert(v[0], "no conflict to %s in the supervisor's inbox", value);
    return strtoll(v, NULL, 10);
}

#define PA(id) \
    "{\"id\":\"" id "\",\"kind\":\"prior-auth\",\"client\":\"cl-1\",\"status\":\"pending\"," \
    "\"patient\":{\"id\":\"pt-" id "\",\"family_name\":\"Supertest\",\"given_name\":\"Ida\","  \
    "\"member_id\":\"MEMB12345678\",\"payer\":\"Synthetic Health\"},"                         \
    "\"assignee\":\"alice\",\"team\":\"north\",\"fields\":{\"dx_codes\":\"M17.11\","          \
    "\"procedure_codes\":\"27447\",\"ordering_npi\":\"1234567893\",\"units\":\"10\","          \
    "\"payer_ref\":\"REF-0\",\"auth_number\":\"AUTH-77\",\"valid_from\":\"2026-01-01\","       \
    "\"valid_to\":\"2027-06-30\",\"units_granted\":\"10\",\"units_used\":\"0\"}}\n"

Test(sync_super_e2e, conflict_inbox_resolved_and_an_item_rerouted_through_the_real_hub,
     .timeout = 240)
{
    if (!nx_hf_available())
        cr_skip_test("no nexus-hub beside the tests");
    char ierr[1024] = "";
    cr_assert_eq(nx_hf_init(&H, "super-e2e", ierr, sizeof ierr), 0, "%s", ierr);
    cr_assert_eq(nx_hf_import(&H, PA("pa-1") PA("pa-2"), ierr, sizeof ierr), 0, "%s", ierr);

    lap a, b, sam, bob;
    lap_open(&a, "super-a", "alice", "prior-auth", 0x11, 1);
    lap_open(&b, "super-b", "alice", "prior-auth", 0x31, 0);
    lap_open(&sam, "super-sam", "sam", "supervisor", 0x51, 1);
    lap_open(&bob, "super-bob", "bob", "prior-auth", 0x71, 1);
    cr_assert_eq(lap_sync(&a).items, 2);
    cr_assert_eq(lap_sync(&b).items, 2);
    cr_assert_eq(lap_sync(&bob).items, 0);

    /* Laptop B denies; laptop A, offline, its clock an hour behind, from
     * the "pending" it saw, approves and closes. Its decision field loses
     * to B's (last writer by clock) and is kept as a field conflict. */
    char err[512] = "";
    nx_item it;
    cr_assert_eq(nx_session_open(&b.sess, "pa-1", &it, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_session_set(&b.sess, &it, "decision", "denied", err, sizeof err), 0, "%s",
                 err);
    cr_assert_eq(nx_session_set(&b.sess, &it, "denial_reason", "Not medically necessary",
                                err, sizeof err), 0, "%s", err);
    nx_item_free(&it);
    step(&b, "pa-1", "denied");
    lap_sync(&b);
    a.sess.clock = hour_behind;
    cr_assert_eq(nx_session_open(&a.sess, "pa-1", &it, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_session_set(&a.sess, &it, "decision", "approved", err, sizeof err), 0, "%s",
                 err);
    nx_item_free(&it);
    step(&a, "pa-1", "approved");
    step(&a, "pa-1", "closed");
    nx_sync_stats st = lap_sync(&a);
    cr_assert_eq(st.conflicts, 3, "applied %llu rejected %llu conflicts %llu",
                 (unsigned long long)st.applied, (unsigned long long)st.rejected,
                 (unsigned long long)st.conflicts);
    char v[256];
    hub_text("SELECT count(*) FROM conflicts WHERE item='pa-1' AND kind='status' AND "
             "state='open'", v, sizeof v);
    cr_assert_str_eq(v, "2");
    hub_text("SELECT count(*) FROM conflicts WHERE item='pa-1' AND kind='field' AND "
             "field='decision' AND state='open'", v, sizeof v);
    cr_assert_str_eq(v, "1");
    hub_text("SELECT status FROM items WHERE id='pa-1'", v, sizeof v);
    cr_assert_str_eq(v, "denied");

    /* The supervisor's laptop: the team's items, and both steps in the
     * inbox; an agent's laptop gets no inbox. */
    st = lap_sync(&sam);
    cr_assert_eq(st.items, 2);
    cr_assert_eq(nx_conflict_count_open(sam.prof.store), 3);
    cr_assert_eq(lap_n(&sam, "SELECT count(*) FROM conflict_inbox WHERE kind='field' AND "
                             "field='decision' AND value='approved'"), 1);
    cr_assert_eq(lap_n(&a, "SELECT count(*) FROM conflict_inbox"), 0);
    int64_t to_approved = conflict_with(&sam, "approved");
    int64_t to_closed = conflict_with(&sam, "closed");
    lap_text(&sam, "SELECT detail FROM conflict_inbox WHERE value='closed'", v, sizeof v);
    cr_assert(strstr(v, "denied"), "the hub's words: %s", v);

    /* Applying the approval: the workflow does not go from denied to
     * approved, so the hub refuses it and the row is open again with the
     * reason on the item. Applying the close closes the item. */
    cr_assert_eq(nx_session_resolve(&sam.sess, to_approved, 1, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_session_resolve(&sam.sess, to_closed, 1, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_conflict_count_open(sam.prof.store), 1);
    st = lap_sync(&sam);
    lap_text(&sam, "SELECT group_concat(reason, ' | ') FROM op_rejects", v, sizeof v);
    cr_assert_eq(st.pushed, 2);
    cr_assert_eq(st.rejected, 1, "applied %llu rejected %llu conflicts %llu dup %llu; %s",
                 (unsigned long long)st.applied, (unsigned long long)st.rejected,
                 (unsigned long long)st.conflicts, (unsigned long long)st.duplicate, v);
    cr_assert_eq(st.applied, 1);
    hub_text("SELECT status FROM items WHERE id='pa-1'", v, sizeof v);
    cr_assert_str_eq(v, "closed", "the applied step did not take");
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT state || ' ' || resolved_by FROM conflicts WHERE id=%lld",
             (long long)to_closed);
    hub_text(sql, v, sizeof v);
    cr_assert_str_eq(v, "applied sam");
    snprintf(sql, sizeof sql, "SELECT state FROM conflicts WHERE id=%lld", (long long)to_approved);
    hub_text(sql, v, sizeof v);
    cr_assert_str_eq(v, "open");
    cr_assert_eq(nx_conflict_count_open(sam.prof.store), 2, "the refused one is open again");
    snprintf(sql, sizeof sql, "SELECT count(*) FROM conflict_inbox WHERE id=%lld AND "
             "state='open'", (long long)to_approved);
    cr_assert_eq(lap_n(&sam, sql), 1);
    cr_assert_eq(lap_n(&sam, "SELECT count(*) FROM op_rejects WHERE item_id='pa-1' AND "
                             "kind='resolve'"), 1);
    cr_assert_eq(lap_n(&sam, "SELECT count(*) FROM items WHERE id='pa-1' AND status='closed'"), 1);

    /* Discarding it resolves it, and the losing decision too (B's denial
     * stays); the inbox empties on both sides. */
    cr_assert_eq(nx_session_resolve(&sam.sess, to_approved, 0, err, sizeof err), 0, "%s", err);
    lap_text(&sam, "SELECT id FROM conflict_inbox WHERE field='decision'", v, sizeof v);
    cr_assert_eq(nx_session_resolve(&sam.sess, strtoll(v, NULL, 10), 0, err, sizeof err), 0,
                 "%s", err);
    st = lap_sync(&sam);
    cr_assert_eq(st.applied, 2, "rejected %llu", (unsigned long long)st.rejected);
    snprintf(sql, sizeof sql, "SELECT state || ' ' || resolved_by FROM conflicts WHERE id=%lld",
             (long long)to_approved);
    hub_text(sql, v, sizeof v);
    cr_assert_str_eq(v, "discarded sam");
    hub_text("SELECT count(*) FROM conflicts WHERE state='open'", v, sizeof v);
    cr_assert_str_eq(v, "0");
    cr_assert_eq(lap_n(&sam, "SELECT count(*) FROM conflict_inbox"), 0);
    hub_text("SELECT status FROM items WHERE id='pa-1'", v, sizeof v);
    cr_assert_str_eq(v, "closed");
    hub_text("SELECT value FROM item_fields WHERE item_id='pa-1' AND field='decision'", v,
             sizeof v);
    cr_assert_str_eq(v, "denied");
    /* The agent's laptops follow the hub. */
    lap_sync(&a);
    cr_assert_eq(lap_n(&a, "SELECT count(*) FROM items WHERE id='pa-1' AND status='closed'"), 1);

    /* Re-routing pa-2 from alice to bob. */
    cr_assert_eq(lap_n(&a, "SELECT count(*) FROM items WHERE id='pa-2'"), 1);
    cr_assert_eq(nx_session_open(&sam.sess, "pa-2", &it, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_session_assign(&sam.sess, &it, "bob", err, sizeof err), 0, "%s", err);
    nx_item_free(&it);
    st = lap_sync(&sam);
    cr_assert_eq(st.applied, 1, "rejected %llu", (unsigned long long)st.rejected);
    hub_text("SELECT assignee FROM items WHERE id='pa-2'", v, sizeof v);
    cr_assert_str_eq(v, "bob");
    cr_assert_eq(lap_n(&sam, "SELECT count(*) FROM items WHERE id='pa-2' AND assignee='bob'"), 1,
                 "the supervisor still sees the team's item");
    st = lap_sync(&a);
    cr_assert_eq(st.dropped, 1);
    cr_assert_eq(lap_n(&a, "SELECT count(*) FROM items WHERE id='pa-2'"), 0,
                 "the old agent's laptop still holds the item");
    cr_assert_eq(lap_n(&a, "SELECT count(*) FROM audit WHERE action='erase' AND item_id='pa-2'"), 1);
    st = lap_sync(&bob);
    cr_assert_eq(st.items, 1);
    cr_assert_eq(lap_n(&bob, "SELECT count(*) FROM items WHERE id='pa-2' AND assignee='bob'"), 1);

    /* An agent's re-routing never reaches the hub's items: refused here. */
    cr_assert_eq(nx_session_open(&bob.sess, "pa-2", &it, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_session_assign(&bob.sess, &it, "alice", err, sizeof err), -1);
    nx_item_free(&it);
    cr_assert_eq(lap_n(&bob, "SELECT count(*) FROM outbox"), 0);

    lap_close(&bob);
    lap_close(&sam);
    lap_close(&b);
    lap_close(&a);
}
