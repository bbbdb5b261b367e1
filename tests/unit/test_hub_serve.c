/* nexus-hub serve, driven over a socketpair by a fake client: the
 * handshake, minimum necessary on the wire, and the refusals (versions,
 * training, bad frames, revoked users). Merges are in
 * test_hub_serve_merge.c. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "domain/policy.h"
#include "sync/op.h"
#include "tests/unit/test_hub_serve.h"

TestSuite(hub_serve, .fini = hs_teardown);

static void welcome_of(hs_conn *c, nx_msg *m)
{
    int w = hs_find(c, NX_MSG_WELCOME, 0);
    cr_assert_geq(w, 0, "no WELCOME");
    hs_decode(c, (size_t)w, m);
}

Test(hub_serve, handshake_welcome_then_an_empty_round_and_bye)
{
    hs_setup(0);
    hs_item("it-1", "scheduling", "new", "alice", "north");
    hs_conn c;
    hs_first_pull(&c, "alice", HS_DEV_A);
    nx_msg *m = malloc(sizeof *m);
    welcome_of(&c, m);
    char s[64];
    uint64_t v = 0;
    cr_assert_eq(nx_msg_get_u64(m, NX_TAG_PROTO, &v), 1);
    cr_assert_eq(v, NX_PROTO_VERSION);
    cr_assert_eq(nx_msg_get_str(m, NX_TAG_USER, s, sizeof s), 1);
    cr_assert_str_eq(s, "alice");
    cr_assert_eq(nx_msg_get_str(m, NX_TAG_ROLE, s, sizeof s), 1);
    cr_assert_str_eq(s, "scheduling");
    cr_assert_eq(nx_msg_get_str(m, NX_TAG_TEAM, s, sizeof s), 1);
    cr_assert_str_eq(s, "north");
    cr_assert_eq(nx_msg_get_u64(m, NX_TAG_GRACE_HOURS, &v), 1);
    cr_assert_eq(v, 24);
    cr_assert_eq(nx_msg_get_u64(m, NX_TAG_KEEP_DAYS, &v), 1);
    cr_assert_eq(v, 14);
    cr_assert_eq(nx_msg_get_u64(m, NX_TAG_REVOKED, &v), 0, "not revoked: no REVOKED");
    uint64_t cursor, count;
    hs_end(&c, &cursor, &count);
    cr_assert_eq(count, 1);
    cr_assert_eq((long long)cursor, hs_count("SELECT value FROM hub_counter WHERE name='rev'"));
    /* A second round on the same connection: nothing new, no HELLO. */
    hs_pull(&c, cursor);
    hs_send(&c);
    cr_assert_geq(hs_read_until(&c, NX_MSG_END), 0);
    cr_assert_eq(hs_nframes(&c, NX_MSG_WELCOME), 1);
    uint64_t c2, n2;
    hs_end(&c, &c2, &n2);
    cr_assert_eq(c2, cursor);
    cr_assert_eq(n2, 0);
    cr_assert_eq(hs_close(&c), 0);
    cr_assert_eq(hs_count("SELECT count(*) FROM devices WHERE id='" HS_DEV_A "' AND user='alice'"), 1);
    cr_assert_eq(hs_count("SELECT count(*) FROM device_items WHERE device='" HS_DEV_A "'"), 1);
    cr_assert_geq(hs_count("SELECT count(*) FROM audit WHERE action='session' AND user='alice'"), 2);
    char why[600];
    uint64_t events;
    cr_assert_eq(nx_hub_audit_verify(hs_hub, &events, why, sizeof why), 0, "%s", why);
    free(m);
    hs_free(&c);
}

/* A first pull records what the device holds as the stream reaches it
 * (pull.c: the first 2 048 items with the round, more in commits of their
 * own), never after: cut part-way, every item the laptop got is held, so
 * that a later reassignment drops it. */
Test(hub_serve, a_pull_cut_part_way_leaves_every_item_it_sent_held)
{
    hs_setup(0);
    char err[256];
    nx_hub_seed_spec spec = { .n = 2600, .team = "north", .assignee = "alice", .kind = "scheduling" };
    cr_assert_eq(nx_hub_seed(hs_hub, &spec, err, sizeof err), 0, "%s", err);
    hs_conn c;
    hs_open(&c, "alice");
    hs_hello(&c, HS_DEV_A, 0, 0);
    hs_pull(&c, 0);
    hs_send(&c);
    size_t got = 0;
    while (got < 2300) {
        int f = hs_read_until(&c, NX_MSG_ITEM);
        cr_assert_geq(f, 0, "the stream ended after %zu items", got);
        cr_assert_eq(c.fr[f].type, NX_MSG_ITEM);
        got++;
    }
    /* The connection is cut: the hub's next write fails and its session ends. */
    shutdown(c.fd, SHUT_RDWR);
    pthread_join(c.th, NULL);
    c.running = 0;
    nx_msg *m = malloc(sizeof *m);
    size_t checked = 0;
    for (size_t i = 0; i < c.nfr; i++) {
        if (c.fr[i].type != NX_MSG_ITEM)
            continue;
        hs_decode(&c, i, m);
        char id[80], q[256];
        cr_assert_eq(nx_msg_get_str(m, NX_TAG_ITEM, id, sizeof id), 1);
        snprintf(q, sizeof q, "SELECT count(*) FROM device_items WHERE device='" HS_DEV_A
                 "' AND item_id='%s'", id);
        cr_assert_eq(hs_count(q), 1, "item %zu (%s) went out but is not held", checked, id);
        checked++;
    }
    cr_assert_eq(checked, 2300);
    free(m);
    hs_free(&c);
}

Test(hub_serve, version_mismatch_is_an_error_naming_both_versions)
{
    hs_setup(0);
    hs_conn c;
    hs_open(&c, "alice");
    nx_wbuf *b = &c.out;
    nx_msg_begin(b, NX_MSG_HELLO);
    nx_msg_u64(b, NX_TAG_PROTO, 7);
    nx_msg_str(b, NX_TAG_VERSION, "9.9");
    nx_msg_str(b, NX_TAG_DEVICE, HS_DEV_A);
    nx_msg_u64(b, NX_TAG_CURSOR, 0);
    nx_msg_u64(b, NX_TAG_HLC, hs_hlc(0));
    nx_msg_end(b);
    hs_send(&c);
    int e = hs_read_until(&c, NX_MSG_WELCOME);
    cr_assert_geq(e, 0);
    cr_assert_eq(c.fr[e].type, NX_MSG_ERROR);
    nx_msg *m = malloc(sizeof *m);
    hs_decode(&c, (size_t)e, m);
    char msg[512];
    cr_assert_eq(nx_msg_get_str(m, NX_TAG_MESSAGE, msg, sizeof msg), 1);
    cr_assert(strstr(msg, "version 7") && strstr(msg, "version 1"), "%s", msg);
    cr_assert_eq(hs_close(&c), 1);
    cr_assert_eq(hs_count("SELECT count(*) FROM devices"), 0);
    free(m);
    hs_free(&c);
}

Test(hub_serve, training_profile_refused_by_a_production_hub_and_the_reverse)
{
    hs_setup(0);
    hs_conn c;
    hs_open(&c, "alice");
    hs_hello(&c, HS_DEV_A, 0, 1);
    hs_send(&c);
    int e = hs_read_until(&c, NX_MSG_WELCOME);
    cr_assert_eq(c.fr[e].type, NX_MSG_ERROR);
    cr_assert(hs_captured(&c, "training profile on a production hub"));
    cr_assert_eq(hs_close(&c), 1);
    hs_free(&c);
    hs_teardown();

    hs_setup(1);
    hs_open(&c, "alice");
    hs_hello(&c, HS_DEV_A, 0, 0);
    hs_send(&c);
    e = hs_read_until(&c, NX_MSG_WELCOME);
    cr_assert_eq(c.fr[e].type, NX_MSG_ERROR);
    cr_assert_eq(hs_close(&c), 1);
    hs_free(&c);
    /* ...and a training profile is welcome on a training hub. */
    hs_open(&c, "alice");
    hs_hello(&c, HS_DEV_A, 0, 1);
    hs_pull(&c, 0);
    hs_send(&c);
    e = hs_read_until(&c, NX_MSG_END);
    cr_assert_eq(c.fr[e].type, NX_MSG_END);
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);
}

Test(hub_serve, unknown_user_refused)
{
    hs_setup(0);
    hs_conn c;
    hs_open(&c, "mallory");
    hs_hello(&c, HS_DEV_A, 0, 0);
    hs_send(&c);
    int e = hs_read_until(&c, NX_MSG_WELCOME);
    cr_assert_eq(c.fr[e].type, NX_MSG_ERROR);
    cr_assert_eq(hs_close(&c), 1);
    cr_assert_eq(hs_count("SELECT count(*) FROM devices"), 0);
    hs_free(&c);
}

/* DESIGN invariant 4: a scheduling agent assigned an eligibility item gets
 * it without its diagnosis and procedure codes or notes (hidden), with the
 * MRN and address masked (partial), the date of birth in full (reveal). */
Test(hub_serve, scheduling_pull_holds_no_hidden_value_and_partial_fields_masked)
{
    hs_setup(0);
    hs_item("el-1", "eligibility", "new", "alice", "north");
    hs_field("el-1", "icd_codes", HS_ICD);
    hs_field("el-1", "cpt_codes", "99214");
    hs_field("el-1", "plan", "Gold PPO 500");
    hs_note("el-1", HS_NOTE);
    hs_item("sc-1", "scheduling", "new", "alice", "north");
    hs_field("sc-1", "appointment_provider", "Dr Quill");
    hs_item("sc-2", "scheduling", "new", "bob", "north");   /* not alice's */
    hs_field("sc-2", "appointment_provider", "Dr Notforalice");

    hs_conn c;
    hs_first_pull(&c, "alice", HS_DEV_A);
    uint64_t cursor, count;
    hs_end(&c, &cursor, &count);
    cr_assert_eq(count, 2);
    cr_assert_eq(hs_item_frame(&c, "sc-2"), -1, "bob's item went to alice");
    int el = hs_item_frame(&c, "el-1");
    cr_assert_geq(el, 0);
    char v[2048];
    /* hidden: not sent at all, not even empty */
    cr_assert_eq(hs_item_kv(&c, (size_t)el, NX_TAG_KV, "icd_codes", v, sizeof v), 0);
    cr_assert_eq(hs_item_kv(&c, (size_t)el, NX_TAG_KV, "cpt_codes", v, sizeof v), 0);
    cr_assert_eq(hs_nframes(&c, NX_MSG_ITEM), 2);
    /* full */
    cr_assert_eq(hs_item_kv(&c, (size_t)el, NX_TAG_KV, "plan", v, sizeof v), 1);
    cr_assert_str_eq(v, "Gold PPO 500");
    cr_assert_eq(hs_item_kv(&c, (size_t)el, NX_TAG_PKV, "family_name", v, sizeof v), 1);
    cr_assert_str_eq(v, HS_FAMILY);
    /* reveal: held in full */
    cr_assert_eq(hs_item_kv(&c, (size_t)el, NX_TAG_PKV, "dob", v, sizeof v), 1);
    cr_assert_str_eq(v, "1961-07-19");
    /* partial: masked */
    cr_assert_eq(hs_item_kv(&c, (size_t)el, NX_TAG_PKV, "mrn", v, sizeof v), 1);
    cr_assert_str_eq(v, NX_MASK_BULLET NX_MASK_BULLET NX_MASK_BULLET NX_MASK_BULLET "7123");
    cr_assert_eq(hs_item_kv(&c, (size_t)el, NX_TAG_PKV, "address", v, sizeof v), 1);
    cr_assert(strstr(v, "Springfield") && !strstr(v, "Maple"), "%s", v);
    cr_assert_eq(hs_item_kv(&c, (size_t)el, NX_TAG_PKV, "member_id", v, sizeof v), 1);
    cr_assert_str_eq(v, NX_MASK_BULLET NX_MASK_BULLET NX_MASK_BULLET NX_MASK_BULLET "7665");
    /* Every byte the hub wrote: no hidden value, no unmasked partial one. */
    const char *never[] = { HS_ICD, "E119", "99214", HS_NOTE, HS_MRN, "QX998877665", "Maple Ave",
                            "Dr Notforalice" };
    for (size_t i = 0; i < sizeof never / sizeof never[0]; i++)
        cr_assert_not(hs_captured(&c, never[i]), "the hub sent '%s'", never[i]);
    cr_assert(hs_captured(&c, "Dr Quill"));
    cr_assert_eq(hs_close(&c), 0);
    /* The hub audit says which fields went out, masked ones marked. */
    cr_assert_geq(hs_count("SELECT count(*) FROM audit WHERE action='send' AND "
                           "reason LIKE '%mrn(masked)%'"), 1);
    cr_assert_eq(hs_count("SELECT count(*) FROM audit WHERE action='send' AND "
                          "reason LIKE '%icd_codes%'"), 0);
    hs_free(&c);

    /* The eligibility agent's role holds the codes, but not the notes. */
    hs_item("el-2", "eligibility", "new", "erin", "north");
    hs_field("el-2", "icd_codes", HS_ICD);
    hs_note("el-2", HS_NOTE);
    hs_first_pull(&c, "erin", HS_DEV_B);
    int e2 = hs_item_frame(&c, "el-2");
    cr_assert_geq(e2, 0);
    cr_assert_eq(hs_item_kv(&c, (size_t)e2, NX_TAG_KV, "icd_codes", v, sizeof v), 1);
    cr_assert_not(hs_captured(&c, HS_NOTE), "notes are hidden from eligibility");
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);
}

Test(hub_serve, notes_travel_as_history_to_a_role_that_holds_them)
{
    hs_setup(0);
    hs_item("pa-1", "prior-auth", "draft", "pat", "north");
    hs_note("pa-1", HS_NOTE);
    hs_conn c;
    hs_open(&c, "pat");
    hs_hello(&c, HS_DEV_A, 0, 0);
    hs_op(&c, "11111111-1111-4111-8111-111111111111", "note", "pa-1", NULL, "called the payer",
          NULL, "pat", HS_DEV_A, hs_hlc(0));
    hs_pull(&c, 0);
    hs_send(&c);
    cr_assert_geq(hs_read_until(&c, NX_MSG_END), 0);
    char out[32];
    cr_assert(hs_result(&c, "11111111-1111-4111-8111-111111111111", out, sizeof out, NULL, 0));
    cr_assert_str_eq(out, "applied");
    cr_assert(hs_captured(&c, HS_NOTE));
    /* The note pushed comes back with its op id, so the client matches it. */
    cr_assert(hs_captured(&c, "11111111-1111-4111-8111-111111111111" NX_OP_SEP NX_OP_SEP
                              "called the payer"));
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);
}

/* An item's history goes oldest first, and on equal times status changes,
 * then notes, then attempts, then attachments, each kind in the order it
 * was written (serve_item.c merges one read of each). */
Test(hub_serve, history_goes_oldest_first_across_its_kinds)
{
    hs_setup(0);
    hs_item("pa-1", "prior-auth", "draft", "pat", "north");
    nx_store *st = nx_hub_store(hs_hub);
    const int64_t t = 1780000000;
    cr_assert_eq(nx_store_attachment_add(st, "pa-1", "att-ref", "fax", t + 300, "pat"), 0);
    cr_assert_eq(nx_store_attempt_add(st, "pa-1", t + 200, "pat", "phone", "reached", "a2"), 0);
    cr_assert_eq(nx_store_note_add(st, "pa-1", "pat", t + 200, "n1", 0, NULL), 0);
    cr_assert_eq(nx_store_transition_add(st, "pa-1", t + 200, "pat", "draft", "submitted"), 0);
    cr_assert_eq(nx_store_transition_add(st, "pa-1", t + 100, "pat", "new", "draft"), 0);
    cr_assert_eq(nx_store_attempt_add(st, "pa-1", t + 50, "pat", "fax", "sent", "a1"), 0);
    cr_assert_eq(nx_store_note_add(st, "pa-1", "pat", t + 200, "n2", 0, NULL), 0);
    cr_assert_geq(nx_hub_item_touch(hs_hub, "pa-1"), 1);
    hs_conn c;
    hs_first_pull(&c, "pat", HS_DEV_A);
    int f = hs_item_frame(&c, "pa-1");
    cr_assert_geq(f, 0);
    nx_msg *m = malloc(sizeof *m);
    hs_decode(&c, (size_t)f, m);
    char got[512] = "", buf[1024];
    for (size_t i = 0; i < m->n; i++) {
        if (m->f[i].tag != NX_TAG_HIST)
            continue;
        const char *parts[4];
        cr_assert_eq(nx_field_tuple(&m->f[i], buf, sizeof buf, parts, 4), 0);
        /* what, then the last part of its detail (a status, a note's body, ...) */
        const char *d = strrchr(parts[3], NX_OP_SEP[0]);
        size_t len = strlen(got);
        snprintf(got + len, sizeof got - len, "%s%s@%lld:%s", len ? " " : "", parts[2],
                 atoll(parts[0]) - (long long)t, d ? d + 1 : parts[3]);
    }
    cr_assert_str_eq(got, "attempt@50:a1 status@100:draft status@200:submitted note@200:n1 "
                          "note@200:n2 attempt@200:a2 attach@300:fax");
    free(m);
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);
}

Test(hub_serve, bad_frame_is_an_error_and_nothing_of_the_round_is_applied)
{
    hs_setup(0);
    hs_item("sc-1", "scheduling", "new", "alice", "north");
    hs_conn c;
    hs_open(&c, "alice");
    hs_hello(&c, HS_DEV_A, 0, 0);
    hs_op(&c, "22222222-2222-4222-8222-222222222222", "set", "sc-1", "appointment_provider",
          "Dr Bad", NULL, "alice", HS_DEV_A, hs_hlc(0));
    /* then a frame of an unknown type, in the same write */
    size_t mark = c.out.len;
    nx_msg_begin(&c.out, NX_MSG_BYE);
    nx_msg_end(&c.out);
    c.out.p[mark + 4] = 99;
    hs_send(&c);
    int e = hs_read_until(&c, NX_MSG_END);
    cr_assert_geq(e, 0);
    cr_assert_eq(c.fr[e].type, NX_MSG_ERROR);
    cr_assert_eq(hs_nframes(&c, NX_MSG_RESULT), 0, "no RESULT for a rolled-back op");
    cr_assert_eq(hs_close(&c), 1);
    cr_assert_eq(hs_count("SELECT count(*) FROM ops"), 0);
    cr_assert_eq(hs_count("SELECT count(*) FROM item_fields WHERE value='Dr Bad'"), 0);
    hs_free(&c);

    /* A length prefix over the maximum, and a truncated field. */
    hs_open(&c, "alice");
    unsigned char big[4] = { 0xff, 0xff, 0xff, 0xff };
    hs_send_raw(&c, big, 4);
    e = hs_read_until(&c, NX_MSG_END);
    cr_assert_eq(c.fr[e].type, NX_MSG_ERROR);
    cr_assert_eq(hs_close(&c), 1);
    hs_free(&c);
    hs_open(&c, "alice");
    unsigned char cut[] = { 0, 0, 0, 5, NX_MSG_PULL, 0, 4, 0, 0 };
    hs_send_raw(&c, cut, sizeof cut);
    e = hs_read_until(&c, NX_MSG_END);
    cr_assert_eq(c.fr[e].type, NX_MSG_ERROR);
    cr_assert_eq(hs_close(&c), 1);
    hs_free(&c);
}

Test(hub_serve, ops_before_hello_and_frames_only_the_hub_sends_are_errors)
{
    hs_setup(0);
    hs_conn c;
    hs_open(&c, "alice");
    hs_pull(&c, 0);
    hs_send(&c);
    int e = hs_read_until(&c, NX_MSG_END);
    cr_assert_eq(c.fr[e].type, NX_MSG_ERROR);
    cr_assert_eq(hs_close(&c), 1);
    hs_free(&c);
    hs_open(&c, "alice");
    hs_hello(&c, HS_DEV_A, 0, 0);
    nx_msg_begin(&c.out, NX_MSG_END);
    nx_msg_u64(&c.out, NX_TAG_CURSOR, 1);
    nx_msg_i64(&c.out, NX_TAG_TIME, 1);
    nx_msg_u64(&c.out, NX_TAG_HLC, 1);
    nx_msg_u64(&c.out, NX_TAG_COUNT, 1);
    nx_msg_end(&c.out);
    hs_send(&c);
    e = hs_read_until(&c, NX_MSG_END);
    cr_assert_eq(c.fr[e].type, NX_MSG_ERROR);
    cr_assert_eq(hs_close(&c), 1);
    hs_free(&c);
}

Test(hub_serve, revoked_user_gets_revoked_and_the_destruction_is_recorded)
{
    hs_setup(0);
    hs_item("sc-1", "scheduling", "new", "alice", "north");
    /* First a normal sync, so the device is known. */
    hs_conn c;
    hs_first_pull(&c, "alice", HS_DEV_A);
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);
    char err[512] = "";
    cr_assert_eq(nx_hub_user_revoke(hs_hub, "alice", err, sizeof err), 0, "%s", err);

    hs_open(&c, "alice");
    hs_hello(&c, HS_DEV_A, 5, 0);
    unsigned char prev[32] = { 0 }, h1[32];
    memset(h1, 0x11, sizeof h1);
    hs_audit(&c, HS_DEV_A, 1, prev, h1);
    hs_op(&c, "33333333-3333-4333-8333-333333333333", "set", "sc-1", "appointment_provider",
          "Dr Late", NULL, "alice", HS_DEV_A, hs_hlc(0));
    hs_pull(&c, 5);
    hs_send(&c);
    cr_assert_geq(hs_read_until(&c, NX_MSG_END), 0);
    nx_msg *m = malloc(sizeof *m);
    welcome_of(&c, m);
    uint64_t v = 0;
    cr_assert_eq(nx_msg_get_u64(m, NX_TAG_REVOKED, &v), 1);
    cr_assert_eq(v, 1);
    char out[32], reason[256];
    cr_assert(hs_result(&c, "33333333-3333-4333-8333-333333333333", out, sizeof out, reason,
                        sizeof reason));
    cr_assert_str_eq(out, "rejected");
    cr_assert_str_eq(reason, "revoked");
    uint64_t cursor, count;
    hs_end(&c, &cursor, &count);
    cr_assert_eq(count, 0);
    cr_assert_eq(hs_nframes(&c, NX_MSG_ITEM), 0);
    /* The client erases its cache and says so. */
    nx_msg_begin(&c.out, NX_MSG_DESTROYED);
    nx_msg_str(&c.out, NX_TAG_DEVICE, HS_DEV_A);
    nx_msg_i64(&c.out, NX_TAG_TIME, 1780000000);
    nx_msg_end(&c.out);
    hs_send(&c);
    cr_assert_eq(hs_close(&c), 0);
    cr_assert_eq(hs_count("SELECT count(*) FROM device_audit WHERE device='" HS_DEV_A "'"), 1);
    cr_assert_eq(hs_count("SELECT count(*) FROM item_fields WHERE value='Dr Late'"), 0);
    cr_assert_eq(hs_count("SELECT count(*) FROM devices WHERE id='" HS_DEV_A
                          "' AND destroyed_at IS NOT NULL"), 1);
    cr_assert_eq(hs_count("SELECT count(*) FROM audit WHERE action='destroyed' AND device='"
                          HS_DEV_A "'"), 1);
    cr_assert_eq(hs_count("SELECT count(*) FROM audit WHERE action='security' AND "
                          "reason LIKE 'revocation delivered%'"), 1);
    free(m);
    hs_free(&c);
}

Test(hub_serve, audit_chain_continues_resends_ignored_breaks_recorded)
{
    hs_setup(0);
    hs_conn c;
    hs_open(&c, "alice");
    hs_hello(&c, HS_DEV_A, 0, 0);
    unsigned char z[32] = { 0 }, h[6][32];
    for (int i = 0; i < 6; i++)
        memset(h[i], 0x20 + i, 32);
    hs_audit(&c, HS_DEV_A, 1, z, h[1]);
    hs_audit(&c, HS_DEV_A, 2, h[1], h[2]);
    hs_audit(&c, HS_DEV_A, 2, h[1], h[2]);       /* resend */
    hs_audit(&c, HS_DEV_A, 3, h[2], h[3]);
    hs_pull(&c, 0);
    hs_send(&c);
    cr_assert_geq(hs_read_until(&c, NX_MSG_END), 0);
    cr_assert_eq(hs_count("SELECT count(*) FROM device_audit"), 3);
    cr_assert_eq(hs_count("SELECT count(*) FROM audit WHERE action='chain-break'"), 0);
    /* A gap (4 missing), then a link that does not match. */
    hs_audit(&c, HS_DEV_A, 5, h[4], h[5]);
    hs_audit(&c, HS_DEV_A, 6, h[1], h[0]);
    hs_pull(&c, 0);
    hs_send(&c);
    cr_assert_geq(hs_read_until(&c, NX_MSG_END), 0);
    cr_assert_eq(hs_close(&c), 0);
    cr_assert_eq(hs_count("SELECT count(*) FROM device_audit"), 5, "evidence is kept");
    cr_assert_eq(hs_count("SELECT count(*) FROM audit WHERE action='chain-break' AND reason LIKE "
                          "'audit chain break, device " HS_DEV_A " at seq 5%'"), 1);
    cr_assert_eq(hs_count("SELECT count(*) FROM audit WHERE action='chain-break' AND reason LIKE "
                          "'%at seq 6%'"), 1);
    cr_assert_eq(hs_count("SELECT audit_seq FROM devices WHERE id='" HS_DEV_A "'"), 6);
    hs_free(&c);
}

/* A kept-open connection does not outlive a revocation or a role change:
 * the next round ends with ERROR; the new session's WELCOME says REVOKED. */
Test(hub_serve, a_kept_open_session_ends_when_the_user_is_revoked_between_rounds)
{
    hs_setup(0);
    hs_item("sc-1", "scheduling", "new", "alice", "north");
    hs_conn c;
    hs_first_pull(&c, "alice", HS_DEV_A);
    uint64_t cursor, count;
    hs_end(&c, &cursor, &count);
    cr_assert_eq(count, 1);
    usleep(20000);                 /* the hub is idle, waiting for the next round */
    char err[512] = "";
    cr_assert_eq(nx_hub_user_revoke(hs_hub, "alice", err, sizeof err), 0, "%s", err);
    hs_pull(&c, cursor);
    hs_send(&c);
    int e = hs_read_until(&c, NX_MSG_END);
    cr_assert_geq(e, 0);
    cr_assert_eq(c.fr[e].type, NX_MSG_ERROR);
    cr_assert(hs_captured(&c, "revoked"));
    cr_assert_eq(hs_close(&c), 1);
    hs_free(&c);
    hs_open(&c, "alice");
    hs_hello(&c, HS_DEV_A, cursor, 0);
    hs_pull(&c, cursor);
    hs_send(&c);
    cr_assert_geq(hs_read_until(&c, NX_MSG_END), 0);
    nx_msg *m = malloc(sizeof *m);
    welcome_of(&c, m);
    uint64_t v = 0;
    cr_assert_eq(nx_msg_get_u64(m, NX_TAG_REVOKED, &v), 1);
    cr_assert_eq(hs_close(&c), 0);
    free(m);
    hs_free(&c);
}
