/* core/queue — the work queues as screens see them: one page of rows at a
 * time, paged by key (never OFFSET, never the whole queue in memory),
 * sorted and filtered, with every patient column already masked for the
 * session's role and only the items the role's scope allows.
 *
 * The queue owns its page: one buffer of page_rows rows, refilled by each
 * paging call, wiped (sodium_memzero) when it is refilled and when the
 * queue closes, so no copy of a row outlives the queue. Screens draw from
 * nx_queue_page() and keep nothing of it but an item id.
 *
 * Minimum necessary, as the policy says for the role:
 *  - the rows hold the patient's name and the payer only through nx_mask
 *    (NX_MASK_SHOW): full, masked ("N•••, J•••"), or "" when hidden; the
 *    payer only for the kinds whose dictionary carries it;
 *  - a column may be sorted on only when the role sees it in full
 *    (nx_queue_sortable): an order by a masked or hidden value would tell
 *    what the mask hides;
 *  - the search looks only at what the row shows in full: the id, status
 *    and assignee always, the patient's name and the payer only when the
 *    role sees them in full — so the rows a search selects never reveal a
 *    hidden value;
 *  - scope: own = items assigned to the user, team = items of the user's
 *    team, all; none (and a role without the view action) opens nothing.
 *    "own" is what nx_session_open lets the user open (assignee = user),
 *    so every listed row can be opened.
 *
 * Orders, each ending in the item id so paging is stable ("descending" is
 * the exact reverse, as in PostgreSQL: an item without a due time counts
 * as due at the end of time, last ascending and first descending):
 *   due       due time, items without one last
 *   priority  urgent first, then due
 *   status    status name, then due
 *   patient   "family, given", then due
 *   payer     payer, then due
 * Names and payers are compared after folding A-Z to a-z (SQLite's
 * lower()); everything else by Unicode code point (UTF-8 byte order):
 * "Nguyễn" < "Núñez" < "王". Accented capitals are not folded.
 *
 * The search (nx_queue_filter.search; blanks around it ignored) matches
 * an item when the text, with letters matching in either case:
 *   - begins its id (A-Z either case),
 *   - begins the patient's "family, given" or "given family",
 *   - or occurs anywhere in its status, assignee or payer.
 * Either case means any script (core/store/textfold.h): A-Z as ASCII, other
 * letters by Unicode's simple case folding, so "NÚÑ", "núñ" and "Núñ" find
 * Núñez and NÚÑEZ alike, "çel" finds Çelik; an ASCII letter never matches
 * one outside ASCII. Names are matched from the start of the family or
 * the given name, not from the middle of a word: "núñ", "josé", "josé
 * núñez", "núñez, j" find José Núñez; "ñez" does not. That keeps each
 * keystroke of a search a few index ranges (core/store/queue_store.c: one
 * per case form the text's letters outside ASCII may take in the stored
 * keys, at most NX_FOLD_VARIANTS_MAX), where a search inside names would
 * read every row of the queue.
 *
 * Clocks: overdue = due < now and the status is not final (the workflow's
 * final statuses); at_risk (eligibility only) = nx_elig_risk_of's T-72 or
 * T-48 warning, before the visit of the item's service date in its
 * client's zone; other kinds are never at risk. */
#ifndef NX_QUEUE_H
#define NX_QUEUE_H

#include <stddef.h>
#include <stdint.h>
#include "domain/dict.h"
#include "session/session.h"

typedef enum {
    NX_SORT_DUE, NX_SORT_PRIORITY, NX_SORT_STATUS, NX_SORT_PATIENT, NX_SORT_PAYER,
    NX_SORT_COUNT
} nx_queue_sort;
const char *nx_queue_sort_name(nx_queue_sort s);   /* "due", "priority", ... */

typedef struct nx_queue_filter {
    char status[32];          /* "" = any */
    char assignee[64];        /* "" = any (within scope) */
    int overdue_only;
    char search[128];         /* "" = none; matched against what the role may see */
} nx_queue_filter;

/* Where a row sits in the queue's order: the queue's own business (the
 * sorted column, the due time, and the store's tie-breakers: the number of
 * the row's scope in the status sort, and the row's place in the cache,
 * nx_qs_key). */
typedef struct nx_queue_key {
    int64_t due_key, prio_key;
    char text[512];
    int64_t scope;
    int64_t seq;
} nx_queue_key;

#define NX_QUEUE_PATIENT_MAX 512   /* "Family, Given" of 60+60 characters, any script */
#define NX_QUEUE_PAYER_MAX 336

/* One row as drawn. Masked per role: a column the role may not see is "". */
typedef struct nx_queue_row {
    char id[64];
    char patient[NX_QUEUE_PATIENT_MAX];   /* "Family, Given" or its mask */
    char payer[NX_QUEUE_PAYER_MAX];
    char status[32];
    char assignee[64];
    int priority;             /* 1 urgent */
    int64_t due;              /* 0 = none */
    int overdue;              /* due < now and status not final */
    int at_risk;              /* eligibility T-72/T-48 before the visit */
    nx_queue_key key;
} nx_queue_row;

typedef struct nx_queue nx_queue;

#define NX_QUEUE_PAGE_MAX 1000

/* A queue of kind k for the session's role, sorted by due, no filter, with
 * an empty page of page_rows (1..NX_QUEUE_PAGE_MAX) rows. Refused for a
 * role that may not view items or whose scope is none. The session (and
 * its profile) must outlive the queue; close queues before locking. */
int  nx_queue_open(nx_session *s, nx_kind k, int page_rows, nx_queue **out,
                   char *err, size_t errlen);
void nx_queue_close(nx_queue *q);   /* wipes the page; q may be NULL */

/* 1 when the role may sort this queue by that column (see above). */
int  nx_queue_sortable(const nx_queue *q, nx_queue_sort sort);
/* Both empty the page (the screen then asks for a page). set_sort: -1 when
 * the column is not sortable for the role (the order stays as it was).
 * set_filter: -1 when the search text is not valid UTF-8. */
int  nx_queue_set_sort(nx_queue *q, nx_queue_sort sort, int descending);
int  nx_queue_set_filter(nx_queue *q, const nx_queue_filter *f);

/* The current page: rows in order, *n of them (may be NULL). */
const nx_queue_row *nx_queue_page(const nx_queue *q, int *n);

/* Paging by key. Each returns the rows now in the page (0..page_rows), or
 * -1 on error (nx_queue_error says why; the page is left as it was).
 *   first / last   the first / last page_rows rows (End: the last row is
 *                  the page's last)
 *   after(i)       the rows after page row i: i = n-1 is PgDn, i = 0 moves
 *                  one line down
 *   before(i)      the rows before page row i, the last of them just
 *                  above it: i = 0 is PgUp, i = n-1 moves one line up
 *                  (near the start fewer rows come back: first() then
 *                  gives a full page)
 *   from(i)        the rows from page row i on, itself included if it still
 *                  matches: a reload after an item changed
 *   seek(id)       the rows from item id on (where it would be, if it no
 *                  longer matches): the same row after unlock
 * after and before leave the page as it was and return 0 when there is
 * nothing there (already at the end / the start); seek too when id is not
 * an item of this queue's kind. */
int  nx_queue_first(nx_queue *q);
int  nx_queue_last(nx_queue *q);
int  nx_queue_after(nx_queue *q, int i);
int  nx_queue_before(nx_queue *q, int i);
int  nx_queue_from(nx_queue *q, int i);
int  nx_queue_seek(nx_queue *q, const char *id);

/* How many rows match (for "row 12 of 340"); -1 on error. at_most > 0
 * stops counting there (the screen shows "200+"); 0 counts them all.
 * Without a search or "overdue only" it is exact whatever at_most and
 * costs less than a page (the store keeps a tally per kind, team,
 * assignee and status); with them it counts the matching rows, testing
 * only the search's (or the filter's) candidates when they are few. */
int64_t nx_queue_count(nx_queue *q, int64_t at_most);

/* Why the last call failed; never holds a value from a row. */
const char *nx_queue_error(const nx_queue *q);

/* Dashboard counts for one kind, within the role's scope (roles that may
 * view items, and operations' aggregates). Items whose status is final are
 * not counted in any of them.
 *   open       every item not final
 *   due_today  due within today, midnight to midnight in each item's
 *              client's zone (a client without a valid zone: UTC); items
 *              due earlier today are in it too (and in overdue)
 *   overdue    due < now
 *   at_risk    eligibility: T-72 or T-48 before the visit (nx_elig_risk_of);
 *              0 for the other kinds
 *   mine       assigned to the session's user */
typedef struct nx_queue_counts {
    int64_t open, due_today, overdue, at_risk, mine;
} nx_queue_counts;
int nx_queue_counts_for(nx_session *s, nx_kind k, nx_queue_counts *out, char *err, size_t errlen);

#endif
