/* The patients a pull's transaction has written (sync_pmemo.h): an
 * open-addressing table (linear probing, at most half full) of entries
 * whose id and queue keys live in one arena, wiped at clear. */
#include "store/sync_pmemo.h"
#include "util/util.h"

#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(NX_PMEMO_HASH == crypto_shorthash_siphashx24_BYTES, "the memo's hash is SipHashx24");

typedef struct {
    uint32_t off[1 + NX_PMEMO_KEYS];   /* id, then the keys, in the arena */
    uint32_t len[1 + NX_PMEMO_KEYS];
    unsigned mask;
    unsigned char h[NX_PMEMO_HASH];
    int used;
} entry;

struct nx_pmemo {
    entry *e;
    size_t cap, n;                     /* cap: a power of two, or 0 */
    char *arena;
    size_t alen, acap;
    unsigned char key[crypto_shorthash_siphashx24_KEYBYTES];
};

nx_pmemo *nx_pmemo_new(void)
{
    nx_pmemo *m = calloc(1, sizeof *m);
    if (m)
        randombytes_buf(m->key, sizeof m->key);
    return m;
}

void nx_pmemo_clear(nx_pmemo *m)
{
    if (!m)
        return;
    if (m->e)
        memset(m->e, 0, m->cap * sizeof *m->e);
    if (m->arena)
        sodium_memzero(m->arena, m->alen);
    m->n = 0;
    m->alen = 0;
}

void nx_pmemo_free(nx_pmemo *m)
{
    if (!m)
        return;
    nx_pmemo_clear(m);
    free(m->e);
    free(m->arena);
    sodium_memzero(m->key, sizeof m->key);
    free(m);
}

void nx_pmemo_hash(const nx_pmemo *m, unsigned mask, const char *const *v, const size_t *len,
                   size_t n, unsigned char out[NX_PMEMO_HASH])
{
    /* SipHash-2-4 with a 128-bit output over (mask, then each value's
     * length and bytes): a patient's columns are a few hundred bytes, and
     * BLAKE2b's keyed start alone cost more than the row read it saves. */
    unsigned char buf[2048];
    size_t at = 0;
    uint32_t w = (uint32_t)mask;
    memcpy(buf, &w, sizeof w);
    at += sizeof w;
    int fits = 1;
    for (size_t i = 0; i < n && fits; i++) {
        uint32_t l = (uint32_t)len[i];
        if (len[i] > sizeof buf || at + sizeof l + len[i] > sizeof buf) {
            fits = 0;
            break;
        }
        memcpy(buf + at, &l, sizeof l);
        memcpy(buf + at + sizeof l, v[i], len[i]);
        at += sizeof l + len[i];
    }
    if (fits) {
        crypto_shorthash_siphashx24(out, buf, at, m->key);
    } else {
        /* longer than any real row: never equal to anything remembered */
        randombytes_buf(out, NX_PMEMO_HASH);
    }
    sodium_memzero(buf, at);
}

static uint64_t id_hash(const char *id, size_t n)
{
    uint64_t h = 1469598103934665603ull;   /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)id[i]) * 1099511628211ull;
    return h;
}

/* The slot of id, or the empty slot where it would go. */
static entry *slot(const nx_pmemo *m, const char *id, size_t n)
{
    size_t i = (size_t)id_hash(id, n) & (m->cap - 1);
    for (;;) {
        entry *e = &m->e[i];
        if (!e->used ||
            (e->len[0] == n && memcmp(m->arena + e->off[0], id, n) == 0))
            return e;
        i = (i + 1) & (m->cap - 1);
    }
}

int nx_pmemo_get(const nx_pmemo *m, const char *id, unsigned mask,
                 const unsigned char h[NX_PMEMO_HASH], const char *key[NX_PMEMO_KEYS],
                 size_t keylen[NX_PMEMO_KEYS])
{
    if (!m || !m->n)
        return 0;
    const entry *e = slot(m, id, strlen(id));
    if (!e->used || e->mask != mask || sodium_memcmp(e->h, h, NX_PMEMO_HASH) != 0)
        return 0;
    for (int k = 0; k < NX_PMEMO_KEYS; k++) {
        key[k] = m->arena + e->off[1 + k];
        keylen[k] = e->len[1 + k];
    }
    return 1;
}

static int grow_table(nx_pmemo *m)
{
    size_t cap = m->cap ? m->cap * 2 : 1024;
    entry *old = m->e, *ne = calloc(cap, sizeof *ne);
    if (!ne)
        return -1;
    size_t oldcap = m->cap;
    m->e = ne;
    m->cap = cap;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].used)
            *slot(m, m->arena + old[i].off[0], old[i].len[0]) = old[i];
    free(old);                        /* offsets and hashes only: no values */
    return 0;
}

/* Appends n bytes to the arena; its offset, or -1. */
static int64_t arena_add(nx_pmemo *m, const char *p, size_t n)
{
    if (m->alen + n > UINT32_MAX)
        return -1;
    if (m->alen + n > m->acap) {
        char *na = nx_regrow_wiped(m->arena, m->alen, &m->acap, m->alen + n, 65536);
        if (!na)
            return -1;
        m->arena = na;
    }
    memcpy(m->arena + m->alen, p, n);
    m->alen += n;
    return (int64_t)(m->alen - n);
}

int nx_pmemo_put(nx_pmemo *m, const char *id, unsigned mask, const unsigned char h[NX_PMEMO_HASH],
                 const char *const key[NX_PMEMO_KEYS], const size_t keylen[NX_PMEMO_KEYS])
{
    if (!m)
        return -1;
    if ((m->n + 1) * 2 > m->cap && grow_table(m) != 0)
        return -1;
    size_t idn = strlen(id);
    entry *e = slot(m, id, idn);
    entry ne;
    memset(&ne, 0, sizeof ne);
    int64_t o = e->used ? (int64_t)e->off[0] : arena_add(m, id, idn);
    if (o < 0)
        return -1;
    ne.off[0] = (uint32_t)o;
    ne.len[0] = (uint32_t)idn;
    for (int k = 0; k < NX_PMEMO_KEYS; k++) {
        o = arena_add(m, key[k] ? key[k] : "", key[k] ? keylen[k] : 0);
        if (o < 0)
            return -1;
        ne.off[1 + k] = (uint32_t)o;
        ne.len[1 + k] = (uint32_t)(key[k] ? keylen[k] : 0);
    }
    ne.mask = mask;
    memcpy(ne.h, h, NX_PMEMO_HASH);
    ne.used = 1;
    /* (the arena may have moved: the slot is found again) */
    e = slot(m, id, idn);
    if (!e->used)
        m->n++;
    *e = ne;
    return 0;
}
