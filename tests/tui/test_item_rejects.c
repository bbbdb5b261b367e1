/* A change the hub refused is shown on its item (issue 5: "A rejected op
 * returns with its reason, and the client shows it on the item"): opening
 * the item says how many were refused, and the history (F6) lists each with
 * the field's label and the hub's reason. Headless, on the fixture profile,
 * with refusals recorded the way a sync round records them. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile/profile.h"
#include "store/sync_store.h"
#include "tests/helpers/run.h"
#include "util/util.h"

#define PASS "Golden-Pass-1!"
#define NOW 1772463600LL

static char dir[512], conf[600];

/* Every scheduling item gets one refused change of its appointment
 * location, as nx_outbox_settle records a RESULT "rejected". */
static void refuse_changes(void)
{
    nx_conf c;
    nx_profile p;
    char err[1024];
    cr_assert_eq(nx_conf_load(conf, &c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_profile_paths(&p, &c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_profile_open(&p, PASS, strlen(PASS), err, sizeof err), 0, "%s", err);
    sqlite3 *db = nx_store_db(p.store);
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, "SELECT id FROM items WHERE kind = 'scheduling'", -1,
                                    &st, NULL),
                 SQLITE_OK);
    char ids[64][64];
    int n = 0;
    while (n < 64 && sqlite3_step(st) == SQLITE_ROW)
        snprintf(ids[n++], sizeof ids[0], "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    cr_assert_gt(n, 0);
    cr_assert_eq(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    for (int i = 0; i < n; i++) {
        char op[40];
        cr_assert_eq(nx_outbox_add(p.store, NX_OP_SET, ids[i], "appointment_location",
                                   "Room 9 (synthetic)", NULL, NOW, NOW * 1000, op),
                     0);
        cr_assert_eq(nx_outbox_settle(p.store, op,
                                      "appointment_location: your role may not change it", NOW),
                     1);
    }
    cr_assert_eq(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    nx_profile_close(&p);
}

static void run_script(char *out, size_t outlen, char *hist, size_t hlen)
{
    char script[700], a[700], b[700], env_script[800], text[2048];
    snprintf(script, sizeof script, "%s/run.script", dir);
    snprintf(a, sizeof a, "%s/item.txt", dir);
    snprintf(b, sizeof b, "%s/history.txt", dir);
    snprintf(text, sizeof text,
             ":type " PASS "\n:key <Enter>\n:key 1\n:key <Enter>\n:save-display %s\n"
             ":key <F6>\n:save-display %s\n:key <Esc>\n:key q\n", a, b);
    FILE *f = fopen(script, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    snprintf(env_script, sizeof env_script, "NEXUS_TUI_SCRIPT=%s", script);
    const char *env[] = { env_script, "NEXUS_TEST_NOW=1772463600", "TERM=xterm", "LINES=30",
                          "COLUMNS=120", "TZ=UTC", NULL };
    const char *argv[] = { nx_t_bin("nexus"), "--config", conf, NULL };
    nx_t_result r;
    cr_assert_eq(nx_t_run(argv, env, NULL, &r), 0);
    char *t = NULL, err[256];
    size_t n = 0;
    cr_assert_eq(nx_read_file(a, 1 << 20, &t, &n, err, sizeof err), 0, "no screen (%d): %s",
                 r.status, r.err);
    snprintf(out, outlen, "%s", t);
    free(t);
    cr_assert_eq(nx_read_file(b, 1 << 20, &t, &n, err, sizeof err), 0, "no history screen");
    snprintf(hist, hlen, "%s", t);
    free(t);
}

Test(item_rejects, a_refused_change_is_shown_on_its_item)
{
    nx_t_tmpdir(dir, sizeof dir, "rejects");
    char prof[600];
    snprintf(prof, sizeof prof, "%s/profile", dir);
    const char *fx[] = { nx_t_bin("progs/tui_fixture"), prof, "scheduling", "0", "10", NULL };
    nx_t_result r;
    cr_assert_eq(nx_t_run(fx, NULL, NULL, &r), 0);
    cr_assert_eq(r.status, 0, "tui_fixture: %s", r.err);
    snprintf(conf, sizeof conf, "%s/nexus.conf", dir);
    FILE *f = fopen(conf, "w");
    cr_assert_not_null(f);
    fprintf(f, "[cache]\ndir = %s\n", prof);
    fclose(f);
    refuse_changes();

    char item[16384], hist[16384];
    run_script(item, sizeof item, hist, sizeof hist);
    cr_assert(strstr(item, "The hub refused 1 of your changes to this item"),
              "no word of the refusal on opening:\n%s", item);
    cr_assert(strstr(hist, "refused"), "no refusal in the history:\n%s", hist);
    cr_assert(strstr(hist, "Appointment location"), "the field is not named:\n%s", hist);
    cr_assert_null(strstr(hist, "Room 9"), "the refused value is shown:\n%s", hist);
}
