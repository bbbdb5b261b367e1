/* The hub's side of the devices' audit events for oversight
 * (hub/pull_audit.c): agents push their chains; a privacy officer's,
 * security officer's and auditor's pull carries every device's events in
 * hub_seq order with END's AUDIT_CURSOR, from their cursor on, in batches
 * of NX_AUDIT_PULL_MAX with MORE; an agent's, an eligibility specialist's
 * and a supervisor's pull carries no AUDIT frame at all (and no cursor);
 * a client may not send a hub sequence; hub migration 2 numbers the
 * events an older store holds. Uses the hub_serve fixture. */
#include <criterion/criterion.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/test_hub_serve.h"

TestSuite(hub_serve_audit, .fini = hs_teardown);

#define DEV_OLIVIA "0f0f0f0f0f0f0f0f"
#define DEV_ADA "adadadadadadadad"
#define REVEAL_WHY "patient asked to confirm the address on file"

/* Event seq of a device: hash = (seq, device letter) repeated. */
static void hash_of(char dev, uint64_t seq, unsigned char out[32])
{
    memset(out, (int)(seq & 0x7f), 32);
    out[0] = (unsigned char)dev;
}

static void event(hs_conn *c, const char *device, char dev, uint64_t seq, const char *action,
                  const char *item, const char *reason)
{
    unsigned char prev[32], h[32];
    if (seq == 1)
        memset(prev, 0, 32);
    else
        hash_of(dev, seq - 1, prev);
    hash_of(dev, seq, h);
    nx_wbuf *b = &c->out;
    nx_msg_begin(b, NX_MSG_AUDIT);
    nx_msg_u64(b, NX_TAG_SEQ, seq);
    nx_msg_i64(b, NX_TAG_AT, 1780000000 + (int64_t)seq);
    nx_msg_str(b, NX_TAG_USER, c->user);
    nx_msg_str(b, NX_TAG_ROLE, "scheduling");
    nx_msg_str(b, NX_TAG_DEVICE, device);
    nx_msg_str(b, NX_TAG_ACTION, action);
    nx_msg_str(b, NX_TAG_OUTCOME, "ok");
    nx_msg_hash(b, NX_TAG_PREV_HASH, prev);
    nx_msg_hash(b, NX_TAG_HASH, h);
    if (item)
        nx_msg_str(b, NX_TAG_ITEM, item);
    if (reason)
        nx_msg_str(b, NX_TAG_REASON, reason);
    nx_msg_end(b);
}

/* PULL with (or without, audit_cursor < 0) AUDIT_CURSOR. */
static void pull(hs_conn *c, long long audit_cursor)
{
    nx_wbuf *b = &c->out;
    nx_msg_begin(b, NX_MSG_PULL);
    nx_msg_u64(b, NX_TAG_CURSOR, 0);
    nx_msg_u64(b, NX_TAG_HLC, hs_hlc(0));
    if (audit_cursor >= 0)
        nx_msg_u64(b, NX_TAG_AUDIT_CURSOR, (uint64_t)audit_cursor);
    nx_msg_end(b);
}

/* alice pushes 3 events from device A (the second a reveal with its
 * reason), bob 2 from device B. */
static void agents_push(void)
{
    hs_conn c;
    hs_open(&c, "alice");
    hs_hello(&c, HS_DEV_A, 0, 0);
    event(&c, HS_DEV_A, 'A', 1, "login", NULL, NULL);
    event(&c, HS_DEV_A, 'A', 2, "reveal", "it-77", REVEAL_WHY);
    event(&c, HS_DEV_A, 'A', 3, "view", "it-77", NULL);
    pull(&c, 0);
    hs_send(&c);
    cr_assert_geq(hs_read_until(&c, NX_MSG_END), 0);
    cr_assert_eq(hs_nframes(&c, NX_MSG_ERROR), 0);
    cr_assert_eq(hs_nframes(&c, NX_MSG_AUDIT), 0, "an agent's pull carries no audit event");
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);
    hs_open(&c, "bob");
    hs_hello(&c, HS_DEV_B, 0, 0);
    event(&c, HS_DEV_B, 'B', 1, "login", NULL, NULL);
    event(&c, HS_DEV_B, 'B', 2, "view", "it-78", NULL);
    pull(&c, 0);
    hs_send(&c);
    cr_assert_geq(hs_read_until(&c, NX_MSG_END), 0);
    cr_assert_eq(hs_nframes(&c, NX_MSG_AUDIT), 0, "an agent's pull carries no audit event");
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);
}

/* One session of user on device: HELLO, PULL (audit_cursor as pull()),
 * frames up to END. */
static void session(hs_conn *c, const char *user, const char *device, long long audit_cursor)
{
    hs_open(c, user);
    hs_hello(c, device, 0, 0);
    pull(c, audit_cursor);
    hs_send(c);
    cr_assert_geq(hs_read_until(c, NX_MSG_END), 0);
    cr_assert_eq(hs_nframes(c, NX_MSG_ERROR), 0);
}

/* END's AUDIT_CURSOR (-1 when absent) and MORE. */
static long long end_audit(hs_conn *c, int *more)
{
    return hs_end_cursor(c, NX_TAG_AUDIT_CURSOR, more);
}

Test(hub_serve_audit, officers_pull_every_devices_events_in_hub_order)
{
    hs_setup_officers();
    agents_push();
    cr_assert_eq(hs_count("SELECT value FROM hub_counter WHERE name='audit'"), 5);
    cr_assert_eq(hs_count("SELECT count(DISTINCT hub_seq) FROM device_audit"), 5);

    static const char *const officers[] = { "olivia", "sid", "ada" };
    static const char *const devs[] = { DEV_OLIVIA, "5151515151515151", DEV_ADA };
    for (size_t o = 0; o < 3; o++) {
        hs_conn c;
        session(&c, officers[o], devs[o], 0);
        cr_assert_eq(hs_nframes(&c, NX_MSG_AUDIT), 5, "%s holds every device's events",
                     officers[o]);
        /* In hub order: A1 A2 A3 B1 B2, each as the device sent it. */
        static const struct { const char *dev, *user, *action; char d; uint64_t seq; } want[] = {
            { HS_DEV_A, "alice", "login", 'A', 1 }, { HS_DEV_A, "alice", "reveal", 'A', 2 },
            { HS_DEV_A, "alice", "view", 'A', 3 },  { HS_DEV_B, "bob", "login", 'B', 1 },
            { HS_DEV_B, "bob", "view", 'B', 2 },
        };
        nx_msg *m = malloc(sizeof *m);
        for (size_t k = 0; k < 5; k++) {
            hs_decode(&c, (size_t)hs_find(&c, NX_MSG_AUDIT, k), m);
            uint64_t hub_seq = 0, seq = 0;
            char dev[80], user[80], action[40], reason[600] = "", item[80] = "";
            cr_assert_eq(nx_msg_get_u64(m, NX_TAG_HUB_SEQ, &hub_seq), 1);
            cr_assert_eq(hub_seq, k + 1);
            cr_assert_eq(nx_msg_get_u64(m, NX_TAG_SEQ, &seq), 1);
            cr_assert_eq(seq, want[k].seq);
            nx_msg_get_str(m, NX_TAG_DEVICE, dev, sizeof dev);
            nx_msg_get_str(m, NX_TAG_USER, user, sizeof user);
            nx_msg_get_str(m, NX_TAG_ACTION, action, sizeof action);
            nx_msg_get_str(m, NX_TAG_REASON, reason, sizeof reason);
            nx_msg_get_str(m, NX_TAG_ITEM, item, sizeof item);
            cr_assert_str_eq(dev, want[k].dev);
            cr_assert_str_eq(user, want[k].user);
            cr_assert_str_eq(action, want[k].action);
            unsigned char h[32], p[32];
            hash_of(want[k].d, seq, h);
            if (seq == 1)
                memset(p, 0, 32);
            else
                hash_of(want[k].d, seq - 1, p);
            cr_assert_eq(memcmp(nx_msg_get(m, NX_TAG_HASH)->p, h, 32), 0);
            cr_assert_eq(memcmp(nx_msg_get(m, NX_TAG_PREV_HASH)->p, p, 32), 0);
            if (k == 1) {
                cr_assert_str_eq(reason, REVEAL_WHY, "the reveal's reason is for review");
                cr_assert_str_eq(item, "it-77");
            } else {
                cr_assert_str_eq(reason, "");
            }
        }
        free(m);
        int more = 1;
        cr_assert_eq(end_audit(&c, &more), 5);
        cr_assert_eq(more, 0);
        cr_assert_eq(hs_close(&c), 0);
        hs_free(&c);

        /* From the cursor on: nothing new, the cursor stays. */
        session(&c, officers[o], devs[o], 5);
        cr_assert_eq(hs_nframes(&c, NX_MSG_AUDIT), 0);
        cr_assert_eq(end_audit(&c, &more), 5);
        cr_assert_eq(hs_close(&c), 0);
        hs_free(&c);
    }
    /* One more event on device A: an officer at cursor 5 gets just it. */
    hs_conn c;
    hs_open(&c, "alice");
    hs_hello(&c, HS_DEV_A, 0, 0);
    event(&c, HS_DEV_A, 'A', 4, "logout", NULL, NULL);
    pull(&c, -1);
    hs_send(&c);
    cr_assert_geq(hs_read_until(&c, NX_MSG_END), 0);
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);
    session(&c, "olivia", DEV_OLIVIA, 5);
    cr_assert_eq(hs_nframes(&c, NX_MSG_AUDIT), 1);
    nx_msg *m = malloc(sizeof *m);
    hs_decode(&c, (size_t)hs_find(&c, NX_MSG_AUDIT, 0), m);
    uint64_t v = 0;
    cr_assert_eq(nx_msg_get_u64(m, NX_TAG_HUB_SEQ, &v), 1);
    cr_assert_eq(v, 6);
    free(m);
    int more;
    cr_assert_eq(end_audit(&c, &more), 6);
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);
    /* The hub's own audit says what went to whom. */
    cr_assert_eq(hs_count("SELECT count(*) FROM audit WHERE action='send' AND user='olivia' AND "
                          "reason LIKE 'device audit events sent: 5 (hub seq 1 to 5)%'"), 1);
    cr_assert_eq(hs_count("SELECT count(*) FROM audit WHERE action='send' AND user='olivia' AND "
                          "reason LIKE 'device audit events sent: 1 (hub seq 6 to 6)%'"), 1);
}

Test(hub_serve_audit, other_roles_never_receive_a_device_audit_event)
{
    hs_setup_officers();
    agents_push();
    static const struct { const char *user, *dev; } who[] = {
        { "alice", HS_DEV_A }, { "bob", HS_DEV_B }, { "erin", "e5e5e5e5e5e5e5e5" },
        { "pat", "f6f6f6f6f6f6f6f6" }, { "sam", "d4d4d4d4d4d4d4d4" },
    };
    for (size_t i = 0; i < sizeof who / sizeof who[0]; i++) {
        hs_conn c;
        session(&c, who[i].user, who[i].dev, 0);
        cr_assert_eq(hs_nframes(&c, NX_MSG_AUDIT), 0, "%s got a device audit event", who[i].user);
        int more = 1;
        cr_assert_eq(end_audit(&c, &more), -1, "no audit cursor for %s", who[i].user);
        cr_assert_eq(more, 0);
        cr_assert_not(hs_captured(&c, REVEAL_WHY), "no reveal reason on %s's wire", who[i].user);
        cr_assert_eq(hs_close(&c), 0);
        hs_free(&c);
    }
    /* An officer whose client does not ask (no AUDIT_CURSOR) gets none
     * either. */
    hs_conn c;
    session(&c, "olivia", DEV_OLIVIA, -1);
    cr_assert_eq(hs_nframes(&c, NX_MSG_AUDIT), 0);
    int more;
    cr_assert_eq(end_audit(&c, &more), -1);
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);
}

Test(hub_serve_audit, a_client_may_not_send_a_hub_sequence)
{
    hs_setup_officers();
    hs_conn c;
    hs_open(&c, "alice");
    hs_hello(&c, HS_DEV_A, 0, 0);
    /* A well-formed event of alice's own device, but with a HUB_SEQ. */
    unsigned char z[32] = { 0 }, h[32];
    hash_of('A', 1, h);
    nx_msg_begin(&c.out, NX_MSG_AUDIT);
    nx_msg_u64(&c.out, NX_TAG_SEQ, 1);
    nx_msg_i64(&c.out, NX_TAG_AT, 1780000001);
    nx_msg_str(&c.out, NX_TAG_USER, "alice");
    nx_msg_str(&c.out, NX_TAG_ROLE, "scheduling");
    nx_msg_str(&c.out, NX_TAG_DEVICE, HS_DEV_A);
    nx_msg_str(&c.out, NX_TAG_ACTION, "login");
    nx_msg_str(&c.out, NX_TAG_OUTCOME, "ok");
    nx_msg_hash(&c.out, NX_TAG_PREV_HASH, z);
    nx_msg_hash(&c.out, NX_TAG_HASH, h);
    nx_msg_u64(&c.out, NX_TAG_HUB_SEQ, 99);
    nx_msg_end(&c.out);
    pull(&c, 0);
    hs_send(&c);
    int i = hs_read_until(&c, NX_MSG_END);
    cr_assert_geq(i, 0);
    cr_assert_eq(c.fr[i].type, NX_MSG_ERROR);
    nx_msg *m = malloc(sizeof *m);
    hs_decode(&c, (size_t)i, m);
    char msg[600];
    nx_msg_get_str(m, NX_TAG_MESSAGE, msg, sizeof msg);
    cr_assert(strstr(msg, "hub sequence"), "%s", msg);
    free(m);
    hs_close(&c);
    hs_free(&c);
    cr_assert_eq(hs_count("SELECT count(*) FROM device_audit"), 0, "nothing of it kept");
}

/* More than one batch waits: NX_AUDIT_PULL_MAX go, END says MORE; the
 * next pull from the new cursor takes the rest. */
Test(hub_serve_audit, a_long_backlog_goes_in_bounded_batches, .timeout = 120)
{
    hs_setup_officers();
    unsigned char z[32] = { 0 }, h[32], prev[32];
    const uint64_t total = NX_AUDIT_PULL_MAX + 3;
    cr_assert_eq(nx_hub_begin(hs_hub), 0);
    memcpy(prev, z, 32);
    for (uint64_t seq = 1; seq <= total; seq++) {
        memset(h, 0, 32);
        memcpy(h, &seq, sizeof seq);
        nx_hub_dev_event e = { .seq = seq, .at = 1780000000 + (int64_t)seq, .device = HS_DEV_A,
                               .user = "alice", .role = "scheduling", .action = "view",
                               .item = "", .field = "", .reason = "", .outcome = "ok",
                               .prev_hash = prev, .hash = h };
        cr_assert_eq(nx_hub_dev_event_add(hs_hub, &e), 0);
        memcpy(prev, h, 32);
    }
    cr_assert_eq(nx_hub_commit(hs_hub), 0);
    hs_conn c;
    session(&c, "ada", DEV_ADA, 0);
    cr_assert_eq(hs_nframes(&c, NX_MSG_AUDIT), NX_AUDIT_PULL_MAX);
    int more = 0;
    cr_assert_eq(end_audit(&c, &more), NX_AUDIT_PULL_MAX);
    cr_assert_eq(more, 1);
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);
    session(&c, "ada", DEV_ADA, NX_AUDIT_PULL_MAX);
    cr_assert_eq(hs_nframes(&c, NX_MSG_AUDIT), 3);
    nx_msg *m = malloc(sizeof *m);
    hs_decode(&c, (size_t)hs_find(&c, NX_MSG_AUDIT, 0), m);
    uint64_t v = 0;
    cr_assert_eq(nx_msg_get_u64(m, NX_TAG_HUB_SEQ, &v), 1);
    cr_assert_eq(v, NX_AUDIT_PULL_MAX + 1);
    free(m);
    cr_assert_eq(end_audit(&c, &more), (long long)total);
    cr_assert_eq(more, 0);
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);
}

/* A store made before hub migration 2 (events without hub_seq): opening
 * it numbers the events it holds by time, then device and seq, and the
 * counter goes on from there. */
Test(hub_serve_audit, migration_2_numbers_the_events_a_store_already_holds)
{
    hs_setup_officers();
    sqlite3 *db = nx_hub_db(hs_hub);
    cr_assert_eq(sqlite3_exec(db,
                              "DROP INDEX device_audit_hub_seq;"
                              "ALTER TABLE device_audit DROP COLUMN hub_seq;"
                              "DELETE FROM hub_counter WHERE name='audit';"
                              /* nor had it migration 4's record revisions */
                              "DROP INDEX records_rev;"
                              "ALTER TABLE records DROP COLUMN rev;"
                              "INSERT INTO device_audit(device, seq, at, user, role, action,"
                              " outcome, prev_hash, hash) VALUES"
                              " ('bbbbbbbb', 1, 50, 'bob', 'scheduling', 'init', 'ok', x'00', x'01'),"
                              " ('aaaaaaaa', 2, 40, 'alice', 'scheduling', 'view', 'ok', x'01', x'02'),"
                              " ('aaaaaaaa', 1, 40, 'alice', 'scheduling', 'init', 'ok', x'00', x'01');",
                              NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
    hs_undo_hub_migration_8();
    cr_assert_eq(nx_store_meta_set(nx_hub_store(hs_hub), "hub_schema", "1"), 0);
    nx_hub_close(hs_hub);
    char err[512] = "";
    cr_assert_eq(nx_hub_open(hs_dir, NULL, &hs_hub, err, sizeof err), 0, "%s", err);
    char v[32] = "";
    cr_assert_eq(nx_store_meta_get(nx_hub_store(hs_hub), "hub_schema", v, sizeof v), 1);
    /* Migrated past 2 (later migrations may follow it). */
    cr_assert_geq(atoi(v), 2, "hub schema %s", v);
    cr_assert_eq(hs_count("SELECT hub_seq FROM device_audit WHERE device='aaaaaaaa' AND seq=1"), 1);
    cr_assert_eq(hs_count("SELECT hub_seq FROM device_audit WHERE device='aaaaaaaa' AND seq=2"), 2);
    cr_assert_eq(hs_count("SELECT hub_seq FROM device_audit WHERE device='bbbbbbbb' AND seq=1"), 3);
    cr_assert_eq(hs_count("SELECT value FROM hub_counter WHERE name='audit'"), 3);
    unsigned char p[32] = { 0 }, h[32] = { 9 };
    nx_hub_dev_event e = { .seq = 2, .at = 60, .device = "bbbbbbbb", .user = "bob",
                           .role = "scheduling", .action = "view", .outcome = "ok",
                           .prev_hash = p, .hash = h };
    cr_assert_eq(nx_hub_dev_event_add(hs_hub, &e), 0);
    cr_assert_eq(nx_hub_dev_event_add(hs_hub, &e), 1, "held already: no number drawn");
    cr_assert_eq(hs_count("SELECT hub_seq FROM device_audit WHERE device='bbbbbbbb' AND seq=2"), 4);
    cr_assert_eq(hs_count("SELECT value FROM hub_counter WHERE name='audit'"), 4);
}
