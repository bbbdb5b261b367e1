/* The key file: round trip, wrong passphrase, re-wrap, and every modified
 * byte refused. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crypt/crypt.h"
#include "crypt/passphrase.h"
#include "tests/helpers/run.h"
#include "util/util.h"

static char dir[4096], kf[4200];

static void setup(void)
{
    cr_assert_eq(nx_crypt_init(), 0);
    nx_t_tmpdir(dir, sizeof dir, "vault");
    snprintf(kf, sizeof kf, "%s/nexus.key", dir);
}

static nx_profile_info info(void)
{
    nx_profile_info i = {0};
    strcpy(i.user, "alice");
    strcpy(i.role, "prior-auth");
    strcpy(i.team, "north");
    memset(i.device_id, 7, sizeof i.device_id);
    i.training = 1;
    i.created = 1700000000;
    i.passphrase_set = 1700000001;
    return i;
}

#define PASS "Correct-Horse-9"

static void make(void)
{
    nx_profile_info i = info();
    nx_vault *v = NULL;
    char err[512] = "";
    cr_assert_eq(nx_vault_create(kf, PASS, strlen(PASS), NX_KDF_TEST_ONLY, &i, &v, err, sizeof err),
                 0, "%s", err);
    nx_vault_close(v);
}

TestSuite(vault, .init = setup);

Test(vault, round_trip_and_fields)
{
    nx_profile_info i = info();
    nx_vault *v = NULL, *w = NULL;
    char err[512] = "";
    cr_assert_eq(nx_vault_create(kf, PASS, strlen(PASS), NX_KDF_TEST_ONLY, &i, &v, err, sizeof err), 0);
    unsigned char key[NX_KEY_BYTES];
    memcpy(key, nx_vault_data_key(v), sizeof key);
    cr_assert_eq(nx_vault_open(kf, PASS, strlen(PASS), &w, err, sizeof err), 0, "%s", err);
    cr_assert_eq(memcmp(key, nx_vault_data_key(w), sizeof key), 0);
    const nx_profile_info *o = nx_vault_info(w);
    cr_assert_str_eq(o->user, "alice");
    cr_assert_str_eq(o->role, "prior-auth");
    cr_assert_str_eq(o->team, "north");
    cr_assert_eq(o->training, 1);
    cr_assert_eq(o->created, 1700000000);
    cr_assert_eq(memcmp(o->device_id, i.device_id, 16), 0);
    struct stat st;
    cr_assert_eq(stat(kf, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600);
    nx_vault_close(v);
    nx_vault_close(w);
}

Test(vault, data_keys_are_random)
{
    nx_profile_info i = info();
    nx_vault *a = NULL, *b = NULL;
    char err[512], kf2[4300];
    snprintf(kf2, sizeof kf2, "%s/other.key", dir);
    cr_assert_eq(nx_vault_create(kf, PASS, strlen(PASS), NX_KDF_TEST_ONLY, &i, &a, err, sizeof err), 0);
    cr_assert_eq(nx_vault_create(kf2, PASS, strlen(PASS), NX_KDF_TEST_ONLY, &i, &b, err, sizeof err), 0);
    cr_assert_neq(memcmp(nx_vault_data_key(a), nx_vault_data_key(b), NX_KEY_BYTES), 0);
    nx_vault_close(a);
    nx_vault_close(b);
}

Test(vault, refuses_to_overwrite)
{
    make();
    nx_profile_info i = info();
    nx_vault *v = NULL;
    char err[512] = "";
    cr_assert_eq(nx_vault_create(kf, PASS, strlen(PASS), NX_KDF_TEST_ONLY, &i, &v, err, sizeof err), -1);
    cr_assert(strstr(err, "already exists"), "%s", err);
}

Test(vault, wrong_passphrase_refused)
{
    make();
    nx_vault *v = NULL;
    char err[512] = "";
    cr_assert_eq(nx_vault_open(kf, "Wrong-Horse-9", 13, &v, err, sizeof err), -1);
    cr_assert_null(v);
    cr_assert(strstr(err, "wrong passphrase"), "%s", err);
}

Test(vault, rewrap_keeps_key_and_retires_old_passphrase)
{
    make();
    nx_vault *v = NULL, *w = NULL;
    char err[512] = "";
    cr_assert_eq(nx_vault_open(kf, PASS, strlen(PASS), &v, err, sizeof err), 0);
    unsigned char key[NX_KEY_BYTES];
    memcpy(key, nx_vault_data_key(v), sizeof key);
    cr_assert_eq(nx_vault_rewrap(v, "New-Pass-42!", 12, NX_KDF_TEST_ONLY, err, sizeof err), 0, "%s", err);
    nx_vault_close(v);
    cr_assert_eq(nx_vault_open(kf, PASS, strlen(PASS), &w, err, sizeof err), -1);
    cr_assert_eq(nx_vault_open(kf, "New-Pass-42!", 12, &w, err, sizeof err), 0, "%s", err);
    cr_assert_eq(memcmp(key, nx_vault_data_key(w), sizeof key), 0);
    cr_assert_gt(nx_vault_info(w)->passphrase_set, 1700000001);
    nx_vault_close(w);
}

Test(vault, every_modified_byte_is_refused)
{
    make();
    char *orig = NULL, err[512];
    size_t len = 0;
    cr_assert_eq(nx_read_file(kf, 8192, &orig, &len, err, sizeof err), 0);
    cr_assert_gt(len, 200);
    for (size_t pos = 0; pos < len; pos++) {
        for (int variant = 0; variant < 2; variant++) {
            char *mod = malloc(len);
            memcpy(mod, orig, len);
            /* Flip the lowest bit, and swap in a hex-valid different digit,
             * so both parse failures and authentication failures occur. */
            if (variant == 0)
                mod[pos] ^= 1;
            else
                mod[pos] = mod[pos] == 'a' ? 'b' : 'a';
            if (memcmp(mod, orig, len) == 0) {
                free(mod);
                continue;
            }
            cr_assert_eq(nx_write_atomic(kf, mod, len, err, sizeof err), 0);
            nx_vault *v = NULL;
            err[0] = '\0';
            int rc = nx_vault_open(kf, PASS, strlen(PASS), &v, err, sizeof err);
            cr_assert_eq(rc, -1, "byte %zu variant %d accepted", pos, variant);
            cr_assert_null(v);
            cr_assert(strstr(err, "key file") || strstr(err, "wrong passphrase"),
                      "byte %zu: unclear message '%s'", pos, err);
            free(mod);
        }
    }
    /* Truncated and extended files too. */
    cr_assert_eq(nx_write_atomic(kf, orig, len - 1, err, sizeof err), 0);
    nx_vault *v = NULL;
    cr_assert_eq(nx_vault_open(kf, PASS, strlen(PASS), &v, err, sizeof err), -1);
    char *ext = malloc(len + 2);
    memcpy(ext, orig, len);
    memcpy(ext + len, "x\n", 2);
    cr_assert_eq(nx_write_atomic(kf, ext, len + 2, err, sizeof err), 0);
    cr_assert_eq(nx_vault_open(kf, PASS, strlen(PASS), &v, err, sizeof err), -1);
    cr_assert(strstr(err, "unexpected data"), "%s", err);
    /* And the untouched file still opens: the failures were the tampering. */
    cr_assert_eq(nx_write_atomic(kf, orig, len, err, sizeof err), 0);
    cr_assert_eq(nx_vault_open(kf, PASS, strlen(PASS), &v, err, sizeof err), 0, "%s", err);
    nx_vault_close(v);
    free(ext);
    free(orig);
}

Test(vault, passphrase_strength_rule)
{
    cr_assert_not_null(nx_pass_weakness((const unsigned char *)"Ab1!", 4));
    cr_assert_not_null(nx_pass_weakness((const unsigned char *)"abcdefgh", 8));
    cr_assert_not_null(nx_pass_weakness((const unsigned char *)"abcdefg1", 8));
    cr_assert_not_null(nx_pass_weakness((const unsigned char *)"12345678!", 9));
    cr_assert_null(nx_pass_weakness((const unsigned char *)"abcdef1!", 8));
    cr_assert_null(nx_pass_weakness((const unsigned char *)"Training-2026!", 14));
}
