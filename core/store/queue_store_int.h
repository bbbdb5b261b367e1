/* Inside the work queues' SQL (queue_store.h), shared by the files that
 * make it:
 *   queue_store.c   opening a queue: its filter, its search and its plan
 *                   (how its pages are read; the comment there says why);
 *   queue_page.c    its pages, in the order of its sort;
 *   queue_search.c  a search's candidates, and counting its matches
 *                   without reading their rows;
 *   queue_dash.c    the dashboard's time-bound counts;
 *   queue_sql.c     SQL text, binding, and queue_tally (items per kind,
 *                   team, assignee and status).
 * Nothing here is for any other file. */
#ifndef NX_QUEUE_STORE_INT_H
#define NX_QUEUE_STORE_INT_H

#include "store/queue_store.h"
#include "store/store_int.h"
#include "store/textfold.h"

#include <stddef.h>
#include <stdint.h>

#define HITS_MAX 256   /* distinct values of one column a search lists; above, instr() */

/* A small string builder for SQL text: on a failed allocation it keeps
 * oom set and adds nothing more. */
typedef struct {
    char *s;
    size_t len, cap;
    int oom;
} sb;

typedef struct {
    char **v;
    int n;
    int overflow;      /* more than HITS_MAX distinct values: use instr() */
} hits;

enum { PLAN_WALK, PLAN_SET, PLAN_FILTERED_WALK };

struct nx_qs {
    nx_store *st;
    nx_qs_sort sort;
    int descending, overdue_only, with_sd, cap, filter_cap, auto_caps;
    char kind[32], scope_a[64], scope_t[64], status[64], assignee[64];
    char *finals[NX_QS_FINALS_MAX];
    int nfinals;
    hits open_st;            /* overdue: the kind's statuses in the cache that are not final */
    /* search */
    int searching, search_patient, search_payer;
    char q[256], ql[256], q_hi[256], ql_hi[256];
    int q_has_hi, ql_has_hi;
    /* the name keys' forms a match can begin with (textfold.h): one index
     * range each; nv_whole 0 when they are of a shorter part of the text
     * (each candidate is then tested with nx_fold_prefix) */
    char nv[NX_FOLD_VARIANTS_MAX][256], nv_hi[NX_FOLD_VARIANTS_MAX][256];
    int nv_n, nv_has_hi[NX_FOLD_VARIANTS_MAX], nv_whole;
    hits h_status, h_assignee, h_payer;
    /* Terms of the search no row can match (their index ranges are empty
     * in this read transaction: search_driver), left out of the predicate
     * so that what is left can be tested on the walk's index entry before
     * its row is read (SQLite tests a term the index covers first). */
    int id_none, name_none[2];
    /* plan */
    int plan;
    char *driver;            /* the candidates' rowids (SQL), or NULL */
    int64_t driver_n;        /* how many (counted up to the limit) */
    int merge_cap, merge_inside;   /* NX_QS_FILTER_CAP */
    char *count_driver;      /* the smallest candidate set under the limit, for counting */
    /* When the search's index ranges and lists are the matches themselves
     * (nothing else to test: see exact_arms), counting needs no table row */
    char *exact[2 + 3 + 2 * NX_FOLD_VARIANTS_MAX];
    int nexact, exact_ok;
    hits out_vals;           /* the assignees / teams of the kind's items outside the scope */
    char *exact_out;         /* their rows (SQL), or NULL when there are none */
    int64_t out_n;           /* how many */
    char *pred;              /* the WHERE clause without the anchor */
    hits arms;               /* the statuses the due order's merge reads (queue_page.c) */
    sqlite3_stmt *arms_st;   /* and the statement that lists them */
    /* [the priority sort's walk (queue_page.c), else 0][reversed]
     * [anchor: 0 none, 1 exclusive, 2 inclusive] */
    sqlite3_stmt *page[3][2][3];
};

/* ---- queue_sql.c ---- */
void qs_sb_add(sb *b, const char *t);
void qs_sb_addf(sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int64_t qs_isqrt(int64_t v);   /* Newton's method, for v >= 0 */
void qs_copy_str(char *dst, size_t len, const char *src);
const char *qs_col_text(sqlite3_stmt *st, int i);
/* A-Z -> a-z only: the same folding as SQLite's lower() in the sort keys. */
void qs_ascii_lower(char *s);
/* The smallest string greater than every string that starts with s (0:
 * none, every string starts with s). */
int qs_prefix_end(const char *s, char *out, size_t outlen);
int qs_hits_add(hits *h, const char *v);
void qs_hits_free(hits *h);
/* Bind the named parameter when the statement has it. */
void qs_bind_named_text(sqlite3_stmt *st, const char *name, const char *v);
void qs_bind_named_int(sqlite3_stmt *st, const char *name, int64_t v);
/* :PFX0, :PFX1... to h's values. */
void qs_bind_list(sqlite3_stmt *st, const char *pfx, const hits *h);
/* Binds every parameter the queue's SQL may name that st has. */
void qs_bind_common(const nx_qs *q, sqlite3_stmt *st, int64_t now);
/* "COL IN (:PFX0, :PFX1, ...)" */
void qs_add_in_list(sb *b, const char *col, const char *pfx, const hits *h);
/* " AND ..." for the scope's assignee (:sa) and team (:stm) and the
 * assignee filter (:fa), each when asked for: tested on the row's columns,
 * or, by_number, as its scope's number among those of the scopes that
 * match (migration 19: what items_q_status holds), with plus ("+" or "")
 * before the column. */
void qs_add_scope_tests(sb *b, int by_number, const char *plus, int sa, int stm, int fa);
/* count(*) of sql's rows, stopping at limit (> 0). */
int64_t qs_count_upto(nx_qs *q, const char *sql, int64_t limit, int64_t now);
/* b holds "SELECT count(*) FROM (ROWS": closes it (with LIMIT :most when
 * at_most > 0), runs it and frees b's text: the count, or -1. */
int64_t qs_count_close(nx_qs *q, sb *b, int64_t at_most, int64_t now);
/* Items of the kind per team, assignee(s) and status, from queue_tally
 * (NULL: any), less the excluded statuses. */
int64_t qs_tally(nx_store *st, const char *kind, const char *team, const char *assignee1,
                 const char *assignee2, const char *status, const char *const *excluded);
/* The statuses of the kind present in the cache, less the excluded ones. */
int qs_present_statuses(nx_store *st, const char *kind, const char *const *excluded,
                        hits *out);
/* The same with its statement kept in *kept (prepared when NULL) for the
 * next call; the caller finalizes it. */
int qs_present_statuses_kept(nx_store *st, sqlite3_stmt **kept, const char *kind,
                             const char *const *excluded, hits *out);

/* ---- queue_store.c ---- */
/* Makes the arms the statuses the cache now holds (queue_page.c's merge),
 * dropping the page statements when they differ: 0, or -1. */
int qs_arms_current(nx_qs *q);
void qs_drop_pages(nx_qs *q);

/* ---- queue_search.c ---- */
int qs_collect_hits(nx_qs *q, const char *col, hits *h);
void qs_add_search_terms(const nx_qs *q, sb *b);
char *qs_search_driver(nx_qs *q, int64_t limit, int64_t now, int64_t *est);
int qs_outside_of(nx_store *s, const char *kind, const char *scope_a, const char *scope_t,
                  hits *out, int64_t *out_n);
int qs_exact_arms(nx_qs *q);
int64_t qs_exact_count(nx_qs *q, int64_t now, int64_t at_most);

#endif
