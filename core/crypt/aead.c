/* XChaCha20-Poly1305 (IETF), detached, in place: libsodium's construction,
 * its ChaCha20-Poly1305 half computed by OpenSSL when that was checked to
 * agree with libsodium. See aead.h. */
#include "crypt/aead.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

struct nx_aead {
    EVP_CIPHER_CTX *ctx;          /* NULL: libsodium */
};

/* ---- OpenSSL's ChaCha20-Poly1305 under the HChaCha20 subkey --------------- */

/* Sets ctx to the subkey and 12-byte nonce that XChaCha20 derives from
 * (key, nonce), for encryption (enc 1) or decryption (0). */
static int ossl_start(EVP_CIPHER_CTX *ctx, int enc, const unsigned char nonce[NX_AEAD_NONCE],
                      const unsigned char key[NX_AEAD_KEY])
{
    unsigned char sub[NX_AEAD_KEY], n12[12];
    crypto_core_hchacha20(sub, nonce, key, NULL);
    memset(n12, 0, 4);
    memcpy(n12 + 4, nonce + 16, 8);
    int ok = EVP_CipherInit_ex(ctx, NULL, NULL, sub, n12, enc);
    sodium_memzero(sub, sizeof sub);
    return ok == 1 ? 0 : -1;
}

/* Runs the cipher over buf in place after the associated data. */
static int ossl_run(EVP_CIPHER_CTX *ctx, unsigned char *buf, size_t len, const unsigned char *ad,
                    size_t adlen)
{
    int n;
    if (adlen && EVP_CipherUpdate(ctx, NULL, &n, ad, (int)adlen) != 1)
        return -1;
    if (len && EVP_CipherUpdate(ctx, buf, &n, buf, (int)len) != 1)
        return -1;
    return 0;
}

static int ossl_seal(EVP_CIPHER_CTX *ctx, unsigned char *m, size_t mlen,
                     unsigned char tag[NX_AEAD_TAG], const unsigned char *ad, size_t adlen,
                     const unsigned char nonce[NX_AEAD_NONCE], const unsigned char key[NX_AEAD_KEY])
{
    unsigned char end[16];
    int n;
    if (ossl_start(ctx, 1, nonce, key) != 0 || ossl_run(ctx, m, mlen, ad, adlen) != 0 ||
        EVP_CipherFinal_ex(ctx, end, &n) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, NX_AEAD_TAG, tag) != 1)
        return -1;
    return 0;
}

/* 0 authentic and decrypted; -1 with c zeroed, as libsodium leaves it:
 * OpenSSL decrypts while it authenticates, and unauthenticated plaintext
 * must not stay behind. */
static int ossl_open(EVP_CIPHER_CTX *ctx, unsigned char *c, size_t clen,
                     const unsigned char tag[NX_AEAD_TAG], const unsigned char *ad, size_t adlen,
                     const unsigned char nonce[NX_AEAD_NONCE], const unsigned char key[NX_AEAD_KEY])
{
    unsigned char t[NX_AEAD_TAG], end[16];
    int n;
    memcpy(t, tag, sizeof t);
    if (ossl_start(ctx, 0, nonce, key) == 0 &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, NX_AEAD_TAG, t) == 1 &&
        ossl_run(ctx, c, clen, ad, adlen) == 0 && EVP_CipherFinal_ex(ctx, end, &n) == 1)
        return 0;
    sodium_memzero(c, clen);
    return -1;
}

static EVP_CIPHER_CTX *ossl_new(void)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx && EVP_CipherInit_ex(ctx, EVP_chacha20_poly1305(), NULL, NULL, NULL, 1) != 1) {
        EVP_CIPHER_CTX_free(ctx);
        ctx = NULL;
    }
    return ctx;
}

/* ---- the process-wide check: OpenSSL agrees with libsodium ----------------- */

static pthread_once_t check_once = PTHREAD_ONCE_INIT;
static int ossl_agrees;           /* written once, under check_once */

/* One length pair: both seal the same bytes alike, each opens the other's
 * output, and a flipped tag bit is refused. */
static int agree_once(EVP_CIPHER_CTX *ctx, size_t mlen, size_t adlen)
{
    unsigned char key[NX_AEAD_KEY], nonce[NX_AEAD_NONCE], ad[40];
    unsigned char m[300], a[300], b[300], ta[NX_AEAD_TAG], tb[NX_AEAD_TAG];
    randombytes_buf(key, sizeof key);
    randombytes_buf(nonce, sizeof nonce);
    randombytes_buf(ad, sizeof ad);
    randombytes_buf(m, sizeof m);
    memcpy(a, m, mlen);
    memcpy(b, m, mlen);
    int ok = ossl_seal(ctx, a, mlen, ta, ad, adlen, nonce, key) == 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt_detached(b, tb, NULL, b, mlen, ad, adlen, NULL,
                                                        nonce, key);
    ok = ok && memcmp(a, b, mlen) == 0 && memcmp(ta, tb, sizeof ta) == 0;
    ok = ok && ossl_open(ctx, b, mlen, tb, ad, adlen, nonce, key) == 0 &&
         memcmp(b, m, mlen) == 0;
    ok = ok && crypto_aead_xchacha20poly1305_ietf_decrypt_detached(a, NULL, a, mlen, ta, ad,
                                                                   adlen, nonce, key) == 0 &&
         memcmp(a, m, mlen) == 0;
    /* a tampered tag is refused and the output zeroed */
    crypto_aead_xchacha20poly1305_ietf_encrypt_detached(a, tb, NULL, m, mlen, ad, adlen, NULL,
                                                        nonce, key);
    memset(b, 0, mlen);
    tb[5] ^= 0x10;
    ok = ok && ossl_open(ctx, a, mlen, tb, ad, adlen, nonce, key) != 0 &&
         memcmp(a, b, mlen) == 0;
    sodium_memzero(key, sizeof key);
    return ok;
}

static void check(void)
{
    static const size_t lens[][2] = { { 1, 0 }, { 63, 13 }, { 64, 29 }, { 65, 40 }, { 300, 21 } };
    EVP_CIPHER_CTX *ctx = ossl_new();
    int ok = ctx != NULL;
    for (size_t i = 0; ok && i < sizeof lens / sizeof lens[0]; i++)
        ok = agree_once(ctx, lens[i][0], lens[i][1]);
    EVP_CIPHER_CTX_free(ctx);
    ossl_agrees = ok;
}

/* ---- handles ------------------------------------------------------------- */

nx_aead *nx_aead_new(enum nx_aead_impl impl)
{
    nx_aead *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    if (impl == NX_AEAD_LIBSODIUM)
        return a;
    pthread_once(&check_once, check);
    if (ossl_agrees)
        a->ctx = ossl_new();
    if (!a->ctx && impl == NX_AEAD_OPENSSL) {
        free(a);
        return NULL;
    }
    return a;
}

void nx_aead_free(nx_aead *a)
{
    if (!a)
        return;
    EVP_CIPHER_CTX_free(a->ctx);  /* cleanses the cipher state */
    free(a);
}

const char *nx_aead_name(const nx_aead *a)
{
    return a && a->ctx ? "openssl" : "libsodium";
}

int nx_aead_seal(nx_aead *a, unsigned char *m, size_t mlen, unsigned char tag[NX_AEAD_TAG],
                 const unsigned char *ad, size_t adlen,
                 const unsigned char nonce[NX_AEAD_NONCE], const unsigned char key[NX_AEAD_KEY])
{
    /* OpenSSL takes int lengths; only pages and small records come here. */
    if (a && a->ctx && mlen <= (1u << 30) && adlen <= 4096)
        return ossl_seal(a->ctx, m, mlen, tag, ad, adlen, nonce, key);
    crypto_aead_xchacha20poly1305_ietf_encrypt_detached(m, tag, NULL, m, mlen, ad, adlen, NULL,
                                                        nonce, key);
    return 0;
}

int nx_aead_open(nx_aead *a, unsigned char *c, size_t clen, const unsigned char tag[NX_AEAD_TAG],
                 const unsigned char *ad, size_t adlen,
                 const unsigned char nonce[NX_AEAD_NONCE], const unsigned char key[NX_AEAD_KEY])
{
    if (a && a->ctx && clen <= (1u << 30) && adlen <= 4096)
        return ossl_open(a->ctx, c, clen, tag, ad, adlen, nonce, key);
    return crypto_aead_xchacha20poly1305_ietf_decrypt_detached(c, NULL, c, clen, tag, ad, adlen,
                                                               nonce, key);
}
