/* nexus-hub serve: what the hub does with ops — dedupe, last writer by
 * HLC with conflict records, the status conflict inbox, adds, refusals by
 * role and validator, supervisors' reassignment (DROP for the old device)
 * and conflict resolution. */
#include <criterion/criterion.h>
#include "domain/item.h"
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync/op.h"
#include "tests/unit/test_hub_serve.h"

/* The suite (and its .fini = hs_teardown) is declared in test_hub_serve.c. */

#define OP1 "aaaaaaaa-0000-4000-8000-000000000001"
#define OP2 "aaaaaaaa-0000-4000-8000-000000000002"
#define OP3 "aaaaaaaa-0000-4000-8000-000000000003"
#define OP4 "aaaaaaaa-0000-4000-8000-000000000004"

/* One round for user on device: HELLO (cursor), the queued ops, PULL. */
static void round_of(hs_conn *c, const char *user, const char *device, uint64_t cursor)
{
    (void)user;
    (void)device;
    hs_pull(c, cursor);
    hs_send(c);
    int e = hs_read_until(c, NX_MSG_END);
    cr_assert_geq(e, 0);
    cr_assert_eq(c->fr[e].type, NX_MSG_END, "the round ended in an error");
}

static void outcome(hs_conn *c, const char *op, const char *want, char *reason, size_t rlen)
{
    char out[32];
    char tmp[512];
    if (!reason) {
        reason = tmp;
        rlen = sizeof tmp;
    }
    cr_assert(hs_result(c, op, out, sizeof out, reason, rlen), "no RESULT for %s", op);
    cr_assert_str_eq(out, want, "op %s: %s (%s)", op, out, reason);
}

Test(hub_serve, a_duplicate_op_is_answered_but_not_applied_twice)
{
    hs_setup(0);
    hs_item("pa-1", "prior-auth", "draft", "pat", "north");
    hs_conn c;
    hs_open(&c, "pat");
    hs_hello(&c, HS_DEV_A, 0, 0);
    hs_op(&c, OP1, "add", "pa-1", "units_used", "2", NULL, "pat", HS_DEV_A, hs_hlc(0));
    hs_op(&c, OP1, "add", "pa-1", "units_used", "2", NULL, "pat", HS_DEV_A, hs_hlc(0));
    round_of(&c, "pat", HS_DEV_A, 0);
    cr_assert_eq(hs_nframes(&c, NX_MSG_RESULT), 2);
    /* The second RESULT for the same id says duplicate. */
    nx_msg *m = malloc(sizeof *m);
    hs_decode(&c, (size_t)hs_find(&c, NX_MSG_RESULT, 1), m);
    char out[32], why[256];
    nx_msg_get_str(m, NX_TAG_OUTCOME, out, sizeof out);
    nx_msg_get_str(m, NX_TAG_REASON, why, sizeof why);
    cr_assert_str_eq(out, "duplicate");
    cr_assert_str_eq(why, "applied");
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);
    /* Resent on a new connection (the first RESULT was lost): still once. */
    hs_open(&c, "pat");
    hs_hello(&c, HS_DEV_A, 0, 0);
    hs_op(&c, OP1, "add", "pa-1", "units_used", "2", NULL, "pat", HS_DEV_A, hs_hlc(0));
    round_of(&c, "pat", HS_DEV_A, 0);
    outcome(&c, OP1, "duplicate", NULL, 0);
    cr_assert_eq(hs_close(&c), 0);
    char v[32];
    hs_text("SELECT value FROM item_fields WHERE item_id='pa-1' AND field='units_used'", v, sizeof v);
    cr_assert_str_eq(v, "2");
    cr_assert_eq(hs_count("SELECT count(*) FROM ops"), 1);
    free(m);
    hs_free(&c);
}

Test(hub_serve, adds_from_two_devices_sum)
{
    hs_setup(0);
    hs_item("pa-1", "prior-auth", "draft", "pat", "north");
    hs_field("pa-1", "units_used", "1");
    hs_conn c;
    hs_open(&c, "pat");
    hs_hello(&c, HS_DEV_A, 0, 0);
    hs_op(&c, OP1, "add", "pa-1", "units_used", "3", NULL, "pat", HS_DEV_A, hs_hlc(0));
    round_of(&c, "pat", HS_DEV_A, 0);
    outcome(&c, OP1, "applied", NULL, 0);
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);
    hs_open(&c, "pat");
    hs_hello(&c, HS_DEV_B, 0, 0);
    hs_op(&c, OP2, "add", "pa-1", "units_used", "4", NULL, "pat", HS_DEV_B, hs_hlc(-60000));
    hs_op(&c, OP3, "add", "pa-1", "units_used", "-1", NULL, "pat", HS_DEV_B, hs_hlc(-50000));
    round_of(&c, "pat", HS_DEV_B, 0);
    outcome(&c, OP2, "applied", NULL, 0);
    outcome(&c, OP3, "applied", NULL, 0);
    int it = hs_item_frame(&c, "pa-1");
    cr_assert_geq(it, 0);
    char v[32];
    cr_assert_eq(hs_item_kv(&c, (size_t)it, NX_TAG_KV, "units_used", v, sizeof v), 1);
    cr_assert_str_eq(v, "7");
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);
}

/* Last writer by HLC: device B wrote later by clock but syncs first; A's
 * older write then loses and is kept as a conflict record. */
Test(hub_serve, last_writer_by_hlc_wins_and_the_loser_is_kept_as_a_conflict)
{
    hs_setup(0);
    hs_item("pa-1", "prior-auth", "draft", "pat", "north");
    uint64_t early = hs_hlc(-3600 * 1000), late = hs_hlc(-60 * 1000);
    hs_conn c;
    hs_open(&c, "pat");
    hs_hello(&c, HS_DEV_B, 0, 0);
    hs_op(&c, OP2, "set", "pa-1", "payer_ref", "REF-LATE", NULL, "pat", HS_DEV_B, late);
    round_of(&c, "pat", HS_DEV_B, 0);
    outcome(&c, OP2, "applied", NULL, 0);
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);

    hs_open(&c, "pat");
    hs_hello(&c, HS_DEV_A, 0, 0);
    hs_op(&c, OP1, "set", "pa-1", "payer_ref", "REF-EARLY", NULL, "pat", HS_DEV_A, early);
    round_of(&c, "pat", HS_DEV_A, 0);
    char why[512];
    outcome(&c, OP1, "conflict", why, sizeof why);
    cr_assert(strstr(why, "payer_ref") && !strstr(why, "REF-"), "%s", why);
    /* The pull brings the winner back to A. */
    int it = hs_item_frame(&c, "pa-1");
    char v[64];
    cr_assert_eq(hs_item_kv(&c, (size_t)it, NX_TAG_KV, "payer_ref", v, sizeof v), 1);
    cr_assert_str_eq(v, "REF-LATE");
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);
    cr_assert_eq(hs_count("SELECT count(*) FROM conflicts WHERE kind='field' AND item='pa-1' AND "
                          "field='payer_ref' AND value='REF-EARLY' AND op_id='" OP1 "'"), 1);
    hs_text("SELECT value FROM item_fields WHERE item_id='pa-1' AND field='payer_ref'", v, sizeof v);
    cr_assert_str_eq(v, "REF-LATE");
}

/* The other order: A's older write arrives first, B (which never saw it)
 * wins by clock; the value B replaced is kept. A later write by a device
 * that had pulled the value replaces it without a conflict. */
Test(hub_serve, a_concurrent_write_that_wins_keeps_what_it_replaced)
{
    hs_setup(0);
    hs_item("pa-1", "prior-auth", "draft", "pat", "north");
    uint64_t early = hs_hlc(-3600 * 1000), late = hs_hlc(-60 * 1000);
    hs_conn c;
    hs_open(&c, "pat");
    hs_hello(&c, HS_DEV_A, 0, 0);
    hs_op(&c, OP1, "set", "pa-1", "payer_ref", "REF-EARLY", NULL, "pat", HS_DEV_A, early);
    round_of(&c, "pat", HS_DEV_A, 0);
    outcome(&c, OP1, "applied", NULL, 0);
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);

    hs_open(&c, "pat");
    hs_hello(&c, HS_DEV_B, 1, 0);      /* B's cursor predates A's write */
    hs_op(&c, OP2, "set", "pa-1", "payer_ref", "REF-LATE", NULL, "pat", HS_DEV_B, late);
    round_of(&c, "pat", HS_DEV_B, 1);
    outcome(&c, OP2, "applied", NULL, 0);
    uint64_t cursor, count;
    hs_end(&c, &cursor, &count);
    cr_assert_eq(hs_count("SELECT count(*) FROM conflicts WHERE kind='field' AND "
                          "value='REF-EARLY'"), 1);
    /* Same connection, B has now pulled: its next write is sequential. */
    hs_op(&c, OP3, "set", "pa-1", "payer_ref", "REF-NEXT", NULL, "pat", HS_DEV_B, hs_hlc(0));
    round_of(&c, "pat", HS_DEV_B, cursor);
    outcome(&c, OP3, "applied", NULL, 0);
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);
    cr_assert_eq(hs_count("SELECT count(*) FROM conflicts"), 1);
}

Test(hub_serve, a_status_step_from_a_stale_status_lands_in_the_conflict_inbox)
{
    hs_setup(0);
    hs_item("el-1", "eligibility", "verifying", "erin", "north");
    hs_conn c;
    hs_open(&c, "erin");
    hs_hello(&c, HS_DEV_A, 0, 0);
    /* The device saw "new" and stepped to "verifying"... the hub is
     * already past that. */
    hs_op(&c, OP1, "status", "el-1", NULL, "closed", "new", "erin", HS_DEV_A, hs_hlc(0));
    round_of(&c, "erin", HS_DEV_A, 0);
    char why[512];
    outcome(&c, OP1, "conflict", why, sizeof why);
    cr_assert(strstr(why, "verifying"), "%s", why);
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);
    cr_assert_eq(hs_count("SELECT count(*) FROM conflicts WHERE kind='status' AND item='el-1' AND "
                          "state='open' AND value='closed'"), 1);
    char st[32];
    hs_text("SELECT status FROM items WHERE id='el-1'", st, sizeof st);
    cr_assert_str_eq(st, "verifying");

    /* The supervisor sees it with the item, and discards it. */
    hs_open(&c, "sam");
    hs_hello(&c, HS_DEV_S, 0, 0);
    round_of(&c, "sam", HS_DEV_S, 0);
    cr_assert(hs_captured(&c, "conflict"));
    long long cid = hs_count("SELECT id FROM conflicts WHERE item='el-1'");
    char id[24];
    snprintf(id, sizeof id, "%lld", cid);
    hs_op(&c, OP2, "resolve", "el-1", id, "discard", NULL, "sam", HS_DEV_S, hs_hlc(0));
    round_of(&c, "sam", HS_DEV_S, 0);
    outcome(&c, OP2, "applied", NULL, 0);
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);
    cr_assert_eq(hs_count("SELECT count(*) FROM conflicts WHERE state='discarded' AND "
                          "resolved_by='sam'"), 1);
}

Test(hub_serve, a_status_step_with_the_right_expectation_is_checked_by_the_workflow)
{
    hs_setup(0);
    hs_item("sc-1", "scheduling", "new", "alice", "north");
    hs_conn c;
    hs_open(&c, "alice");
    hs_hello(&c, HS_DEV_A, 0, 0);
    hs_op(&c, OP1, "status", "sc-1", NULL, "verifying", "new", "alice", HS_DEV_A, hs_hlc(0));
    /* no such step in the scheduling workflow */
    hs_op(&c, OP2, "status", "sc-1", NULL, "scheduled", "verifying", "alice", HS_DEV_A,
          hs_hlc(0));
    round_of(&c, "alice", HS_DEV_A, 0);
    outcome(&c, OP1, "applied", NULL, 0);
    outcome(&c, OP2, "rejected", NULL, 0);
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);
    cr_assert_eq(hs_count("SELECT count(*) FROM transitions WHERE item_id='sc-1' AND "
                          "from_status='new' AND to_status='verifying' AND user='alice'"), 1);
    char st[32];
    hs_text("SELECT status FROM items WHERE id='sc-1'", st, sizeof st);
    cr_assert_str_eq(st, "verifying");
}

Test(hub_serve, an_edit_the_role_may_not_make_is_rejected_naming_the_field_only)
{
    hs_setup(0);
    hs_item("el-1", "eligibility", "new", "alice", "north");
    hs_item("sc-9", "scheduling", "new", "bob", "north");
    hs_conn c;
    hs_open(&c, "alice");
    hs_hello(&c, HS_DEV_A, 0, 0);
    /* hidden from scheduling */
    hs_op(&c, OP1, "set", "el-1", "icd_codes", "J45.909", NULL, "alice", HS_DEV_A, hs_hlc(0));
    /* fails the validator */
    hs_op(&c, OP2, "set", "el-1", "provider_npi", "12345", NULL, "alice", HS_DEV_A, hs_hlc(0));
    /* not alice's item */
    hs_op(&c, OP3, "set", "sc-9", "appointment_provider", "Dr X", NULL, "alice", HS_DEV_A,
          hs_hlc(0));
    /* the frame says bob: never believed */
    hs_op(&c, OP4, "set", "el-1", "plan", "Silver", NULL, "bob", HS_DEV_A, hs_hlc(0));
    round_of(&c, "alice", HS_DEV_A, 0);
    char why[512];
    outcome(&c, OP1, "rejected", why, sizeof why);
    cr_assert(strstr(why, "icd_codes") && !strstr(why, "J45"), "%s", why);
    outcome(&c, OP2, "rejected", why, sizeof why);
    cr_assert(strstr(why, "provider_npi") && !strstr(why, "12345"), "%s", why);
    outcome(&c, OP3, "rejected", NULL, 0);
    outcome(&c, OP4, "rejected", why, sizeof why);
    cr_assert(strstr(why, "user"), "%s", why);
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);
    cr_assert_eq(hs_count("SELECT count(*) FROM item_fields WHERE item_id IN ('el-1','sc-9')"), 0);
    cr_assert_eq(hs_count("SELECT count(*) FROM ops WHERE outcome='rejected'"), 4);
    cr_assert_eq(hs_count("SELECT count(*) FROM audit WHERE action='reject' AND outcome='failed'"),
                 4);
    cr_assert_eq(hs_count("SELECT count(*) FROM audit WHERE reason LIKE '%J45%'"), 0);
}

Test(hub_serve, create_then_note_and_attempt_append)
{
    hs_setup(0);
    hs_conn c;
    hs_open(&c, "alice");
    hs_hello(&c, HS_DEV_A, 0, 0);
    hs_op(&c, OP1, "create", "new-1", NULL, "scheduling" NX_OP_SEP "cl-1" NX_OP_SEP "pt-1"
          NX_OP_SEP "1", NULL, "alice", HS_DEV_A, hs_hlc(0));
    hs_op(&c, OP2, "attempt", "new-1", NULL, "phone" NX_OP_SEP "no answer" NX_OP_SEP "call back",
          NULL, "alice", HS_DEV_A, hs_hlc(0));
    hs_op(&c, OP3, "attach", "new-1", NULL, "doc:123" NX_OP_SEP "referral", NULL, "alice",
          HS_DEV_A, hs_hlc(0));
    round_of(&c, "alice", HS_DEV_A, 0);
    outcome(&c, OP1, "applied", NULL, 0);
    outcome(&c, OP2, "applied", NULL, 0);
    outcome(&c, OP3, "applied", NULL, 0);
    cr_assert_geq(hs_item_frame(&c, "new-1"), 0);
    cr_assert(hs_captured(&c, "phone" NX_OP_SEP "no answer" NX_OP_SEP "call back"));
    cr_assert(hs_captured(&c, "doc:123" NX_OP_SEP "referral"));
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);
    cr_assert_eq(hs_count("SELECT count(*) FROM items WHERE id='new-1' AND assignee='alice' AND "
                          "team='north' AND status='new' AND priority=1"), 1);
    cr_assert_eq(hs_count("SELECT count(*) FROM attempts WHERE item_id='new-1'"), 1);
}

/* A supervisor re-routes an item: the old agent's device drops it on its
 * next pull, the new agent receives it; the change is audited under the
 * supervisor's name. */
Test(hub_serve, reassignment_drops_the_item_from_the_old_device)
{
    hs_setup(0);
    hs_item("sc-1", "scheduling", "new", "alice", "north");
    hs_item("sc-2", "scheduling", "new", "alice", "north");
    hs_conn c;
    hs_open(&c, "alice");
    hs_hello(&c, HS_DEV_A, 0, 0);
    round_of(&c, "alice", HS_DEV_A, 0);
    uint64_t cursor, count;
    hs_end(&c, &cursor, &count);
    cr_assert_eq(count, 2);
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);

    hs_open(&c, "sam");
    hs_hello(&c, HS_DEV_S, 0, 0);
    hs_op(&c, OP1, "assign", "sc-1", NULL, "bob", NULL, "sam", HS_DEV_S, hs_hlc(0));
    hs_op(&c, OP2, "assign", "sc-2", NULL, "zed", NULL, "sam", HS_DEV_S, hs_hlc(0));
    round_of(&c, "sam", HS_DEV_S, 0);
    outcome(&c, OP1, "applied", NULL, 0);
    outcome(&c, OP2, "rejected", NULL, 0);      /* zed is in another team */
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);
    cr_assert_eq(hs_count("SELECT count(*) FROM audit WHERE action='assign' AND user='sam' AND "
                          "item_id='sc-1'"), 1);

    hs_open(&c, "alice");
    hs_hello(&c, HS_DEV_A, cursor, 0);
    round_of(&c, "alice", HS_DEV_A, cursor);
    int d = hs_find(&c, NX_MSG_DROP, 0);
    cr_assert_geq(d, 0, "no DROP");
    cr_assert_eq(hs_nframes(&c, NX_MSG_DROP), 1);
    nx_msg *m = malloc(sizeof *m);
    hs_decode(&c, (size_t)d, m);
    char id[64], reason[64];
    nx_msg_get_str(m, NX_TAG_ITEM, id, sizeof id);
    nx_msg_get_str(m, NX_TAG_REASON, reason, sizeof reason);
    cr_assert_str_eq(id, "sc-1");
    cr_assert_str_eq(reason, "reassigned");
    cr_assert_eq(hs_nframes(&c, NX_MSG_ITEM), 0);
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);
    cr_assert_eq(hs_count("SELECT count(*) FROM device_items WHERE device='" HS_DEV_A
                          "' AND item_id='sc-1'"), 0);

    hs_open(&c, "bob");
    hs_hello(&c, HS_DEV_B, 0, 0);
    round_of(&c, "bob", HS_DEV_B, 0);
    cr_assert_geq(hs_item_frame(&c, "sc-1"), 0);
    cr_assert_eq(hs_close(&c), 0);
    free(m);
    hs_free(&c);
}

Test(hub_serve, a_role_change_resends_from_zero_and_drops_what_the_new_role_may_not_see)
{
    hs_setup(0);
    hs_item("sc-1", "scheduling", "new", "alice", "north");
    hs_conn c;
    hs_open(&c, "alice");
    hs_hello(&c, HS_DEV_A, 0, 0);
    round_of(&c, "alice", HS_DEV_A, 0);
    uint64_t cursor, count;
    hs_end(&c, &cursor, &count);
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);
    /* alice moves to operations (aggregates only): from zero again, the
     * item comes back for the KPIs only — no patient, no field, no note. */
    hs_field("sc-1", "visit_type", "new-patient");
    hs_note("sc-1", "Synthetic note for the agent only");
    char sql[128];
    snprintf(sql, sizeof sql, "UPDATE users SET role='operations' WHERE name='alice'");
    cr_assert_eq(sqlite3_exec(nx_hub_db(hs_hub), sql, NULL, NULL, NULL), 0);
    hs_open(&c, "alice");
    hs_hello(&c, HS_DEV_A, cursor, 0);
    round_of(&c, "alice", HS_DEV_A, cursor);
    cr_assert_eq(hs_nframes(&c, NX_MSG_DROP), 0, "still in the scope of operations");
    cr_assert_eq(hs_nframes(&c, NX_MSG_ITEM), 1, "resent from zero");
    cr_assert(hs_captured(&c, NX_PATIENT_WITHHELD));
    cr_assert_not(hs_captured(&c, "pt-1"), "the patient id is withheld");
    cr_assert_not(hs_captured(&c, HS_FAMILY), "no patient name");
    cr_assert_not(hs_captured(&c, "new-patient"), "no field");
    cr_assert_not(hs_captured(&c, "Synthetic note"), "no note");
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);
    /* and the supervisor role (view, team scope) drops what is not the
     * team's: alice moved to the south team */
    snprintf(sql, sizeof sql, "UPDATE users SET role='supervisor', team='south' "
             "WHERE name='alice'");
    cr_assert_eq(sqlite3_exec(nx_hub_db(hs_hub), sql, NULL, NULL, NULL), 0);
    hs_open(&c, "alice");
    hs_hello(&c, HS_DEV_A, cursor, 0);
    round_of(&c, "alice", HS_DEV_A, cursor);
    cr_assert_geq(hs_find(&c, NX_MSG_DROP, 0), 0);
    cr_assert(hs_captured(&c, "role"));
    cr_assert_eq(hs_nframes(&c, NX_MSG_ITEM), 0);
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);
}

/* The supervisor's inbox travels with the item (HIST "conflict", the
 * value only as the supervisor's role may hold it); "apply" takes the
 * conflicting step under the supervisor's id. */
Test(hub_serve, a_supervisor_applies_a_status_conflict_under_their_own_id)
{
    hs_setup(0);
    hs_item("sc-1", "scheduling", "verifying", "alice", "north");
    hs_conn c;
    hs_open(&c, "alice");
    hs_hello(&c, HS_DEV_A, 0, 0);
    /* alice saw "new" and closed it... */
    hs_op(&c, OP1, "status", "sc-1", NULL, "verifying", "new", "alice", HS_DEV_A, hs_hlc(0));
    hs_op(&c, OP2, "status", "sc-1", NULL, "in-progress", "new", "alice", HS_DEV_A, hs_hlc(0));
    round_of(&c, "alice", HS_DEV_A, 0);
    outcome(&c, OP1, "applied", NULL, 0);      /* already there: converged */
    outcome(&c, OP2, "conflict", NULL, 0);
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);
    long long cid = hs_count("SELECT id FROM conflicts WHERE item='sc-1' AND kind='status'");
    char id[24], want[96];
    snprintf(id, sizeof id, "%lld", cid);

    /* An agent may not resolve. */
    hs_open(&c, "alice");
    hs_hello(&c, HS_DEV_A, 0, 0);
    hs_op(&c, OP3, "resolve", "sc-1", id, "apply", NULL, "alice", HS_DEV_A, hs_hlc(0));
    round_of(&c, "alice", HS_DEV_A, 0);
    outcome(&c, OP3, "rejected", NULL, 0);
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);

    hs_open(&c, "sam");
    hs_hello(&c, HS_DEV_S, 0, 0);
    round_of(&c, "sam", HS_DEV_S, 0);
    snprintf(want, sizeof want, "%s" NX_OP_SEP "status" NX_OP_SEP "status" NX_OP_SEP "in-progress", id);
    cr_assert(hs_captured(&c, want), "the conflict did not travel with the item");
    hs_op(&c, OP4, "resolve", "sc-1", id, "apply", NULL, "sam", HS_DEV_S, hs_hlc(0));
    round_of(&c, "sam", HS_DEV_S, 0);
    char why[512];
    outcome(&c, OP4, "rejected", why, sizeof why);   /* verifying -> in-progress needs identity */
    cr_assert(strstr(why, "resolve"), "%s", why);
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);
    cr_assert_eq(hs_count("SELECT count(*) FROM conflicts WHERE state='open'"), 1);

    /* With the identity recorded the step is possible, and applied. */
    hs_field("sc-1", "identity_method", "dob-and-phone");
    hs_field("sc-1", "identity_result", "verified");
    hs_open(&c, "sam");
    hs_hello(&c, HS_DEV_S, 0, 0);
    hs_op(&c, "aaaaaaaa-0000-4000-8000-000000000005", "resolve", "sc-1", id, "apply", NULL, "sam",
          HS_DEV_S, hs_hlc(0));
    round_of(&c, "sam", HS_DEV_S, 0);
    outcome(&c, "aaaaaaaa-0000-4000-8000-000000000005", "applied", why, sizeof why);
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);
    cr_assert_eq(hs_count("SELECT count(*) FROM conflicts WHERE state='applied' AND "
                          "resolved_by='sam'"), 1);
    cr_assert_eq(hs_count("SELECT count(*) FROM transitions WHERE item_id='sc-1' AND "
                          "to_status='in-progress' AND user='sam'"), 1);
}

Test(hub_serve, an_op_clock_a_day_ahead_is_refused_and_does_not_move_the_hub_clock)
{
    hs_setup(0);
    hs_item("sc-1", "scheduling", "new", "alice", "north");
    hs_conn c;
    hs_open(&c, "alice");
    hs_hello(&c, HS_DEV_A, 0, 0);
    hs_op(&c, OP1, "set", "sc-1", "appointment_provider", "Dr Future", NULL, "alice", HS_DEV_A,
          hs_hlc(3LL * 86400 * 1000));
    round_of(&c, "alice", HS_DEV_A, 0);
    outcome(&c, OP1, "rejected", NULL, 0);
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);
    char v[32];
    hs_text("SELECT value FROM meta WHERE key='serve.hlc'", v, sizeof v);
    cr_assert_lt(strtoull(v, NULL, 10) >> 16, (hs_hlc(3600 * 1000) >> 16));
}
