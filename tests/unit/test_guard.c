/* core/profile/guard: the unlock back-off that survives a restart and is
 * audited at the next unlock, the passphrase's age, and drafts that
 * survive a crash (issue 4, DESIGN security invariant 3). */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "domain/audit.h"
#include "profile/guard.h"
#include "profile/profile.h"
#include "store/rows.h"
#include "tests/helpers/run.h"
#include "util/util.h"

#define NOW 1780300800   /* 2026-06-01 08:00 UTC */
#define DAY 86400
#define PASS "Pass-word-1"

static nx_profile prof;
static nx_conf conf;
static char dir[4096];

static void setup(void)
{
    cr_assert_eq(nx_crypt_init(), 0);
    nx_t_tmpdir(dir, sizeof dir, "guard");
    cr_assert(dir[0]);
    nx_conf_defaults(&conf);
    snprintf(conf.cache_dir, sizeof conf.cache_dir, "%s/profile", dir);
    char err[512] = "";
    cr_assert_eq(nx_profile_paths(&prof, &conf, err, sizeof err), 0, "%s", err);
    nx_profile_info info = {0};
    snprintf(info.user, sizeof info.user, "alice");
    snprintf(info.role, sizeof info.role, "eligibility");
    snprintf(info.team, sizeof info.team, "north");
    info.created = info.passphrase_set = NOW;
    cr_assert_eq(nx_profile_create(&prof, PASS, strlen(PASS), NX_KDF_TEST_ONLY, &info, err,
                                   sizeof err), 0, "%s", err);
    nx_client_row cl = { "cl-1", "Lakeside Family Clinic", "America/New_York", "555-0101", "" };
    nx_patient_row pt = { "pt-1", "cl-1", "Testperson", "Ava", "1980-04-02", "", "", "", "",
                          "", "", "no", "no", "" };
    cr_assert_eq(nx_store_client_put(prof.store, &cl), 0);
    cr_assert_eq(nx_store_patient_put(prof.store, &pt), 0);
    const char *items[] = { "it-1", "it-2", "it-3" };
    for (size_t i = 0; i < 3; i++) {
        nx_item_row r = { .id = items[i], .kind = "eligibility", .client_id = "cl-1",
                          .patient_id = "pt-1", .status = "new", .assignee = "alice",
                          .team = "north", .created = NOW, .updated = NOW };
        cr_assert_eq(nx_store_item_put(prof.store, &r), 0);
    }
}

static void teardown(void)
{
    nx_profile_close(&prof);
}

TestSuite(guard, .init = setup, .fini = teardown);

static const char *guard_file(void)
{
    static char path[8192];
    snprintf(path, sizeof path, "%s/" NX_GUARD_FILE, prof.dir);
    return path;
}

/* A restart: a fresh profile struct from the configuration, nothing open. */
static nx_profile fresh(void)
{
    nx_profile p;
    char err[256];
    cr_assert_eq(nx_profile_paths(&p, &conf, err, sizeof err), 0, "%s", err);
    return p;
}

static nx_backoff load(const nx_profile *p, int expect_rc)
{
    nx_backoff b;
    char err[512] = "";
    int rc = nx_backoff_load(p, &b, err, sizeof err);
    cr_assert_eq(rc, expect_rc, "load: %d: %s", rc, err);
    return b;
}

static void fail_at(int64_t t)
{
    char err[512] = "";
    cr_assert_eq(nx_backoff_fail(&prof, t, err, sizeof err), 0, "%s", err);
}

static long long count(const char *sql)
{
    sqlite3_stmt *s;
    cr_assert_eq(sqlite3_prepare_v2(nx_store_db(prof.store), sql, -1, &s, NULL), SQLITE_OK, "%s", sql);
    cr_assert_eq(sqlite3_step(s), SQLITE_ROW);
    long long n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

static void verify_chain(void)
{
    uint64_t events = 0;
    char why[512] = "";
    cr_assert_eq(nx_profile_verify(&prof, &events, why, sizeof why), 0, "%s", why);
}

static int settle(void)
{
    char err[512] = "";
    int rc = nx_backoff_settle(&prof, err, sizeof err);
    cr_assert_neq(rc, -1, "%s", err);
    return rc;
}

/* ---- back-off ------------------------------------------------------------------------ */

Test(guard, backoff_doubles_from_one_second_to_the_cap)
{
    nx_backoff b = load(&prof, 0);
    cr_assert_eq(b.failures, 0);
    cr_assert_eq(nx_backoff_wait(&b, NOW), 0, "no failure, no wait");
    int64_t t = NOW;
    const int64_t want[] = { 1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300 };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        fail_at(t);
        b = load(&prof, 0);
        cr_assert_eq(b.failures, (int)i + 1);
        cr_assert_eq(b.last_failure, t);
        cr_assert_eq(nx_backoff_wait(&b, t), want[i], "after %zu failures: %lld", i + 1,
                     (long long)nx_backoff_wait(&b, t));
        cr_assert_eq(nx_backoff_wait(&b, t + 1), want[i] - 1);
        cr_assert_eq(nx_backoff_wait(&b, t + want[i]), 0);
        cr_assert_eq(nx_backoff_wait(&b, t + 100000), 0);
        /* A clock set back never makes it longer than this step's delay,
         * and never shuts the user out for as long as it moved. */
        cr_assert_eq(nx_backoff_wait(&b, t - 1), want[i]);
        cr_assert_eq(nx_backoff_wait(&b, t - want[i]), want[i]);
        cr_assert_eq(nx_backoff_wait(&b, t - want[i] - 1), 0);
        cr_assert_eq(nx_backoff_wait(&b, t - 100000), 0);
        t += want[i] + 3;
    }
    cr_assert_eq(b.ntimes, (int)(sizeof want / sizeof want[0]));
    cr_assert_eq(b.times[0], NOW, "times are kept oldest first");
    cr_assert_eq(b.times[b.ntimes - 1], b.last_failure);
}

Test(guard, backoff_survives_a_restart_in_a_private_file)
{
    fail_at(NOW);
    fail_at(NOW + 5);
    fail_at(NOW + 9);
    /* The client exits (or is killed): only the file remains. */
    nx_profile_close(&prof);
    nx_profile p = fresh();
    nx_backoff b = load(&p, 0);
    cr_assert_eq(b.failures, 3);
    cr_assert_eq(b.last_failure, NOW + 9);
    cr_assert_eq(nx_backoff_wait(&b, NOW + 9), 4);
    struct stat st;
    cr_assert_eq(stat(guard_file(), &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600, "mode %o", st.st_mode & 0777);
    /* A failure recorded by another process (the restarted client) adds
     * to the same count. */
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        char err[256];
        _exit(nx_backoff_fail(&p, NOW + 20, err, sizeof err) == 0 ? 0 : 1);
    }
    int status = 0;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    b = load(&p, 0);
    cr_assert_eq(b.failures, 4);
    cr_assert_eq(nx_backoff_wait(&b, NOW + 20), 8);
}

Test(guard, settle_audits_each_failure_at_its_time_and_clears_the_file)
{
    fail_at(NOW - 300);
    fail_at(NOW - 200);
    fail_at(NOW - 100);
    long long before = count("SELECT count(*) FROM audit");
    cr_assert_eq(settle(), 0);
    cr_assert_eq(count("SELECT count(*) FROM audit WHERE action='unlock-failed'"), 3);
    cr_assert_eq(count("SELECT count(*) FROM audit WHERE action='unlock-failed' AND outcome='failed' "
                       "AND user='alice' AND reason=''"), 3);
    cr_assert_eq(count("SELECT count(*) FROM audit WHERE action='unlock-failed' AND at IN "
                       "(1780300500, 1780300600, 1780300700)"), 3, "at = each failure's time");
    cr_assert_eq(count("SELECT count(*) FROM audit"), before + 3);
    cr_assert_eq(access(guard_file(), F_OK), -1, "the file is gone");
    nx_backoff b = load(&prof, 0);
    cr_assert_eq(b.failures, 0);
    cr_assert_eq(nx_backoff_wait(&b, NOW), 0);
    /* nexus verify: the chain and the key file's head agree. */
    verify_chain();
    uint64_t head_seq;
    unsigned char head_hash[NX_HEAD_HASH_BYTES];
    nx_vault_head(prof.vault, &head_seq, head_hash);
    cr_assert_eq((long long)head_seq, count("SELECT max(seq) FROM audit"), "the head moved");
    /* Nothing more to settle. */
    cr_assert_eq(settle(), 0);
    cr_assert_eq(count("SELECT count(*) FROM audit"), before + 3);
    verify_chain();
}

Test(guard, settle_after_a_crash_before_the_file_went_away_writes_nothing_twice)
{
    fail_at(NOW - 60);
    fail_at(NOW - 30);
    unsigned char *saved = NULL;
    char *raw;
    size_t len;
    char err[256];
    cr_assert_eq(nx_read_file(guard_file(), 4096, &raw, &len, err, sizeof err), 0, "%s", err);
    saved = (unsigned char *)raw;
    cr_assert_eq(settle(), 0);
    cr_assert_eq(count("SELECT count(*) FROM audit WHERE action='unlock-failed'"), 2);
    /* As if the process died after COMMIT and before the unlink. */
    cr_assert_eq(nx_write_atomic(guard_file(), saved, len, err, sizeof err), 0, "%s", err);
    cr_assert_eq(settle(), 0);
    cr_assert_eq(count("SELECT count(*) FROM audit WHERE action='unlock-failed'"), 2);
    cr_assert_eq(access(guard_file(), F_OK), -1);
    /* Later failures of that same record are still written. */
    cr_assert_eq(nx_write_atomic(guard_file(), saved, len, err, sizeof err), 0, "%s", err);
    fail_at(NOW - 10);
    cr_assert_eq(settle(), 0);
    cr_assert_eq(count("SELECT count(*) FROM audit WHERE action='unlock-failed'"), 3);
    cr_assert_eq(count("SELECT count(*) FROM audit WHERE action='unlock-failed' AND at=1780300790"), 1);
    free(saved);
    verify_chain();
}

Test(guard, settle_counts_failures_whose_times_were_not_kept)
{
    for (int i = 0; i < 40; i++)
        fail_at(NOW - 1000 + i);
    nx_backoff b = load(&prof, 0);
    cr_assert_eq(b.failures, 40);
    cr_assert_eq(b.ntimes, NX_BACKOFF_KEEP);
    cr_assert_eq(b.times[0], NOW - 1000 + 8, "the most recent are kept");
    cr_assert_eq(settle(), 0);
    cr_assert_eq(count("SELECT count(*) FROM audit WHERE action='unlock-failed' AND reason=''"),
                 NX_BACKOFF_KEEP);
    cr_assert_eq(count("SELECT count(*) FROM audit WHERE action='unlock-failed' AND "
                       "reason='8 earlier failed attempts whose times were not kept' AND "
                       "at=1780299808"), 1);
    verify_chain();
}

static void write_file(const char *text)
{
    char err[256];
    cr_assert_eq(nx_write_atomic(guard_file(), text, strlen(text), err, sizeof err), 0, "%s", err);
}

Test(guard, damaged_file_fails_closed)
{
    static const char *const bad[] = {
        "garbage\n",
        "",
        "nexus-unlock-backoff 1\nid 5b0e6c1e-7a55-4c2b-9d0f-0f1e2d3c4b5a\nfailures 3\n",
        "nexus-unlock-backoff 1\nid 5b0e6c1e-7a55-4c2b-9d0f-0f1e2d3c4b5a\nfailures 3\n"
        "damaged 0\ntimes 1 2\n",                           /* 3 failures, 2 times */
        "nexus-unlock-backoff 1\nid 5b0e6c1e-7a55-4c2b-9d0f-0f1e2d3c4b5a\nfailures 2\n"
        "damaged 0\ntimes 9 2\n",                           /* out of order */
        "nexus-unlock-backoff 1\nid 5b0e6c1e-7a55-4c2b-9d0f-0f1e2d3c4b5a\nfailures -1\n"
        "damaged 0\ntimes \n",
        "nexus-unlock-backoff 1\nid 5b0e6c1e-7a55-4c2b-9d0f-0f1e2d3c4b5a\nfailures 1\n"
        "damaged 0\ntimes 5\nextra\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_file(bad[i]);
        struct stat st;
        cr_assert_eq(stat(guard_file(), &st), 0);
        nx_backoff b;
        char err[512] = "";
        cr_assert_eq(nx_backoff_load(&prof, &b, err, sizeof err), 1, "case %zu loaded", i);
        cr_assert(strstr(err, "damaged"), "case %zu: %s", i, err);
        cr_assert(b.damaged);
        cr_assert_eq(nx_backoff_wait(&b, st.st_mtime), NX_BACKOFF_CAP_SECONDS, "case %zu", i);
        cr_assert_eq(nx_backoff_wait(&b, st.st_mtime + NX_BACKOFF_CAP_SECONDS), 0);
    }
    /* A sound control, so the cases above fail for what they are. */
    write_file("nexus-unlock-backoff 1\nid 5b0e6c1e-7a55-4c2b-9d0f-0f1e2d3c4b5a\nfailures 2\n"
               "damaged 0\ntimes 7 9\n");
    nx_backoff ok = load(&prof, 0);
    cr_assert_eq(ok.failures, 2);
    cr_assert_eq(ok.last_failure, 9);

    /* The next failure replaces the damaged file with a sound record that
     * keeps the cap and remembers the damage... */
    write_file("garbage\n");
    fail_at(NOW);
    nx_backoff b = load(&prof, 0);
    cr_assert(b.damaged);
    cr_assert_eq(b.failures, NX_BACKOFF_CAP_FAILURES + 1);
    cr_assert_eq(nx_backoff_wait(&b, NOW), NX_BACKOFF_CAP_SECONDS);
    /* ...and the settle says attempts were lost. */
    cr_assert_eq(settle(), 0);
    cr_assert_eq(count("SELECT count(*) FROM audit WHERE action='unlock-failed' AND reason LIKE "
                       "'the unlock back-off record was found damaged%'"), 1);
    cr_assert_eq(count("SELECT count(*) FROM audit WHERE action='unlock-failed' AND reason='' "
                       "AND at=1780300800"), 1);
    cr_assert_eq(access(guard_file(), F_OK), -1);
    /* A damaged file settled as it is goes too. */
    write_file("garbage\n");
    cr_assert_eq(settle(), 0);
    cr_assert_eq(count("SELECT count(*) FROM audit WHERE action='unlock-failed' AND reason LIKE "
                       "'the unlock back-off record was found damaged%'"), 2);
    cr_assert_eq(access(guard_file(), F_OK), -1);
    verify_chain();
}

/* ---- passphrase age ---------------------------------------------------------------- */

Test(guard, passphrase_age_boundaries)
{
    nx_profile_info info = { .passphrase_set = NOW };
    int days = 99;
    cr_assert_eq(nx_passphrase_age(&info, NOW, &days), NX_PASS_OK);
    cr_assert_eq(days, 90);
    cr_assert_eq(nx_passphrase_age(&info, NOW + 84 * DAY, &days), NX_PASS_OK);
    cr_assert_eq(days, 6);
    cr_assert_eq(nx_passphrase_age(&info, NOW + 85 * DAY - 1, &days), NX_PASS_OK);
    cr_assert_eq(nx_passphrase_age(&info, NOW + 85 * DAY, &days), NX_PASS_REMIND, "85 days");
    cr_assert_eq(days, 5);
    cr_assert_eq(nx_passphrase_age(&info, NOW + 89 * DAY, &days), NX_PASS_REMIND, "89 days");
    cr_assert_eq(days, 1);
    cr_assert_eq(nx_passphrase_age(&info, NOW + 90 * DAY - 1, &days), NX_PASS_REMIND);
    cr_assert_eq(days, 0);
    cr_assert_eq(nx_passphrase_age(&info, NOW + 90 * DAY, &days), NX_PASS_EXPIRED, "90 days");
    cr_assert_eq(days, 0);
    cr_assert_eq(nx_passphrase_age(&info, NOW + 90 * DAY + 1, &days), NX_PASS_EXPIRED);
    cr_assert_eq(days, -1);
    cr_assert_eq(nx_passphrase_age(&info, NOW + 91 * DAY, &days), NX_PASS_EXPIRED, "91 days");
    cr_assert_eq(days, -1);
    cr_assert_eq(nx_passphrase_age(&info, NOW + 91 * DAY, NULL), NX_PASS_EXPIRED);
    /* The profile's own key file says when it was set. */
    cr_assert_eq(nx_passphrase_age(nx_vault_info(prof.vault), NOW + 89 * DAY, NULL), NX_PASS_REMIND);
    /* A key file without the date asks for a change at once. */
    nx_profile_info none = {0};
    cr_assert_eq(nx_passphrase_age(&none, NOW, NULL), NX_PASS_EXPIRED);
}

/* ---- drafts ---------------------------------------------------------------------------- */

typedef struct {
    char fields[8][64];
    char values[8][256];
    int n;
} got_draft;

static int take(void *ctx, const char *field, const char *value)
{
    got_draft *g = ctx;
    cr_assert_lt(g->n, 8);
    snprintf(g->fields[g->n], sizeof g->fields[0], "%s", field);
    snprintf(g->values[g->n], sizeof g->values[0], "%s", value);
    g->n++;
    return 0;
}

static got_draft load_draft(nx_profile *p, const char *item, int expect)
{
    got_draft g = {0};
    char err[512] = "";
    int n = nx_draft_load(p, item, take, &g, err, sizeof err);
    cr_assert_eq(n, expect, "%s: %d fields: %s", item, n, err);
    cr_assert_eq(g.n, expect);
    return g;
}

static void save(const char *item, const nx_draft_field *f, size_t n, int64_t at)
{
    char err[512] = "";
    cr_assert_eq(nx_draft_save(&prof, item, f, n, at, err, sizeof err), 0, "%s", err);
}

Test(guard, drafts_save_replace_load_discard_list)
{
    load_draft(&prof, "it-1", 0);
    const nx_draft_field a[] = { { "plan", "Gold PPO" }, { "family_name", "N\xc3\xba\xc3\xb1" "ez" },
                                 { "member_id", "" } };
    save("it-1", a, 3, NOW);
    got_draft g = load_draft(&prof, "it-1", 3);
    /* In field-id order; an emptied field is kept as empty. */
    cr_assert_str_eq(g.fields[0], "family_name");
    cr_assert_str_eq(g.values[0], "N\xc3\xba\xc3\xb1" "ez");
    cr_assert_str_eq(g.fields[1], "member_id");
    cr_assert_str_eq(g.values[1], "");
    cr_assert_str_eq(g.fields[2], "plan");
    /* A save replaces the whole draft, not field by field. */
    const nx_draft_field b[] = { { "plan", "Silver HMO" } };
    save("it-1", b, 1, NOW + 30);
    g = load_draft(&prof, "it-1", 1);
    cr_assert_str_eq(g.values[0], "Silver HMO");
    const nx_draft_field c[] = { { "plan", "Bronze" } };
    save("it-2", c, 1, NOW + 10);
    save("it-3", c, 1, NOW + 60);
    char ids[4][64];
    char err[512] = "";
    cr_assert_eq(nx_draft_list(&prof, ids, 4, err, sizeof err), 3, "%s", err);
    cr_assert_str_eq(ids[0], "it-3", "newest first");
    cr_assert_str_eq(ids[1], "it-1");
    cr_assert_str_eq(ids[2], "it-2");
    cr_assert_eq(nx_draft_list(&prof, ids, 2, err, sizeof err), 2, "at most max");
    cr_assert_eq(nx_draft_discard(&prof, "it-1", err, sizeof err), 0, "%s", err);
    load_draft(&prof, "it-1", 0);
    cr_assert_eq(nx_draft_list(&prof, ids, 4, err, sizeof err), 2);
    /* Refused: an item that does not exist, a value where an id belongs. */
    cr_assert_eq(nx_draft_save(&prof, "no-such-item", c, 1, NOW, err, sizeof err), -1);
    const nx_draft_field bad[] = { { "Ava Testperson", "x" } };
    cr_assert_eq(nx_draft_save(&prof, "it-2", bad, 1, NOW, err, sizeof err), -1);
    cr_assert(!strstr(err, "Ava"), "the message repeats the value: %s", err);
    g = load_draft(&prof, "it-2", 1);
    cr_assert_str_eq(g.values[0], "Bronze", "a refused save left the draft as it was");
    /* The draft goes with its item. */
    cr_assert_eq(sqlite3_exec(nx_store_db(prof.store), "DELETE FROM items WHERE id='it-2'", NULL,
                              NULL, NULL), SQLITE_OK);
    load_draft(&prof, "it-2", 0);
    verify_chain();
}

/* The forms that are no item's keep their drafts under a form key, apart
 * from the items' (nothing to go with, nothing listed as an item's). */
Test(guard, form_drafts_save_replace_load_discard)
{
    char err[512] = "";
    got_draft g = {0};
    cr_assert_eq(nx_form_draft_load(&prof, "inc:new", take, &g, err, sizeof err), 0, "%s", err);
    const nx_draft_field a[] = { { "description", "Synthetic fax to a wrong number" },
                                 { "type", "misfax" } };
    cr_assert_eq(nx_form_draft_save(&prof, "inc:new", a, 2, NOW, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_form_draft_load(&prof, "inc:new", take, &g, err, sizeof err), 2, "%s", err);
    cr_assert_str_eq(g.fields[0], "description");
    cr_assert_str_eq(g.values[0], "Synthetic fax to a wrong number");
    const nx_draft_field b[] = { { "type", "lost-device" } };
    cr_assert_eq(nx_form_draft_save(&prof, "inc:new", b, 1, NOW + 30, err, sizeof err), 0);
    memset(&g, 0, sizeof g);
    cr_assert_eq(nx_form_draft_load(&prof, "inc:new", take, &g, err, sizeof err), 1,
                 "a save replaces the whole draft");
    cr_assert_str_eq(g.values[0], "lost-device");
    char ids[4][64];
    cr_assert_eq(nx_draft_list(&prof, ids, 4, err, sizeof err), 0, "not an item's draft");
    memset(&g, 0, sizeof g);
    cr_assert_eq(nx_draft_load(&prof, "inc:new", take, &g, err, sizeof err), 0);
    cr_assert_eq(nx_form_draft_save(&prof, "inc new", b, 1, NOW, err, sizeof err), -1,
                 "a key is made like an id");
    cr_assert_eq(nx_form_draft_discard(&prof, "inc:new", err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_form_draft_load(&prof, "inc:new", take, &g, err, sizeof err), 0);
    nx_profile_close(&prof);
    cr_assert_eq(nx_form_draft_save(&prof, "inc:new", b, 1, NOW, err, sizeof err), -1,
                 "not while locked");
}

Test(guard, drafts_are_not_readable_while_locked)
{
    nx_profile_close(&prof);
    char err[512] = "";
    got_draft g = {0};
    cr_assert_eq(nx_draft_load(&prof, "it-1", take, &g, err, sizeof err), -1);
    const nx_draft_field a[] = { { "plan", "Gold PPO" } };
    cr_assert_eq(nx_draft_save(&prof, "it-1", a, 1, NOW, err, sizeof err), -1);
}

/* Reopens the profile after a child was killed, checks the cache. */
static void reopen_and_verify(void)
{
    nx_profile_close(&prof);
    prof = fresh();
    char err[512] = "";
    cr_assert_eq(nx_profile_open(&prof, PASS, strlen(PASS), err, sizeof err), 0, "%s", err);
    verify_chain();
}

static void run_killed(void (*child)(void))
{
    nx_profile_close(&prof);   /* the child opens its own, like a second client */
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        child();
        _exit(3);   /* only reached when a step failed */
    }
    int st = 0;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "the child failed: status %d", st);
}

static void child_saves_then_dies(void)
{
    nx_profile p = fresh();
    char err[512];
    if (nx_profile_open(&p, PASS, strlen(PASS), err, sizeof err) != 0)
        return;
    const nx_draft_field f[] = { { "plan", "Typed before the crash" } };
    if (nx_draft_save(&p, "it-1", f, 1, NOW, err, sizeof err) != 0)
        return;
    raise(SIGKILL);   /* no close, no cleanup: power loss */
}

Test(guard, draft_survives_sigkill_of_the_client)
{
    run_killed(child_saves_then_dies);
    reopen_and_verify();
    got_draft g = load_draft(&prof, "it-1", 1);
    cr_assert_str_eq(g.values[0], "Typed before the crash");
}

static void child_dies_inside_a_save(void)
{
    nx_profile p = fresh();
    char err[512];
    if (nx_profile_open(&p, PASS, strlen(PASS), err, sizeof err) != 0)
        return;
    const nx_draft_field f[] = { { "plan", "Saved" }, { "member_id", "ZX1" } };
    if (nx_draft_save(&p, "it-1", f, 2, NOW, err, sizeof err) != 0)
        return;
    /* The next save dies between its DELETE and its COMMIT: the journal
     * is hot, and the reopen rolls it back to the whole first draft. */
    sqlite3 *db = nx_store_db(p.store);
    if (sqlite3_exec(db, "PRAGMA cache_size=1; BEGIN IMMEDIATE; DELETE FROM drafts;"
                         "INSERT INTO drafts(item_id,field,value,saved_at) "
                         "VALUES('it-1','plan','Half-saved',1)", NULL, NULL, NULL) != SQLITE_OK)
        return;
    raise(SIGKILL);
}

Test(guard, a_save_cut_short_leaves_the_previous_draft_whole)
{
    run_killed(child_dies_inside_a_save);
    reopen_and_verify();
    got_draft g = load_draft(&prof, "it-1", 2);
    cr_assert_str_eq(g.fields[0], "member_id");
    cr_assert_str_eq(g.values[0], "ZX1");
    cr_assert_str_eq(g.values[1], "Saved");
}
