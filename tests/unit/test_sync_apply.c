/* Applying what the hub pulls down: ITEM upserts the item with its patient,
 * fields and history (twice is harmless; the hub's view replaces ours),
 * CLIENT upserts the clinic, DROP erases the item and everything of it;
 * malformed frames change nothing and their errors name no value. Frames
 * are built with the proto.h encoder and decoded as the client does. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/rows.h"
#include "store/sync_store.h"
#include "sync/client_int.h"
#include "tests/helpers/fakehub.h"
#include "tests/helpers/syncfix.h"

static nx_sf F;
static nx_sync_applier *A;
static nx_pull_buf PB;
static nx_msg *M;
static nx_wbuf W;

static void setup(void)
{
    char err[512] = "";
    cr_assert_eq(nx_sf_open(&F, "apply", "alice", "eligibility", 0, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_sync_applier_new(F.prof.store, &A), 0);
    cr_assert_eq(nx_pull_buf_init(&PB), 0);
    M = malloc(sizeof *M);
    cr_assert_not_null(M);
    nx_wbuf_init(&W);
}

static void teardown(void)
{
    nx_wbuf_free(&W);
    free(M);
    nx_pull_buf_free(&PB);
    nx_sync_applier_free(A);
    nx_sf_close(&F);
}

TestSuite(sync_apply, .init = setup, .fini = teardown);

/* Decodes the one frame in W (then empties W). */
static const nx_msg *decode(void)
{
    char err[256] = "";
    cr_assert_geq(W.len, 4);
    cr_assert_eq(nx_msg_decode(W.p + 4, W.len - 4, M, err, sizeof err), 0, "%s", err);
    return M;
}

static nx_sync_code apply_item(const nx_fh_item *it, char *err, size_t errlen)
{
    nx_wbuf_reset(&W);
    nx_fh_encode_item(&W, it);
    const nx_msg *m = decode();
    cr_assert_eq(nx_store_begin(F.prof.store), 0);
    nx_sync_applier_tx_end(A);               /* as the syncer does at each */
    nx_sync_code c = nx_pull_item(A, &PB, m, err, errlen);
    if (c == NX_SYNC_OK)
        cr_assert_eq(nx_store_commit(F.prof.store), 0);
    else
        nx_store_rollback(F.prof.store);
    return c;
}

static void apply_ok(const nx_fh_item *it)
{
    char err[512] = "";
    cr_assert_eq(apply_item(it, err, sizeof err), NX_SYNC_OK, "%s", err);
}

static long long n(const char *sql) { return nx_sf_count(&F, sql); }

static const char *const kv1[] = { "plan", "Gold PPO", "service_date", "2026-06-10",
                                   "coverage_ref", "REF-0001", NULL };
static const char *const pkv1[] = { "family_name", "Pulledperson", "given_name", "Bea",
                                    "dob", "1975-01-02", "phone", "2175550199", NULL };
static const char *const hist1[] = {
    "1780000100", "alice", "status", "new\x1fverifying",
    "1780000200", "bob", "note", "op-n1\x1f\x1fPayer asked for the sleep study",
    "1780000300", "bob", "note", "op-n2\x1fop-n1\x1fPayer asked for the titration study",
    "1780000400", "alice", "attempt", "phone\x1fleft message\x1f" "call back",
    "1780000500", "alice", "attach", "EHR:doc/1\x1fSleep study",
    "1780000600", "alice", "shiny-new-kind", "whatever",   /* skipped */
    NULL };

static nx_fh_item item1(void)
{
    nx_fh_item it = { .id = "it-1", .kind = "eligibility", .client = "cl-1", .patient = "pt-9",
                      .status = "verifying", .assignee = "alice", .team = "north",
                      .priority = 1, .created = 1780000000, .updated = 1780000600,
                      .due = 1781000000, .kv = kv1, .pkv = pkv1, .hist = hist1 };
    return it;
}

Test(sync_apply, item_with_patient_fields_and_history)
{
    nx_fh_item it = item1();
    apply_ok(&it);
    nx_item_rec r;
    cr_assert_eq(nx_store_item_get(F.prof.store, "it-1", &r), 1);
    cr_assert_str_eq(r.status, "verifying");
    cr_assert_str_eq(r.patient_id, "pt-9");
    cr_assert_eq(r.priority, 1);
    cr_assert_eq(r.due, 1781000000);
    cr_assert_eq(n("SELECT count(*) FROM item_fields WHERE item_id='it-1'"), 3);
    cr_assert_eq(n("SELECT count(*) FROM items WHERE id='it-1' AND service_date='2026-06-10'"), 1,
                 "the queue's copy of the visit date follows the pulled field");
    cr_assert_eq(n("SELECT count(*) FROM patients WHERE id='pt-9' AND client_id='cl-1' AND "
                   "family_name='Pulledperson' AND phone='2175550199' AND restriction='no'"), 1);
    cr_assert_eq(n("SELECT count(*) FROM items WHERE id='it-1' AND "
                   "patient_sort='pulledperson, bea'"), 1, "queue sort keys from the patient");
    cr_assert_eq(n("SELECT count(*) FROM transitions WHERE item_id='it-1' AND "
                   "from_status='new' AND to_status='verifying' AND user='alice'"), 1);
    cr_assert_eq(n("SELECT count(*) FROM notes WHERE item_id='it-1'"), 2);
    cr_assert_eq(n("SELECT count(*) FROM notes c JOIN notes o ON c.corrects=o.id "
                   "WHERE c.op_id='op-n2' AND o.op_id='op-n1'"), 1,
                 "a correction points at the note it corrects");
    cr_assert_eq(n("SELECT count(*) FROM attempts WHERE channel='phone' AND "
                   "outcome='left message' AND next_action='call back'"), 1);
    cr_assert_eq(n("SELECT count(*) FROM attachments WHERE ref='EHR:doc/1' AND "
                   "label='Sleep study'"), 1);
    cr_assert_eq(n("SELECT count(*) FROM queue_tally WHERE assignee='alice' AND n=1"), 1);

    /* Twice is harmless. */
    apply_ok(&it);
    cr_assert_eq(n("SELECT count(*) FROM items"), 1);
    cr_assert_eq(n("SELECT count(*) FROM item_fields"), 3);
    cr_assert_eq(n("SELECT count(*) FROM notes"), 2);
    cr_assert_eq(n("SELECT count(*) FROM transitions"), 1);
    cr_assert_eq(n("SELECT sum(n) FROM queue_tally"), 1);
}

Test(sync_apply, the_hubs_view_replaces_ours)
{
    nx_fh_item it = item1();
    apply_ok(&it);
    /* The role no longer holds the plan, the patient's phone is no longer
     * sent, the item moved on. */
    static const char *const kv2[] = { "service_date", "2026-06-11", NULL };
    static const char *const pkv2[] = { "family_name", "Pulledperson", "given_name", "Bea", NULL };
    static const char *const hist2[] = { "1780000100", "alice", "status", "new -> verifying",
                                         "1780000700", "alice", "status", "verifying -> verified",
                                         NULL };
    it.kv = kv2;
    it.pkv = pkv2;
    it.hist = hist2;
    it.status = "verified";
    it.assignee = "bob";
    apply_ok(&it);
    cr_assert_eq(n("SELECT count(*) FROM item_fields WHERE item_id='it-1'"), 1);
    cr_assert_eq(n("SELECT count(*) FROM item_fields WHERE field='plan'"), 0);
    cr_assert_eq(n("SELECT count(*) FROM items WHERE service_date='2026-06-11'"), 1);
    cr_assert_eq(n("SELECT count(*) FROM patients WHERE id='pt-9' AND phone=''"), 1,
                 "a patient column no longer sent is cleared");
    cr_assert_eq(n("SELECT count(*) FROM transitions"), 2, "the pane's 'a -> b' form is read too");
    cr_assert_eq(n("SELECT count(*) FROM notes"), 0);
    cr_assert_eq(n("SELECT count(*) FROM queue_tally WHERE assignee='bob' AND status='verified'"), 1);
    cr_assert_eq(n("SELECT count(*) FROM queue_tally WHERE assignee='alice'"), 0);
    /* Without PKV the patient row stays as it is; without HIST (too much
     * history for one frame) the history too. */
    it.pkv = NULL;
    it.hist = NULL;
    apply_ok(&it);
    cr_assert_eq(n("SELECT count(*) FROM patients WHERE id='pt-9' AND family_name='Pulledperson'"), 1);
    cr_assert_eq(n("SELECT count(*) FROM transitions"), 2);
}

/* A patient is shared by items of several kinds, and each item brings the
 * patient columns its kind holds: the payer (eligibility and prior-auth
 * only) that an eligibility item brought stays when a scheduling item of
 * the same patient comes after it, and follows the eligibility item's own
 * view (changed, then no longer sent: cleared). */
/* One patient's eligibility item it-1 (it brings the payer; and another,
 * also_id, unless NULL) and scheduling item it-2 (its phone), applied in
 * that order: an eligibility item applied after it would clear the phone,
 * which its kind holds and it does not bring. */
static void eligibility_and_scheduling_item(nx_fh_item *e, const char *also_id, nx_fh_item *s)
{
    static const char *const pkv_e[] = { "family_name", "Pulledperson", "given_name", "Bea",
                                         "payer", "Example Mutual", NULL };
    *e = item1();
    e->pkv = pkv_e;
    apply_ok(e);
    if (also_id) {
        nx_fh_item e2 = *e;
        e2.id = also_id;
        apply_ok(&e2);
    }
    static const char *const pkv_s[] = { "family_name", "Pulledperson", "given_name", "Bea",
                                         "phone", "2175550123", NULL };
    *s = item1();
    s->id = "it-2";
    s->kind = "scheduling";
    s->status = "new";
    s->kv = NULL;
    s->hist = NULL;
    s->pkv = pkv_s;
    apply_ok(s);
}

Test(sync_apply, a_column_the_items_kind_does_not_hold_stays_as_its_patients_other_items_left_it)
{
    nx_fh_item e, s;
    eligibility_and_scheduling_item(&e, NULL, &s);
    cr_assert_eq(n("SELECT count(*) FROM patients WHERE id='pt-9' AND payer='Example Mutual'"
                   " AND phone='2175550123'"), 1,
                 "the scheduling item wrote its phone and left the payer");
    cr_assert_eq(n("SELECT count(*) FROM items WHERE payer_sort='example mutual'"), 2,
                 "both items' payer key is the patient's payer");
    /* the eligibility item's view moves the payer; the next scheduling
     * item (its phone changed) still leaves it */
    static const char *const pkv_e2[] = { "family_name", "Pulledperson", "given_name", "Bea",
                                          "payer", "Training Care PPO", NULL };
    e.pkv = pkv_e2;
    apply_ok(&e);
    static const char *const pkv_s2[] = { "family_name", "Pulledperson", "given_name", "Bea",
                                          "phone", "2175550124", NULL };
    s.pkv = pkv_s2;
    apply_ok(&s);
    cr_assert_eq(n("SELECT count(*) FROM patients WHERE id='pt-9' AND payer='Training Care PPO'"
                   " AND phone='2175550124'"), 1);
    /* an eligibility item that no longer brings the payer (the role no
     * longer holds it) clears it */
    static const char *const pkv_e3[] = { "family_name", "Pulledperson", "given_name", "Bea", NULL };
    e.pkv = pkv_e3;
    apply_ok(&e);
    cr_assert_eq(n("SELECT count(*) FROM patients WHERE id='pt-9' AND payer=''"), 1);
    cr_assert_eq(n("SELECT count(*) FROM items WHERE id='it-1' AND payer_sort=''"), 1);
}

/* The payer is held by eligibility and prior-auth items, not scheduling
 * ones: when the patient's last item that holds it leaves the laptop, so
 * does the payer (minimum necessary), and the remaining items' payer key
 * with it; what the scheduling item holds stays. */
Test(sync_apply, a_column_leaves_with_the_patients_last_item_that_holds_it)
{
    for (int k = 0; k < NX_KIND_COUNT; k++)
        cr_assert_eq(nx_sync_applier_carried(A, nx_kind_name((nx_kind)k), PB.pcarried[k]), 0);
    nx_fh_item e, s;
    eligibility_and_scheduling_item(&e, "it-3", &s);
    cr_assert_eq(n("SELECT count(*) FROM items WHERE payer_sort='example mutual'"), 3);

    cr_assert_eq(nx_store_begin(F.prof.store), 0);
    cr_assert_eq(nx_sync_erase_item(A, "it-1"), 1);
    cr_assert_eq(nx_store_commit(F.prof.store), 0);
    cr_assert_eq(n("SELECT count(*) FROM patients WHERE id='pt-9' AND payer='Example Mutual'"), 1,
                 "another eligibility item still holds the payer");

    cr_assert_eq(nx_store_begin(F.prof.store), 0);
    cr_assert_eq(nx_sync_erase_item(A, "it-3"), 1);
    cr_assert_eq(nx_store_commit(F.prof.store), 0);
    cr_assert_eq(n("SELECT count(*) FROM patients WHERE id='pt-9' AND payer='' AND "
                   "phone='2175550123' AND family_name='Pulledperson' AND given_name='Bea'"), 1,
                 "the payer left with the last item that held it; the rest stays");
    cr_assert_eq(n("SELECT count(*) FROM items WHERE id='it-2' AND payer_sort='' AND "
                   "patient_sort='pulledperson, bea' AND patient_given='bea pulledperson'"), 1);
    cr_assert_eq(n("SELECT count(*) FROM items"), 1);
}

/* A first sync tells the applier its items are mostly new (each inserted
 * first): one that is there already is still compared and updated, and
 * the result is the same as reading first. */
Test(sync_apply, mostly_new_changes_only_the_cost)
{
    nx_fh_item it = item1();
    apply_ok(&it);
    nx_sync_applier_mostly_new(A, 1);
    it.status = "verified";
    it.due = 1782000000;
    apply_ok(&it);
    nx_fh_item other = item1();
    other.id = "it-2";
    apply_ok(&other);
    nx_sync_applier_mostly_new(A, 0);
    cr_assert_eq(n("SELECT count(*) FROM items"), 2);
    cr_assert_eq(n("SELECT count(*) FROM items WHERE id='it-1' AND status='verified' AND "
                   "due=1782000000 AND due_key=1782000000"), 1,
                 "the known item was updated, not left as it was");
    cr_assert_eq(n("SELECT count(*) FROM items WHERE id='it-2' AND status='verifying' AND "
                   "patient_sort='pulledperson, bea' AND kind_no IS NOT NULL"), 1);
    cr_assert_eq(n("SELECT count(*) FROM item_fields WHERE item_id='it-2'"), 3);
}

/* Applies it inside the transaction the caller holds. */
static void apply_in_tx(const nx_fh_item *it)
{
    char err[512] = "";
    nx_wbuf_reset(&W);
    nx_fh_encode_item(&W, it);
    cr_assert_eq(nx_pull_item(A, &PB, decode(), err, sizeof err), NX_SYNC_OK, "%s", err);
}

/* A patient shared by several items of one transaction is read once
 * (store/sync_pmemo.h): the others get the same queue keys without a read;
 * a changed value is still written; a patient erased in between comes
 * back whole. */
Test(sync_apply, a_patients_other_items_in_one_transaction_agree_with_its_row)
{
    cr_assert_eq(nx_store_begin(F.prof.store), 0);
    nx_sync_applier_tx_end(A);
    nx_fh_item a = item1(), b = item1(), c = item1();
    b.id = "it-2";
    c.id = "it-3";
    apply_in_tx(&a);
    apply_in_tx(&b);
    static const char *const renamed[] = { "family_name", "Otherperson", "given_name", "Bea",
                                           "dob", "1975-01-02", "phone", "2175550199", NULL };
    c.pkv = renamed;
    apply_in_tx(&c);
    cr_assert_eq(n("SELECT count(*) FROM items WHERE patient_sort='otherperson, bea'"), 3,
                 "a renamed patient: every item's keys follow the row");
    nx_fh_item d = item1();
    d.id = "it-4";
    apply_in_tx(&d);                         /* the first values again: written back */
    cr_assert_eq(nx_store_commit(F.prof.store), 0);
    cr_assert_eq(n("SELECT count(*) FROM patients WHERE id='pt-9' AND family_name='Pulledperson'"),
                 1, "the last item's values are the row's");
    cr_assert_eq(n("SELECT count(*) FROM items WHERE patient_sort='pulledperson, bea' AND "
                   "patient_given='bea pulledperson'"), 4);

    /* every item of the patient leaves, then one comes back, in one
     * transaction: the patient row is written again */
    cr_assert_eq(nx_store_begin(F.prof.store), 0);
    nx_sync_applier_tx_end(A);
    apply_in_tx(&a);                         /* the patient is remembered again */
    const char *ids[] = { "it-1", "it-2", "it-3", "it-4" };
    for (int i = 0; i < 4; i++)
        cr_assert_eq(nx_sync_erase_item(A, ids[i]), 1);
    cr_assert_eq(n("SELECT count(*) FROM patients WHERE id='pt-9'"), 0);
    apply_in_tx(&b);
    cr_assert_eq(nx_store_commit(F.prof.store), 0);
    cr_assert_eq(n("SELECT count(*) FROM patients WHERE id='pt-9' AND family_name='Pulledperson'"),
                 1);
    cr_assert_eq(n("SELECT count(*) FROM items WHERE id='it-2' AND "
                   "patient_sort='pulledperson, bea'"), 1);
}

Test(sync_apply, a_grown_history_adds_its_new_rows_and_keeps_the_stored_ones)
{
    nx_fh_item it = item1();
    apply_ok(&it);
    long long t1 = n("SELECT id FROM transitions WHERE item_id='it-1'");
    long long n1 = n("SELECT id FROM notes WHERE item_id='it-1' AND op_id='op-n1'");
    long long a1 = n("SELECT id FROM attempts WHERE item_id='it-1'");
    /* another item's rows after them: a row written again would get a
     * higher id */
    nx_fh_item other = item1();
    other.id = "it-2";
    apply_ok(&other);
    /* The hub's history grew by a status change, a note correcting the
     * first one, an attempt: the stored rows stay (same row ids: not
     * deleted and written again), the new ones follow them. Rows as
     * (at, who, what, detail), the first five item1()'s: */
#define H_T1 "1780000100", "alice", "status", "new\x1fverifying"
#define H_N1 "1780000200", "bob", "note", "op-n1\x1f\x1fPayer asked for the sleep study"
#define H_N2 "1780000300", "bob", "note", \
             "op-n2\x1fop-n1\x1fPayer asked for the titration study"
#define H_AT(outcome) "1780000400", "alice", "attempt", "phone\x1f" outcome "\x1f" "call back"
#define H_AX "1780000500", "alice", "attach", "EHR:doc/1\x1fSleep study"
#define H_T2 "1780000700", "alice", "status", "verifying\x1fverified"
#define H_N3 "1780000800", "carol", "note", \
             "op-n3\x1fop-n1\x1fPayer confirmed the sleep study"
    static const char *const hist2[] = {
        H_T1, H_N1, H_N2, H_AT("left message"), H_AX, H_T2, H_N3,
        "1780000900", "alice", "attempt", "fax\x1fsent\x1f", NULL };
    it.hist = hist2;
    it.status = "verified";
    apply_ok(&it);
    cr_assert_eq(n("SELECT count(*) FROM transitions WHERE item_id='it-1'"), 2);
    cr_assert_eq(n("SELECT min(id) FROM transitions WHERE item_id='it-1'"), t1);
    cr_assert_eq(n("SELECT count(*) FROM transitions WHERE from_status='verifying' AND "
                   "to_status='verified' AND at=1780000700"), 1);
    cr_assert_eq(n("SELECT id FROM notes WHERE item_id='it-1' AND op_id='op-n1'"), n1);
    cr_assert_eq(n("SELECT count(*) FROM notes WHERE item_id='it-1'"), 3);
    cr_assert_eq(n("SELECT count(*) FROM notes c JOIN notes o ON c.corrects=o.id "
                   "WHERE c.item_id='it-1' AND c.op_id='op-n3' AND o.op_id='op-n1'"), 1,
                 "a new correction points at the stored note it corrects");
    cr_assert_eq(n("SELECT min(id) FROM attempts WHERE item_id='it-1'"), a1);
    cr_assert_eq(n("SELECT count(*) FROM attempts WHERE item_id='it-1'"), 2);
    cr_assert_eq(n("SELECT count(*) FROM attachments WHERE item_id='it-1'"), 1);

    /* A stored row the hub's history does not have in that place (here
     * the first attempt's outcome differs): that kind is written again,
     * exactly as pulled; the other kinds are kept. */
    static const char *const hist3[] = {
        H_T1, H_N1, H_N2, H_AT("no answer"), H_AX, H_T2, H_N3, NULL };
    it.hist = hist3;
    apply_ok(&it);
    cr_assert_eq(n("SELECT count(*) FROM attempts WHERE item_id='it-1'"), 1);
    cr_assert_eq(n("SELECT count(*) FROM attempts WHERE outcome='no answer' AND at=1780000400"), 1);
    cr_assert_eq(n("SELECT count(*) FROM attempts WHERE item_id='it-1' AND channel='fax'"), 0,
                 "written again");
    cr_assert_eq(n("SELECT min(id) FROM transitions WHERE item_id='it-1'"), t1);
    cr_assert_eq(n("SELECT id FROM notes WHERE item_id='it-1' AND op_id='op-n1'"), n1);

    /* Fewer rows than stored (a local note the hub did not take): the
     * notes are written again without it. */
    static const char *const hist4[] = { H_T1, H_N1, H_AT("no answer"), H_AX, H_T2, NULL };
    it.hist = hist4;
    apply_ok(&it);
    cr_assert_eq(n("SELECT count(*) FROM notes WHERE item_id='it-1'"), 1);
    cr_assert_eq(n("SELECT count(*) FROM notes WHERE item_id='it-1' AND op_id='op-n1' AND "
                   "corrects IS NULL"), 1);
    cr_assert_eq(n("SELECT count(*) FROM transitions WHERE item_id='it-1'"), 2);
#undef H_T1
#undef H_N1
#undef H_N2
#undef H_AT
#undef H_AX
#undef H_T2
#undef H_N3
}

Test(sync_apply, links_wait_for_their_target)
{
    nx_fh_item a = { .id = "it-a", .patient = "pt-1", .linked = "it-b" };
    apply_ok(&a);
    cr_assert_eq(n("SELECT count(*) FROM items WHERE id='it-a' AND linked_item IS NULL"), 1);
    cr_assert_eq(n("SELECT count(*) FROM link_pending WHERE item_id='it-a' AND linked='it-b'"), 1);
    nx_fh_item b = { .id = "it-b", .kind = "prior-auth", .status = "draft", .patient = "pt-1",
                     .linked = "it-a" };
    apply_ok(&b);
    cr_assert_eq(n("SELECT count(*) FROM items WHERE id='it-a' AND linked_item='it-b'"), 1);
    cr_assert_eq(n("SELECT count(*) FROM items WHERE id='it-b' AND linked_item='it-a'"), 1);
    cr_assert_eq(n("SELECT count(*) FROM link_pending"), 0);
    /* Dropping b keeps a's link waiting, in case b comes back. */
    cr_assert_eq(nx_store_begin(F.prof.store), 0);
    cr_assert_eq(nx_sync_erase_item(A, "it-b"), 1);
    cr_assert_eq(nx_store_commit(F.prof.store), 0);
    cr_assert_eq(n("SELECT count(*) FROM items WHERE id='it-a' AND linked_item IS NULL"), 1);
    cr_assert_eq(n("SELECT count(*) FROM link_pending WHERE item_id='it-a'"), 1);
    apply_ok(&b);
    cr_assert_eq(n("SELECT count(*) FROM items WHERE id='it-a' AND linked_item='it-b'"), 1);
}

Test(sync_apply, clients_upsert_and_items_need_theirs)
{
    char err[512] = "";
    nx_fh_item it = { .id = "it-x", .client = "cl-2", .patient = "pt-7" };
    cr_assert_eq(apply_item(&it, err, sizeof err), NX_SYNC_PROTOCOL);
    cr_assert(strstr(err, "it-x") && strstr(err, "cl-2"), "%s", err);
    cr_assert_eq(n("SELECT count(*) FROM patients WHERE id='pt-7'"), 0);

    nx_wbuf_reset(&W);
    nx_fh_encode_client(&W, "cl-2", "Riverside Clinic", "America/Chicago");
    cr_assert_eq(nx_pull_client(A, decode(), err, sizeof err), NX_SYNC_OK, "%s", err);
    cr_assert_eq(n("SELECT count(*) FROM clients WHERE id='cl-2' AND tz='America/Chicago' AND "
                   "verify_lead_hours=48"), 1);
    nx_wbuf_reset(&W);
    nx_fh_encode_client(&W, "cl-2", "Riverside Family Clinic", "America/Chicago");
    cr_assert_eq(nx_pull_client(A, decode(), err, sizeof err), NX_SYNC_OK, "%s", err);
    cr_assert_eq(n("SELECT count(*) FROM clients WHERE name='Riverside Family Clinic'"), 1);
    cr_assert_eq(n("SELECT count(*) FROM clients"), 2);
    apply_ok(&it);
    cr_assert_eq(n("SELECT count(*) FROM items WHERE client_id='cl-2'"), 1);
}

Test(sync_apply, malformed_items_change_nothing_and_name_no_value)
{
    char err[512] = "";
    nx_fh_item it = item1();
    it.kind = "horoscope";
    cr_assert_eq(apply_item(&it, err, sizeof err), NX_SYNC_PROTOCOL);
    cr_assert(strstr(err, "it-1"), "%s", err);
    it = item1();
    it.id = "it 1; DROP TABLE items";
    cr_assert_eq(apply_item(&it, err, sizeof err), NX_SYNC_PROTOCOL);
    static const char *const badhist[] = { "yesterday", "alice", "status", "new\x1fverifying",
                                           NULL };
    it = item1();
    it.hist = badhist;
    cr_assert_eq(apply_item(&it, err, sizeof err), NX_SYNC_PROTOCOL);
    cr_assert(strstr(err, "it-1"), "%s", err);
    static const char *const badnote[] = { "1780000000", "alice", "note",
                                           "a\x1f" "Pulledperson phoned", NULL };
    it.hist = badnote;
    cr_assert_eq(apply_item(&it, err, sizeof err), NX_SYNC_PROTOCOL);
    cr_assert_null(strstr(err, "Pulledperson"), "%s", err);
    cr_assert_eq(n("SELECT count(*) FROM items"), 0);
    cr_assert_eq(n("SELECT count(*) FROM patients WHERE id='pt-9'"), 0);
}

Test(sync_apply, drop_erases_the_item_and_everything_of_it)
{
    nx_fh_item it = item1();
    apply_ok(&it);
    nx_fh_item other = { .id = "it-2", .patient = "pt-1" };
    apply_ok(&other);
    sqlite3 *db = nx_store_db(F.prof.store);
    cr_assert_eq(sqlite3_exec(db,
        "INSERT INTO drafts(item_id,field,value,saved_at) VALUES('it-1','plan','Silver',1);"
        "INSERT INTO disclosures(item_id,patient_id,at,recipient_name,recipient_address,"
        "  description,purpose,user) VALUES('it-1','pt-9',1,'r','a','d','p','alice');"
        "INSERT INTO op_rejects(item_id,op_id,kind,field,reason,at) "
        "  VALUES('it-1','op-x','set','plan','no',1);", NULL, NULL, NULL), SQLITE_OK);
    nx_wbuf_reset(&W);
    nx_fh_encode_drop(&W, "it-1");
    char id[64], err[256] = "";
    cr_assert_eq(nx_pull_drop_id(decode(), id, err, sizeof err), NX_SYNC_OK, "%s", err);
    cr_assert_str_eq(id, "it-1");
    cr_assert_eq(nx_store_begin(F.prof.store), 0);
    cr_assert_eq(nx_sync_erase_item(A, id), 1);
    cr_assert_eq(nx_sync_erase_item(A, id), 0, "dropping twice is harmless");
    cr_assert_eq(nx_store_commit(F.prof.store), 0);
    const char *const gone[] = {
        "SELECT count(*) FROM items WHERE id='it-1'",
        "SELECT count(*) FROM item_fields WHERE item_id='it-1'",
        "SELECT count(*) FROM notes WHERE item_id='it-1'",
        "SELECT count(*) FROM transitions WHERE item_id='it-1'",
        "SELECT count(*) FROM attempts WHERE item_id='it-1'",
        "SELECT count(*) FROM attachments WHERE item_id='it-1'",
        "SELECT count(*) FROM drafts WHERE item_id='it-1'",
        "SELECT count(*) FROM disclosures WHERE item_id='it-1'",
        "SELECT count(*) FROM op_rejects WHERE item_id='it-1'",
        "SELECT count(*) FROM patients WHERE id='pt-9'",
    };
    for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++)
        cr_assert_eq(n(gone[i]), 0, "%s", gone[i]);
    cr_assert_eq(n("SELECT count(*) FROM patients WHERE id='pt-1'"), 1,
                 "a patient another item needs stays");
    cr_assert_eq(n("SELECT count(*) FROM items"), 1);
    nx_wbuf_reset(&W);
    nx_fh_encode_drop(&W, "../etc");
    cr_assert_eq(nx_pull_drop_id(decode(), id, err, sizeof err), NX_SYNC_PROTOCOL);
}
