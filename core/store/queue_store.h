/* core/store/queue_store — the SQL behind the work queues (core/queue):
 * pages of items in one sort order after or before a key (keyset paging:
 * an index seek, never OFFSET), with the scope, filters and search of a
 * queue screen, and the dashboard's counts.
 *
 * The store knows columns, not roles: values come back as the cache holds
 * them, unmasked, borrowed for the duration of one callback. core/queue
 * masks them for the role before anything else sees them, and tells this
 * layer which columns a search may look at (a column the role does not
 * see in full is never searched, so the rows a search selects never say
 * anything about a hidden value).
 *
 * Orders (ascending; descending is the exact reverse), each ending in the
 * rowid so that it is total and paging is stable (nx_qs_key):
 *   due       due_key, scope_no, rowid   due_key = due, or INT64_MAX when none
 *   priority  prio_key, due_key, scope_no, rowid   prio_key = -priority: urgent first
 *   status    status, due_key, scope_no, rowid   scope_no: the (client, team, assignee)
 *   patient   patient_sort, due_key, rowid   "family, given", ASCII-lowercased
 *   payer     payer_sort, due_key, rowid   (eligibility and prior-auth only:
 *             the kinds whose items carry a payer; items_q_payer holds
 *             only theirs, migration 21)
 * A walk reads an index in that order (schema migrations 4, 16 to 22),
 * but for the due order, which has none of its own (migration 22): it is
 * read from items_q_status, one range per status the cache holds, merged
 * as they are read (queue_page.c). The priority sort reads the urgent
 * items from the partial items_q_prio, which holds the items not routine,
 * then the routine ones as the due order is, skipping the others there (a
 * queue of almost only urgent items makes that part of its last page read
 * more rows). */
#ifndef NX_QUEUE_STORE_H
#define NX_QUEUE_STORE_H

#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

typedef enum {
    NX_QS_DUE, NX_QS_PRIORITY, NX_QS_STATUS, NX_QS_PATIENT, NX_QS_PAYER, NX_QS_SORT_COUNT
} nx_qs_sort;

/* Where a row sits in its order: the sort's key columns, then what breaks
 * ties of due time: the row's rowid (its place in this cache, never shown),
 * after the number of the row's scope (client, team, assignee) for the
 * due, priority and status sorts (items_q_status holds it for the
 * dashboard's counts, before the rowid every index ends with: migrations
 * 18, 19 and 22).
 * Not the item id: a 36-character id in each of five indexes made them
 * twice as large, and a sync round writes a page of each per change of a
 * due time (migration 16). */
#define NX_QS_TEXT_MAX 512   /* a 60-character name pair in 4-byte UTF-8 fits */
typedef struct nx_qs_key {
    int64_t due_key;
    int64_t prio_key;
    char text[NX_QS_TEXT_MAX];   /* status, patient_sort or payer_sort, per the sort */
    int64_t scope;               /* the status sort's: items.scope_no (migration 19) */
    int64_t seq;                 /* the rowid */
} nx_qs_key;

#define NX_QS_FINALS_MAX 8

/* What one queue lists. Strings are copied by nx_qs_open. */
typedef struct nx_qs_spec {
    const char *kind;                 /* nx_kind_name() */
    nx_qs_sort sort;
    int descending;
    const char *scope_assignee;       /* own scope: assignee = this; NULL/"" = any */
    const char *scope_team;           /* team scope: team = this; NULL/"" = any */
    const char *status;               /* filter: exactly this status; NULL/"" = any */
    const char *assignee;             /* filter: exactly this assignee; NULL/"" = any */
    int overdue_only;                 /* due < now and status not final */
    const char *finals[NX_QS_FINALS_MAX + 1];  /* the kind's final statuses, NULL-ended */
    /* Search (NULL/"" = none). Matches an item when the text begins its id
     * (A-Z either case), begins "family, given" or "given family"
     * (search_patient only), or occurs in its status, assignee or payer
     * (search_payer only); letters of any script match in either case
     * (store/textfold.h). */
    const char *search;
    int search_patient, search_payer;
    int with_service_date;            /* fetch service_date and the client's zone */
    int driver_cap, filter_cap;       /* 0 = NX_QS_DRIVER_CAP, NX_QS_FILTER_CAP */
    int merge_cap;                    /* 0 = by the queue's size (below) */
} nx_qs_spec;

/* How a page is read (queue_store.c): with fewer candidates than
 * NX_QS_DRIVER_CAP, they are collected from the most selective index and
 * sorted; with fewer than NX_QS_FILTER_CAP, the order's index is walked
 * keeping only the candidates; otherwise the walk tests every row. From
 * the benchmark (tests/bench/queue_bench.c, 100 000 items): a sorted set
 * costs a table row per candidate (about 1.5 us when its page is in the
 * cache, ten times that when it must be read and decrypted), a filtered
 * walk about 0.3 us per index entry, and it walks n/c entries per row it
 * keeps; they cross near c = 1000 for a warm cache, 300 for a cold one.
 * With these defaults, each is also held under its break-even against a
 * plain walk, which reads about 40 n / c rows for a page (n: the kind's
 * items), counted for rows read cold, since the slowest keystrokes are the
 * first over pages not yet decrypted: a sorted set under sqrt(n) (its c
 * cold rows against the filtered walk's 40 n / c index entries), a
 * filtered walk under sqrt(1000 n) (c index entries against 40 n / c cold
 * rows of a plain walk). A candidate set that is most of a small queue is
 * not used. (Warm, the crossings are sqrt(40 n) and sqrt(200 n): the
 * screen benchmark's slowest search keys, the first name and id prefixes
 * typed after unlock, went from 5-6 ms to under 4.5 ms with the cold ones,
 * and the model benchmark's warm searches did not move.) */
#define NX_QS_DRIVER_CAP 1000
#define NX_QS_FILTER_CAP 10000
/* A filtered walk of the due order (and of the priority sort's routine
 * part) walks k ranges of items_q_status, one per status, merged
 * (queue_page.c). Its candidates are tested either on the merge's rows,
 * about 0.5 us more per entry walked than a walk of one index, or in each
 * range, which copies the c candidates k times first (about 0.1 us each)
 * and then walks at ~0.3 us an entry (a walk of one index of the order,
 * whose entries were half as wide, took ~0.2): in each range when
 * k c * c < 200 n (for 100 000 items in 8 statuses, c under ~1 600),
 * unless merge_cap is given: in each range when c < merge_cap. */
enum { NX_QS_PLAN_WALK, NX_QS_PLAN_SET, NX_QS_PLAN_FILTERED_WALK };

/* One item as the cache holds it. Strings are borrowed: valid only during
 * the callback. family, given, payer, service_date, tz are "" when absent. */
typedef struct nx_qs_row {
    const char *id, *status, *assignee;
    int priority;
    int64_t due;                      /* 0 = none */
    const char *family, *given, *payer;
    const char *service_date, *tz;    /* with_service_date only */
    nx_qs_key key;
} nx_qs_row;

/* Return non-zero to stop (returned by nx_qs_page as -1). */
typedef int (*nx_qs_row_cb)(void *ctx, const nx_qs_row *r);

typedef struct nx_qs nx_qs;

/* One read transaction around the statements of one keystroke (a
 * SAVEPOINT, so it nests in a caller's transaction): the lock, the check
 * for a hot journal and the cache's validation once, not per statement. */
int  nx_qs_read_begin(nx_store *s);
void nx_qs_read_end(nx_store *s);

int  nx_qs_open(nx_store *s, const nx_qs_spec *spec, int64_t now, nx_qs **out,
                char *err, size_t errlen);
void nx_qs_close(nx_qs *q);   /* wipes the copies of the filter and search */

/* Up to max rows in order after the anchor (forward) or before it
 * (backward; the rows come nearest first, i.e. in reverse order). anchor
 * NULL: from the start (forward) or the end (backward). inclusive: the
 * anchor's own key counts as after / before it. Returns the rows given to
 * cb, -1 on error or when cb stopped. now: for "overdue". */
int nx_qs_page(nx_qs *q, int backward, const nx_qs_key *anchor, int inclusive, int max,
               int64_t now, nx_qs_row_cb cb, void *ctx);
/* How many items match, counting no further than at_most (> 0; 0 = all);
 * -1 on error. Without a search or "overdue only", an exact sum over
 * queue_tally whatever at_most. With them, when some candidate set (the
 * search's index ranges, a filter's, the scope's) holds fewer than
 * max(driver_cap, filter_cap) rows, only its rows are tested (a walk would
 * read every row until at_most of them match: 1000 of a search that
 * matches one row in eight read 8000); and when the search's index ranges
 * and lists select exactly its matches (no filter; the rows outside the
 * scope few, and taken away), they are counted from the indexes alone,
 * but for the rows of ids (their kind is in the row). */
int64_t nx_qs_count(nx_qs *q, int64_t now, int64_t at_most);
/* The key of item id in this order (whether or not it matches the filters):
 * 1 found, 0 no such item of the queue's kind, -1 error. */
int nx_qs_key_of(nx_qs *q, const char *id, nx_qs_key *out);
/* The number the queue indexes hold for a kind (items.kind_no, migration
 * 17): 1 scheduling, 2 eligibility, 3 prior-auth, 4 roi; 0 for any other
 * name (which no item has). Every query of the queue store selects a
 * kind's items by it. */
int nx_qs_kind_no(const char *kind);
/* 1 when the kind's items carry a payer (eligibility, prior-auth: the
 * field dictionary's payer kinds), the only ones the payer sort and a
 * search of the payer are for (nx_qs_open refuses them for another). */
int nx_qs_kind_has_payer(const char *kind);
/* NX_QS_PLAN_*: how pages are read (tests and the benchmark). */
int nx_qs_plan(const nx_qs *q);
/* 1 when nx_qs_count counts the search from index entries alone (tests). */
int nx_qs_exact_count(const nx_qs *q);
/* 1 when a filtered walk tests its candidates in each range of the due
 * order's merge, 0 on its rows (NX_QS_FILTER_CAP; tests). */
int nx_qs_merge_inside(const nx_qs *q);

/* ---- dashboard counts -------------------------------------------------- */

/* Items of a kind in scope whose status is not excluded, and, optionally,
 * due in a range, or in each zone's own window, or with one of each
 * zone's service dates. Without those it is a sum over queue_tally; with
 * them, entries of a covering index (for the own scope: all the kind's
 * items, less the few of other assignees the cache holds). */
typedef struct nx_qs_zone {
    const char *tz;                  /* the clients of this zone; NULL = every client */
    int64_t due_lo, due_hi;          /* due in [lo, hi) */
    const char *dates[8];            /* by_service_date: these dates, NULL-ended */
} nx_qs_zone;

typedef struct nx_qs_count_spec {
    const char *kind;
    const char *scope_assignee, *scope_team;          /* as in nx_qs_spec */
    const char *excluded[NX_QS_FINALS_MAX + 1];       /* statuses not counted, NULL-ended */
    const char *assignee;                             /* only this assignee; NULL = any */
    int due_range;                                    /* only due_lo <= due < due_hi */
    int64_t due_lo, due_hi;
    const nx_qs_zone *zones;                          /* nzones > 0: one of these windows */
    int nzones;
    int by_service_date;                              /* the zones' dates, not due ranges */
} nx_qs_count_spec;

int64_t nx_qs_count_items(nx_store *s, const nx_qs_count_spec *c);
/* The distinct time zones of the clients in the cache, up to max; returns
 * how many there are (more than max: only max filled), -1 on error. */
int nx_qs_client_zones(nx_store *s, char (*tz)[64], int max);

#endif
