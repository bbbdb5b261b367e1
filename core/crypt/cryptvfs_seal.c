/* The encrypting VFS's sealing primitives: nonces, associated data, page
 * sealing and unsealing, checksum masks, and the failure record that poisons
 * an instance. */
#include "crypt/cryptvfs_int.h"
#include "crypt/aead.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- nonces ------------------------------------------------------------------
 * A random prefix per process plus a counter: 2^64 nonces before a repeat,
 * no syscall per page. A forked child must not continue its parent's
 * sequence, so the atfork handler draws it a new prefix. */
static unsigned char nonce_prefix[16];
static atomic_uint_fast64_t nonce_counter;
static pthread_once_t nonce_once = PTHREAD_ONCE_INIT;

static void nonce_reseed(void)
{
    randombytes_buf(nonce_prefix, sizeof nonce_prefix);
    atomic_store(&nonce_counter, 0);
}

static void nonce_setup(void)
{
    nonce_reseed();
    pthread_atfork(NULL, NULL, nonce_reseed);
}

void cv_nonce_init(void)
{
    pthread_once(&nonce_once, nonce_setup);
}

static void nonce_next(unsigned char out[CV_NONCE])
{
    uint64_t n = atomic_fetch_add(&nonce_counter, 1);
    memcpy(out, nonce_prefix, sizeof nonce_prefix);
    for (int i = 0; i < 8; i++)
        out[16 + i] = (unsigned char)(n >> (8 * i));
}

/* ---- small helpers -------------------------------------------------------------- */
uint32_t cv_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void cv_put_be32(unsigned char *p, uint32_t x)
{
    p[0] = (unsigned char)(x >> 24);
    p[1] = (unsigned char)(x >> 16);
    p[2] = (unsigned char)(x >> 8);
    p[3] = (unsigned char)x;
}

int cv_valid_pgsz(uint32_t p)
{
    return p >= CV_MIN_PAGE && p <= CV_MAX_PAGE && (p & (p - 1)) == 0;
}

size_t cv_ad(unsigned char ad[CV_AD_MAX], const unsigned char id[NX_FILE_ID_BYTES],
             int kind, uint32_t pgno, const unsigned char *hdr8, sqlite3_int64 joff)
{
    size_t n = 0;
    memcpy(ad, id, NX_FILE_ID_BYTES);
    n += NX_FILE_ID_BYTES;
    ad[n++] = (unsigned char)kind;
    cv_put_be32(ad + n, pgno);
    n += 4;
    if (hdr8) {
        memcpy(ad + n, hdr8, 8);
        n += 8;
    }
    if (joff >= 0) {
        for (int i = 7; i >= 0; i--)
            ad[n++] = (unsigned char)((uint64_t)joff >> (8 * i));
    }
    return n;
}

/* The file's AEAD handle, made at its first page: OpenSSL's ChaCha20-Poly1305
 * when it agreed with libsodium (aead.h). Without memory for one, NULL:
 * nx_aead_* then compute with libsodium alone. */
static nx_aead *file_aead(cv_file *f)
{
    if (!f->aead && !f->aead_tried) {
        f->aead = nx_aead_new(NX_AEAD_AUTO);
        f->aead_tried = 1;
    }
    return f->aead;
}

int cv_seal(cv_file *f, unsigned char *page, uint32_t pgsz, uint32_t from,
            const unsigned char *ad, size_t adlen)
{
    unsigned char *nonce = page + pgsz - NX_RESERVE_BYTES;
    unsigned char *tag = nonce + CV_NONCE;
    unsigned char *m = page + from;
    size_t mlen = pgsz - NX_RESERVE_BYTES - from;
    nonce_next(nonce);
    if (nx_aead_seal(file_aead(f), m, mlen, tag, ad, adlen, nonce, CV_PAGE_KEY(f->v)) != 0)
        return -1;
    atomic_fetch_add(&f->v->sealed, 1);
    return 0;
}

int cv_unseal(cv_file *f, unsigned char *page, uint32_t pgsz, uint32_t from,
              const unsigned char *ad, size_t adlen)
{
    const unsigned char *nonce = page + pgsz - NX_RESERVE_BYTES;
    unsigned char *c = page + from;
    size_t clen = pgsz - NX_RESERVE_BYTES - from;
    return nx_aead_open(file_aead(f), c, clen, nonce + CV_NONCE, ad, adlen, nonce,
                        CV_PAGE_KEY(f->v));
}

/* The journal checksum SQLite writes after each record is a sum of plaintext
 * bytes; it is stored XORed with key stream bound to the record's nonce. */
void cv_mask(nx_cryptvfs *v, const unsigned char nonce[CV_NONCE], unsigned char m[4])
{
    crypto_stream_xchacha20(m, 4, nonce, CV_MASK_KEY(v));
}

void cv_fail(nx_cryptvfs *v, uint32_t page, const char *fmt, ...)
{
    pthread_mutex_lock(&v->mu);
    if (!atomic_load(&v->poisoned)) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(v->why, sizeof v->why, fmt, ap);
        va_end(ap);
        v->failed_page = page;
        atomic_store(&v->poisoned, 1);
    }
    pthread_mutex_unlock(&v->mu);
}

int cv_scratch(cv_file *f, uint32_t len)
{
    if (f->scratch && f->scratch_len >= len)
        return 0;
    unsigned char *p = sqlite3_malloc((int)len);
    if (!p)
        return -1;
    if (f->scratch) {
        sodium_memzero(f->scratch, f->scratch_len);
        sqlite3_free(f->scratch);
    }
    f->scratch = p;
    f->scratch_len = len;
    return 0;
}

void cv_set_meta(cv_file *f, uint32_t pgsz, const unsigned char *id)
{
    pthread_mutex_lock(&f->v->mu);
    if (pgsz)
        f->pgsz = pgsz;
    if (id) {
        memcpy(f->id, id, NX_FILE_ID_BYTES);
        f->have_id = 1;
    }
    pthread_mutex_unlock(&f->v->mu);
}
