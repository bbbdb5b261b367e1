/* The audit chain: it verifies; changing any field of any event, deleting,
 * reordering and cutting off events are each found at the right event; the
 * key file's head (tampering refused, crash window accepted, a shorter
 * chain refused); the change and its event commit or roll back together;
 * events take ids, not values; the hash follows the documented encoding. */
#include <criterion/criterion.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/audit.h"
#include "profile/profile.h"
#include "store/audit_store.h"
#include "store/rows.h"
#include "tests/helpers/run.h"
#include "util/util.h"

#define PASS "Correct-Horse-9"
#define N_EVENTS 10

static char dir[4096];
static nx_profile p;

static void paths(nx_profile *q)
{
    memset(q, 0, sizeof *q);
    snprintf(q->dir, sizeof q->dir, "%s", dir);
    snprintf(q->keyfile, sizeof q->keyfile, "%s/" NX_KEYFILE_NAME, dir);
    snprintf(q->cache, sizeof q->cache, "%s/" NX_CACHE_NAME, dir);
}

static void setup(void)
{
    cr_assert_eq(nx_crypt_init(), 0);
    nx_t_tmpdir(dir, sizeof dir, "audit");
    paths(&p);
    nx_profile_info info = {0};
    strcpy(info.user, "alice");
    strcpy(info.role, "prior-auth");
    memset(info.device_id, 0x5a, sizeof info.device_id);
    info.created = info.passphrase_set = 1700000000;
    char err[512] = "";
    cr_assert_eq(nx_profile_create(&p, PASS, strlen(PASS), NX_KDF_TEST_ONLY, &info, err,
                                   sizeof err), 0, "%s", err);
}

static void teardown(void)
{
    nx_profile_close(&p);
}

TestSuite(audit, .init = setup, .fini = teardown, .timeout = 120);

static void reopen(void)
{
    char err[512] = "";
    nx_profile_close(&p);
    paths(&p);
    cr_assert_eq(nx_profile_open(&p, PASS, strlen(PASS), err, sizeof err), 0, "%s", err);
}

static void sql(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sql(const char *fmt, ...)
{
    char q[512], *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(q, sizeof q, fmt, ap);
    va_end(ap);
    int rc = sqlite3_exec(nx_store_db(p.store), q, NULL, NULL, &msg);
    cr_assert_eq(rc, SQLITE_OK, "%s: %s", q, msg ? msg : "");
    sqlite3_free(msg);
}

/* Events 2..N_EVENTS (the profile's init is event 1), each action kind. */
static void fill(void)
{
    static const char *const items[] = { "6f1c2a9e-0b7d-4c1e-9a55-2f0d3c4b5a61",
                                         "b7e0d4c2-1f3a-4e5b-8c6d-7a8b9c0d1e2f" };
    nx_audit_event ev[] = {
        { .action = NX_AUDIT_LOGIN },
        { .action = NX_AUDIT_VIEW, .item_id = items[0] },
        { .action = NX_AUDIT_REVEAL, .item_id = items[0], .field = "member_id",
          .reason = "payer portal asks for the full member ID" },
        { .action = NX_AUDIT_UPDATE, .item_id = items[0], .field = "auth_number" },
        { .action = NX_AUDIT_STATUS, .item_id = items[0], .field = "status" },
        { .action = NX_AUDIT_VIEW, .item_id = items[1], .outcome = NX_AUDIT_OUTCOME_FAILED },
        { .action = NX_AUDIT_NOTE, .item_id = items[1] },
        { .action = NX_AUDIT_LOCK },
        { .action = NX_AUDIT_UNLOCK },
    };
    _Static_assert(sizeof ev / sizeof ev[0] == N_EVENTS - 1, "ten events in all");
    char err[512] = "";
    for (size_t i = 0; i < sizeof ev / sizeof ev[0]; i++) {
        ev[i].at = 1700000100 + (int64_t)i;
        cr_assert_eq(nx_profile_audit(&p, &ev[i], err, sizeof err), 0, "%s", err);
    }
}

/* Verify against the head this process holds (what a reopen would read). */
static int verify(uint64_t *bad, char *msg, size_t len)
{
    uint64_t head_seq, events;
    unsigned char head_hash[NX_AUDIT_HASH_BYTES];
    nx_vault_head(p.vault, &head_seq, head_hash);
    *bad = 0;
    msg[0] = '\0';
    return nx_audit_verify(p.store, &p.audit, head_seq, head_hash, &events, bad, msg, len);
}

static void expect_broken(uint64_t want, const char *needle, const char *what)
{
    uint64_t bad;
    char msg[256];
    cr_assert_eq(verify(&bad, msg, sizeof msg), -1, "%s: not found", what);
    cr_assert_eq(bad, want, "%s: first broken event %llu, expected %llu (%s)", what,
                 (unsigned long long)bad, (unsigned long long)want, msg);
    if (needle)
        cr_assert(strstr(msg, needle), "%s: '%s' lacks '%s'", what, msg, needle);
}

static void expect_sound(uint64_t events_want)
{
    uint64_t events = 0;
    char why[256] = "";
    cr_assert_eq(nx_profile_verify(&p, &events, why, sizeof why), 0, "%s", why);
    cr_assert_eq(events, events_want);
}

Test(audit, chain_verifies_and_holds_what_was_logged)
{
    expect_sound(1);
    fill();
    expect_sound(N_EVENTS);
    uint64_t head_seq;
    unsigned char head_hash[NX_AUDIT_HASH_BYTES], last[NX_AUDIT_HASH_BYTES];
    char err[256];
    nx_vault_head(p.vault, &head_seq, head_hash);
    cr_assert_eq(head_seq, N_EVENTS);
    cr_assert_eq(nx_audit_head(p.store, &head_seq, last, err, sizeof err), 0, "%s", err);
    cr_assert_eq(memcmp(head_hash, last, sizeof last), 0);

    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(nx_store_db(p.store),
                 "SELECT action, user, role, device, outcome FROM audit ORDER BY seq",
                 -1, &st, NULL), SQLITE_OK);
    static const char *const want[N_EVENTS] = { "init", "login", "view", "reveal", "update",
                                                "status", "view", "note", "lock", "unlock" };
    for (int i = 0; i < N_EVENTS; i++) {
        cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
        cr_assert_str_eq((const char *)sqlite3_column_text(st, 0), want[i]);
        cr_assert_str_eq((const char *)sqlite3_column_text(st, 1), "alice");
        cr_assert_str_eq((const char *)sqlite3_column_text(st, 2), "prior-auth");
        cr_assert_str_eq((const char *)sqlite3_column_text(st, 3), "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a");
        cr_assert_str_eq((const char *)sqlite3_column_text(st, 4), i == 6 ? "failed" : "ok");
    }
    cr_assert_eq(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);

    /* And from the files, as `nexus verify` sees them. */
    reopen();
    expect_sound(N_EVENTS);
}

Test(audit, action_names_are_stable)
{
    /* The names are hashed into every chain: this list only ever grows. */
    static const char *const names[] = {
        "init", "login", "logout", "unlock-failed", "lock", "unlock", "view", "reveal",
        "create", "update", "status", "note", "assign", "disclosure", "sync", "erase", "export", "record",
    };
    cr_assert_eq(NX_AUDIT_ACTION_COUNT, (int)(sizeof names / sizeof names[0]));
    for (int i = 0; i < NX_AUDIT_ACTION_COUNT; i++) {
        cr_assert_str_eq(nx_audit_action_name((nx_audit_action)i), names[i]);
        cr_assert_eq(nx_audit_action_parse(names[i]), i);
        cr_assert_not_null(nx_audit_action_help((nx_audit_action)i));
    }
    cr_assert_null(nx_audit_action_name(NX_AUDIT_ACTION_COUNT));
    cr_assert_eq(nx_audit_action_parse("delete"), -1);
    cr_assert_str_eq(nx_audit_outcome_name(NX_AUDIT_OUTCOME_OK), "ok");
    cr_assert_str_eq(nx_audit_outcome_name(NX_AUDIT_OUTCOME_FAILED), "failed");
}

Test(audit, changing_any_field_of_any_event_is_found)
{
    fill();
    static const char *const edits[] = {
        "seq = 1000", "at = at + 1", "user = user || 'x'", "role = 'auditor'",
        "device = upper(device)", "action = CASE action WHEN 'view' THEN 'lock' ELSE 'view' END",
        "item_id = item_id || '0'", "field = field || 'x'", "reason = reason || '.'",
        "outcome = CASE outcome WHEN 'ok' THEN 'failed' ELSE 'ok' END",
        "prev_hash = randomblob(32)", "hash = randomblob(32)",
        /* Shapes nexus never writes: caught as malformed, not skipped. */
        "hash = substr(hash, 1, 31)", "prev_hash = NULL", "at = CAST(at AS TEXT) || 'x'",
        "reason = CAST(reason || x'00' || 'hidden' AS TEXT)",
    };
    for (int seq = 1; seq <= N_EVENTS; seq++) {
        for (size_t e = 0; e < sizeof edits / sizeof edits[0]; e++) {
            char what[128];
            snprintf(what, sizeof what, "event %d: %s", seq, edits[e]);
            sql("SAVEPOINT tamper");
            char *msg = NULL;
            char q[256];
            snprintf(q, sizeof q, "UPDATE audit SET %s WHERE seq = %d", edits[e], seq);
            int rc = sqlite3_exec(nx_store_db(p.store), q, NULL, NULL, &msg);
            sqlite3_free(msg);
            /* prev_hash is NOT NULL: the schema itself refuses that edit. */
            if (rc == SQLITE_OK)
                expect_broken((uint64_t)seq, NULL, what);
            sql("ROLLBACK TO tamper");
            sql("RELEASE tamper");
        }
    }
    expect_sound(N_EVENTS);
}

Test(audit, messages_name_the_broken_link)
{
    fill();
    sql("SAVEPOINT t");
    sql("UPDATE audit SET reason = 'x' WHERE seq = 4");
    expect_broken(4, "audit chain broken at event 4: hash mismatch", "altered");
    sql("ROLLBACK TO t");
    sql("UPDATE audit SET prev_hash = randomblob(32) WHERE seq = 7");
    expect_broken(7, "audit chain broken at event 7: it does not link to event 6", "link");
    sql("ROLLBACK TO t");
    sql("UPDATE audit SET prev_hash = randomblob(32) WHERE seq = 1");
    expect_broken(1, "audit chain broken at event 1: it does not start this device's chain",
                  "genesis");
    sql("ROLLBACK TO t");
    sql("UPDATE audit SET seq = 0 WHERE seq = 1");
    expect_broken(1, "before event 1", "seq 0");
    sql("ROLLBACK TO t");
    sql("RELEASE t");
}

Test(audit, shifting_bytes_between_fields_is_found)
{
    /* "ab"+"c" and "a"+"bc" join alike; length prefixes keep them apart. */
    char err[256];
    nx_audit_event ev = { .action = NX_AUDIT_UPDATE, .item_id = "ab", .field = "c" };
    cr_assert_eq(nx_profile_audit(&p, &ev, err, sizeof err), 0, "%s", err);
    sql("SAVEPOINT t");
    sql("UPDATE audit SET item_id = 'a', field = 'bc' WHERE seq = 2");
    expect_broken(2, "hash mismatch", "shifted between item and field");
    sql("ROLLBACK TO t");
    sql("UPDATE audit SET item_id = '', user = user || 'ab' WHERE seq = 2");
    expect_broken(2, "hash mismatch", "shifted into another column");
    sql("ROLLBACK TO t");
    sql("RELEASE t");
}

Test(audit, deleting_an_event_is_found)
{
    fill();
    for (int seq = 1; seq < N_EVENTS; seq++) {
        char what[64], want[64];
        snprintf(what, sizeof what, "event %d deleted", seq);
        snprintf(want, sizeof want, "audit chain broken: event %d missing", seq);
        sql("SAVEPOINT t");
        sql("DELETE FROM audit WHERE seq = %d", seq);
        expect_broken((uint64_t)seq, want, what);
        sql("ROLLBACK TO t");
        sql("RELEASE t");
    }
    /* Deleted for good, and seen again from the files. */
    sql("DELETE FROM audit WHERE seq = 5");
    reopen();
    uint64_t events;
    char why[256];
    cr_assert_eq(nx_profile_verify(&p, &events, why, sizeof why), -1);
    cr_assert_str_eq(why, "audit chain broken: event 5 missing");
    cr_assert_eq(events, 4);
}

Test(audit, reordering_events_is_found)
{
    fill();
    static const int swaps[][2] = { { 3, 6 }, { 9, 10 }, { 1, 2 }, { 1, 10 } };
    for (size_t i = 0; i < sizeof swaps / sizeof swaps[0]; i++) {
        int a = swaps[i][0], b = swaps[i][1];
        char what[64];
        snprintf(what, sizeof what, "events %d and %d swapped", a, b);
        sql("SAVEPOINT t");
        sql("UPDATE audit SET seq = -1 WHERE seq = %d", a);
        sql("UPDATE audit SET seq = %d WHERE seq = %d", a, b);
        sql("UPDATE audit SET seq = %d WHERE seq = -1", b);
        expect_broken((uint64_t)a, a == 1 ? "does not start" : "does not link", what);
        sql("ROLLBACK TO t");
        sql("RELEASE t");
    }
    expect_sound(N_EVENTS);
}

Test(audit, removing_the_last_events_is_found)
{
    fill();
    static const int ks[] = { 1, 2, 5, N_EVENTS };
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
        int k = ks[i];
        char what[64], want[128];
        snprintf(what, sizeof what, "last %d removed", k);
        if (k == N_EVENTS)
            snprintf(want, sizeof want, "audit chain is empty but the key file records event %d",
                     N_EVENTS);
        else
            snprintf(want, sizeof want, "audit chain ends at event %d but the key file records "
                     "event %d", N_EVENTS - k, N_EVENTS);
        sql("SAVEPOINT t");
        sql("DELETE FROM audit WHERE seq > %d", N_EVENTS - k);
        expect_broken((uint64_t)(N_EVENTS - k + 1), want, what);
        sql("ROLLBACK TO t");
        sql("RELEASE t");
    }
    /* For good, then from the files: the head in the key file is what
     * remembers that the chain was longer. */
    sql("DELETE FROM audit WHERE seq > 8");
    reopen();
    uint64_t events;
    char why[256];
    cr_assert_eq(nx_profile_verify(&p, &events, why, sizeof why), -1);
    cr_assert_str_eq(why, "audit chain ends at event 8 but the key file records event 10");
}

Test(audit, a_cut_chain_that_grew_again_is_found)
{
    fill();
    sql("DELETE FROM audit WHERE seq > 7");
    char err[512];
    nx_audit_event ev = { .action = NX_AUDIT_VIEW, .item_id = "c0ffee" };
    /* Events are still recorded (refusing them would stop the audit, not
     * the tampering), but the key file's head stays where it was: moving it
     * onto or past the new event 10 would forget the cut. */
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(nx_profile_audit(&p, &ev, err, sizeof err), 1, "event %d", 8 + i);
        cr_assert(strstr(err, "no longer holds event 10"), "%s", err);
    }
    uint64_t head_seq;
    unsigned char hash[NX_AUDIT_HASH_BYTES];
    nx_vault_head(p.vault, &head_seq, hash);
    cr_assert_eq(head_seq, N_EVENTS);
    expect_broken(10, "audit chain broken at event 10: it is not the event the key file "
                  "records there", "regrown");
    reopen();
    expect_broken(10, "not the event the key file records", "regrown, reopened");
}

Test(audit, head_behind_the_chain_is_accepted)
{
    fill();
    /* A crash between COMMIT and the key file's rewrite: events 11-13 are
     * in the cache, the key file still says 10. */
    char err[512];
    nx_audit_event ev = { .action = NX_AUDIT_VIEW, .item_id = "c0ffee" };
    for (int i = 0; i < 3; i++)
        cr_assert_eq(nx_audit_log(p.store, &p.audit, &ev, err, sizeof err), 0, "%s", err);
    reopen();
    uint64_t head_seq;
    unsigned char hash[NX_AUDIT_HASH_BYTES];
    nx_vault_head(p.vault, &head_seq, hash);
    cr_assert_eq(head_seq, N_EVENTS);
    expect_sound(N_EVENTS + 3);
    /* The next commit's head update catches up. */
    cr_assert_eq(nx_profile_audit_commit_head(&p, err, sizeof err), 0, "%s", err);
    reopen();
    nx_vault_head(p.vault, &head_seq, hash);
    cr_assert_eq(head_seq, N_EVENTS + 3);
    expect_sound(N_EVENTS + 3);
}

static void rewrite_keyfile(const char *from, const char *to)
{
    char *buf = NULL, err[512];
    size_t len = 0;
    cr_assert_eq(nx_read_file(p.keyfile, 8192, &buf, &len, err, sizeof err), 0, "%s", err);
    char *at = strstr(buf, from);
    cr_assert_not_null(at, "no '%s' in the key file", from);
    size_t fl = strlen(from), tl = strlen(to);
    char *out = malloc(len - fl + tl);
    memcpy(out, buf, (size_t)(at - buf));
    memcpy(out + (at - buf), to, tl);
    memcpy(out + (at - buf) + tl, at + fl, len - (size_t)(at - buf) - fl);
    cr_assert_eq(nx_write_atomic(p.keyfile, out, len - fl + tl, err, sizeof err), 0, "%s", err);
    free(out);
    free(buf);
}

Test(audit, tampered_head_refuses_open)
{
    fill();
    nx_profile_close(&p);
    paths(&p);
    char err[512];
    /* Claiming fewer events, to hide the last ones: the MAC says no. */
    rewrite_keyfile("\nhead 10 ", "\nhead 8 ");
    cr_assert_eq(nx_profile_open(&p, PASS, strlen(PASS), err, sizeof err), -1);
    cr_assert(strstr(err, "audit head does not authenticate"), "%s", err);
    rewrite_keyfile("\nhead 8 ", "\nhead 10 ");
    cr_assert_eq(nx_profile_open(&p, PASS, strlen(PASS), err, sizeof err), 0, "%s", err);
    nx_profile_close(&p);
    paths(&p);
    /* Dropping the head line altogether is refused too. */
    char *buf = NULL;
    size_t len = 0;
    cr_assert_eq(nx_read_file(p.keyfile, 8192, &buf, &len, err, sizeof err), 0);
    char *head = strstr(buf, "\nhead ");
    cr_assert_not_null(head);
    cr_assert_eq(nx_write_atomic(p.keyfile, buf, (size_t)(head - buf) + 1, err, sizeof err), 0);
    free(buf);
    cr_assert_eq(nx_profile_open(&p, PASS, strlen(PASS), err, sizeof err), -1);
    cr_assert(strstr(err, "expected 'head'"), "%s", err);
}

Test(audit, rolled_back_transaction_leaves_no_event_and_no_change)
{
    char err[512];
    nx_client_row c = { .id = "cl-1", .name = "North Clinic", .tz = "America/New_York" };
    nx_audit_event ev = { .action = NX_AUDIT_CREATE, .item_id = "cl-1" };
    cr_assert_eq(nx_store_begin(p.store), 0);
    cr_assert_eq(nx_store_client_put(p.store, &c), 0);
    cr_assert_eq(nx_audit_append(p.store, &p.audit, &ev, err, sizeof err), 0, "%s", err);
    nx_store_rollback(p.store);
    cr_assert_eq(nx_store_count(p.store, "clients"), 0);
    cr_assert_eq(nx_store_audit_count(p.store), 1);
    expect_sound(1);
    /* The same, committed: both are there. */
    cr_assert_eq(nx_store_begin(p.store), 0);
    cr_assert_eq(nx_store_client_put(p.store, &c), 0);
    cr_assert_eq(nx_audit_append(p.store, &p.audit, &ev, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_store_commit(p.store), 0);
    cr_assert_eq(nx_profile_audit_commit_head(&p, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_store_count(p.store, "clients"), 1);
    expect_sound(2);
}

Test(audit, failing_audit_write_aborts_the_change)
{
    char err[512] = "";
    sql("CREATE TRIGGER audit_full BEFORE INSERT ON audit "
        "BEGIN SELECT RAISE(ABORT, 'audit log unavailable'); END");
    nx_client_row c = { .id = "cl-1", .name = "North Clinic", .tz = "America/New_York" };
    nx_audit_event ev = { .action = NX_AUDIT_CREATE, .item_id = "cl-1" };
    /* The documented pattern: the change, its event, and a rollback when
     * either fails. */
    cr_assert_eq(nx_store_begin(p.store), 0);
    cr_assert_eq(nx_store_client_put(p.store, &c), 0);
    int rc = nx_audit_append(p.store, &p.audit, &ev, err, sizeof err);
    if (rc == 0)
        rc = nx_store_commit(p.store);
    else
        nx_store_rollback(p.store);
    cr_assert_eq(rc, -1);
    cr_assert(strstr(err, "cannot write the audit event: audit log unavailable"), "%s", err);
    cr_assert_eq(nx_store_count(p.store, "clients"), 0, "the change outlived its audit event");
    /* An event with no change: the caller is told not to go on. */
    nx_audit_event view = { .action = NX_AUDIT_VIEW, .item_id = "cl-1" };
    cr_assert_eq(nx_profile_audit(&p, &view, err, sizeof err), -1);
    cr_assert_eq(nx_audit_log(p.store, &p.audit, &view, err, sizeof err), -1);
    cr_assert(nx_store_in_transaction(p.store) == 0, "a failed log left a transaction open");
    sql("DROP TRIGGER audit_full");
    expect_sound(1);
}

Test(audit, append_outside_a_transaction_is_refused)
{
    char err[512] = "";
    nx_audit_event ev = { .action = NX_AUDIT_UPDATE, .item_id = "cl-1", .field = "name" };
    cr_assert_eq(nx_audit_append(p.store, &p.audit, &ev, err, sizeof err), -1);
    cr_assert(strstr(err, "inside the transaction"), "%s", err);
    cr_assert_eq(nx_store_audit_count(p.store), 1);
}

Test(audit, events_take_ids_not_values)
{
    char err[512];
    char longreason[NX_AUDIT_REASON_MAX + 2];
    memset(longreason, 'r', sizeof longreason - 1);
    longreason[sizeof longreason - 1] = '\0';
    const nx_audit_event bad[] = {
        { .action = NX_AUDIT_VIEW, .item_id = "Jane Doe" },
        { .action = NX_AUDIT_VIEW, .item_id = "(555) 201-3344" },
        { .action = NX_AUDIT_UPDATE, .item_id = "x1", .field = "1980-02-03 DOB" },
        { .action = NX_AUDIT_REVEAL, .item_id = "x1", .field = "member_id" },
        { .action = NX_AUDIT_REVEAL, .item_id = "x1", .reason = "payer call" },
        { .action = NX_AUDIT_REVEAL, .item_id = "x1", .field = "member_id",
          .reason = "two\nlines" },
        { .action = NX_AUDIT_REVEAL, .item_id = "x1", .field = "member_id",
          .reason = longreason },
        { .action = NX_AUDIT_ACTION_COUNT },
        { .action = NX_AUDIT_VIEW, .outcome = (nx_audit_outcome)7 },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        cr_assert_eq(nx_audit_log(p.store, &p.audit, &bad[i], err, sizeof err), -1,
                     "event %zu accepted", i);
        cr_assert(strncmp(err, "audit: ", 7) == 0, "event %zu: %s", i, err);
    }
    /* A refused reveal is still an event: no reason needed to record it. */
    nx_audit_event refused = { .action = NX_AUDIT_REVEAL, .item_id = "x1", .field = "dob",
                               .outcome = NX_AUDIT_OUTCOME_FAILED };
    cr_assert_eq(nx_audit_log(p.store, &p.audit, &refused, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_store_audit_count(p.store), 2);
}

Test(audit, chain_is_bound_to_its_device_and_key)
{
    fill();
    uint64_t head_seq, bad = 0, events;
    unsigned char head_hash[NX_AUDIT_HASH_BYTES];
    char msg[256];
    nx_vault_head(p.vault, &head_seq, head_hash);
    nx_audit_ctx other = p.audit;
    other.device[0] = other.device[0] == '0' ? '1' : '0';
    cr_assert_eq(nx_audit_verify(p.store, &other, head_seq, head_hash, &events, &bad, msg,
                                 sizeof msg), -1);
    cr_assert_eq(bad, 1, "%s", msg);
    cr_assert(strstr(msg, "does not start this device's chain"), "%s", msg);

    unsigned char key[NX_KEY_BYTES];
    memcpy(key, p.audit.key.bytes, sizeof key);
    p.audit.key.bytes[0] ^= 1;
    int rc = nx_audit_verify(p.store, &p.audit, head_seq, head_hash, &events, &bad, msg,
                             sizeof msg);
    memcpy(p.audit.key.bytes, key, sizeof key);
    cr_assert_eq(rc, -1);
    cr_assert_eq(bad, 1, "%s", msg);
}

/* An independent BLAKE2b over the encoding audit.h documents, so a reader
 * of the chain (the hub, an auditor's tool) can rely on the description. */
static void put_u64(crypto_generichash_state *st, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    crypto_generichash_update(st, b, 8);
}

static void put_lp(crypto_generichash_state *st, const char *s)
{
    put_u64(st, strlen(s));
    crypto_generichash_update(st, (const unsigned char *)s, strlen(s));
}

Test(audit, hash_follows_the_documented_encoding)
{
    char err[512];
    nx_audit_event ev = { .action = NX_AUDIT_REVEAL, .item_id = "it-9", .field = "dob",
                          .reason = "caller verified; payer needs DOB", .at = -5 };
    cr_assert_eq(nx_profile_audit(&p, &ev, err, sizeof err), 0, "%s", err);

    const unsigned char *k = p.audit.key.bytes;
    unsigned char genesis[32], mine[32], h1[32], h2[32];
    crypto_generichash_state st;
    crypto_generichash_init(&st, k, 32, 32);
    put_lp(&st, "nexus-audit-genesis");
    put_lp(&st, "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a");
    crypto_generichash_final(&st, genesis, 32);
    nx_audit_genesis(&p.audit, mine);
    cr_assert_eq(memcmp(genesis, mine, 32), 0);

    sqlite3_stmt *q;
    cr_assert_eq(sqlite3_prepare_v2(nx_store_db(p.store),
                 "SELECT at, prev_hash, hash FROM audit ORDER BY seq", -1, &q, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
    int64_t at1 = sqlite3_column_int64(q, 0);
    cr_assert_eq(memcmp(sqlite3_column_blob(q, 1), genesis, 32), 0);
    memcpy(h1, sqlite3_column_blob(q, 2), 32);
    crypto_generichash_init(&st, k, 32, 32);
    put_lp(&st, "nexus-audit-event-v1");
    put_u64(&st, 1);
    put_u64(&st, (uint64_t)at1);
    const char *f1[] = { "alice", "prior-auth", "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a", "init",
                         "", "", "", "ok" };
    for (int i = 0; i < 8; i++)
        put_lp(&st, f1[i]);
    crypto_generichash_update(&st, genesis, 32);
    crypto_generichash_final(&st, mine, 32);
    cr_assert_eq(memcmp(mine, h1, 32), 0, "event 1");

    cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
    cr_assert_eq(sqlite3_column_int64(q, 0), -5);
    cr_assert_eq(memcmp(sqlite3_column_blob(q, 1), h1, 32), 0);
    memcpy(h2, sqlite3_column_blob(q, 2), 32);
    sqlite3_finalize(q);
    crypto_generichash_init(&st, k, 32, 32);
    put_lp(&st, "nexus-audit-event-v1");
    put_u64(&st, 2);
    put_u64(&st, (uint64_t)(int64_t)-5);
    const char *f2[] = { "alice", "prior-auth", "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a", "reveal",
                         "it-9", "dob", "caller verified; payer needs DOB", "ok" };
    for (int i = 0; i < 8; i++)
        put_lp(&st, f2[i]);
    crypto_generichash_update(&st, h1, 32);
    crypto_generichash_final(&st, mine, 32);
    cr_assert_eq(memcmp(mine, h2, 32), 0, "event 2");
}
