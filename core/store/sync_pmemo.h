/* core/store/sync_pmemo — the patients a pull's transaction has already
 * written, for the applier (sync_store_apply.c): a patient shared by
 * several items comes with each of them, and a first sync of 100 000 items
 * brings ~32 000 patients. Each entry keeps the patient columns the last
 * item carried (a mask), a keyed hash of their values (SipHash-2-4, 128
 * bits, key drawn per memo: no value is kept) and the queue keys that item got from the
 * row; an item whose kind carries the same columns with the same values
 * needs neither the row read nor a write, only those keys.
 *
 * Valid inside one transaction of the applier's, where nothing else writes
 * patients: cleared at its end and whenever the applier changes a patient
 * by another path. The queue keys are names (PHI): the memory is wiped at
 * clear and free. Store-internal. */
#ifndef NX_STORE_SYNC_PMEMO_H
#define NX_STORE_SYNC_PMEMO_H
#include <stddef.h>

#define NX_PMEMO_HASH 16
#define NX_PMEMO_KEYS 3

typedef struct nx_pmemo nx_pmemo;

nx_pmemo *nx_pmemo_new(void);
void nx_pmemo_free(nx_pmemo *m);
void nx_pmemo_clear(nx_pmemo *m);

/* The keyed hash of the values (n of them, v[i] of len[i] bytes) under mask. */
void nx_pmemo_hash(const nx_pmemo *m, unsigned mask, const char *const *v, const size_t *len,
                   size_t n, unsigned char out[NX_PMEMO_HASH]);

/* 1 when id was written with this mask and hash: key[i] / keylen[i] are its
 * queue keys (valid until the next put or clear); 0 otherwise. */
int nx_pmemo_get(const nx_pmemo *m, const char *id, unsigned mask,
                 const unsigned char h[NX_PMEMO_HASH], const char *key[NX_PMEMO_KEYS],
                 size_t keylen[NX_PMEMO_KEYS]);

/* Remembers (or replaces) id's entry. -1 out of memory: the memo then
 * just misses. */
int nx_pmemo_put(nx_pmemo *m, const char *id, unsigned mask, const unsigned char h[NX_PMEMO_HASH],
                 const char *const key[NX_PMEMO_KEYS], const size_t keylen[NX_PMEMO_KEYS]);

#endif
