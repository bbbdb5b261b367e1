/* The hub's own audit chain sent to the oversight roles (hub/pull_haudit.c):
 * a privacy officer's, security officer's and auditor's pull with
 * HAUDIT_CURSOR carries the chain's events after it, in seq order, linked
 * (each PREV_HASH the HASH before), the send's own event included, with
 * END's HAUDIT_CURSOR; the next pull resumes from it; a long chain goes in
 * batches of NX_HAUDIT_PULL_MAX with MORE; agents, an eligibility
 * specialist and a supervisor get no HAUDIT frame and no cursor, nor does
 * an officer whose client does not ask; the devices' stream (AUDIT,
 * hub_seq) is as before; a client may not send a HAUDIT frame; what the
 * chain says about an op carrying patient data holds none of it. Uses the
 * hub_serve fixture. */
#include <criterion/criterion.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/test_hub_serve.h"

TestSuite(hub_serve_haudit, .fini = hs_teardown);

#define DEV_OLIVIA "0f0f0f0f0f0f0f0f"

/* PULL with the devices' and the hub's cursors (< 0: left out). */
static void pull(hs_conn *c, long long audit_cursor, long long haudit_cursor)
{
    nx_wbuf *b = &c->out;
    nx_msg_begin(b, NX_MSG_PULL);
    nx_msg_u64(b, NX_TAG_CURSOR, 0);
    nx_msg_u64(b, NX_TAG_HLC, hs_hlc(0));
    if (audit_cursor >= 0)
        nx_msg_u64(b, NX_TAG_AUDIT_CURSOR, (uint64_t)audit_cursor);
    if (haudit_cursor >= 0)
        nx_msg_u64(b, NX_TAG_HAUDIT_CURSOR, (uint64_t)haudit_cursor);
    nx_msg_end(b);
}

static void session(hs_conn *c, const char *user, const char *device, long long haudit_cursor)
{
    hs_open(c, user);
    hs_hello(c, device, 0, 0);
    pull(c, 0, haudit_cursor);
    hs_send(c);
    cr_assert_geq(hs_read_until(c, NX_MSG_END), 0);
    cr_assert_eq(hs_nframes(c, NX_MSG_ERROR), 0);
}

/* END's HAUDIT_CURSOR (-1 when absent) and MORE. */
static long long end_cursor(hs_conn *c, int *more)
{
    return hs_end_cursor(c, NX_TAG_HAUDIT_CURSOR, more);
}

/* The HAUDIT frames of c: seq from first on without gap, each PREV_HASH
 * the HASH before (the first against the hub's stored hash of first - 1).
 * Returns how many. */
static size_t check_frames(hs_conn *c, uint64_t first)
{
    size_t n = hs_nframes(c, NX_MSG_HAUDIT);
    nx_msg *m = malloc(sizeof *m);
    unsigned char last[32];
    if (first > 1) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT hex(hash) FROM audit WHERE seq = %llu",
                 (unsigned long long)first - 1);
        char hex[80] = "";
        hs_text(sql, hex, sizeof hex);
        size_t bl = 0;
        cr_assert_eq(sodium_hex2bin(last, 32, hex, strlen(hex), NULL, &bl, NULL), 0);
    }
    for (size_t k = 0; k < n; k++) {
        hs_decode(c, (size_t)hs_find(c, NX_MSG_HAUDIT, k), m);
        uint64_t seq = 0;
        cr_assert_eq(nx_msg_get_u64(m, NX_TAG_SEQ, &seq), 1);
        cr_assert_eq(seq, first + k, "frame %zu: seq %llu", k, (unsigned long long)seq);
        cr_assert_null(nx_msg_get(m, NX_TAG_HUB_SEQ), "the devices' numbering stays theirs");
        const nx_field_ref *p = nx_msg_get(m, NX_TAG_PREV_HASH), *h = nx_msg_get(m, NX_TAG_HASH);
        cr_assert(p && h);
        if (seq > 1)
            cr_assert_eq(memcmp(p->p, last, 32), 0, "event %llu links to the one before",
                         (unsigned long long)seq);
        memcpy(last, h->p, 32);
    }
    free(m);
    return n;
}

/* The seq of the last event recording a send of the hub's chain to user. */
static long long last_send(const char *user)
{
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT max(seq) FROM audit WHERE user='%s' AND action='send' AND"
             " reason LIKE 'hub audit events sent:%%'", user);
    return hs_count(sql);
}

/* 1 when a HAUDIT frame's bytes hold s. */
static int haudit_holds(hs_conn *c, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < c->nfr; i++) {
        if (c->fr[i].type != NX_MSG_HAUDIT || c->fr[i].len < n)
            continue;
        for (size_t j = 0; j + n <= c->fr[i].len; j++)
            if (memcmp(c->fr[i].body + j, s, n) == 0)
                return 1;
    }
    return 0;
}

Test(hub_serve_haudit, officers_get_the_hubs_chain_from_their_cursor_on)
{
    hs_setup_officers();
    /* An agent's session: an op carrying a patient's name on an item out
     * of her scope (refused), one on her own (applied). */
    hs_item("sc-1", "scheduling", "new", "alice", "north");
    hs_item("sc-9", "scheduling", "new", "zed", "south");
    hs_conn c;
    hs_open(&c, "alice");
    hs_hello(&c, HS_DEV_A, 0, 0);
    hs_op(&c, "44444444-4444-4444-8444-444444444444", "set", "sc-9", "appointment_provider",
          HS_FAMILY, NULL, "alice", HS_DEV_A, hs_hlc(0));
    hs_op(&c, "55555555-5555-4555-8555-555555555555", "set", "sc-1", "appointment_provider",
          "Dr " HS_FAMILY, NULL, "alice", HS_DEV_A, hs_hlc(0));
    pull(&c, 0, 0);
    hs_send(&c);
    cr_assert_geq(hs_read_until(&c, NX_MSG_END), 0);
    cr_assert_eq(hs_nframes(&c, NX_MSG_HAUDIT), 0, "an agent's pull carries no hub event");
    int more = 1;
    cr_assert_eq(end_cursor(&c, &more), -1);
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);
    cr_assert_eq(hs_count("SELECT count(*) FROM audit WHERE action='reject' AND item_id='sc-9'"),
                 1);

    static const char *const officers[] = { "olivia", "sid", "ada" };
    static const char *const devs[] = { DEV_OLIVIA, "5151515151515151", "adadadadadadadad" };
    for (size_t o = 0; o < 3; o++) {
        long long before = hs_count("SELECT max(seq) FROM audit");
        session(&c, officers[o], devs[o], 0);
        /* everything up to the session's own send event, that included */
        long long sent = last_send(officers[o]);
        cr_assert_gt(sent, before);
        size_t n = check_frames(&c, 1);
        cr_assert_eq((long long)n, sent, "%s: %zu frames, send event %lld", officers[o], n, sent);
        cr_assert_eq(end_cursor(&c, &more), sent);
        cr_assert_eq(more, 0);
        cr_assert_eq(hs_nframes(&c, NX_MSG_AUDIT), 0, "no device pushed anything");
        /* The hub's events hold ids, not values. */
        cr_assert_not(haudit_holds(&c, HS_FAMILY), "%s: a patient's name in a hub event",
                      officers[o]);
        cr_assert(haudit_holds(&c, "sc-9"), "the refused op's item id is there");
        cr_assert_eq(hs_close(&c), 0);
        hs_free(&c);
        char sql[256];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM audit WHERE action='send' AND seq=%lld AND "
                 "reason = 'hub audit events sent: %lld (seq 1 to %lld, this one included)'",
                 sent, sent, sent);
        cr_assert_eq(hs_count(sql), 1, "the send is in the chain it sent");

        /* From the cursor on: at least the session's end event, the next
         * session's start and its send, and nothing twice. */
        session(&c, officers[o], devs[o], sent);
        long long sent2 = last_send(officers[o]);
        size_t k = check_frames(&c, (uint64_t)sent + 1);
        cr_assert_eq((long long)k, sent2 - sent);
        cr_assert_geq(k, 3u);
        cr_assert_eq(end_cursor(&c, &more), sent2);
        cr_assert_eq(hs_close(&c), 0);
        hs_free(&c);
    }
}

Test(hub_serve_haudit, other_roles_and_a_client_that_does_not_ask_get_none)
{
    hs_setup_officers();
    static const struct { const char *user, *dev; } who[] = {
        { "alice", HS_DEV_A }, { "bob", HS_DEV_B }, { "erin", "e5e5e5e5e5e5e5e5" },
        { "pat", "f6f6f6f6f6f6f6f6" }, { "sam", "d4d4d4d4d4d4d4d4" },
    };
    for (size_t i = 0; i < sizeof who / sizeof who[0]; i++) {
        hs_conn c;
        session(&c, who[i].user, who[i].dev, 0);
        cr_assert_eq(hs_nframes(&c, NX_MSG_HAUDIT), 0, "%s got a hub event", who[i].user);
        int more = 1;
        cr_assert_eq(end_cursor(&c, &more), -1, "no hub cursor for %s", who[i].user);
        cr_assert_eq(more, 0);
        cr_assert_eq(hs_close(&c), 0);
        hs_free(&c);
    }
    cr_assert_eq(hs_count("SELECT count(*) FROM audit WHERE reason LIKE 'hub audit events%'"),
                 0, "nothing sent, nothing audited as sent");
    /* An officer whose client does not ask. */
    hs_conn c;
    session(&c, "olivia", DEV_OLIVIA, -1);
    cr_assert_eq(hs_nframes(&c, NX_MSG_HAUDIT), 0);
    int more;
    cr_assert_eq(end_cursor(&c, &more), -1);
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);
    /* The devices' stream answered as before: its cursor, no hub events in it. */
    cr_assert_eq(hs_count("SELECT count(*) FROM device_audit"), 0);
}

Test(hub_serve_haudit, a_long_chain_goes_in_bounded_batches, .timeout = 120)
{
    hs_setup_officers();
    char err[512] = "";
    cr_assert_eq(nx_hub_begin(hs_hub), 0);
    for (int i = 0; i < NX_HAUDIT_PULL_MAX + 10; i++) {
        nx_hub_event e = { .action = NX_HUB_ACT_SECURITY, .reason = "synthetic filler" };
        cr_assert_eq(nx_hub_audit(hs_hub, &e, err, sizeof err), 0, "%s", err);
    }
    cr_assert_eq(nx_hub_commit(hs_hub), 0);
    hs_conn c;
    session(&c, "ada", "adadadadadadadad", 0);
    cr_assert_eq(check_frames(&c, 1), (size_t)NX_HAUDIT_PULL_MAX);
    int more = 0;
    cr_assert_eq(end_cursor(&c, &more), NX_HAUDIT_PULL_MAX);
    cr_assert_eq(more, 1);
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);
    char why[200] = "";
    hs_text("SELECT reason FROM audit WHERE reason LIKE 'hub audit events sent:%'", why,
            sizeof why);
    cr_assert(strstr(why, ", more wait"), "%s", why);
    /* The rest, up to this session's send. */
    session(&c, "ada", "adadadadadadadad", NX_HAUDIT_PULL_MAX);
    long long sent = last_send("ada");
    size_t rest = check_frames(&c, NX_HAUDIT_PULL_MAX + 1);
    cr_assert_eq((long long)rest, sent - NX_HAUDIT_PULL_MAX);
    cr_assert_gt(rest, 10u);
    cr_assert_eq(end_cursor(&c, &more), sent);
    cr_assert_eq(more, 0);
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);
}

Test(hub_serve_haudit, a_client_may_not_send_a_hub_event)
{
    hs_setup_officers();
    hs_conn c;
    hs_open(&c, "olivia");
    hs_hello(&c, DEV_OLIVIA, 0, 0);
    unsigned char z[32] = { 0 };
    nx_msg_begin(&c.out, NX_MSG_HAUDIT);
    nx_msg_u64(&c.out, NX_TAG_SEQ, 1);
    nx_msg_i64(&c.out, NX_TAG_AT, 1780000001);
    nx_msg_str(&c.out, NX_TAG_USER, "olivia");
    nx_msg_str(&c.out, NX_TAG_ROLE, "hub-admin");
    nx_msg_str(&c.out, NX_TAG_DEVICE, "hub");
    nx_msg_str(&c.out, NX_TAG_ACTION, "hub-init");
    nx_msg_str(&c.out, NX_TAG_OUTCOME, "ok");
    nx_msg_hash(&c.out, NX_TAG_PREV_HASH, z);
    nx_msg_hash(&c.out, NX_TAG_HASH, z);
    nx_msg_end(&c.out);
    pull(&c, 0, 0);
    long long before = hs_count("SELECT max(seq) FROM audit");
    hs_send(&c);
    int i = hs_read_until(&c, NX_MSG_END);
    cr_assert_geq(i, 0);
    cr_assert_eq(c.fr[i].type, NX_MSG_ERROR);
    nx_msg *m = malloc(sizeof *m);
    hs_decode(&c, (size_t)i, m);
    char msg[600];
    nx_msg_get_str(m, NX_TAG_MESSAGE, msg, sizeof msg);
    cr_assert(strstr(msg, "unexpected haudit"), "%s", msg);
    free(m);
    hs_close(&c);
    hs_free(&c);
    cr_assert_eq(hs_count("SELECT count(*) FROM audit WHERE seq > 1 AND action='hub-init'"), 0);
    cr_assert_geq(hs_count("SELECT max(seq) FROM audit"), before, "the chain only grows");
    uint64_t events = 0;
    char msgv[256] = "";
    cr_assert_eq(nx_hub_audit_verify(hs_hub, &events, msgv, sizeof msgv), 0, "%s", msgv);
}
