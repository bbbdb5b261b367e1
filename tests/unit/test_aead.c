/* core/crypt/aead: OpenSSL's half gives libsodium's XChaCha20-Poly1305 byte
 * for byte, refuses what libsodium refuses and zeroes a refused buffer as
 * libsodium does; the cache's pages on disk open with libsodium alone. */
#include <criterion/criterion.h>

#include "crypt/aead.h"
#include "crypt/crypt.h"
#include "tests/helpers/vfs_testutil.h"

#include <sodium.h>
#include <string.h>

#define BIG 65536

static unsigned char *buf_a, *buf_b, *plain;

static void setup(void)
{
    cr_assert_eq(nx_crypt_init(), 0);
    buf_a = malloc(BIG);
    buf_b = malloc(BIG);
    plain = malloc(BIG);
    cr_assert(buf_a && buf_b && plain);
}

static void teardown(void)
{
    free(buf_a);
    free(buf_b);
    free(plain);
}

TestSuite(aead, .init = setup, .fini = teardown);

Test(aead, openssl_is_what_the_vfs_uses_on_this_machine)
{
    nx_aead *a = nx_aead_new(NX_AEAD_AUTO);
    cr_assert_not_null(a);
    cr_expect_str_eq(nx_aead_name(a), "openssl",
                     "OpenSSL's ChaCha20-Poly1305 disagreed with libsodium or is missing");
    nx_aead_free(a);
    a = nx_aead_new(NX_AEAD_LIBSODIUM);
    cr_expect_str_eq(nx_aead_name(a), "libsodium");
    nx_aead_free(a);
}

Test(aead, openssl_and_libsodium_seal_alike_and_open_each_other)
{
    static const size_t lens[] = { 0, 1, 15, 16, 63, 64, 65, 255, 1000, 4055, 4056, 4096, 65496 };
    static const size_t adlens[] = { 0, 1, 21, 29, 32 };
    nx_aead *o = nx_aead_new(NX_AEAD_OPENSSL), *s = nx_aead_new(NX_AEAD_LIBSODIUM);
    cr_assert(o && s);
    unsigned char key[NX_AEAD_KEY], nonce[NX_AEAD_NONCE], ad[32];
    unsigned char to[NX_AEAD_TAG], ts[NX_AEAD_TAG], tl[NX_AEAD_TAG];
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        for (size_t j = 0; j < sizeof adlens / sizeof adlens[0]; j++) {
            size_t n = lens[i], adn = adlens[j];
            randombytes_buf(key, sizeof key);
            randombytes_buf(nonce, sizeof nonce);
            randombytes_buf(ad, sizeof ad);
            randombytes_buf(plain, n);
            memcpy(buf_a, plain, n);
            memcpy(buf_b, plain, n);
            cr_assert_eq(nx_aead_seal(o, buf_a, n, to, ad, adn, nonce, key), 0);
            cr_assert_eq(nx_aead_seal(s, buf_b, n, ts, ad, adn, nonce, key), 0);
            /* and libsodium's own function, called directly */
            unsigned char *c = malloc(n + 1);
            cr_assert_not_null(c);
            crypto_aead_xchacha20poly1305_ietf_encrypt_detached(c, tl, NULL, plain, n, ad, adn,
                                                                NULL, nonce, key);
            cr_assert(memcmp(buf_a, c, n) == 0 && memcmp(to, tl, sizeof tl) == 0,
                      "ciphertext or tag differ from libsodium's at %zu bytes, ad %zu", n, adn);
            cr_assert(memcmp(buf_b, c, n) == 0 && memcmp(ts, tl, sizeof tl) == 0);
            free(c);
            /* (a shorter ciphertext may equal its plaintext by chance) */
            if (n >= 16)
                cr_assert(memcmp(buf_a, plain, n) != 0, "%zu bytes left in the clear", n);
            cr_assert_eq(nx_aead_open(o, buf_b, n, ts, ad, adn, nonce, key), 0);
            cr_assert_eq(nx_aead_open(s, buf_a, n, to, ad, adn, nonce, key), 0);
            cr_assert(memcmp(buf_a, plain, n) == 0 && memcmp(buf_b, plain, n) == 0);
        }
    }
    nx_aead_free(o);
    nx_aead_free(s);
}

/* Seals plain[0..n) into buf_a under (key, nonce, ad), then tries to open it
 * after `spoil` changed one input; expects a refusal with the buffer zeroed
 * (libsodium's behaviour: no unauthenticated plaintext left behind). */
enum spoil { SP_DATA, SP_TAG, SP_AD, SP_NONCE, SP_KEY };

static void refused(nx_aead *a, size_t n, enum spoil sp)
{
    unsigned char key[NX_AEAD_KEY], nonce[NX_AEAD_NONCE], ad[21], tag[NX_AEAD_TAG];
    randombytes_buf(key, sizeof key);
    randombytes_buf(nonce, sizeof nonce);
    randombytes_buf(ad, sizeof ad);
    randombytes_buf(plain, n);
    memcpy(buf_a, plain, n);
    cr_assert_eq(nx_aead_seal(a, buf_a, n, tag, ad, sizeof ad, nonce, key), 0);
    switch (sp) {
    case SP_DATA: buf_a[n / 2] ^= 0x04; break;
    case SP_TAG: tag[15] ^= 0x80; break;
    case SP_AD: ad[20] ^= 1; break;
    case SP_NONCE: nonce[23] ^= 1; break;
    case SP_KEY: key[0] ^= 1; break;
    }
    memset(buf_b, 0, n);
    cr_assert_neq(nx_aead_open(a, buf_a, n, tag, ad, sizeof ad, nonce, key), 0,
                  "%s: spoiled input %d accepted", nx_aead_name(a), (int)sp);
    cr_assert(memcmp(buf_a, buf_b, n) == 0, "%s: a refused page was not zeroed", nx_aead_name(a));
}

Test(aead, a_spoiled_page_is_refused_and_zeroed)
{
    nx_aead *o = nx_aead_new(NX_AEAD_OPENSSL), *s = nx_aead_new(NX_AEAD_LIBSODIUM);
    cr_assert(o && s);
    for (int sp = SP_DATA; sp <= SP_KEY; sp++) {
        refused(o, 4056, (enum spoil)sp);
        refused(s, 4056, (enum spoil)sp);
        refused(o, 100, (enum spoil)sp);
    }
    nx_aead_free(o);
    nx_aead_free(s);
}

/* The format on disk is libsodium's: every page of a cache written through
 * the VFS opens with crypto_aead_xchacha20poly1305_ietf_decrypt_detached and
 * the page key derived as cryptvfs.c does. */
Test(aead, cache_pages_open_with_libsodium_alone)
{
    vt_env env;
    cr_assert_eq(vt_env_init(&env, "aead", NULL), 0, "%s", env.err);
    sqlite3 *db = NULL;
    cr_assert_eq(vt_open(env.vfs, vt_path(&env, "c.db", NULL, 0), &db), SQLITE_OK);
    cr_assert_eq(vt_exec(db, VT_TABLE_SQL), SQLITE_OK);
    cr_assert_eq(vt_exec(db, "BEGIN"), SQLITE_OK);
    for (int i = 1; i <= 300; i++)
        cr_assert_eq(vt_row_put(db, i, 1), SQLITE_OK);
    cr_assert_eq(vt_exec(db, "COMMIT"), SQLITE_OK);
    sqlite3_close(db);

    unsigned char *file = NULL;
    size_t len = 0;
    cr_assert_eq(vt_read_file(vt_path(&env, "c.db", NULL, 0), &file, &len), 0);
    cr_assert(len >= 3 * 4096 && len % 4096 == 0);
    unsigned char pk[32];
    crypto_kdf_derive_from_key(pk, sizeof pk, 1, "nxvfs___", env.key);
    int marked = 0;
    for (uint32_t pg = 2; pg <= len / 4096; pg++) {
        unsigned char *p = file + (size_t)(pg - 1) * 4096, ad[21];
        memcpy(ad, file, 16);     /* page 1 begins with the file id */
        ad[16] = 'D';
        ad[17] = (unsigned char)(pg >> 24);
        ad[18] = (unsigned char)(pg >> 16);
        ad[19] = (unsigned char)(pg >> 8);
        ad[20] = (unsigned char)pg;
        cr_assert_eq(crypto_aead_xchacha20poly1305_ietf_decrypt_detached(
                         p, NULL, p, 4056, p + 4056 + 24, ad, sizeof ad, p + 4056, pk),
                     0, "page %u does not open with libsodium", pg);
        marked |= memmem(p, 4056, VT_ROW_MARKER, strlen(VT_ROW_MARKER)) != NULL;
    }
    cr_expect(marked, "no page held a row once opened");
    sodium_memzero(pk, sizeof pk);
    sodium_memzero(file, len);
    free(file);
    vt_env_done(&env);
}
