/* Sync end to end, the merge (issue 5 acceptance 2): offline edits on two
 * laptops of one user, over a real sshd, with the laptops' clocks skewed
 * by -1 h and +1 h:
 *   - units used are increments: 2 on one laptop and 3 on the other make 5;
 *   - a plain field is last writer by hybrid logical clock: of two
 *     concurrent edits the later by HLC stays and the hub keeps the other
 *     as a conflict record; an edit made after a laptop has seen the
 *     other's wins although its wall clock is two hours behind;
 *   - a status change made from a status the hub no longer has is not
 *     merged: approved vs denied lands in the conflict inbox, the first
 *     decision stays, and both laptops end with the hub's item.
 * The edits go through the client's session API in this process (what
 * the item screen calls); the syncs are `nexus sync` over sshd. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "domain/dict.h"
#include "hub/hub.h"
#include "profile/profile.h"
#include "session/session.h"
#include "tests/helpers/run.h"
#include "tests/helpers/sshd.h"
#include "util/util.h"

#define PASSLINE "Merge-Test-Pass-1\n"
#define PASS "Merge-Test-Pass-1"

static char dir[4096], store[4200];
static nx_sshd sshd;

typedef struct {
    char dir[4200], conf[4300];
} lap;

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert(f, "%s: %s", path, strerror(errno));
    fputs(text, f);
    cr_assert_eq(fclose(f), 0);
}

static nx_t_result hub(const char *const *args)
{
    const char *argv[32] = { nx_t_bin("nexus-hub") };
    int n = 1;
    for (int i = 0; args[i] && n < 28; i++)
        argv[n++] = args[i];
    argv[n++] = "--store";
    argv[n++] = store;
    argv[n] = NULL;
    nx_t_result r;
    cr_assert_eq(nx_t_run(argv, NULL, NULL, &r), 0);
    cr_assert_eq(r.status, 0, "nexus-hub %s: %s", args[0], r.err);
    return r;
}
#define HUB(...) hub((const char *const[]){ __VA_ARGS__, NULL })

static nx_t_result nexus(const lap *l, const char *const *args)
{
    const char *argv[32] = { nx_t_bin("nexus"), "--config", l->conf };
    int n = 3;
    for (int i = 0; args[i] && n < 30; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    nx_t_result r;
    cr_assert_eq(nx_t_run(argv, NULL, PASSLINE, &r), 0);
    return r;
}
#define NEXUS(l, ...) nexus(l, (const char *const[]){ __VA_ARGS__, NULL })

static void setup(void)
{
    if (!nx_sshd_available())
        cr_skip_test("no " NX_SSHD_PATH);
    nx_t_tmpdir(dir, sizeof dir, "sync-merge");
    snprintf(store, sizeof store, "%s/hub", dir);
    char err[512];
    cr_assert_eq(nx_sshd_start(&sshd, NULL, err, sizeof err), 0, "sshd: %s", err);
    HUB("init");
    HUB("client", "add", "--id", "cl-1", "--name", "Riverside Imaging (synthetic)", "--tz",
        "America/New_York");
}

static void teardown(void)
{
    nx_sshd_stop(&sshd);
}

TestSuite(sync_merge_e2e, .init = setup, .fini = teardown, .timeout = 300);

/* A laptop of user alice: its own profile and key; the key is bound to
 * alice by the same forced command `user add` printed for her first one. */
static void lap_make(lap *l, const char *name, int first)
{
    snprintf(l->dir, sizeof l->dir, "%s/%s", dir, name);
    cr_assert_eq(mkdir(l->dir, 0700), 0);
    snprintf(l->conf, sizeof l->conf, "%s/nexus.conf", l->dir);
    char text[9000];
    snprintf(text, sizeof text,
             "[cache]\ndir = %s/profile\n\n[sync]\nhost = %s\nport = %d\nuser = %s\n"
             "known_hosts = %s\n",
             l->dir, NX_SSHD_HOST, sshd.port, sshd.user, sshd.known_hosts);
    write_file(l->conf, text);
    nx_t_result r = NEXUS(l, "init", "--user", "alice", "--role", "prior-auth", "--team",
                          "north", "--kdf", "interactive", "--passphrase-fd", "0");
    cr_assert_eq(r.status, 0, "init: %s", r.err);
    r = NEXUS(l, "key", "--passphrase-fd", "0");
    cr_assert_eq(r.status, 0, "key: %s", r.err);
    char pub[4400];
    snprintf(pub, sizeof pub, "%s/id.pub", l->dir);
    write_file(pub, r.out);
    char line[9000];
    if (first) {
        nx_t_result a = HUB("user", "add", "--user", "alice", "--role", "prior-auth", "--team",
                            "north", "--key", pub);
        snprintf(line, sizeof line, "%s", a.out);
    } else {
        /* Her second laptop: the same binding, another key. */
        char key[2048];
        snprintf(key, sizeof key, "%s", r.out);
        key[strcspn(key, "\n")] = '\0';
        snprintf(line, sizeof line, "restrict,command=\"%s serve --store %s --user alice\" %s",
                 nx_t_bin("nexus-hub"), store, key);
    }
    line[strcspn(line, "\n")] = '\0';
    cr_assert_eq(nx_sshd_authorize(&sshd, line), 0);
}

static void lap_sync(const lap *l)
{
    nx_t_result r = NEXUS(l, "sync", "--passphrase-fd", "0");
    char tail[2048];
    cr_assert_eq(r.status, 0, "sync %s: exit %d: %s\n%s", l->dir, r.status, r.err,
                 nx_sshd_log_tail(&sshd, tail, sizeof tail));
}

/* ---- editing on a laptop, with its clock skewed ---------------------------------- */

typedef struct {
    nx_profile p;
    nx_session s;
    int64_t now;
    nx_item it;
} edit;

static int64_t pinned(void *ctx)
{
    return ((edit *)ctx)->now;
}

static void edit_open(edit *e, const lap *l, int64_t skew)
{
    memset(e, 0, sizeof *e);
    nx_conf c;
    char err[1024];
    cr_assert_eq(nx_conf_load(l->conf, &c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_profile_paths(&e->p, &c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_profile_open(&e->p, PASS, strlen(PASS), err, sizeof err), 0, "%s", err);
    e->now = nx_now() + skew;
    e->s.clock = pinned;
    e->s.clock_ctx = e;
    cr_assert_eq(nx_session_start(&e->s, &e->p, nx_dict_default(), NULL, err, sizeof err), 0,
                 "%s", err);
    cr_assert_eq(nx_session_open(&e->s, "pa-1", &e->it, err, sizeof err), 0, "%s", err);
}

static void edit_set(edit *e, const char *field, const char *value)
{
    char err[512];
    e->now++;
    cr_assert_eq(nx_session_set(&e->s, &e->it, field, value, err, sizeof err), 0, "%s: %s",
                 field, err);
}

static void edit_step(edit *e, const char *to)
{
    char err[512], linked[NX_ID_MAX];
    e->now++;
    cr_assert_eq(nx_session_transition(&e->s, &e->it, to, linked, err, sizeof err), 0, "%s: %s",
                 to, err);
}

static void edit_close(edit *e)
{
    nx_item_free(&e->it);
    nx_session_end(&e->s);
    nx_profile_close(&e->p);
}

/* ---- reading back ------------------------------------------------------------------ */

static void lap_value(const lap *l, const char *sql, char *out, size_t len)
{
    edit e;
    memset(&e, 0, sizeof e);
    nx_conf c;
    char err[1024];
    cr_assert_eq(nx_conf_load(l->conf, &c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_profile_paths(&e.p, &c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_profile_open(&e.p, PASS, strlen(PASS), err, sizeof err), 0, "%s", err);
    sqlite3_stmt *st = NULL;
    out[0] = '\0';
    cr_assert_eq(sqlite3_prepare_v2(nx_store_db(e.p.store), sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(out, len, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    nx_profile_close(&e.p);
}

static void hub_value(const char *sql, char *out, size_t len)
{
    nx_hub *h = NULL;
    char err[512];
    cr_assert_eq(nx_hub_open(store, NULL, &h, err, sizeof err), 0, "%s", err);
    sqlite3_stmt *st = NULL;
    out[0] = '\0';
    cr_assert_eq(sqlite3_prepare_v2(nx_hub_db(h), sql, -1, &st, NULL), SQLITE_OK, "%s",
                 nx_hub_errmsg(h));
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(out, len, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    nx_hub_close(h);
}

#define FIELD_SQL(f) "SELECT value FROM item_fields WHERE item_id = 'pa-1' AND field = '" f "'"

Test(sync_merge_e2e, offline_edits_on_two_laptops_merge_by_hlc_with_conflicts_kept)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/pa.jsonl", dir);
    write_file(path,
               "{\"id\":\"pa-1\",\"kind\":\"prior-auth\",\"client\":\"cl-1\",\"status\":\"pending\","
               "\"patient\":{\"id\":\"pt-1\",\"family_name\":\"Mergetest\",\"given_name\":\"Ada\","
               "\"member_id\":\"MEMB12345678\",\"payer\":\"Synthetic Health\"},"
               "\"assignee\":\"alice\",\"team\":\"north\","
               "\"fields\":{\"dx_codes\":\"M17.11\","
               "\"procedure_codes\":\"27447\",\"ordering_npi\":\"1234567893\",\"units\":\"10\","
               "\"payer_ref\":\"REF-0\",\"auth_number\":\"AUTH-77\",\"valid_from\":\"2026-01-01\","
               "\"valid_to\":\"2027-06-30\",\"units_granted\":\"10\",\"units_used\":\"0\"}}\n");
    HUB("import", path);

    lap a, b;
    lap_make(&a, "laptop-a", 1);
    lap_make(&b, "laptop-b", 0);
    lap_sync(&a);
    lap_sync(&b);

    /* Laptop B, clock an hour ahead: a denial, 3 units, a new reference. */
    edit e;
    edit_open(&e, &b, +3600);
    edit_set(&e, "units_used", "3");
    edit_set(&e, "payer_ref", "REF-B");
    edit_set(&e, "decision", "denied");
    edit_set(&e, "denial_reason", "Not medically necessary (synthetic)");
    edit_step(&e, "denied");
    edit_close(&e);
    lap_sync(&b);

    /* Laptop A, offline all along, clock an hour behind: an approval and
     * 2 units, from the "pending" it last saw. */
    edit_open(&e, &a, -3600);
    edit_set(&e, "units_used", "2");
    edit_set(&e, "decision", "approved");
    edit_step(&e, "approved");
    edit_close(&e);
    lap_sync(&a);

    char v[256];
    hub_value(FIELD_SQL("units_used"), v, sizeof v);
    cr_assert_str_eq(v, "5", "units used do not add up on the hub: %s", v);
    hub_value("SELECT status FROM items WHERE id = 'pa-1'", v, sizeof v);
    cr_assert_str_eq(v, "denied", "a decision was merged automatically: %s", v);
    hub_value("SELECT count(*) FROM conflicts WHERE item = 'pa-1' AND kind = 'status' "
              "AND state = 'open'", v, sizeof v);
    cr_assert_str_eq(v, "1", "no status conflict in the inbox");
    /* A's "approved" decision is older by HLC than B's "denied": B's stays,
     * A's is kept as a conflict record. */
    hub_value(FIELD_SQL("decision"), v, sizeof v);
    cr_assert_str_eq(v, "denied");
    hub_value("SELECT count(*) FROM conflicts WHERE item = 'pa-1' AND kind = 'field' "
              "AND field = 'decision'", v, sizeof v);
    cr_assert_str_eq(v, "1", "the losing decision was not kept");

    /* A has now seen B's work (its clock moved past the hub's): its next
     * edit wins although its wall clock is two hours behind B's. */
    lap_value(&a, "SELECT status FROM items WHERE id = 'pa-1'", v, sizeof v);
    cr_assert_str_eq(v, "denied", "laptop A does not show the hub's status");
    edit_open(&e, &a, -3600);
    edit_set(&e, "payer_ref", "REF-A");
    edit_close(&e);
    lap_sync(&a);
    hub_value(FIELD_SQL("payer_ref"), v, sizeof v);
    cr_assert_str_eq(v, "REF-A", "the later edit (by HLC) lost: %s", v);
    /* Not a conflict: A wrote it after it had pulled REF-B. */
    hub_value("SELECT count(*) FROM conflicts WHERE item = 'pa-1' AND kind = 'field' "
              "AND field = 'payer_ref'", v, sizeof v);
    cr_assert_str_eq(v, "0", "a causally later edit was recorded as a conflict");

    /* Both laptops converge on the hub's item. */
    lap_sync(&b);
    lap_sync(&a);
    const lap *both[] = { &a, &b };
    for (int i = 0; i < 2; i++) {
        lap_value(both[i], FIELD_SQL("units_used"), v, sizeof v);
        cr_assert_str_eq(v, "5", "laptop %d: units used %s", i, v);
        lap_value(both[i], FIELD_SQL("payer_ref"), v, sizeof v);
        cr_assert_str_eq(v, "REF-A", "laptop %d: payer ref %s", i, v);
        lap_value(both[i], "SELECT status FROM items WHERE id = 'pa-1'", v, sizeof v);
        cr_assert_str_eq(v, "denied", "laptop %d: status %s", i, v);
        lap_value(both[i], "SELECT count(*) FROM outbox", v, sizeof v);
        cr_assert_str_eq(v, "0", "laptop %d: ops still pending", i);
    }
    /* The refused approval is shown on laptop A's item. */
    lap_value(&a, "SELECT count(*) FROM op_rejects WHERE item_id = 'pa-1'", v, sizeof v);
    cr_assert_neq(atoi(v), 0, "laptop A does not know its approval was refused");
}
