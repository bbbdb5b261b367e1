/* core/store — the SQL of the audit table (schema migration 2). The chain's
 * rules (hashing, linking, verifying) are core/domain/audit's; this file only
 * moves rows. Strings are borrowed. */
#ifndef NX_STORE_AUDIT_STORE_H
#define NX_STORE_AUDIT_STORE_H
#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

typedef struct nx_audit_row {
    int64_t seq, at;
    const char *user, *role, *device, *action, *item_id, *field, *reason, *outcome;
    const unsigned char *prev_hash, *hash;
    size_t prev_hash_len, hash_len;
    /* Set by the scan: 0 when a column has another type than the schema's,
     * or a text holds a NUL byte — a row written by nexus never does, and
     * hashing such text would silently skip what follows the NUL. */
    int well_formed;
} nx_audit_row;

/* 1 inside an open transaction: nx_audit_append refuses to run outside one,
 * because the change it audits must commit or roll back with it. */
int nx_store_in_transaction(nx_store *s);

/* Inserts the row as given (seq included). 0 or -1 (nx_store_errmsg). */
int nx_store_audit_insert(nx_store *s, const nx_audit_row *r);

/* The row with the highest seq: 1 found (*seq, hash copied; *hash_len is the
 * stored length, hash gets at most hash_cap bytes), 0 empty table, -1 error. */
int nx_store_audit_last(nx_store *s, int64_t *seq, unsigned char *hash, size_t hash_cap,
                        size_t *hash_len);

/* The hash stored for event seq: 1 found (as nx_store_audit_last), 0 no
 * such event, -1 error. */
int nx_store_audit_hash_at(nx_store *s, int64_t seq, unsigned char *hash, size_t hash_cap,
                           size_t *hash_len);

/* Calls fn for every row in ascending seq, one statement (a consistent
 * snapshot), streaming: the chain can hold years of events. fn returns
 * non-zero to stop; that value is returned. 0 after the last row, -1 on an
 * SQL error. The row's strings live until fn returns. */
typedef int (*nx_audit_row_fn)(void *arg, const nx_audit_row *r);
int nx_store_audit_scan(nx_store *s, nx_audit_row_fn fn, void *arg);

/* Number of events (-1 on error). */
int64_t nx_store_audit_count(nx_store *s);

#endif
