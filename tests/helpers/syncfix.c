/* Test helper: profiles and sessions for the client's sync tests. */
#include "tests/helpers/syncfix.h"
#include "tests/helpers/run.h"
#include "store/rows.h"
#include "util/util.h"

#include <stdio.h>
#include <string.h>

static int64_t sf_clock(void *ctx) { (void)ctx; return NX_SF_NOW; }

int nx_sf_open(nx_sf *f, const char *tag, const char *user, const char *role, int training,
               char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    if (nx_crypt_init() != 0)
        return nx_err(err, errlen, "crypto init");
    nx_t_tmpdir(f->dir, sizeof f->dir, tag);
    if (!f->dir[0])
        return nx_err(err, errlen, "no temp dir");
    nx_conf_defaults(&f->conf);
    snprintf(f->conf.cache_dir, sizeof f->conf.cache_dir, "%s/profile", f->dir);
    if (nx_profile_paths(&f->prof, &f->conf, err, errlen))
        return -1;
    nx_profile_info info = {0};
    snprintf(info.user, sizeof info.user, "%s", user);
    snprintf(info.role, sizeof info.role, "%s", role);
    snprintf(info.team, sizeof info.team, "north");
    info.training = training;
    info.created = info.passphrase_set = NX_SF_NOW;
    for (int i = 0; i < 16; i++)
        info.device_id[i] = (unsigned char)(0xa0 + i);
    if (nx_profile_create(&f->prof, "Pass-word-1", 11, NX_KDF_TEST_ONLY, &info, err, errlen))
        return -1;
    nx_store *st = f->prof.store;
    nx_client_row cl = { "cl-1", "Lakeside Family Clinic", "America/New_York", "555-0101", "" };
    nx_patient_row pt = { "pt-1", "cl-1", "Testperson", "Ava", "1980-04-02", "2175550123",
                          "ava@example.invalid", "12 Maple Ave, Springfield, IL 62701",
                          "TRN0000001", "ZX123456789", "Bluewater Health Plan", "no", "no", "" };
    nx_patient_row p2 = pt;
    p2.id = "pt-2";
    p2.family_name = "Sampleton";
    if (nx_store_client_put(st, &cl) || nx_store_patient_put(st, &pt) ||
        nx_store_patient_put(st, &p2))
        return nx_err(err, errlen, "seed: %s", nx_store_errmsg(st));
    return 0;
}

int nx_sf_session(nx_sf *f, char *err, size_t errlen)
{
    f->sess.clock = sf_clock;
    if (nx_session_start(&f->sess, &f->prof, nx_dict_default(), nx_t_root("assets/policy.txt"),
                         err, errlen))
        return -1;
    f->has_sess = 1;
    return 0;
}

void nx_sf_close(nx_sf *f)
{
    if (f->has_sess && f->prof.store)
        nx_session_end(&f->sess);
    else if (f->has_sess)
        nx_policy_free(f->sess.policy);
    f->has_sess = 0;
    nx_profile_close(&f->prof);
}

long long nx_sf_count(nx_sf *f, const char *sql)
{
    sqlite3_stmt *s = NULL;
    long long n = -1;
    if (sqlite3_prepare_v2(nx_store_db(f->prof.store), sql, -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

void nx_sf_text(nx_sf *f, const char *sql, char *out, size_t len)
{
    sqlite3_stmt *s = NULL;
    out[0] = '\0';
    if (sqlite3_prepare_v2(nx_store_db(f->prof.store), sql, -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
        snprintf(out, len, "%s", (const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
}
