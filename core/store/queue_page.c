/* A queue's pages (queue_store_int.h): one statement per direction and
 * anchor, walking the sort's index or sorting the candidates. */
#include "store/queue_store_int.h"
#include "util/util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const index_of[NX_QS_SORT_COUNT] = {
    "items_q_due", "items_q_priority", "items_q_status", "items_q_patient", "items_q_payer",
};
/* Each sort's order is its index's (nx_qs_key): ties of due time by
 * rowid, after the scope's number in the status sort. */
static const char *const keys_of[NX_QS_SORT_COUNT] = {
    "i.due_key, i.rowid",
    "i.prio_key, i.due_key, i.rowid",
    "i.status, i.due_key, i.scope_no, i.rowid",
    "i.patient_sort, i.due_key, i.rowid",
    "i.payer_sort, i.due_key, i.rowid",
};
static const char *const anchor_of[NX_QS_SORT_COUNT] = {
    "(:cd, :cs)",
    "(:cp, :cd, :cs)",
    "(:ct, :cd, :cn, :cs)",
    "(:ct, :cd, :cs)",
    "(:ct, :cd, :cs)",
};
static const char *const order_of[NX_QS_SORT_COUNT][2] = {
    { "i.due_key, i.rowid", "i.due_key DESC, i.rowid DESC" },
    { "i.prio_key, i.due_key, i.rowid", "i.prio_key DESC, i.due_key DESC, i.rowid DESC" },
    { "i.status, i.due_key, i.scope_no, i.rowid",
      "i.status DESC, i.due_key DESC, i.scope_no DESC, i.rowid DESC" },
    { "i.patient_sort, i.due_key, i.rowid",
      "i.patient_sort DESC, i.due_key DESC, i.rowid DESC" },
    { "i.payer_sort, i.due_key, i.rowid", "i.payer_sort DESC, i.due_key DESC, i.rowid DESC" },
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
static void add_source(const nx_qs *q, sb *b, int walk_index)
{
    if (q->plan == PLAN_SET)
        qs_sb_add(b, " FROM items AS i NOT INDEXED");
    else if (walk_index)
        qs_sb_addf(b, " FROM items AS i INDEXED BY %s", index_of[q->sort]);
    else
        qs_sb_add(b, " FROM items AS i");
}

static void add_where(const nx_qs *q, sb *b)
{
    qs_sb_add(b, " WHERE ");
    if (q->plan != PLAN_WALK) {
        qs_sb_add(b, "i.rowid IN (");
        qs_sb_add(b, q->driver);
        qs_sb_add(b, ") AND ");
    }
    qs_sb_add(b, q->pred);
}

static void add_anchor(const nx_qs *q, sb *b, int reversed, int anchor)
{
    if (anchor)
        qs_sb_addf(b, " AND (%s) %s %s", keys_of[q->sort],
                reversed ? (anchor == 2 ? "<=" : "<") : (anchor == 2 ? ">=" : ">"),
                anchor_of[q->sort]);
}

/* A walk reads the joined tables only for the rows it returns; a sorted
 * set is sorted first, in a subquery of rowids, so that the joins are
 * made for the page's rows only, not for every candidate. */
static sqlite3_stmt *page_stmt(nx_qs *q, int reversed, int anchor)
{
    sqlite3_stmt **slot = &q->page[reversed][anchor];
    if (*slot)
        return *slot;
    sb b = {0};
    qs_sb_addf(&b, "SELECT i.id, i.status, i.assignee, i.priority, i.due, i.due_key, i.prio_key, %s,"
                " p.family_name, p.given_name, p.payer",
            text_of[q->sort]);
    qs_sb_add(&b, q->with_sd ? ", i.service_date, c.tz" : ", NULL, NULL");
    qs_sb_add(&b, ", i.scope_no, i.rowid");
    if (q->plan == PLAN_SET) {
        qs_sb_add(&b, " FROM (SELECT i.rowid AS r");
        add_source(q, &b, 1);
        add_where(q, &b);
        add_anchor(q, &b, reversed, anchor);
        qs_sb_addf(&b, " ORDER BY %s LIMIT :lim) AS top CROSS JOIN items AS i ON i.rowid = top.r",
                order_of[q->sort][reversed]);
    } else {
        add_source(q, &b, 1);
    }
    qs_sb_add(&b, " LEFT JOIN patients AS p ON p.id = i.patient_id");
    if (q->with_sd)
        qs_sb_add(&b, " LEFT JOIN clients AS c ON c.id = i.client_id");
    if (q->plan != PLAN_SET) {
        add_where(q, &b);
        add_anchor(q, &b, reversed, anchor);
    }
    qs_sb_addf(&b, " ORDER BY %s", order_of[q->sort][reversed]);
    if (q->plan != PLAN_SET)
        qs_sb_add(&b, " LIMIT :lim");
    if (!b.oom)
        sqlite3_prepare_v2(q->st->db, b.s, -1, slot, NULL);
    free(b.s);
    return *slot;
}

int nx_qs_page(nx_qs *q, int backward, const nx_qs_key *anchor, int inclusive, int max,
               int64_t now, nx_qs_row_cb cb, void *ctx)
{
    if (max <= 0)
        return 0;
    int reversed = (!!backward) ^ q->descending;
    sqlite3_stmt *st = page_stmt(q, reversed, anchor ? (inclusive ? 2 : 1) : 0);
    if (!st)
        return -1;
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
        add_source(q, &b, 0);
        add_where(q, &b);
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
