/* The client's sync round against a fake hub on a socketpair
 * (tests/helpers/fakehub.c): push the outbox and the audit trail, pull and
 * apply, move the cursor at END; keep the connection; resume after a cut
 * with no op lost or applied twice and no item doubled; the hub's answers
 * (rejected, conflict, revoked, banner, drops) and the local purge. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "session/session.h"
#include "store/sync_store.h"
#include "sync/client_int.h"
#include "tests/helpers/fakehub.h"
#include "tests/helpers/syncfix.h"

static nx_sf F;
static nx_fakehub H;
static nx_syncer *Y;
static int64_t clock_now = NX_SF_NOW + 60;

static int64_t test_clock(void *ctx) { (void)ctx; return clock_now; }

static void start(const char *role, int training)
{
    char err[512] = "";
    clock_now = NX_SF_NOW + 60;
    cr_assert_eq(nx_sf_open(&F, "syncc", "alice", role, training, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_sf_session(&F, err, sizeof err), 0, "%s", err);
    nx_fh_init(&H, "alice", role);
    H.training = training;
    cr_assert_eq(nx_syncer_new_with(&F.prof, &F.conf, nx_fh_connect, &H, &Y, err, sizeof err), 0,
                 "%s", err);
    nx_syncer_set_clock(Y, test_clock, NULL);
}

static void finish(void)
{
    nx_syncer_free(Y);
    Y = NULL;
    nx_fh_free(&H);
    nx_sf_close(&F);
}

static nx_sync_code round_(nx_sync_stats *st, char *err, size_t errlen)
{
    return nx_syncer_round(Y, st, err, errlen);
}

static void round_ok(nx_sync_stats *st)
{
    char err[512] = "";
    nx_sync_code c = round_(st, err, sizeof err);
    cr_assert_eq(c, NX_SYNC_OK, "round: %d %s", c, err);
}

static long long n(const char *sql) { return nx_sf_count(&F, sql); }

static void new_item(nx_kind k, const char *patient, nx_item *it)
{
    char id[NX_ID_MAX], err[512] = "";
    cr_assert_eq(nx_session_create(&F.sess, k, "cl-1", patient, 0, id, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_session_open(&F.sess, id, it, err, sizeof err), 0, "%s", err);
}

static void set_ok(nx_item *it, const char *f, const char *v)
{
    char err[512] = "";
    cr_assert_eq(nx_session_set(&F.sess, it, f, v, err, sizeof err), 0, "%s=%s: %s", f, v, err);
}

/* n items on the hub for alice, ids it-0001.. */
static void hub_items(int count, int first)
{
    static const char *const kv[] = { "plan", "Gold PPO", NULL };
    static const char *const pkv[] = { "family_name", "Pulledperson", "given_name", "Bea", NULL };
    static const char *const hist[] = { "1780000100", "alice", "status", "new\x1fverifying", NULL };
    for (int i = first; i < first + count; i++) {
        char id[32], pt[32];
        snprintf(id, sizeof id, "it-%04d", i);
        snprintf(pt, sizeof pt, "pt-h%d", i % 50);
        nx_fh_item it = { .id = id, .patient = pt, .status = "verifying", .due = 1781000000 + i,
                          .kv = kv, .pkv = pkv, .hist = hist };
        nx_fh_add_item(&H, &it);
    }
}

Test(sync_client, full_round_pushes_pulls_and_keeps_the_connection)
{
    start("eligibility", 0);
    nx_item it;
    new_item(NX_KIND_ELIGIBILITY, "pt-1", &it);
    set_ok(&it, "plan", "Gold PPO");
    nx_item gone;
    new_item(NX_KIND_ELIGIBILITY, "pt-2", &gone);
    long long events = n("SELECT max(seq) FROM audit");
    nx_fh_add_client(&H, "cl-2", "Riverside Clinic", "America/Chicago");
    hub_items(3, 1);
    nx_fh_add_drop(&H, gone.id);
    snprintf(H.banner, sizeof H.banner, "Hub maintenance Saturday 02:00-04:00");

    nx_sync_stats st;
    round_ok(&st);
    cr_assert_eq(st.pushed, 3);
    cr_assert_eq(st.applied, 3);
    cr_assert_eq(st.items, 3);
    cr_assert_eq(st.dropped, 1);
    cr_assert_eq(st.cursor, 5);
    cr_assert_eq(st.audit_pushed, (uint64_t)events);
    cr_assert_str_eq(st.banner, "Hub maintenance Saturday 02:00-04:00");
    /* The hub got each op once, from this user and device, in HLC order. */
    cr_assert_eq(H.nops, 3);
    cr_assert_eq(H.hellos, 1);
    cr_assert_str_eq(H.hello_device, F.prof.audit.device);
    cr_assert_eq(H.hello_training, 0);
    for (size_t i = 0; i < H.nops; i++) {
        cr_assert_eq(H.ops[i].applied, 1);
        cr_assert_str_eq(H.ops[i].user, "alice");
        cr_assert_str_eq(H.ops[i].device, F.prof.audit.device);
        if (i)
            cr_assert_gt(H.ops[i].hlc, H.ops[i - 1].hlc);
    }
    cr_assert_str_eq(H.ops[1].kind, "set");
    cr_assert_str_eq(H.ops[1].field, "plan");
    cr_assert_str_eq(H.ops[1].value, "Gold PPO");
    /* The audit chain arrived whole, from event 1. */
    cr_assert_eq(H.audit_last, events);
    cr_assert_eq(H.audit_gaps, 0);
    cr_assert_eq(H.audit_dups, 0);
    /* The cache. */
    cr_assert_eq(n("SELECT count(*) FROM outbox"), 0);
    cr_assert_eq(n("SELECT count(*) FROM items WHERE id LIKE 'it-%'"), 3);
    cr_assert_eq(n("SELECT count(*) FROM clients WHERE id='cl-2'"), 1);
    char q[256];
    snprintf(q, sizeof q, "SELECT count(*) FROM items WHERE id='%s'", gone.id);
    cr_assert_eq(n(q), 0, "the dropped item left the cache");
    snprintf(q, sizeof q, "SELECT count(*) FROM audit WHERE action='erase' AND item_id='%s'", gone.id);
    cr_assert_eq(n(q), 1, "and its erasure is audited");
    cr_assert_eq(n("SELECT count(*) FROM audit WHERE action='sync' AND outcome='ok'"), 1);
    nx_sync_state ss;
    cr_assert_eq(nx_sync_state_load(F.prof.store, &ss), 0);
    cr_assert_eq(ss.cursor, 5);
    cr_assert_eq(ss.hub_time, H.time);
    cr_assert_eq(ss.last_sync_wall, clock_now);
    cr_assert_eq(ss.audit_seq, (uint64_t)events);
    cr_assert_eq(ss.grace_hours, 24);
    cr_assert_geq(ss.hlc, H.hlc, "the clock moved past the hub's");
    cr_assert_str_eq(ss.banner, H.banner);
    cr_assert_neq(ss.boot_id[0], '\0');

    /* A round with nothing to do, on the kept-open connection: no HELLO,
     * nothing pulled, only the audit events written since. */
    cr_assert(nx_syncer_connected(Y));
    round_ok(&st);
    cr_assert_eq(H.connections, 1);
    cr_assert_eq(H.hellos, 1);
    cr_assert_eq(st.pushed, 0);
    cr_assert_eq(st.items, 0);
    cr_assert_eq(st.cursor, 5);
    cr_assert_eq(H.last_pull_cursor, 5);
    cr_assert_eq(H.audit_last, n("SELECT max(seq) FROM audit"));
    cr_assert_eq(H.audit_gaps + H.audit_dups, 0);
    /* A round that changes nothing writes nothing (one round trip, no
     * fsync), until the recorded sync time is a couple of minutes old. */
    long long seq = n("SELECT max(seq) FROM audit");
    int64_t before = clock_now;
    clock_now += 10;
    round_ok(&st);
    cr_assert_eq(n("SELECT max(seq) FROM audit"), seq);
    cr_assert_eq(nx_sync_state_load(F.prof.store, &ss), 0);
    cr_assert_eq(ss.last_sync_wall, before);
    clock_now += 200;
    round_ok(&st);
    cr_assert_eq(nx_sync_state_load(F.prof.store, &ss), 0);
    cr_assert_eq(ss.last_sync_wall, clock_now);
    cr_assert_eq(H.connections, 1);
    nx_item_free(&it);
    nx_item_free(&gone);
    finish();
    cr_assert_eq(H.byes, 1, "a kept-open session ends with BYE");
}

Test(sync_client, rejected_and_conflicting_ops_are_recorded_on_the_item)
{
    start("eligibility", 0);
    nx_item it;
    new_item(NX_KIND_ELIGIBILITY, "pt-1", &it);
    set_ok(&it, "plan", "Gold PPO");
    set_ok(&it, "service_date", "2026-06-10");
    set_ok(&it, "cpt_codes", "E0601");
    set_ok(&it, "icd_codes", "G47.33");
    set_ok(&it, "provider_npi", "1234567893");
    set_ok(&it, "subscriber_relationship", "self");
    char err[512] = "";
    cr_assert_eq(nx_session_transition(&F.sess, &it, "verifying", NULL, err, sizeof err), 0,
                 "%s", err);
    snprintf(H.reject_field, sizeof H.reject_field, "plan");
    snprintf(H.conflict_expect, sizeof H.conflict_expect, "new");
    nx_sync_stats st;
    round_ok(&st);
    cr_assert_eq(st.pushed, 8);
    cr_assert_eq(st.applied, 6);
    cr_assert_eq(st.rejected, 1);
    cr_assert_eq(st.conflicts, 1);
    cr_assert_eq(n("SELECT count(*) FROM outbox"), 0);
    char q[512];
    snprintf(q, sizeof q, "SELECT count(*) FROM op_rejects WHERE item_id='%s' AND kind='set' AND "
             "field='plan' AND reason='refused by the test hub'", it.id);
    cr_assert_eq(n(q), 1);
    snprintf(q, sizeof q, "SELECT count(*) FROM op_rejects WHERE item_id='%s' AND kind='status' "
             "AND reason='conflict: in the supervisor''s inbox'", it.id);
    cr_assert_eq(n(q), 1);
    nx_item_free(&it);
    finish();
}

Test(sync_client, a_cut_mid_pull_resumes_without_loss_or_duplicate)
{
    start("eligibility", 0);
    nx_item it;
    new_item(NX_KIND_ELIGIBILITY, "pt-1", &it);
    set_ok(&it, "plan", "Gold PPO");
    set_ok(&it, "coverage_ref", "REF-1");
    hub_items(700, 1);
    nx_syncer_set_apply_batch(Y, 256, 0);
    /* WELCOME, 3 RESULTs, then 400 of 700 items: past one batch commit. */
    H.cut_after = 404;
    nx_sync_stats st;
    char err[512] = "";
    cr_assert_eq(round_(&st, err, sizeof err), NX_SYNC_UNREACHABLE, "%s", err);
    cr_assert(!nx_syncer_connected(Y));
    nx_sync_state ss;
    cr_assert_eq(nx_sync_state_load(F.prof.store, &ss), 0);
    cr_assert_eq(ss.cursor, 0, "the cursor moves only at END");
    long long part = n("SELECT count(*) FROM items WHERE id LIKE 'it-%'");
    /* At least one batch of 256 frames (WELCOME, RESULTs, CLIENT and
     * ITEM frames together) committed before the cut; how many of them
     * were items depends on how the frames fell, not on the rule. */
    cr_assert_gt(part, 0, "no batch was committed before the cut");
    cr_assert_lt(part, 700);
    cr_assert_eq(n("SELECT count(*) FROM outbox"), 0, "the RESULTs came in the first batch");

    round_ok(&st);
    cr_assert_eq(st.items, 700);
    cr_assert_eq(st.cursor, 700);
    cr_assert_eq(n("SELECT count(*) FROM items WHERE id LIKE 'it-%'"), 700);
    cr_assert_eq(n("SELECT count(*) FROM transitions WHERE item_id LIKE 'it-%'"), 700,
                 "no history row doubled");
    cr_assert_eq(n("SELECT count(*) FROM item_fields WHERE item_id LIKE 'it-%'"), 700);
    for (size_t i = 0; i < H.nops; i++)
        cr_assert_eq(H.ops[i].applied, 1);
    /* Audit events are acknowledged by END: the cut round's are sent
     * again (the hub keeps the first of each seq), none is skipped. */
    cr_assert_eq(H.audit_gaps, 0, "no audit event skipped");
    cr_assert_eq(H.audit_last, n("SELECT max(seq) FROM audit") - 1,
                 "all but the round's own sync event reached the hub");
    nx_item_free(&it);
    finish();
}

Test(sync_client, a_cut_before_the_results_pushes_again_and_the_hub_dedupes)
{
    start("eligibility", 0);
    nx_item it;
    new_item(NX_KIND_ELIGIBILITY, "pt-1", &it);
    set_ok(&it, "plan", "Gold PPO");
    snprintf(H.reject_field, sizeof H.reject_field, "plan");
    H.cut_after = 2;   /* WELCOME and one RESULT */
    nx_sync_stats st;
    char err[512] = "";
    cr_assert_eq(round_(&st, err, sizeof err), NX_SYNC_UNREACHABLE);
    cr_assert_eq(n("SELECT count(*) FROM outbox"), 2, "ops leave only with their committed RESULT");
    cr_assert_eq(H.nops, 2);
    round_ok(&st);
    cr_assert_eq(st.duplicate, 2);
    cr_assert_eq(n("SELECT count(*) FROM outbox"), 0);
    cr_assert_eq(H.nops, 2);
    cr_assert_eq(H.ops[0].applied, 1, "applied exactly once");
    cr_assert_eq(H.ops[1].applied, 0, "rejected, never applied");
    for (size_t i = 0; i < H.nops; i++)
        cr_assert_eq(H.ops[i].seen, 2);
    /* The rejection lost with the cut comes back with the duplicate. */
    cr_assert_eq(n("SELECT count(*) FROM op_rejects WHERE field='plan' AND "
                   "reason='refused by the test hub'"), 1);
    nx_item_free(&it);
    finish();
}

Test(sync_client, small_batches_drain_in_several_exchanges)
{
    start("eligibility", 0);
    nx_item it;
    new_item(NX_KIND_ELIGIBILITY, "pt-1", &it);
    const char *plans[] = { "A", "B", "C", "D", "E", "F", "G" };
    for (size_t i = 0; i < 7; i++)
        set_ok(&it, "plan", plans[i]);
    nx_syncer_set_batch(Y, 3, 5);
    nx_sync_stats st;
    round_ok(&st);
    cr_assert_eq(st.pushed, 8);
    cr_assert_eq(st.applied, 8);
    cr_assert_geq(H.pulls, 3);
    cr_assert_eq(H.hellos, 1);
    cr_assert_eq(n("SELECT count(*) FROM outbox"), 0);
    cr_assert_eq(H.audit_gaps + H.audit_dups, 0);
    cr_assert_str_eq(H.ops[7].value, "G", "ops arrive oldest first");
    nx_item_free(&it);
    finish();
}

Test(sync_client, a_dropped_kept_open_connection_is_replaced)
{
    start("eligibility", 0);
    H.close_after_end = 1;
    nx_sync_stats st;
    round_ok(&st);
    hub_items(2, 1);
    round_ok(&st);
    cr_assert_eq(st.items, 2);
    cr_assert_eq(H.connections, 2);
    cr_assert_eq(H.hellos, 2);
    finish();
}

Test(sync_client, a_session_the_hub_ends_is_retried_on_a_new_one)
{
    start("eligibility", 0);
    nx_sync_stats st;
    round_ok(&st);
    /* The user is revoked while the session is kept open; the hub ends it. */
    H.error_once = 1;
    H.revoked = 1;
    char err[512] = "";
    cr_assert_eq(round_(&st, err, sizeof err), NX_SYNC_REVOKED, "%s", err);
    cr_assert_eq(H.connections, 2);
    nx_syncer_free(Y);
    Y = NULL;
    nx_fh_free(&H);   /* joins the hub's threads */
    cr_assert_eq(H.destroyed, 1);
    nx_sf_close(&F);
}

Test(sync_client, revocation_pushes_audit_then_erases_key_and_cache)
{
    start("eligibility", 0);
    nx_item it;
    new_item(NX_KIND_ELIGIBILITY, "pt-1", &it);
    nx_item_free(&it);
    long long events = n("SELECT max(seq) FROM audit");
    char keyfile[4200], cache[4200];
    snprintf(keyfile, sizeof keyfile, "%s", F.prof.keyfile);
    snprintf(cache, sizeof cache, "%s", F.prof.cache);
    H.revoked = 1;
    nx_session_end(&F.sess);
    F.has_sess = 0;
    events++;   /* the logout */
    nx_sync_stats st;
    char err[512] = "";
    cr_assert_eq(round_(&st, err, sizeof err), NX_SYNC_REVOKED, "%s", err);
    cr_assert(st.revoked);
    cr_assert(strstr(err, "erased"), "%s", err);
    cr_assert_eq(H.audit_last, events, "the audit trail reached the hub first");
    struct stat sb;
    cr_assert_neq(stat(keyfile, &sb), 0, "the key file is gone");
    cr_assert_neq(stat(cache, &sb), 0, "the cache is gone");
    cr_assert_null(F.prof.store);
    cr_assert_eq(round_(&st, err, sizeof err), NX_SYNC_LOCKED);
    nx_syncer_free(Y);
    Y = NULL;
    nx_fh_free(&H);
    cr_assert_eq(H.destroyed, 1, "the hub got the destruction record");
    nx_sf_close(&F);
}

Test(sync_client, training_and_user_mismatches_are_refused)
{
    start("eligibility", 1);
    H.training = 0;
    nx_sync_stats st;
    char err[512] = "";
    cr_assert_eq(round_(&st, err, sizeof err), NX_SYNC_PROTOCOL);
    cr_assert(strstr(err, "TRAINING"), "%s", err);
    cr_assert_eq(H.hello_training, 1);
    cr_assert_eq(n("SELECT count(*) FROM audit WHERE action='sync' AND outcome='failed'"), 1);
    H.training = 1;
    snprintf(H.user, sizeof H.user, "mallory");
    cr_assert_eq(round_(&st, err, sizeof err), NX_SYNC_PROTOCOL);
    cr_assert(strstr(err, "mallory"), "%s", err);
    snprintf(H.user, sizeof H.user, "alice");
    round_ok(&st);
    finish();
}

Test(sync_client, closed_items_past_keep_days_are_purged_after_a_round)
{
    start("eligibility", 0);
    H.keep_days = 7;
    nx_fh_item old = { .id = "it-old", .patient = "pt-1", .status = "closed",
                       .closed = NX_SF_NOW - 8 * 86400 };
    nx_fh_item recent = { .id = "it-recent", .patient = "pt-1", .status = "closed",
                          .closed = NX_SF_NOW - 6 * 86400 };
    nx_fh_add_item(&H, &old);
    nx_fh_add_item(&H, &recent);
    nx_sync_stats st;
    round_ok(&st);
    cr_assert_eq(n("SELECT count(*) FROM items WHERE id='it-old'"), 0);
    cr_assert_eq(n("SELECT count(*) FROM items WHERE id='it-recent'"), 1);
    cr_assert_eq(n("SELECT count(*) FROM audit WHERE action='erase' AND item_id='it-old'"), 1);
    cr_assert_eq(st.dropped, 1);
    finish();
}

/* ---- through the real hub: `nexus-hub serve` over the local: pipe ---------------- */

#include "sync/transport.h"
#include "tests/helpers/run.h"

static void hub_cmd(const char *const *argv)
{
    nx_t_result r;
    cr_assert_eq(nx_t_run(argv, NULL, NULL, &r), 0);
    cr_assert_eq(r.status, 0, "%s %s: %s%s", argv[1], argv[2], r.out, r.err);
}

Test(sync_local, rounds_with_the_real_hub_and_revocation)
{
    char hub[4200];
    snprintf(hub, sizeof hub, "%s", nx_t_bin("nexus-hub"));
    if (access(hub, X_OK) != 0)
        cr_skip_test("no nexus-hub beside the tests");
    char err[512] = "";
    cr_assert_eq(nx_sf_open(&F, "synclocal", "alice", "prior-auth", 0, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_sf_session(&F, err, sizeof err), 0, "%s", err);
    /* The hub knows alice by her key, as `nexus key` prints it. */
    char pub[1024], pubfile[4200], store[4200];
    cr_assert_eq(nx_sync_key_ensure(F.prof.store, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_sync_key_public(F.prof.store, "alice", pub, sizeof pub, err, sizeof err), 0,
                 "%s", err);
    snprintf(pubfile, sizeof pubfile, "%s/alice.pub", F.dir);
    snprintf(store, sizeof store, "%s/hub", F.dir);
    FILE *f = fopen(pubfile, "w");
    cr_assert_not_null(f);
    fprintf(f, "%s\n", pub);
    fclose(f);
    hub_cmd((const char *const[]){ hub, "init", "--store", store, NULL });
    hub_cmd((const char *const[]){ hub, "user", "add", "--store", store, "--user", "alice",
                                   "--role", "prior-auth", "--team", "north", "--key", pubfile,
                                   NULL });
    hub_cmd((const char *const[]){ hub, "seed", "--store", store, "--synthetic", "20", "--team",
                                   "north", "--assignee", "alice", "--kind", "prior-auth", NULL });
    snprintf(F.conf.sync_host, sizeof F.conf.sync_host, "local:%s", store);
    setenv("NEXUS_HUB", hub, 1);
    cr_assert_eq(nx_syncer_new(&F.prof, &F.conf, &Y, err, sizeof err), 0, "%s", err);

    nx_sync_stats st;
    nx_sync_code c = nx_syncer_round(Y, &st, err, sizeof err);
    cr_assert_eq(c, NX_SYNC_OK, "%s: %s", nx_sync_code_name(c), err);
    cr_assert_eq(st.items, 20);
    cr_assert_gt(st.cursor, 0);
    cr_assert_eq(n("SELECT count(*) FROM items WHERE kind='prior-auth' AND assignee='alice'"), 20);

    /* A note on a pulled item goes up, is applied once, and comes back as
     * the hub has it: one note, carrying its op id. */
    char id[64];
    nx_sf_text(&F, "SELECT id FROM items WHERE kind='prior-auth' ORDER BY id LIMIT 1", id, sizeof id);
    nx_item it;
    cr_assert_eq(nx_session_open(&F.sess, id, &it, err, sizeof err), 0, "%s", err);
    long long notes = n("SELECT count(*) FROM notes");
    cr_assert_eq(nx_session_note(&F.sess, &it, "Payer portal down, retry tomorrow", 0, err,
                                 sizeof err), 0, "%s", err);
    nx_item_free(&it);
    char op[64];
    nx_sf_text(&F, "SELECT op_id FROM outbox", op, sizeof op);
    c = nx_syncer_round(Y, &st, err, sizeof err);
    cr_assert_eq(c, NX_SYNC_OK, "%s: %s", nx_sync_code_name(c), err);
    cr_assert_eq(st.pushed, 1);
    cr_assert_eq(st.applied, 1, "rejected %llu: see op_rejects", (unsigned long long)st.rejected);
    cr_assert_eq(n("SELECT count(*) FROM outbox"), 0);
    cr_assert_eq(n("SELECT count(*) FROM notes"), notes + 1);
    char q[256];
    snprintf(q, sizeof q, "SELECT count(*) FROM notes WHERE op_id='%s'", op);
    cr_assert_eq(n(q), 1);

    /* Nothing to do, on the kept-open session. */
    c = nx_syncer_round(Y, &st, err, sizeof err);
    cr_assert_eq(c, NX_SYNC_OK, "%s: %s", nx_sync_code_name(c), err);
    cr_assert_eq(st.pushed + st.items + st.dropped, 0, "pushed %llu items %llu dropped %llu", (unsigned long long)st.pushed, (unsigned long long)st.items, (unsigned long long)st.dropped);
    cr_assert(nx_syncer_connected(Y));

    /* Revoked on the hub while the session is kept open: the hub ends it
     * with ERROR, the client retries on a new session, whose WELCOME says
     * revoked: this laptop's cache is erased in the same round. */
    hub_cmd((const char *const[]){ hub, "user", "revoke", "--store", store, "--user", "alice",
                                   NULL });
    char keyfile[4200];
    snprintf(keyfile, sizeof keyfile, "%s", F.prof.keyfile);
    nx_session_end(&F.sess);
    F.has_sess = 0;
    c = nx_syncer_round(Y, &st, err, sizeof err);
    cr_assert_eq(c, NX_SYNC_REVOKED, "%s: %s", nx_sync_code_name(c), err);
    cr_assert_neq(access(keyfile, F_OK), 0);
    nx_syncer_free(Y);
    Y = NULL;
    nx_t_result r;
    const char *const q_argv[] = { hub, "audit", "query", "--store", store, "--action",
                                   "destroyed", NULL };
    cr_assert_eq(nx_t_run(q_argv, NULL, NULL, &r), 0);
    cr_assert(strstr(r.out, "destroyed"), "the hub holds the destruction record: %s%s", r.out, r.err);
    nx_sf_close(&F);
}

/* ---- nexus sync (cli/cmd_sync.c) ------------------------------------------------------- */

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

Test(sync_cli, nexus_sync_summary_banner_and_exit_codes)
{
    char nexus[4200], hub[4200];
    snprintf(nexus, sizeof nexus, "%s", nx_t_bin("nexus"));
    snprintf(hub, sizeof hub, "%s", nx_t_bin("nexus-hub"));
    if (access(nexus, X_OK) != 0 || access(hub, X_OK) != 0)
        cr_skip_test("no nexus or nexus-hub beside the tests");
    char dir[4096], conf[4200], noconf[4200], store[4200], pubfile[4200], text[16384];
    nx_t_tmpdir(dir, sizeof dir, "synccli");
    snprintf(conf, sizeof conf, "%s/nexus.conf", dir);
    snprintf(noconf, sizeof noconf, "%s/nohub.conf", dir);
    snprintf(store, sizeof store, "%s/hub", dir);
    snprintf(pubfile, sizeof pubfile, "%s/alice.pub", dir);
    snprintf(text, sizeof text, "[cache]\ndir = %s/prof\n[sync]\nhost = local:%s\n", dir, store);
    write_file(conf, text);
    snprintf(text, sizeof text, "[cache]\ndir = %s/prof\n", dir);
    write_file(noconf, text);
    char envhub[4300];
    snprintf(envhub, sizeof envhub, "NEXUS_HUB=%s", hub);
    const char *const env[] = { envhub, NULL };
    nx_t_result r;

    const char *const init[] = { nexus, "--config", conf, "init", "--user", "alice", "--role",
                                 "eligibility", "--team", "north", "--kdf", "interactive",
                                 "--passphrase-fd", "0", NULL };
    cr_assert_eq(nx_t_run(init, env, "Secret-Pass-1\n", &r), 0);
    cr_assert_eq(r.status, 0, "%s", r.err);
    const char *key = strstr(r.out, "ssh-ed25519 ");
    if (!key) {
        const char *const keycmd[] = { nexus, "--config", conf, "key", "--passphrase-fd", "0",
                                       NULL };
        cr_assert_eq(nx_t_run(keycmd, env, "Secret-Pass-1\n", &r), 0);
        key = strstr(r.out, "ssh-ed25519 ");
    }
    cr_assert_not_null(key, "no public key printed: %s", r.out);
    char line[1024];
    snprintf(line, sizeof line, "%.*s\n", (int)strcspn(key, "\n"), key);
    write_file(pubfile, line);
    hub_cmd((const char *const[]){ hub, "init", "--store", store, NULL });
    hub_cmd((const char *const[]){ hub, "user", "add", "--store", store, "--user", "alice",
                                   "--role", "eligibility", "--team", "north", "--key", pubfile,
                                   NULL });
    hub_cmd((const char *const[]){ hub, "seed", "--store", store, "--synthetic", "5", "--team",
                                   "north", "--assignee", "alice", NULL });
    hub_cmd((const char *const[]){ hub, "banner", "set", "--store", store,
                                   "Hub maintenance Saturday 02:00-04:00", NULL });

    const char *const nohub[] = { nexus, "--config", noconf, "sync", "--passphrase-fd", "0", NULL };
    cr_assert_eq(nx_t_run(nohub, env, "Secret-Pass-1\n", &r), 0);
    cr_assert_eq(r.status, NX_SYNC_USAGE, "%s", r.err);
    cr_assert(strstr(r.err, "[sync] host"), "%s", r.err);

    const char *const sync[] = { nexus, "--config", conf, "sync", "--passphrase-fd", "0", NULL };
    cr_assert_eq(nx_t_run(sync, env, "Wrong-Pass-1\n", &r), 0);
    cr_assert_eq(r.status, NX_SYNC_LOCKED, "%s", r.err);

    cr_assert_eq(nx_t_run(sync, env, "Secret-Pass-1\n", &r), 0);
    cr_assert_eq(r.status, NX_SYNC_OK, "%s%s", r.out, r.err);
    cr_assert(strstr(r.out, "sync done: pushed 0 ops") && strstr(r.out, "pulled 5 items"),
              "%s", r.out);
    cr_assert(strstr(r.out, "message from the hub: Hub maintenance Saturday"), "%s", r.out);

    hub_cmd((const char *const[]){ hub, "user", "revoke", "--store", store, "--user", "alice",
                                   NULL });
    cr_assert_eq(nx_t_run(sync, env, "Secret-Pass-1\n", &r), 0);
    cr_assert_eq(r.status, NX_SYNC_REVOKED, "%s%s", r.out, r.err);
    cr_assert(strstr(r.err, "erased"), "%s", r.err);
    char keyfile[4200];
    snprintf(keyfile, sizeof keyfile, "%s/prof/nexus.key", dir);
    cr_assert_neq(access(keyfile, F_OK), 0);
}
