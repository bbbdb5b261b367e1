/* The work queues' SQL (see queue_store.h): opening a queue, its filter,
 * its search and its plan. Its pages, its search's candidates, the
 * dashboard's counts and the SQL helpers are in the files
 * queue_store_int.h lists.
 *
 * A page is read in one of three ways, chosen when the queue's sort or
 * filter is set (the rows and their order are the same whichever: only
 * the cost differs):
 *  - sorted set: the candidates come from the most selective index (the
 *    search's index ranges, a filter's or the scope's) and are sorted: the
 *    cost is a table row per candidate, right when there are few (< cap);
 *  - filtered walk: the sort's index is walked from the anchor, keeping
 *    the entries whose rowid is among the same candidates: that test needs
 *    no table row (the rowid is in every index entry), so the cost is the
 *    candidates' index entries plus the sort index's, and only the rows
 *    kept are read (cap <= candidates < filter_cap);
 *  - plain walk: the sort's index is walked and each row is tested: the
 *    cost is the rows read until the page is full, right when most match.
 * Index entries are read in order, many to a page; table rows one random
 * page each (and, the first time, a page to decrypt): the break-even
 * (queue_store.h) is about a thousand candidates for 100 000 items.
 * How many candidates: queue_tally for the scope, the status and the
 * assignee (a sum over a few rows), index counts stopped at the cap for
 * the rest. Search candidates are a superset of the matches (other
 * scopes, names that only share a prefix): the page query applies every
 * condition again.
 * A name search is one index range per case form of the text in the name
 * keys (textfold.h: the keys lower A-Z only, so "nú" is there as "nú" or
 * "nÚ"); past NX_FOLD_VARIANTS_MAX forms, the forms of the text's first
 * letters, and nx_fold_prefix() (an SQL function) tests each candidate.
 * Counting the matches ("200+") tests only the smallest candidate set
 * when it is under the limit, whichever way the pages are read.
 *
 * SQLite has no statistics here (no ANALYZE), so its planner is told: the
 * sort's index by INDEXED BY, the candidate set by NOT INDEXED plus a rowid
 * IN (...) (rowids only ever live inside one statement here). */
#include "store/queue_store_int.h"
#include "util/util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- opening: the filter, the search, the plan ----------------------------------------- */

static void build_pred(const nx_qs *q, sb *b)
{
    qs_sb_add(b, "i.kind_no = :kn");
    /* The status sort walks items_q_status, whose entries hold the
     * scope's number (migration 19), not the team and the assignee: they
     * are tested there as that number among the scopes that match. The
     * order holds the number too (before the rowid), and SQLite takes a
     * column that WHERE sets equal as settled in ORDER BY, then no longer
     * follows the index past it: it would sort every row of the scope. A
     * unary plus keeps the test (still made on the index entry) from
     * counting as such an equality. */
    int status_sort = q->sort == NX_QS_STATUS;
    qs_add_scope_tests(b, status_sort, status_sort ? "+" : "", q->scope_a[0] != '\0',
                       q->scope_t[0] != '\0', q->assignee[0] != '\0');
    if (q->status[0])
        qs_sb_add(b, " AND i.status = :fs");
    if (q->overdue_only) {
        /* an IN list, not NOT IN (finals): each status is then one range
         * of due_key in items_q_status (kind, status, due_key, ...) */
        qs_sb_add(b, " AND i.due_key < :now AND ");
        if (q->open_st.n)
            qs_add_in_list(b, "i.status", "os", &q->open_st);
        else
            qs_sb_add(b, "0");
    }
    if (q->searching) {
        qs_sb_add(b, " AND ");
        qs_add_search_terms(q, b);
    }
}

/* The smallest candidate set: under the cap, read as a sorted set; under
 * filter_cap, as a filtered walk; none that small: a plain walk.
 * overdue: an overdue queue's candidates (SQL), else NULL. */
static int choose_plan_of(nx_qs *q, int64_t now, const char *overdue)
{
    struct { const char *sql; int64_t n; } c[6];
    int nc = 0;
    if (q->status[0]) {
        c[nc].sql = "SELECT rowid FROM items WHERE kind_no = :kn AND status = :fs";
        c[nc++].n = qs_tally(q->st, q->kind, NULL, NULL, NULL, q->status, NULL);
    }
    if (q->assignee[0]) {
        c[nc].sql = "SELECT rowid FROM items WHERE kind_no = :kn AND assignee = :fa";
        c[nc++].n = qs_tally(q->st, q->kind, NULL, q->assignee, NULL, NULL, NULL);
    }
    if (q->scope_a[0]) {
        c[nc].sql = "SELECT rowid FROM items WHERE kind_no = :kn AND assignee = :sa";
        c[nc++].n = qs_tally(q->st, q->kind, NULL, q->scope_a, NULL, NULL, NULL);
    }
    if (q->scope_t[0]) {
        c[nc].sql = "SELECT rowid FROM items WHERE kind_no = :kn AND team = :stm";
        c[nc++].n = qs_tally(q->st, q->kind, q->scope_t, NULL, NULL, NULL, NULL);
    }
    /* With the default thresholds, scaled to the queue: a candidate set
     * near the whole kind is no shortcut (queue_store.h) */
    int64_t wide = q->filter_cap > q->cap ? q->filter_cap : q->cap;
    if (q->auto_caps) {
        int64_t all = qs_tally(q->st, q->kind, NULL, NULL, NULL, NULL, NULL);
        if (all < 0)
            return -1;
        int64_t set_max = qs_isqrt(all), walk_max = qs_isqrt(1000 * all);
        if (set_max < q->cap)
            q->cap = (int)set_max;
        if (walk_max < q->filter_cap)
            q->filter_cap = (int)walk_max;
    }
    /* Candidates are counted as far as choosing the plan needs; further
     * (to the unscaled thresholds) when their matches are to be counted
     * from them, i.e. when the search has no exact count (exact_arms). */
    int64_t limit = q->filter_cap > q->cap ? q->filter_cap : q->cap;
    if (!q->exact_ok && wide > limit)
        limit = wide;
    if (overdue) {
        c[nc].sql = overdue;
        c[nc].n = qs_count_upto(q, c[nc].sql, limit, now);
        nc++;
    }
    char *search = NULL;
    int64_t search_n = 0;
    if (q->searching) {
        search = qs_search_driver(q, limit, now, &search_n);
        if (search) {
            c[nc].sql = search;
            c[nc++].n = search_n;
        }
    }
    int best = -1, counting = -1;
    for (int i = 0; i < nc; i++) {
        if (c[i].n < 0) {
            free(search);
            return -1;
        }
        if (c[i].n < q->filter_cap && (best < 0 || c[i].n < c[best].n))
            best = i;
        if (c[i].n < limit && (counting < 0 || c[i].n < c[counting].n))
            counting = i;
    }
    /* Counting the matches ("200+") tests the candidates, never more:
     * a walk would read every row until at_most of them match. */
    if (counting >= 0 && !q->exact_ok && !(q->count_driver = strdup(c[counting].sql))) {
        free(search);
        return -1;
    }
    if (best < 0) {
        free(search);
        return 0;   /* most rows match: a plain walk */
    }
    q->plan = c[best].n < q->cap ? PLAN_SET : PLAN_FILTERED_WALK;
    q->driver_n = c[best].n;
    q->driver = c[best].sql == search ? search : strdup(c[best].sql);
    if (c[best].sql != search)
        free(search);
    return q->driver ? 0 : -1;
}

/* An overdue queue's candidates are the open statuses' ranges of due
 * time in items_q_status, one each (an IN list of what the cache holds). */
static int choose_plan(nx_qs *q, int64_t now)
{
    if (!q->overdue_only)
        return choose_plan_of(q, now, NULL);
    sb b = {0};
    qs_sb_add(&b, "SELECT rowid FROM items INDEXED BY items_q_status WHERE kind_no = :kn AND ");
    if (q->open_st.n)
        qs_add_in_list(&b, "status", "os", &q->open_st);
    else
        qs_sb_add(&b, "0");
    qs_sb_add(&b, " AND due_key < :now");
    int rc = b.oom ? -1 : choose_plan_of(q, now, b.s);
    free(b.s);
    return rc;
}

static const char *const no_statuses[] = { NULL };

/* The statuses the due order's merge reads (queue_page.c): the status
 * filtered for, else every status of the kind that the cache holds, less
 * the final ones in an overdue queue. Into out, sorted. */
static int arms_now(nx_qs *q, hits *out)
{
    if (q->status[0])
        return qs_hits_add(out, q->status);
    return qs_present_statuses_kept(q->st, &q->arms_st, q->kind,
                                    q->overdue_only ? (const char *const *)q->finals
                                                    : no_statuses, out);
}

int qs_arms_current(nx_qs *q)
{
    if (q->status[0] && q->arms.n == 1)
        return 0;   /* the filter's status: it never changes */
    hits now = {0};
    if (arms_now(q, &now) != 0) {
        qs_hits_free(&now);
        return -1;
    }
    int same = now.n == q->arms.n;
    for (int i = 0; same && i < now.n; i++)
        same = strcmp(now.v[i], q->arms.v[i]) == 0;
    if (same) {
        qs_hits_free(&now);
        return 0;
    }
    /* a status came or went since the statements were made: make them
     * again with one arm each */
    qs_drop_pages(q);
    qs_hits_free(&q->arms);
    q->arms = now;
    return 0;
}

void qs_drop_pages(nx_qs *q)
{
    for (int w = 0; w < 3; w++)
        for (int r = 0; r < 2; r++)
            for (int a = 0; a < 3; a++) {
                sqlite3_finalize(q->page[w][r][a]);
                q->page[w][r][a] = NULL;
            }
}

/* Where a filtered walk of the merge tests its candidates
 * (NX_QS_FILTER_CAP): 0, or -1. */
static int choose_merge(nx_qs *q)
{
    if (q->plan != PLAN_FILTERED_WALK || (q->sort != NX_QS_DUE && q->sort != NX_QS_PRIORITY))
        return 0;
    if (q->merge_cap > 0) {
        q->merge_inside = q->driver_n < q->merge_cap;
        return 0;
    }
    int64_t all = qs_tally(q->st, q->kind, NULL, NULL, NULL, NULL, NULL);
    if (all < 0)
        return -1;
    int64_t k = q->arms.n > 0 ? q->arms.n : 1;
    q->merge_inside = q->driver_n * q->driver_n * k < 200 * all;
    return 0;
}

int nx_qs_open(nx_store *s, const nx_qs_spec *spec, int64_t now, nx_qs **out,
               char *err, size_t errlen)
{
    *out = NULL;
    if ((unsigned)spec->sort >= NX_QS_SORT_COUNT)
        return nx_err(err, errlen, "unknown sort");
    /* (items_q_payer holds the payer kinds' items only: migration 21) */
    if ((spec->sort == NX_QS_PAYER || (spec->search_payer && spec->search && *spec->search)) &&
        !nx_qs_kind_has_payer(spec->kind))
        return nx_err(err, errlen, "%s items carry no payer to sort or search by",
                      spec->kind ? spec->kind : "these");
    nx_qs *q = calloc(1, sizeof *q);
    if (!q)
        return nx_err(err, errlen, "out of memory");
    q->st = s;
    q->sort = spec->sort;
    q->descending = !!spec->descending;
    q->overdue_only = !!spec->overdue_only;
    q->with_sd = !!spec->with_service_date;
    q->cap = spec->driver_cap > 0 ? spec->driver_cap : NX_QS_DRIVER_CAP;
    q->filter_cap = spec->filter_cap > 0 ? spec->filter_cap : NX_QS_FILTER_CAP;
    q->auto_caps = spec->driver_cap <= 0 && spec->filter_cap <= 0;
    q->merge_cap = spec->merge_cap;
    qs_copy_str(q->kind, sizeof q->kind, spec->kind);
    qs_copy_str(q->scope_a, sizeof q->scope_a, spec->scope_assignee);
    qs_copy_str(q->scope_t, sizeof q->scope_t, spec->scope_team);
    qs_copy_str(q->status, sizeof q->status, spec->status);
    qs_copy_str(q->assignee, sizeof q->assignee, spec->assignee);
    for (int i = 0; i < NX_QS_FINALS_MAX && spec->finals[i]; i++) {
        if (!(q->finals[i] = strdup(spec->finals[i])))
            goto oom;
        q->nfinals++;
    }
    if (spec->search) {
        /* surrounding blanks are not part of what is looked for */
        const char *a = spec->search;
        while (*a == ' ' || *a == '\t')
            a++;
        size_t n = strlen(a);
        while (n > 0 && (a[n - 1] == ' ' || a[n - 1] == '\t'))
            n--;
        if (n >= sizeof q->q) {
            nx_qs_close(q);
            return nx_err(err, errlen, "search text too long");
        }
        memcpy(q->q, a, n);
        q->q[n] = '\0';
        q->searching = n > 0;
    }
    const char *what = "read the queue";
    if (q->searching) {
        memcpy(q->ql, q->q, sizeof q->ql);
        qs_ascii_lower(q->ql);
        q->q_has_hi = qs_prefix_end(q->q, q->q_hi, sizeof q->q_hi);
        q->ql_has_hi = qs_prefix_end(q->ql, q->ql_hi, sizeof q->ql_hi);
        q->nv_n = nx_fold_variants(q->q, q->nv[0], sizeof q->nv[0], NX_FOLD_VARIANTS_MAX,
                                   &q->nv_whole);
        if (q->nv_n < 1) {
            nx_qs_close(q);
            return nx_err(err, errlen, "search text too long");
        }
        for (int v = 0; v < q->nv_n; v++)
            q->nv_has_hi[v] = qs_prefix_end(q->nv[v], q->nv_hi[v], sizeof q->nv_hi[v]);
        if (nx_fold_register(s->db) != 0)
            goto fail;
        q->search_patient = !!spec->search_patient;
        q->search_payer = !!spec->search_payer;
        what = "search the queue";
        if (qs_collect_hits(q, "status", &q->h_status) != 0 ||
            qs_collect_hits(q, "assignee", &q->h_assignee) != 0 ||
            (q->search_payer && qs_collect_hits(q, "payer_sort", &q->h_payer) != 0))
            goto fail;
    }
    if ((q->overdue_only &&
         qs_present_statuses(s, q->kind, (const char *const *)q->finals, &q->open_st) != 0) ||
        qs_exact_arms(q) != 0 || choose_plan(q, now) != 0 ||
        (q->plan != PLAN_SET && (q->sort == NX_QS_DUE || q->sort == NX_QS_PRIORITY) &&
         arms_now(q, &q->arms) != 0) ||
        choose_merge(q) != 0)
        goto fail;
    sb b = {0};
    build_pred(q, &b);
    if (b.oom) {
        free(b.s);
        goto oom;
    }
    q->pred = b.s;
    *out = q;
    return 0;
fail:
    nx_err(err, errlen, "cannot %s: %s", what, sqlite3_errmsg(s->db));
    nx_qs_close(q);
    return -1;
oom:
    nx_qs_close(q);
    return nx_err(err, errlen, "out of memory");
}

void nx_qs_close(nx_qs *q)
{
    if (!q)
        return;
    qs_drop_pages(q);
    qs_hits_free(&q->arms);
    sqlite3_finalize(q->arms_st);
    for (int i = 0; i < q->nfinals; i++)
        free(q->finals[i]);
    qs_hits_free(&q->h_status);
    qs_hits_free(&q->h_assignee);
    qs_hits_free(&q->h_payer);
    qs_hits_free(&q->open_st);
    free(q->driver);
    free(q->count_driver);
    for (int i = 0; i < q->nexact; i++)
        free(q->exact[i]);
    free(q->exact_out);
    qs_hits_free(&q->out_vals);
    free(q->pred);
    sodium_memzero(q, sizeof *q);
    free(q);
}

int nx_qs_plan(const nx_qs *q) { return q->plan; }
int nx_qs_exact_count(const nx_qs *q) { return q->exact_ok; }
int nx_qs_merge_inside(const nx_qs *q) { return q->merge_inside; }
