/* The hub's administrator commands through their functions: clients,
 * users bound to keys, the authorized_keys line, revocation, banner,
 * emergency, and the hub's own audit chain (verify, tampering, query). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "store/items_io.h"
#include "tests/unit/test_hub_fixture.h"

static hubt T;

static void setup(void) { hubt_init(&T, "hub-admin", 0); }
static void teardown(void) { hubt_done(&T); }

TestSuite(hub_admin, .init = setup, .fini = teardown);

Test(hub_admin, client_add_checks_zone_and_holidays)
{
    nx_hub_client_spec c = { .id = "cl-a", .name = "Synthetic Clinic", .tz = "Mars/Olympus" };
    cr_assert_eq(nx_hub_client_add(T.h, &c, T.err, sizeof T.err), -1);
    c.tz = "America/Chicago";
    c.holidays = "2026-02-30";
    cr_assert_eq(nx_hub_client_add(T.h, &c, T.err, sizeof T.err), -1);
    cr_assert(strstr(T.err, "holidays"), "%s", T.err);
    c.holidays = "2026-12-25,2026-11-26";
    c.escalation = "Front desk 555-0100";
    c.verify_lead_hours = 48;
    cr_assert_eq(nx_hub_client_add(T.h, &c, T.err, sizeof T.err), 0, "%s", T.err);
    cr_assert_eq(nx_hub_client_add(T.h, &c, T.err, sizeof T.err), -1);
    cr_assert(strstr(T.err, "already exists"), "%s", T.err);
    nx_client_rec r;
    cr_assert_eq(nx_store_client_get(nx_hub_store(T.h), "cl-a", &r), 1);
    cr_assert_str_eq(r.tz, "America/Chicago");
    cr_assert_eq(r.verify_lead_hours, 48);
    cr_assert_str_eq(r.escalation, "Front desk 555-0100");
}

Test(hub_admin, pubkey_check_is_strict)
{
    char out[NX_HUB_PUBKEY_MAX], err[256];
    cr_assert_eq(nx_hub_pubkey_check(HUBT_KEY1 " someone@laptop\n", out, sizeof out, err,
                                     sizeof err), 0, "%s", err);
    cr_assert_str_eq(out, HUBT_KEY1);
    cr_assert_eq(nx_hub_pubkey_check("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ x", out, sizeof out,
                                     err, sizeof err), -1);
    cr_assert_eq(nx_hub_pubkey_check(HUBT_KEY1 "\n" HUBT_KEY2 "\n", out, sizeof out, err,
                                     sizeof err), -1);
    cr_assert(strstr(err, "one line"), "%s", err);
    cr_assert_eq(nx_hub_pubkey_check("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBW1L9qsCkYGOe5L2tRVU",
                                     out, sizeof out, err, sizeof err), -1);
    cr_assert_eq(nx_hub_pubkey_check("ssh-ed25519 AAAA$$$", out, sizeof out, err, sizeof err), -1);
    cr_assert_eq(nx_hub_pubkey_check("", out, sizeof out, err, sizeof err), -1);
}

Test(hub_admin, user_add_validates_and_binds_one_key_to_one_user)
{
    cr_assert_eq(nx_hub_user_add(T.h, "alice", "wizard", "t1", HUBT_KEY1, T.err, sizeof T.err), -1);
    cr_assert(strstr(T.err, "scheduling"), "%s", T.err);
    cr_assert_eq(nx_hub_user_add(T.h, "bad name", "scheduling", "t1", HUBT_KEY1, T.err,
                                 sizeof T.err), -1);
    cr_assert_eq(nx_hub_user_add(T.h, "alice", "scheduling", "t1", HUBT_KEY1, T.err,
                                 sizeof T.err), 0, "%s", T.err);
    cr_assert_eq(nx_hub_user_add(T.h, "alice", "scheduling", "t1", HUBT_KEY2, T.err,
                                 sizeof T.err), -1);
    cr_assert(strstr(T.err, "already exists"), "%s", T.err);
    cr_assert_eq(nx_hub_user_add(T.h, "bob", "supervisor", "t1", HUBT_KEY1, T.err,
                                 sizeof T.err), -1);
    cr_assert(strstr(T.err, "another user"), "%s", T.err);
    nx_hub_user u;
    cr_assert_eq(nx_hub_user_get(T.h, "alice", &u), 1);
    cr_assert_str_eq(u.role, "scheduling");
    cr_assert_str_eq(u.team, "t1");
    cr_assert_str_eq(u.pubkey, HUBT_KEY1);
    cr_assert_eq(u.revoked_at, 0);
    cr_assert_eq(nx_hub_user_get(T.h, "bob", &u), 0);
}

Test(hub_admin, authorized_line_names_absolute_paths_and_the_user)
{
    cr_assert_eq(nx_hub_user_add(T.h, "alice", "scheduling", "t1", HUBT_KEY1 " c", T.err,
                                 sizeof T.err), 0, "%s", T.err);
    char line[16384], want[16384];
    cr_assert_eq(nx_hub_authorized_line(T.h, "/opt/nexus/bin/nexus-hub", "alice", 0, line,
                                        sizeof line, T.err, sizeof T.err), 0, "%s", T.err);
    snprintf(want, sizeof want, "restrict,command=\"/opt/nexus/bin/nexus-hub serve --store %s "
             "--user alice\" " HUBT_KEY1 " alice", nx_hub_dir(T.h));
    cr_assert_str_eq(line, want);
    cr_assert_eq(nx_hub_dir(T.h)[0], '/');
    cr_assert_eq(nx_hub_authorized_line(T.h, "/opt/nexus/bin/nexus-hub", "alice", 1, line,
                                        sizeof line, T.err, sizeof T.err), 0, "%s", T.err);
    cr_assert(strstr(line, "--key-file /"), "%s", line);
    cr_assert_eq(nx_hub_authorized_line(T.h, "relative/nexus-hub", "alice", 0, line, sizeof line,
                                        T.err, sizeof T.err), -1);
    cr_assert_eq(nx_hub_authorized_line(T.h, "/opt/my hub/nexus-hub", "alice", 0, line,
                                        sizeof line, T.err, sizeof T.err), -1);
}

Test(hub_admin, revoking_a_user_revokes_the_devices_too)
{
    cr_assert_eq(nx_hub_user_add(T.h, "alice", "scheduling", "t1", HUBT_KEY1, T.err,
                                 sizeof T.err), 0, "%s", T.err);
    cr_assert_eq(nx_hub_device_touch(T.h, "dev1", "alice", 10), 0);
    cr_assert_eq(nx_hub_device_touch(T.h, "dev2", "alice", 10), 0);
    cr_assert_eq(nx_hub_user_revoke(T.h, "alice", T.err, sizeof T.err), 0, "%s", T.err);
    cr_assert_eq(nx_hub_user_revoke(T.h, "alice", T.err, sizeof T.err), -1);
    cr_assert_eq(nx_hub_user_revoke(T.h, "nobody", T.err, sizeof T.err), -1);
    nx_hub_user u;
    nx_hub_device d;
    cr_assert_eq(nx_hub_user_get(T.h, "alice", &u), 1);
    cr_assert_gt(u.revoked_at, 0);
    cr_assert_eq(nx_hub_device_get(T.h, "dev2", &d), 1);
    cr_assert_gt(d.revoked_at, 0);
    /* A revoked name is not given out again. */
    cr_assert_eq(nx_hub_user_add(T.h, "alice", "scheduling", "t1", HUBT_KEY2, T.err,
                                 sizeof T.err), -1);
    cr_assert(strstr(T.err, "revoked"), "%s", T.err);
}

Test(hub_admin, device_revoke)
{
    cr_assert_eq(nx_hub_device_revoke(T.h, "dev9", T.err, sizeof T.err), -1);
    cr_assert_eq(nx_hub_device_touch(T.h, "dev9", "alice", 10), 0);
    cr_assert_eq(nx_hub_device_revoke(T.h, "dev9", T.err, sizeof T.err), 0, "%s", T.err);
    nx_hub_device d;
    cr_assert_eq(nx_hub_device_get(T.h, "dev9", &d), 1);
    cr_assert_gt(d.revoked_at, 0);
}

Test(hub_admin, banner_set_and_clear)
{
    cr_assert_eq(nx_hub_banner_set(T.h, "Outage until 14:00 UTC.\nWork offline; sync later.",
                                   T.err, sizeof T.err), 0, "%s", T.err);
    nx_hub_settings s;
    cr_assert_eq(nx_hub_settings_get(T.h, &s), 0);
    cr_assert_str_eq(s.banner, "Outage until 14:00 UTC.\nWork offline; sync later.");
    cr_assert_eq(nx_hub_banner_set(T.h, "bad\x01text", T.err, sizeof T.err), -1);
    cr_assert_eq(nx_hub_banner_set(T.h, "bad \xc3\x28 utf8", T.err, sizeof T.err), -1);
    cr_assert_eq(nx_hub_banner_set(T.h, NULL, T.err, sizeof T.err), 0, "%s", T.err);
    cr_assert_eq(nx_hub_settings_get(T.h, &s), 0);
    cr_assert_str_eq(s.banner, "");
}

typedef struct {
    int n;
    char actions[32][32];
} actions;

static int collect(void *arg, const nx_hub_audit_row *r)
{
    actions *a = arg;
    if (a->n < 32)
        snprintf(a->actions[a->n], 32, "%s:%s", r->source, r->action);
    a->n++;
    return 0;
}

Test(hub_admin, every_admin_command_is_audited_and_the_chain_verifies)
{
    hubt_client(&T, "cl-a");
    cr_assert_eq(nx_hub_user_add(T.h, "alice", "scheduling", "t1", HUBT_KEY1, T.err,
                                 sizeof T.err), 0, "%s", T.err);
    cr_assert_eq(nx_hub_banner_set(T.h, "hello", T.err, sizeof T.err), 0);
    cr_assert_eq(nx_hub_emergency_set(T.h, 1, T.err, sizeof T.err), 0);
    cr_assert_eq(nx_hub_user_revoke(T.h, "alice", T.err, sizeof T.err), 0);
    /* A session event as serve.c writes it: another user, a device. */
    nx_hub_event ev = { .action = NX_HUB_ACT_SESSION, .user = "alice", .role = "scheduling",
                        .device = "dev1", .reason = "pushed 3 ops; sent 10 items" };
    cr_assert_eq(nx_hub_audit_log(T.h, &ev, T.err, sizeof T.err), 0, "%s", T.err);
    uint64_t n = 0;
    char msg[256];
    cr_assert_eq(nx_hub_audit_verify(T.h, &n, msg, sizeof msg), 0, "%s", msg);
    cr_assert_eq(n, 7);
    actions a = { 0 };
    cr_assert_eq(nx_hub_audit_query(T.h, NULL, collect, &a), 0);
    cr_assert_eq(a.n, 7);
    cr_assert_str_eq(a.actions[0], "hub:hub-init");
    cr_assert_str_eq(a.actions[1], "hub:client-add");
    cr_assert_str_eq(a.actions[2], "hub:user-add");
    cr_assert_str_eq(a.actions[3], "hub:banner");
    cr_assert_str_eq(a.actions[4], "hub:emergency");
    cr_assert_str_eq(a.actions[5], "hub:user-revoke");
    cr_assert_str_eq(a.actions[6], "hub:session");
    nx_hub_audit_filter f = { .user = "alice" };
    memset(&a, 0, sizeof a);
    cr_assert_eq(nx_hub_audit_query(T.h, &f, collect, &a), 0);
    cr_assert_eq(a.n, 1);
    nx_hub_audit_filter f2 = { .action = "user-add" };
    memset(&a, 0, sizeof a);
    cr_assert_eq(nx_hub_audit_query(T.h, &f2, collect, &a), 0);
    cr_assert_eq(a.n, 1);
}

Test(hub_admin, audit_refuses_values_and_writes_outside_a_transaction)
{
    nx_hub_event ev = { .action = NX_HUB_ACT_PUSH, .item = "John Smith" };
    cr_assert_eq(nx_hub_audit_log(T.h, &ev, T.err, sizeof T.err), -1);
    nx_hub_event ev2 = { .action = NX_HUB_ACT_PUSH, .item = "it-1" };
    cr_assert_eq(nx_hub_audit(T.h, &ev2, T.err, sizeof T.err), -1);
    cr_assert(strstr(T.err, "transaction"), "%s", T.err);
    nx_hub_event ev3 = { .action = NX_HUB_ACT_REJECT, .reason = "two\nlines" };
    cr_assert_eq(nx_hub_audit_log(T.h, &ev3, T.err, sizeof T.err), -1);
}

Test(hub_admin, a_tampered_event_breaks_the_chain)
{
    cr_assert_eq(nx_hub_banner_set(T.h, "one", T.err, sizeof T.err), 0);
    cr_assert_eq(nx_hub_banner_set(T.h, "two", T.err, sizeof T.err), 0);
    cr_assert_eq(nx_hub_banner_set(T.h, NULL, T.err, sizeof T.err), 0);
    uint64_t n = 0;
    char msg[256];
    cr_assert_eq(nx_hub_audit_verify(T.h, &n, msg, sizeof msg), 0, "%s", msg);
    cr_assert_eq(n, 4);
    /* A raw connection rewrites event 3's user. */
    cr_assert_eq(sqlite3_exec(nx_hub_db(T.h), "UPDATE audit SET user = 'nobody' WHERE seq = 3",
                              NULL, NULL, NULL), SQLITE_OK);
    cr_assert_eq(nx_hub_audit_verify(T.h, &n, msg, sizeof msg), -1);
    cr_assert(strstr(msg, "event 3"), "%s", msg);
    cr_assert_eq(n, 2);
}

Test(hub_admin, a_deleted_event_breaks_the_chain)
{
    cr_assert_eq(nx_hub_banner_set(T.h, "one", T.err, sizeof T.err), 0);
    cr_assert_eq(nx_hub_banner_set(T.h, "two", T.err, sizeof T.err), 0);
    cr_assert_eq(sqlite3_exec(nx_hub_db(T.h), "DELETE FROM audit WHERE seq = 2", NULL, NULL,
                              NULL), SQLITE_OK);
    uint64_t n = 0;
    char msg[256];
    cr_assert_eq(nx_hub_audit_verify(T.h, &n, msg, sizeof msg), -1);
    cr_assert(strstr(msg, "event 2 missing"), "%s", msg);
}
