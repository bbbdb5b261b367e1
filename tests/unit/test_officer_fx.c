/* A fresh oversight profile and session for the unit tests (test_officer_fx.h;
 * here, not in tests/helpers, since it asserts with Criterion). */
#include "tests/unit/test_officer_fx.h"

#include <criterion/criterion.h>
#include <stdio.h>

#include "crypt/crypt.h"
#include "tests/helpers/run.h"

void nx_t_officer_open(const char *tag, const char *role, int64_t created, void (*fill)(void),
                       nx_clock_fn clock, nx_profile *prof, nx_session *sess, char *dir,
                       size_t dirlen)
{
    cr_assert_eq(nx_crypt_init(), 0);
    nx_t_tmpdir(dir, dirlen, tag);
    nx_conf c;
    nx_conf_defaults(&c);
    snprintf(c.cache_dir, sizeof c.cache_dir, "%s/profile", dir);
    char err[512] = "";
    cr_assert_eq(nx_profile_paths(prof, &c, err, sizeof err), 0);
    nx_profile_info info = { 0 };
    snprintf(info.user, sizeof info.user, "olga");
    snprintf(info.role, sizeof info.role, "%s", role);
    snprintf(info.team, sizeof info.team, "oversight");
    info.created = info.passphrase_set = created;
    cr_assert_eq(nx_profile_create(prof, "Pass-word-1", 11, NX_KDF_TEST_ONLY, &info, err,
                                   sizeof err), 0, "%s", err);
    if (fill)
        fill();
    sess->clock = clock;
    cr_assert_eq(nx_session_start(sess, prof, nx_dict_default(),
                                  nx_t_root("assets/policy.txt"), err, sizeof err), 0, "%s", err);
}
