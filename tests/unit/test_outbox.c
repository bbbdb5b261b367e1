/* The outbox: every change made through the session writes its sync op in
 * the same transaction as the change and its audit event (a failed change
 * leaves no op), with the kind, field, value and expectation of op.h's
 * table, a fresh op id and a clock that only moves forward. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "session/session.h"
#include "store/items_io.h"
#include "store/sync_store.h"
#include "sync/op.h"
#include "tests/helpers/syncfix.h"

static nx_sf F;

static void start(const char *role)
{
    char err[512] = "";
    cr_assert_eq(nx_sf_open(&F, "outbox", "alice", role, 0, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_sf_session(&F, err, sizeof err), 0, "%s", err);
}

static void new_item(nx_kind k, nx_item *it)
{
    char id[NX_ID_MAX], err[512] = "";
    cr_assert_eq(nx_session_create(&F.sess, k, "cl-1", "pt-1", 0, id, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_session_open(&F.sess, id, it, err, sizeof err), 0, "%s", err);
}

static void set_ok(nx_item *it, const char *f, const char *v)
{
    char err[512] = "";
    cr_assert_eq(nx_session_set(&F.sess, it, f, v, err, sizeof err), 0, "%s=%s: %s", f, v, err);
}

typedef struct {
    nx_op ops[64];
    char values[64][512];
    size_t n;
} oplist;

static int collect(void *ctx, int64_t seq, const nx_op *op)
{
    (void)seq;
    oplist *l = ctx;
    if (l->n >= 64)
        return 1;
    l->ops[l->n] = *op;
    l->ops[l->n].value = NULL;
    snprintf(l->values[l->n], sizeof l->values[0], "%s", op->value ? op->value : "(null)");
    l->n++;
    return 0;
}

static void ops(oplist *l)
{
    memset(l, 0, sizeof *l);
    cr_assert_eq(nx_outbox_scan(F.prof.store, 0, 0, collect, l), 0);
}

/* The last op in the outbox. */
static const nx_op *last(oplist *l, const char **value)
{
    ops(l);
    cr_assert_gt(l->n, 0);
    *value = l->values[l->n - 1];
    return &l->ops[l->n - 1];
}

Test(outbox, create_and_set_write_their_ops)
{
    start("eligibility");
    nx_item it;
    new_item(NX_KIND_ELIGIBILITY, &it);
    oplist l;
    const char *v;
    const nx_op *op = last(&l, &v);
    cr_assert_eq(op->kind, NX_OP_CREATE);
    cr_assert_str_eq(op->item, it.id);
    cr_assert_str_eq(v, "eligibility\x1f" "cl-1\x1f" "pt-1\x1f" "0");
    cr_assert_eq(strlen(op->id), 36);

    set_ok(&it, "plan", "Gold PPO");
    op = last(&l, &v);
    cr_assert_eq(op->kind, NX_OP_SET);
    cr_assert_str_eq(op->field, "plan");
    cr_assert_str_eq(v, "Gold PPO");
    /* A patient field travels like any field, as its canonical value. */
    set_ok(&it, "family_name", "Otherperson");
    op = last(&l, &v);
    cr_assert_eq(op->kind, NX_OP_SET);
    cr_assert_str_eq(op->field, "family_name");
    cr_assert_str_eq(v, "Otherperson");
    cr_assert_eq(l.n, 3);
    /* Op ids differ, the clock only moves forward. */
    cr_assert_str_neq(l.ops[0].id, l.ops[1].id);
    cr_assert_lt(l.ops[0].hlc, l.ops[1].hlc);
    cr_assert_lt(l.ops[1].hlc, l.ops[2].hlc);
    cr_assert_eq(NX_HLC_MS(l.ops[0].hlc), (int64_t)NX_SF_NOW * 1000);
    nx_item_free(&it);
    nx_sf_close(&F);
}

Test(outbox, units_used_travel_as_an_increment)
{
    start("prior-auth");
    nx_item it;
    new_item(NX_KIND_PRIOR_AUTH, &it);
    set_ok(&it, "units_used", "5");
    oplist l;
    const char *v;
    const nx_op *op = last(&l, &v);
    cr_assert_eq(op->kind, NX_OP_ADD);
    cr_assert_str_eq(op->field, "units_used");
    cr_assert_str_eq(v, "5");
    set_ok(&it, "units_used", "3");
    op = last(&l, &v);
    cr_assert_eq(op->kind, NX_OP_ADD);
    cr_assert_str_eq(v, "-2");
    nx_item_free(&it);
    nx_sf_close(&F);
}

Test(outbox, status_op_expects_the_prior_status_and_names_the_linked_item)
{
    start("eligibility");
    nx_item it;
    new_item(NX_KIND_ELIGIBILITY, &it);
    char err[512] = "", linked[NX_ID_MAX];
    set_ok(&it, "service_date", "2026-06-10");
    set_ok(&it, "plan", "Gold PPO");
    set_ok(&it, "cpt_codes", "E0601");
    set_ok(&it, "icd_codes", "G47.33");
    set_ok(&it, "provider_npi", "1234567893");
    set_ok(&it, "subscriber_relationship", "self");
    cr_assert_eq(nx_session_transition(&F.sess, &it, "verifying", linked, err, sizeof err), 0,
                 "%s", err);
    oplist l;
    const char *v;
    const nx_op *op = last(&l, &v);
    cr_assert_eq(op->kind, NX_OP_STATUS);
    cr_assert_str_eq(op->expect, "new");
    cr_assert_str_eq(v, "verifying");
    cr_assert_str_eq(op->field, "");
    set_ok(&it, "coverage_active", "yes");
    set_ok(&it, "coverage_ref", "REF-0001");
    set_ok(&it, "prior_auth_required", "yes");
    long long before = nx_sf_count(&F, "SELECT count(*) FROM outbox");
    /* The hand-off makes a prior-auth item: no op of its own, the status
     * op names it so the hub makes it under the same id. */
    cr_assert_eq(nx_session_transition(&F.sess, &it, "verified", NULL, err, sizeof err), 0,
                 "%s", err);
    cr_assert_eq(nx_sf_count(&F, "SELECT count(*) FROM outbox"), before + 1);
    op = last(&l, &v);
    cr_assert_eq(op->kind, NX_OP_STATUS);
    cr_assert_str_eq(op->expect, "verifying");
    cr_assert_str_eq(v, "verified");
    cr_assert_neq(it.linked_item[0], '\0');
    cr_assert_str_eq(op->field, it.linked_item);
    nx_item_free(&it);
    nx_sf_close(&F);
}

Test(outbox, notes_attempts_and_attachments)
{
    start("prior-auth");
    nx_item it;
    new_item(NX_KIND_PRIOR_AUTH, &it);
    char err[512] = "";
    cr_assert_eq(nx_session_note(&F.sess, &it, "Payer asked for the sleep study", 0, err,
                                 sizeof err), 0, "%s", err);
    oplist l;
    const char *v;
    const nx_op *op = last(&l, &v);
    cr_assert_eq(op->kind, NX_OP_NOTE);
    cr_assert_str_eq(op->field, "");
    cr_assert_str_eq(v, "Payer asked for the sleep study");
    char first_op[40];
    snprintf(first_op, sizeof first_op, "%s", op->id);
    char noteop[64];
    nx_sf_text(&F, "SELECT op_id FROM notes ORDER BY id LIMIT 1", noteop, sizeof noteop);
    cr_assert_str_eq(noteop, first_op, "the note keeps the id of the op that wrote it");
    long long first = nx_sf_count(&F, "SELECT max(id) FROM notes");
    cr_assert_eq(nx_session_note(&F.sess, &it, "Payer asked for the titration study", first, err,
                                 sizeof err), 0, "%s", err);
    op = last(&l, &v);
    cr_assert_eq(op->kind, NX_OP_NOTE);
    cr_assert_str_eq(op->field, first_op, "a correction names the op of the note it corrects");
    cr_assert_eq(nx_session_attach(&F.sess, &it, "EHR:doc/12345", "Sleep study", err, sizeof err),
                 0, "%s", err);
    op = last(&l, &v);
    cr_assert_eq(op->kind, NX_OP_ATTACH);
    cr_assert_str_eq(v, "EHR:doc/12345\x1fSleep study");
    nx_item_free(&it);
    nx_sf_close(&F);

    start("scheduling");
    new_item(NX_KIND_SCHEDULING, &it);
    set_ok(&it, "identity_method", nx_dict_find(nx_dict_default(), "identity_method")->choices[0]);
    set_ok(&it, "identity_result", "verified");
    set_ok(&it, "channel", "phone");
    cr_assert_eq(nx_session_attempt(&F.sess, &it, "phone", "left message", "call back Tuesday",
                                    err, sizeof err), 0, "%s", err);
    op = last(&l, &v);
    cr_assert_eq(op->kind, NX_OP_ATTEMPT);
    cr_assert_str_eq(v, "phone\x1fleft message\x1f" "call back Tuesday");
    nx_item_free(&it);
    nx_sf_close(&F);
}

Test(outbox, a_failed_change_leaves_no_op)
{
    start("eligibility");
    nx_item it;
    new_item(NX_KIND_ELIGIBILITY, &it);
    long long n = nx_sf_count(&F, "SELECT count(*) FROM outbox");
    cr_assert_eq(n, 1);
    char err[512] = "";
    /* Refused before any write. */
    cr_assert_eq(nx_session_set(&F.sess, &it, "service_date", "not a date", err, sizeof err), -1);
    cr_assert_eq(nx_sf_count(&F, "SELECT count(*) FROM outbox"), n);
    /* Refused at the end of the transaction (its audit event cannot be
     * written): the op written before it goes with it. */
    cr_assert_eq(sqlite3_exec(nx_store_db(F.prof.store),
                              "CREATE TEMP TRIGGER no_audit BEFORE INSERT ON main.audit "
                              "BEGIN SELECT RAISE(ABORT, 'audit unavailable'); END",
                              NULL, NULL, NULL), SQLITE_OK);
    cr_assert_eq(nx_session_set(&F.sess, &it, "plan", "Gold PPO", err, sizeof err), -1);
    cr_assert_eq(nx_session_note(&F.sess, &it, "A note", 0, err, sizeof err), -1);
    char id[NX_ID_MAX];
    cr_assert_eq(nx_session_create(&F.sess, NX_KIND_ELIGIBILITY, "cl-1", "pt-1", 0, id, err,
                                   sizeof err), -1);
    cr_assert_eq(nx_sf_count(&F, "SELECT count(*) FROM outbox"), n);
    cr_assert_eq(nx_sf_count(&F, "SELECT count(*) FROM item_fields WHERE field='plan'"), 0);
    cr_assert_eq(sqlite3_exec(nx_store_db(F.prof.store), "DROP TRIGGER temp.no_audit", NULL, NULL,
                              NULL), SQLITE_OK);
    /* And the outbox refuses to write outside a transaction. */
    cr_assert_eq(nx_outbox_add(F.prof.store, NX_OP_SET, it.id, "plan", "x", NULL, 1, 1, NULL), -1);
    nx_item_free(&it);
    nx_sf_close(&F);
}

Test(outbox, off_writes_no_op)
{
    char err[512] = "";
    cr_assert_eq(nx_sf_open(&F, "outbox", "alice", "eligibility", 0, err, sizeof err), 0, "%s", err);
    F.sess.outbox_off = 1;
    cr_assert_eq(nx_sf_session(&F, err, sizeof err), 0, "%s", err);
    cr_assert_eq(F.sess.outbox_off, 1, "the flag survives nx_session_start");
    nx_item it;
    new_item(NX_KIND_ELIGIBILITY, &it);
    set_ok(&it, "plan", "Gold PPO");
    cr_assert_eq(nx_sf_count(&F, "SELECT count(*) FROM outbox"), 0);
    nx_item_free(&it);
    nx_sf_close(&F);
}

static int count_rejects(void *ctx, const char *op_id, const char *kind, const char *field,
                         const char *reason, int64_t at)
{
    (void)op_id;
    (void)at;
    char *out = ctx;
    snprintf(out, 256, "%s|%s|%s", kind, field, reason);
    return 0;
}

Test(outbox, settle_removes_and_records_rejections)
{
    start("eligibility");
    nx_item it;
    new_item(NX_KIND_ELIGIBILITY, &it);
    set_ok(&it, "plan", "Gold PPO");
    oplist l;
    ops(&l);
    cr_assert_eq(l.n, 2);
    /* Paging: after the first op's seq, at most one. */
    oplist page;
    memset(&page, 0, sizeof page);
    cr_assert_eq(nx_outbox_scan(F.prof.store, 0, 1, collect, &page), 0);
    cr_assert_eq(page.n, 1);
    cr_assert_eq(nx_outbox_settle(F.prof.store, l.ops[0].id, NULL, NX_SF_NOW), 1);
    cr_assert_eq(nx_outbox_settle(F.prof.store, l.ops[0].id, NULL, NX_SF_NOW), 0,
                 "an answer seen twice changes nothing");
    cr_assert_eq(nx_outbox_settle(F.prof.store, l.ops[1].id, "plan: not a plan of this payer",
                                  NX_SF_NOW), 1);
    cr_assert_eq(nx_outbox_count(F.prof.store), 0);
    char got[256] = "";
    cr_assert_eq(nx_op_rejects(F.prof.store, it.id, count_rejects, got), 0);
    cr_assert_str_eq(got, "set|plan|plan: not a plan of this payer");
    cr_assert_eq(nx_op_rejects_count(F.prof.store), 1);
    cr_assert_eq(nx_op_rejects_clear(F.prof.store, it.id), 0);
    cr_assert_eq(nx_op_rejects_count(F.prof.store), 0);
    nx_item_free(&it);
    nx_sf_close(&F);
}
