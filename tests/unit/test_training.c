/* Training data: synthetic, valid by the dictionary, consistent with each
 * item's status, and audited like any other change. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "domain/dict.h"
#include "domain/workflow.h"
#include "profile/profile.h"
#include "session/session.h"
#include "session/training.h"
#include "store/rows.h"
#include "tests/helpers/run.h"

static int64_t fixed(void *c) { (void)c; return 1780300800; }

Test(training, seeded_items_are_valid_and_audited)
{
    cr_assert_eq(nx_crypt_init(), 0);
    char dir[4096], err[512] = "";
    nx_t_tmpdir(dir, sizeof dir, "training");
    nx_conf c;
    nx_conf_defaults(&c);
    snprintf(c.cache_dir, sizeof c.cache_dir, "%s/p", dir);
    nx_profile p;
    cr_assert_eq(nx_profile_paths(&p, &c, err, sizeof err), 0);
    nx_profile_info info = { .user = "trainee", .role = "supervisor", .team = "training",
                             .training = 1, .created = 1, .passphrase_set = 1 };
    cr_assert_eq(nx_profile_create(&p, "Pass-word-1", 11, NX_KDF_TEST_ONLY, &info, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_training_seed(&p, nx_t_root("assets"), 120, "trainee", "training", err, sizeof err),
                 0, "%s", err);
    cr_assert_eq(nx_store_count(p.store, "items"), 120);

    /* Every item opens through the session (supervisor: team scope) and
     * every stored value passes the dictionary's check; every field the
     * item's status requires is there. */
    nx_session s = { .clock = fixed };
    cr_assert_eq(nx_session_start(&s, &p, nx_dict_default(), nx_t_root("assets/policy.txt"), err,
                                  sizeof err), 0, "%s", err);
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(nx_store_db(p.store), "SELECT id FROM items", -1, &st, NULL), SQLITE_OK);
    int kinds_seen = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        nx_item it;
        const char *id = (const char *)sqlite3_column_text(st, 0);
        cr_assert_eq(nx_session_open(&s, id, &it, err, sizeof err), 0, "%s", err);
        kinds_seen |= 1 << it.kind;
        cr_assert(nx_workflow_is_status(it.kind, it.status), "%s: status %s", id, it.status);
        for (size_t i = 0; i < it.nvals; i++) {
            const nx_field_def *f = it.vals[i].def;
            char canon[NX_VALUE_MAX];
            if (it.vals[i].value[0]) {
                const char *bad = nx_dict_check(f, it.vals[i].value, canon, sizeof canon);
                cr_assert_null(bad, "item %s field %s: %s", id, f->id, bad);
            } else if (strcmp(it.status, nx_workflow_initial(it.kind)) != 0) {
                cr_assert_not(nx_dict_required_at(f, it.kind, it.status),
                              "item %s (%s) lacks %s", id, it.status, f->id);
            }
        }
        nx_item_free(&it);
    }
    sqlite3_finalize(st);
    cr_assert_eq(kinds_seen, 0xf, "not every kind was seeded");
    nx_session_end(&s);
    uint64_t events = 0;
    cr_assert_eq(nx_profile_verify(&p, &events, err, sizeof err), 0, "%s", err);
    /* init + 120 creates + login + 120 views + logout */
    cr_assert_eq(events, 1 + 120 + 1 + 120 + 1);
    nx_profile_close(&p);
}
