/* The new-item form (screens/newitem.c), headless on the fixture profile:
 * made from the dashboard (the kind asked first), the patient found and
 * picked, a lock in between wipes the typed name from the screen and
 * brings the pick back after unlock, F2 lands on the new item's own form,
 * and the cache holds the item with its `create` audit event and its
 * sync op. The golden screens of the same form are in
 * tests/tui/scripts/newitem.script; here the new item's random id is
 * read back from the cache instead. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile/profile.h"
#include "tests/helpers/run.h"
#include "util/util.h"

#define PASS "Golden-Pass-1!"

static char dir[512];

/* Writes the script (a "# role:" header first) and runs it with
 * tests/tui/run-script.sh into dir. */
static void run(const char *role, const char *body)
{
    nx_t_tmpdir(dir, sizeof dir, "newitem");
    char script[700], runner[1024];
    snprintf(script, sizeof script, "%s/test.script", dir);
    FILE *f = fopen(script, "w");
    cr_assert_not_null(f);
    fprintf(f, "# role: %s\n:type " PASS "\n:key <Enter>\n%s", role, body);
    fclose(f);
    snprintf(runner, sizeof runner, "%s", nx_t_root("tests/tui/run-script.sh"));
    const char *argv[] = { "/bin/sh", runner, nx_t_bin(""), script, dir, NULL };
    nx_t_result r;
    cr_assert_eq(nx_t_run(argv, NULL, NULL, &r), 0);
    cr_assert_eq(r.status, 0, "exit %d\n%s%s", r.status, r.out, r.err);
}

static char *screen(const char *name)
{
    char path[700], err[256], *t = NULL;
    size_t n = 0;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    cr_assert_eq(nx_read_file(path, 1 << 20, &t, &n, err, sizeof err), 0, "%s: %s", name, err);
    return t;
}

static sqlite3 *open_cache(nx_profile *p)
{
    nx_conf c;
    char err[1024];
    nx_conf_defaults(&c);
    snprintf(c.cache_dir, sizeof c.cache_dir, "%s/profile", dir);
    cr_assert_eq(nx_crypt_init(), 0);
    cr_assert_eq(nx_profile_paths(p, &c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_profile_open(p, PASS, strlen(PASS), err, sizeof err), 0, "%s", err);
    return nx_store_db(p->store);
}

static long long count(sqlite3 *db, const char *sql, const char *arg)
{
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s", sql);
    if (arg)
        sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    long long n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

Test(newitem, from_the_dashboard_through_a_lock_to_the_new_items_form)
{
    /* n on the dashboard: the kind menu, the third kind (prior-auth); the
     * one patient "okaf" finds is picked at once; lock and unlock; F2 */
    run("prior-auth",
        ":key n j j <Enter>\n"
        ":save-display @OUT@/form.txt\n"
        ":type okaf\n"
        ":key <Enter>\n"
        ":key <F12>\n"
        ":save-display @OUT@/locked.txt\n"
        ":type " PASS "\n"
        ":key <Enter>\n"
        ":save-display @OUT@/unlocked.txt\n"
        ":key <F2>\n"
        ":save-display @OUT@/item.txt\n");
    char *form = screen("form.txt"), *locked = screen("locked.txt"),
         *unlocked = screen("unlocked.txt"), *item = screen("item.txt");
    cr_assert(strstr(form, "New prior-auth item"), "%s", form);
    cr_assert_null(strstr(locked, "Okafor"), "a name stayed on the lock screen:\n%s", locked);
    cr_assert(strstr(unlocked, "Okafor, Amara"), "the pick is not back after unlock:\n%s",
              unlocked);

    nx_profile p;
    sqlite3 *db = open_cache(&p);
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, "SELECT id FROM items WHERE kind = 'prior-auth' AND"
                                    " patient_id = 'pat-04' AND client_id = 'cl-lakeside' AND"
                                    " status = 'draft' AND assignee = 'agent' AND team = 'blue'"
                                    " AND priority = 0 AND id NOT LIKE 'prior-auth-%'",
                                    -1, &st, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "no new item in the cache");
    char id[64];
    snprintf(id, sizeof id, "%s", (const char *)sqlite3_column_text(st, 0));
    cr_assert_eq(sqlite3_step(st), SQLITE_DONE, "more than one new item");
    sqlite3_finalize(st);
    cr_assert_eq(count(db, "SELECT count(*) FROM audit WHERE action = 'create' AND"
                           " outcome = 'ok' AND item_id = ?1", id), 1);
    cr_assert_eq(count(db, "SELECT count(*) FROM outbox WHERE kind = 'create' AND item = ?1",
                       id), 1);
    nx_profile_close(&p);

    /* the user is on the new item's own form */
    char title[128];
    snprintf(title, sizeof title, "prior-auth item %s", id);
    cr_assert(strstr(item, title), "not on the new item:\n%s", item);
    cr_assert(strstr(item, "Okafor"), "%s", item);
    cr_assert(strstr(item, "status draft"), "%s", item);
    free(form);
    free(locked);
    free(unlocked);
    free(item);
}

Test(newitem, refused_for_a_role_that_does_not_create)
{
    run("supervisor", ":key 1 n\n:save-display @OUT@/queue.txt\n:key q n\n"
                      ":save-display @OUT@/dash.txt\n");
    char *q = screen("queue.txt"), *d = screen("dash.txt");
    cr_assert(strstr(q, "Your role (supervisor) does not create work items."), "%s", q);
    cr_assert(strstr(d, "Your role (supervisor) does not create work items."), "%s", d);
    cr_assert_null(strstr(d, "which kind"), "%s", d);
    free(q);
    free(d);
}
