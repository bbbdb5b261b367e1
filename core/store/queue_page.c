/* A queue's pages (queue_store_int.h): one statement per direction and
 * anchor, walking the sort's index or sorting the candidates. */
#include "store/queue_store_int.h"
#include "util/util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How a page is read in one order: the index walked (NULL: the due
 * order's merge, below), the key columns (nx_qs_key) and their anchor, the
 * order each way, and a term that keeps the rows the index holds for it.
 * Each sort's order is its key: ties of due time by the scope's number,
 * then the rowid, where the index holds the number (the due, priority and
 * status sorts), by the rowid alone in the others. */
typedef struct {
    const char *index, *keys, *anchor, *order[2], *where;
    /* and the end of the part the index holds, but for the direction in
     * which the anchor bounds it (1 reversed, 0 forward), where SQLite
     * would take it for the range instead of the anchor */
    const char *bound;
    int anchor_bounds;
} walk_def;

#define DUE_KEYS "i.due_key, i.scope_no, i.rowid"
#define DUE_ORDER { DUE_KEYS, "i.due_key DESC, i.scope_no DESC, i.rowid DESC" }
#define PRIO_KEYS "i.prio_key, i.due_key, i.scope_no, i.rowid"
#define PRIO_ORDER { PRIO_KEYS, "i.prio_key DESC, i.due_key DESC, i.scope_no DESC, i.rowid DESC" }

static const walk_def walk_of[NX_QS_SORT_COUNT] = {
    { NULL, DUE_KEYS, "(:cd, :cn, :cs)", DUE_ORDER, "", NULL, 0 },
    { NULL, PRIO_KEYS, "(:cp, :cd, :cn, :cs)", PRIO_ORDER, "", NULL, 0 },
    { "items_q_status", "i.status, i.due_key, i.scope_no, i.rowid", "(:ct, :cd, :cn, :cs)",
      { "i.status, i.due_key, i.scope_no, i.rowid",
        "i.status DESC, i.due_key DESC, i.scope_no DESC, i.rowid DESC" }, "", NULL, 0 },
    { "items_q_patient", "i.patient_sort, i.due_key, i.rowid", "(:ct, :cd, :cs)",
      { "i.patient_sort, i.due_key, i.rowid",
        "i.patient_sort DESC, i.due_key DESC, i.rowid DESC" }, "", NULL, 0 },
    { "items_q_payer", "i.payer_sort, i.due_key, i.rowid", "(:ct, :cd, :cs)",
      { "i.payer_sort, i.due_key, i.rowid", "i.payer_sort DESC, i.due_key DESC, i.rowid DESC" },
      " AND i." NX_PAYER_KINDS_TERM, NULL, 0 },
};

/* The priority sort walks three parts of its order one after the other
 * (migrations 20, 22): the items of priority 0 are read as the due order
 * is, the others from the partial items_q_prio; prio_key = -priority, so
 * urgent ones (prio_key -1) come first. A priority above 1 or below 0 is
 * none the domain writes, but the order stays total with it. */
enum { PART_NEG, PART_ZERO, PART_POS, PART_COUNT };
static const walk_def prio_part[PART_COUNT] = {
    { "items_q_prio", PRIO_KEYS, "(:cp, :cd, :cn, :cs)", PRIO_ORDER, " AND i.priority <> 0",
      " AND i.prio_key < 0", 1 },
    { NULL, DUE_KEYS, "(:cd, :cn, :cs)", DUE_ORDER, " AND i.priority = 0", NULL, 0 },
    { "items_q_prio", PRIO_KEYS, "(:cp, :cd, :cn, :cs)", PRIO_ORDER, " AND i.priority <> 0",
      " AND i.prio_key > 0", 0 },
};

static const char *const text_of[NX_QS_SORT_COUNT] = {
    "NULL", "NULL", "i.status", "i.patient_sort", "i.payer_sort",
};

/* ---- pages ---------------------------------------------------------------------------- */

/* The key's text column, whole or not at all: a key cut short would page
 * from the wrong place. 0, or -1 when it does not fit. */
static int key_text(nx_qs_key *k, const char *text)
{
    size_t n = strlen(text);
    if (n >= sizeof k->text)
        return -1;
    memcpy(k->text, text, n + 1);
    return 0;
}

/* FROM and the start of WHERE for the plan: the candidates or the index. */
static void add_source(const nx_qs *q, sb *b, const char *index)
{
    if (q->plan == PLAN_SET)
        qs_sb_add(b, " FROM items AS i NOT INDEXED");
    else if (index)
        qs_sb_addf(b, " FROM items AS i INDEXED BY %s", index);
    else
        qs_sb_add(b, " FROM items AS i");
}

/* rowid: the column the candidates are tested on, NULL when they are not
 * tested here */
static void add_where(const nx_qs *q, sb *b, const walk_def *w, const char *rowid)
{
    qs_sb_add(b, " WHERE ");
    if (q->plan != PLAN_WALK && rowid) {
        qs_sb_addf(b, "%s IN (", rowid);
        qs_sb_add(b, q->driver);
        qs_sb_add(b, ") AND ");
    }
    qs_sb_add(b, q->pred);
    if (w)
        qs_sb_add(b, w->where);
}

static void add_anchor(sb *b, const walk_def *w, int reversed, int anchor)
{
    if (anchor)
        qs_sb_addf(b, " AND (%s) %s %s", w->keys,
                reversed ? (anchor == 2 ? "<=" : "<") : (anchor == 2 ? ">=" : ">"), w->anchor);
}

/* The due order's merge (migration 22): no index holds it, so it is read
 * from items_q_status, whose entries of one status are in it, as one
 * range per status that may be listed (the queue's arms: queue_store.c),
 * each starting at the anchor, merged by SQLite (a compound SELECT's
 * ORDER BY over UNION ALL reads each arm in its index's order and sorts
 * nothing). The merge is a subquery with a LIMIT (SQLite does not flatten
 * it), read lazily as the rows outside it are kept: its order is theirs.
 * Each arm tests what its entries hold: an overdue queue's due bound, and
 * the scope as its number. The candidates of a filtered walk are tested
 * on the merge's rowid, outside it, before a table row is read, or, when
 * they are few (merge_inside: NX_QS_FILTER_CAP), in each arm, from one
 * list of them the statement makes first (each arm builds its own copy of
 * that list, not of the query that finds them); the scope is then tested
 * outside, on the few rows kept. */
static void add_merge(const nx_qs *q, sb *b, int reversed, int anchor)
{
    qs_sb_add(b, " FROM (");
    for (int k = 0; k < q->arms.n; k++) {
        qs_sb_addf(b, "%sSELECT i.rowid AS r, i.due_key AS d, i.scope_no AS n"
                   " FROM items AS i INDEXED BY items_q_status"
                   " WHERE i.kind_no = :kn AND i.status = :as%d", k ? " UNION ALL " : "", k);
        if (q->plan == PLAN_FILTERED_WALK && q->merge_inside)
            qs_sb_add(b, " AND i.rowid IN qs_cand");
        else
            qs_add_scope_tests(b, 1, "+", q->scope_a[0] != '\0', q->scope_t[0] != '\0',
                               q->assignee[0] != '\0');
        if (q->overdue_only)
            qs_sb_add(b, " AND i.due_key < :now");
        add_anchor(b, &walk_of[NX_QS_DUE], reversed, anchor);
    }
    qs_sb_addf(b, " ORDER BY %s LIMIT -1) AS m CROSS JOIN items AS i ON i.rowid = m.r",
               reversed ? "d DESC, n DESC, r DESC" : "d, n, r");
}

/* A walk reads the joined tables only for the rows it returns; a sorted
 * set is sorted first, in a subquery of rowids, so that the joins are
 * made for the page's rows only, not for every candidate. part: which of
 * the priority sort's walks (0 for every other sort and plan). */
static sqlite3_stmt *page_stmt(nx_qs *q, int part, int reversed, int anchor)
{
    sqlite3_stmt **slot = &q->page[part][reversed][anchor];
    if (*slot)
        return *slot;
    const walk_def *w = q->sort == NX_QS_PRIORITY && q->plan != PLAN_SET ? &prio_part[part]
                                                                        : &walk_of[q->sort];
    int merged = q->plan != PLAN_SET && !w->index;
    int inside = merged && q->plan == PLAN_FILTERED_WALK && q->merge_inside;
    sb b = {0};
    if (inside) {
        qs_sb_add(&b, "WITH qs_cand(r) AS MATERIALIZED (");
        qs_sb_add(&b, q->driver);
        qs_sb_add(&b, ") ");
    }
    qs_sb_addf(&b, "SELECT i.id, i.status, i.assignee, i.priority, i.due, i.due_key, i.prio_key, %s,"
                " p.family_name, p.given_name, p.payer",
            text_of[q->sort]);
    qs_sb_add(&b, q->with_sd ? ", i.service_date, c.tz" : ", NULL, NULL");
    qs_sb_add(&b, ", i.scope_no, i.rowid");
    if (q->plan == PLAN_SET) {
        qs_sb_add(&b, " FROM (SELECT i.rowid AS r");
        add_source(q, &b, NULL);
        add_where(q, &b, NULL, "i.rowid");
        add_anchor(&b, w, reversed, anchor);
        qs_sb_addf(&b, " ORDER BY %s LIMIT :lim) AS top CROSS JOIN items AS i ON i.rowid = top.r",
                w->order[reversed]);
    } else if (merged) {
        add_merge(q, &b, reversed, anchor);
    } else {
        add_source(q, &b, w->index);
    }
    qs_sb_add(&b, " LEFT JOIN patients AS p ON p.id = i.patient_id");
    if (q->with_sd)
        qs_sb_add(&b, " LEFT JOIN clients AS c ON c.id = i.client_id");
    if (merged) {
        /* the anchor and the order are the merge's */
        add_where(q, &b, w, inside ? NULL : "m.r");
    } else if (q->plan != PLAN_SET) {
        add_where(q, &b, w, "i.rowid");
        if (w->bound && !(anchor && reversed == w->anchor_bounds))
            qs_sb_add(&b, w->bound);
        add_anchor(&b, w, reversed, anchor);
    }
    if (!merged)
        qs_sb_addf(&b, " ORDER BY %s", w->order[reversed]);
    if (q->plan != PLAN_SET)
        qs_sb_add(&b, " LIMIT :lim");
    if (!b.oom)
        sqlite3_prepare_v2(q->st->db, b.s, -1, slot, NULL);
    free(b.s);
    return *slot;
}

/* Runs one page statement, giving its rows to cb: how many, or -1. */
static int run_page(nx_qs *q, sqlite3_stmt *st, const nx_qs_key *anchor, int max, int64_t now,
                    nx_qs_row_cb cb, void *ctx)
{
    qs_bind_common(q, st, now);
    qs_bind_named_int(st, ":lim", max);
    if (anchor) {
        qs_bind_named_int(st, ":cd", anchor->due_key);
        qs_bind_named_int(st, ":cp", anchor->prio_key);
        qs_bind_named_text(st, ":ct", anchor->text);
        qs_bind_named_int(st, ":cn", anchor->scope);
        qs_bind_named_int(st, ":cs", anchor->seq);
    }
    int n = 0, rc;
    nx_qs_row r;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        memset(&r, 0, sizeof r);
        r.id = qs_col_text(st, 0);
        r.status = qs_col_text(st, 1);
        r.assignee = qs_col_text(st, 2);
        r.priority = sqlite3_column_int(st, 3);
        r.due = sqlite3_column_type(st, 4) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 4);
        r.key.due_key = sqlite3_column_int64(st, 5);
        r.key.prio_key = sqlite3_column_int64(st, 6);
        const char *text = qs_col_text(st, 7);
        r.family = qs_col_text(st, 8);
        r.given = qs_col_text(st, 9);
        r.payer = qs_col_text(st, 10);
        r.service_date = qs_col_text(st, 11);
        r.tz = qs_col_text(st, 12);
        r.key.scope = sqlite3_column_int64(st, 13);
        r.key.seq = sqlite3_column_int64(st, 14);
        /* a key cut short would page from the wrong place: refuse it */
        if (key_text(&r.key, text) != 0) {
            rc = SQLITE_TOOBIG;
            break;
        }
        int stop = cb(ctx, &r);
        sodium_memzero(&r.key, sizeof r.key);
        if (stop) {
            rc = SQLITE_ABORT;
            break;
        }
        n++;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? n : -1;
}

/* The part of the priority order a key is in. */
static int prio_part_of(int64_t prio_key)
{
    return prio_key < 0 ? PART_NEG : prio_key == 0 ? PART_ZERO : PART_POS;
}

int nx_qs_page(nx_qs *q, int backward, const nx_qs_key *anchor, int inclusive, int max,
               int64_t now, nx_qs_row_cb cb, void *ctx)
{
    if (max <= 0)
        return 0;
    int reversed = (!!backward) ^ q->descending;
    int a = anchor ? (inclusive ? 2 : 1) : 0;
    /* the merge's arms are the statuses the cache holds now */
    int merges = q->plan != PLAN_SET && (q->sort == NX_QS_DUE || q->sort == NX_QS_PRIORITY);
    if (merges && qs_arms_current(q) != 0)
        return -1;
    if (q->sort != NX_QS_PRIORITY || q->plan == PLAN_SET) {
        if (merges && q->arms.n == 0)
            return 0;   /* no item of the kind */
        sqlite3_stmt *st = page_stmt(q, 0, reversed, a);
        return st ? run_page(q, st, anchor, max, now, cb, ctx) : -1;
    }
    /* the priority sort's walks in the order's direction, from the one
     * the anchor is in: that one after the anchor, the next ones whole */
    int from = anchor ? prio_part_of(anchor->prio_key) : reversed ? PART_COUNT - 1 : 0;
    int n = 0;
    for (int part = from; n < max && part >= 0 && part < PART_COUNT; part += reversed ? -1 : 1) {
        int pa = part == from ? a : 0;
        if (part == PART_ZERO && q->arms.n == 0)
            continue;
        sqlite3_stmt *st = page_stmt(q, part, reversed, pa);
        int got = st ? run_page(q, st, pa ? anchor : NULL, max - n, now, cb, ctx) : -1;
        if (got < 0)
            return -1;
        n += got;
    }
    return n;
}

int64_t nx_qs_count(nx_qs *q, int64_t now, int64_t at_most)
{
    if (!q->searching && !q->overdue_only) {
        int64_t n = qs_tally(q->st, q->kind, q->scope_t, q->scope_a, q->assignee, q->status, NULL);
        return at_most > 0 && n > at_most ? at_most : n;
    }
    if (q->exact_ok)
        return qs_exact_count(q, now, at_most);
    sb b = {0};
    qs_sb_add(&b, "SELECT count(*) FROM (SELECT 1");
    if (q->count_driver) {
        /* the candidates, each tested: their table rows only */
        qs_sb_add(&b, " FROM items AS i NOT INDEXED WHERE i.rowid IN (");
        qs_sb_add(&b, q->count_driver);
        qs_sb_add(&b, ") AND ");
        qs_sb_add(&b, q->pred);
    } else {
        add_source(q, &b, NULL);
        add_where(q, &b, NULL, "i.rowid");
    }
    return qs_count_close(q, &b, at_most, now);
}

int nx_qs_key_of(nx_qs *q, const char *id, nx_qs_key *out)
{
    char sql[224];
    snprintf(sql, sizeof sql, "SELECT i.due_key, i.prio_key, %s, i.scope_no, i.rowid"
             " FROM items AS i WHERE i.id = ?1 AND i.kind = ?2", text_of[q->sort]);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(q->st->db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, q->kind, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st), found = 0;
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        if (key_text(out, qs_col_text(st, 2)) == 0) {
            out->due_key = sqlite3_column_int64(st, 0);
            out->prio_key = sqlite3_column_int64(st, 1);
            out->scope = sqlite3_column_int64(st, 3);
            out->seq = sqlite3_column_int64(st, 4);
            found = 1;
        } else {
            sodium_memzero(out, sizeof *out);
            rc = SQLITE_TOOBIG;
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? found : rc == SQLITE_DONE ? 0 : -1;
}
