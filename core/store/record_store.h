/* core/store/record_store — oversight records on the laptop (table records,
 * migration 9; what a record is: core/domain/record.h).
 *
 * Two writers: core/session (a change made here: the row, with op_id set
 * to the `record` op that carries it, in the transaction of the op and its
 * audit event) and the sync applier (a RECORD frame: the hub's copy, which
 * replaces the row unless a local change is still waiting for the hub's
 * answer). The answer settles it (nx_record_settle, from
 * nx_outbox_settle): op_id cleared; refused -> the hub's reason is kept
 * on the row (`refused`) until the hub's copy replaces it.
 *
 * Why here: core/store is the only module that writes SQL. Bodies are PHI
 * (an incident's description): rows handed out are wiped after the
 * callback returns (nx_record_clear). */
#ifndef NX_STORE_RECORD_STORE_H
#define NX_STORE_RECORD_STORE_H
#include <stddef.h>
#include <stdint.h>
#include "domain/record.h"
#include "store/store.h"

/* A row as stored: the record plus its local sync state. */
typedef struct nx_record_row {
    nx_record rec;
    char op_id[40];         /* the local change the hub has not answered, "" */
    char refused[512];      /* the hub's reason for refusing the last one, "" */
} nx_record_row;

void nx_record_row_clear(nx_record_row *r);     /* wipes body */

/* The columns of a row, in the order nx_record_read reads them (the hub's
 * store holds the same table, migration 9, and reads it with these). */
#define NX_RECORD_COLS "id, kind, item_id, team, author, owner, status, due, created, " \
                       "updated, hlc, body, op_id, refused"
/* Reads NX_RECORD_COLS from the current row of st, starting at column 0.
 * 0, or -1 (no memory: out is cleared). */
int nx_record_read(sqlite3_stmt *st, nx_record_row *out);

/* Writes r as a local change carried by op op_id (the caller holds the
 * transaction with the op and the audit event). 0 or -1. */
int nx_record_put_local(nx_store *s, const nx_record *r, const char *op_id);

/* Writes the hub's copy: replaces the row unless it has a local change
 * waiting (op_id set). 1 written, 0 kept the local row, -1. */
int nx_record_apply(nx_store *s, const nx_record *r);

/* 1 found (out filled; clear it), 0 none, -1. */
int nx_record_get(nx_store *s, const char *id, nx_record_row *out);

/* Which rows: every non-NULL / non-zero member must hold. */
typedef struct nx_record_filter {
    const char *kind;
    const char *item_id;
    const char *team;
    const char *owner;
    const char *author;
    const char *status;        /* status == this */
    const char *not_status;    /* status != this */
    int64_t due_before;        /* > 0: 0 < due < due_before */
    int64_t created_from;      /* > 0: created >= created_from */
    int64_t created_to;        /* > 0: created < created_to */
} nx_record_filter;

/* Rows in order of due time (none last), then creation, then id. fn gets
 * each row (wiped after it returns); a non-zero return stops the walk and
 * is returned; 0 after the last; -1 on error. */
typedef int (*nx_record_fn)(void *ctx, const nx_record_row *r);
int nx_record_scan(nx_store *s, const nx_record_filter *f, nx_record_fn fn, void *ctx);

/* How many rows match; -1 on error. */
int64_t nx_record_count(nx_store *s, const nx_record_filter *f);

/* The hub answered op op_id: the row it carried loses its op_id; refused
 * (non-NULL) is kept as the reason. Rows of other ops are untouched. 0/-1. */
int nx_record_settle(nx_store *s, const char *op_id, const char *refused);

#endif
