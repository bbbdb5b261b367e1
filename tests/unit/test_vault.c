/* The key file: round trip, wrong passphrase, re-wrap, the audit head, and
 * every modified byte refused. */
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

static void set_head(uint64_t seq, unsigned char fill)
{
    nx_vault *v = NULL;
    char err[512] = "";
    unsigned char h[NX_HEAD_HASH_BYTES];
    memset(h, fill, sizeof h);
    cr_assert_eq(nx_vault_open(kf, PASS, strlen(PASS), &v, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_vault_set_head(v, seq, h, err, sizeof err), 0, "%s", err);
    nx_vault_close(v);
}

static void expect_head(const char *pass, uint64_t seq, unsigned char fill)
{
    nx_vault *v = NULL;
    char err[512] = "";
    uint64_t got;
    unsigned char h[NX_HEAD_HASH_BYTES], want[NX_HEAD_HASH_BYTES];
    memset(want, fill, sizeof want);
    cr_assert_eq(nx_vault_open(kf, pass, strlen(pass), &v, err, sizeof err), 0, "%s", err);
    nx_vault_head(v, &got, h);
    cr_assert_eq(got, seq);
    cr_assert_eq(memcmp(h, want, sizeof h), 0);
    nx_vault_close(v);
}

Test(vault, head_starts_at_zero_and_moves_without_the_passphrase)
{
    make();
    expect_head(PASS, 0, 0);
    nx_vault *v = NULL;
    char err[512] = "";
    cr_assert_eq(nx_vault_open(kf, PASS, strlen(PASS), &v, err, sizeof err), 0, "%s", err);
    unsigned char key[NX_KEY_BYTES], h[NX_HEAD_HASH_BYTES];
    memcpy(key, nx_vault_data_key(v), sizeof key);
    for (uint64_t seq = 1; seq <= 3; seq++) {
        memset(h, (int)seq, sizeof h);
        cr_assert_eq(nx_vault_set_head(v, seq, h, err, sizeof err), 0, "%s", err);
    }
    nx_vault_close(v);
    expect_head(PASS, 3, 3);
    cr_assert_eq(nx_vault_open(kf, PASS, strlen(PASS), &v, err, sizeof err), 0, "%s", err);
    cr_assert_eq(memcmp(key, nx_vault_data_key(v), sizeof key), 0);
    cr_assert_str_eq(nx_vault_info(v)->user, "alice");
    nx_vault_close(v);
}

Test(vault, head_never_moves_back_and_refuses_a_fork)
{
    make();
    set_head(5, 0xab);
    nx_vault *v = NULL;
    char err[512] = "";
    unsigned char h[NX_HEAD_HASH_BYTES];
    cr_assert_eq(nx_vault_open(kf, PASS, strlen(PASS), &v, err, sizeof err), 0, "%s", err);
    memset(h, 0x11, sizeof h);
    cr_assert_eq(nx_vault_set_head(v, 3, h, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_vault_set_head(v, 5, h, err, sizeof err), -1);
    cr_assert(strstr(err, "forked"), "%s", err);
    nx_vault_close(v);
    expect_head(PASS, 5, 0xab);
}

Test(vault, rewrap_keeps_the_head)
{
    make();
    set_head(4, 0x44);
    nx_vault *v = NULL;
    char err[512] = "";
    cr_assert_eq(nx_vault_open(kf, PASS, strlen(PASS), &v, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_vault_rewrap(v, "New-Pass-42!", 12, NX_KDF_TEST_ONLY, err, sizeof err), 0,
                 "%s", err);
    nx_vault_close(v);
    expect_head("New-Pass-42!", 4, 0x44);
}

Test(vault, processes_side_by_side_keep_each_others_changes)
{
    /* The TUI holds the vault open and moves the head; `nexus passwd` runs
     * beside it. Neither may undo the other. */
    make();
    nx_vault *tui = NULL, *passwd = NULL;
    char err[512] = "";
    unsigned char h[NX_HEAD_HASH_BYTES];
    cr_assert_eq(nx_vault_open(kf, PASS, strlen(PASS), &tui, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_vault_open(kf, PASS, strlen(PASS), &passwd, err, sizeof err), 0, "%s", err);
    memset(h, 0x22, sizeof h);
    cr_assert_eq(nx_vault_set_head(tui, 2, h, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_vault_rewrap(passwd, "New-Pass-42!", 12, NX_KDF_TEST_ONLY, err, sizeof err),
                 0, "%s", err);
    nx_vault_close(passwd);
    memset(h, 0x33, sizeof h);
    cr_assert_eq(nx_vault_set_head(tui, 3, h, err, sizeof err), 0, "%s", err);
    nx_vault_close(tui);
    nx_vault *v = NULL;
    cr_assert_eq(nx_vault_open(kf, PASS, strlen(PASS), &v, err, sizeof err), -1,
                 "the head update undid the passphrase change");
    expect_head("New-Pass-42!", 3, 0x33);
}

Test(vault, head_update_leaves_a_modified_key_file_alone)
{
    make();
    set_head(7, 0x77);
    nx_vault *v = NULL;
    char *buf = NULL, err[512] = "";
    size_t len = 0;
    cr_assert_eq(nx_vault_open(kf, PASS, strlen(PASS), &v, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_read_file(kf, 8192, &buf, &len, err, sizeof err), 0);
    char *head = strstr(buf, "\nhead 7 ");
    cr_assert_not_null(head);
    head[6] = '6';
    cr_assert_eq(nx_write_atomic(kf, buf, len, err, sizeof err), 0);
    unsigned char h[NX_HEAD_HASH_BYTES];
    memset(h, 0x88, sizeof h);
    cr_assert_eq(nx_vault_set_head(v, 8, h, err, sizeof err), -1);
    cr_assert(strstr(err, "modified while in use"), "%s", err);
    nx_vault_close(v);
    char *now = NULL;
    size_t nlen = 0;
    cr_assert_eq(nx_read_file(kf, 8192, &now, &nlen, err, sizeof err), 0);
    cr_assert(nlen == len && memcmp(now, buf, len) == 0, "the modified key file was overwritten");
    free(now);
    free(buf);
}

Test(vault, every_modified_byte_is_refused)
{
    make();
    set_head(12345, 0xc3);   /* a head line with something in it */
    char *orig = NULL, err[512];
    size_t len = 0;
    cr_assert_eq(nx_read_file(kf, 8192, &orig, &len, err, sizeof err), 0);
    cr_assert_gt(len, 200);
    cr_assert(strstr(orig, "\nhead 12345 c3c3"), "%s", orig);
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
