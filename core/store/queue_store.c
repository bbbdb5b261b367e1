/* The work queues' SQL (see queue_store.h).
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
#include "store/queue_store.h"
#include "store/store_int.h"
#include "store/textfold.h"
#include "util/util.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HITS_MAX 256   /* distinct values of one column a search lists; above, instr() */

/* ---- a small string builder for SQL text ---------------------------------- */

typedef struct {
    char *s;
    size_t len, cap;
    int oom;
} sb;

static void sb_add(sb *b, const char *t)
{
    size_t n = strlen(t);
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, t, n + 1);
    b->len += n;
}

static void sb_addf(sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_addf(sb *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    sb_add(b, tmp);
}

/* ---- the queue --------------------------------------------------------------- */

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
    char *order[NX_QS_ORDER_MAX];   /* the status sort's order (spec->status_order) */
    int norder;
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
    char *count_driver;      /* the smallest candidate set under the limit, for counting */
    /* When the search's index ranges and lists are the matches themselves
     * (nothing else to test: see exact_arms), counting needs no table row */
    char *exact[2 + 3 + 2 * NX_FOLD_VARIANTS_MAX];
    int nexact, exact_ok;
    hits out_vals;           /* the assignees / teams of the kind's items outside the scope */
    char *exact_out;         /* their rows (SQL), or NULL when there are none */
    int64_t out_n;           /* how many */
    char *pred;              /* the WHERE clause without the anchor */
    sqlite3_stmt *page[2][3];   /* [reversed][0 none, 1 exclusive, 2 inclusive] */
};

static const char *const index_of[NX_QS_SORT_COUNT] = {
    "items_q_due", "items_q_priority", "items_q_status", "items_q_patient", "items_q_payer",
};
static const char *const keys_of[NX_QS_SORT_COUNT] = {
    "i.due_key, i.id",
    "i.prio_key, i.due_key, i.id",
    "i.status, i.due_key, i.id",
    "i.patient_sort, i.due_key, i.id",
    "i.payer_sort, i.due_key, i.id",
};
static const char *const anchor_of[NX_QS_SORT_COUNT] = {
    "(:cd, :cid)",
    "(:cp, :cd, :cid)",
    "(:ct, :cd, :cid)",
    "(:ct, :cd, :cid)",
    "(:ct, :cd, :cid)",
};
static const char *const order_of[NX_QS_SORT_COUNT][2] = {
    { "i.due_key, i.id", "i.due_key DESC, i.id DESC" },
    { "i.prio_key, i.due_key, i.id", "i.prio_key DESC, i.due_key DESC, i.id DESC" },
    { "i.status, i.due_key, i.id", "i.status DESC, i.due_key DESC, i.id DESC" },
    { "i.patient_sort, i.due_key, i.id", "i.patient_sort DESC, i.due_key DESC, i.id DESC" },
    { "i.payer_sort, i.due_key, i.id", "i.payer_sort DESC, i.due_key DESC, i.id DESC" },
};
static const char *const text_of[NX_QS_SORT_COUNT] = {
    "NULL", "NULL", "i.status", "i.patient_sort", "i.payer_sort",
};

static int64_t isqrt(int64_t v)   /* Newton's method, for v >= 0 */
{
    if (v < 2)
        return v;
    int64_t x = v, y = (x + 1) / 2;
    while (y < x) {
        x = y;
        y = (x + v / x) / 2;
    }
    return x;
}

static void copy_str(char *dst, size_t len, const char *src)
{
    snprintf(dst, len, "%s", src ? src : "");
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    return t ? t : "";
}

/* A-Z -> a-z only: the same folding as SQLite's lower() in the sort keys. */
static void ascii_lower(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

/* The smallest string greater than every string that starts with s: s with
 * its last byte raised by one (bytes 0xFF, never in UTF-8, dropped first).
 * 0 when there is none (every string starts with s). */
static int prefix_end(const char *s, char *out, size_t outlen)
{
    size_t n = strlen(s);
    if (n + 1 > outlen)
        return 0;
    memcpy(out, s, n + 1);
    while (n > 0 && (unsigned char)out[n - 1] == 0xFF)
        out[--n] = '\0';
    if (n == 0)
        return 0;
    out[n - 1] = (char)((unsigned char)out[n - 1] + 1);
    return 1;
}

static int hits_add(hits *h, const char *v)
{
    char **nv = realloc(h->v, sizeof *nv * (size_t)(h->n + 1));
    if (!nv)
        return -1;
    h->v = nv;
    if (!(nv[h->n] = strdup(v)))
        return -1;
    h->n++;
    return 0;
}

static void hits_free(hits *h)
{
    for (int i = 0; i < h->n; i++) {
        sodium_memzero(h->v[i], strlen(h->v[i]));
        free(h->v[i]);
    }
    free(h->v);
    memset(h, 0, sizeof *h);
}

static void bind_named_text(sqlite3_stmt *st, const char *name, const char *v)
{
    int i = sqlite3_bind_parameter_index(st, name);
    if (i)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

static void bind_named_int(sqlite3_stmt *st, const char *name, int64_t v)
{
    int i = sqlite3_bind_parameter_index(st, name);
    if (i)
        sqlite3_bind_int64(st, i, v);
}

static void bind_list(sqlite3_stmt *st, const char *pfx, const hits *h)
{
    char name[24];
    for (int i = 0; i < h->n; i++) {
        snprintf(name, sizeof name, ":%s%d", pfx, i);
        bind_named_text(st, name, h->v[i]);
    }
}

/* Binds every parameter the queue's SQL may name that st has. */
static void bind_common(const nx_qs *q, sqlite3_stmt *st, int64_t now)
{
    bind_named_text(st, ":kind", q->kind);
    bind_named_text(st, ":sa", q->scope_a);
    bind_named_text(st, ":stm", q->scope_t);
    bind_named_text(st, ":fs", q->status);
    bind_named_text(st, ":fa", q->assignee);
    bind_named_int(st, ":now", now);
    bind_list(st, "os", &q->open_st);
    bind_list(st, "xs", &q->out_vals);
    if (!q->searching)
        return;
    bind_named_text(st, ":q", q->q);
    bind_named_text(st, ":q_hi", q->q_hi);
    bind_named_text(st, ":ql", q->ql);
    bind_named_text(st, ":ql_hi", q->ql_hi);
    char name[24];
    for (int i = 0; i < q->nv_n; i++) {
        snprintf(name, sizeof name, ":nv%d", i);
        bind_named_text(st, name, q->nv[i]);
        snprintf(name, sizeof name, ":nvh%d", i);
        bind_named_text(st, name, q->nv_hi[i]);
    }
    bind_list(st, "hs", &q->h_status);
    bind_list(st, "ha", &q->h_assignee);
    bind_list(st, "hp", &q->h_payer);
}

static void add_in_list(sb *b, const char *col, const char *pfx, const hits *h)
{
    sb_addf(b, "%s IN (", col);
    for (int i = 0; i < h->n; i++)
        sb_addf(b, "%s:%s%d", i ? ", " : "", pfx, i);
    sb_add(b, ")");
}

/* count(*) of sql's rows, stopping at limit (> 0). */
static int64_t count_upto(nx_qs *q, const char *sql, int64_t limit, int64_t now)
{
    sb b = {0};
    sb_add(&b, "SELECT count(*) FROM (");
    sb_add(&b, sql);
    sb_add(&b, " LIMIT :limit)");
    int64_t n = -1;
    sqlite3_stmt *st = NULL;
    if (!b.oom && sqlite3_prepare_v2(q->st->db, b.s, -1, &st, NULL) == SQLITE_OK) {
        bind_common(q, st, now);
        bind_named_int(st, ":limit", limit);
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    free(b.s);
    return n;
}

int nx_qs_read_begin(nx_store *s)
{
    return sqlite3_exec(s->db, "SAVEPOINT nx_queue_read", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

void nx_qs_read_end(nx_store *s)
{
    /* nothing was written: RELEASE only ends the read */
    (void)sqlite3_exec(s->db, "RELEASE nx_queue_read", NULL, NULL, NULL);
}

/* ---- queue_tally: items per (kind, team, assignee, status) ----------------------- */

static int64_t tally(nx_store *st, const char *kind, const char *team, const char *assignee1,
                     const char *assignee2, const char *status, const char *const *excluded)
{
    sb b = {0};
    sb_add(&b, "SELECT coalesce(sum(n), 0) FROM queue_tally WHERE kind = ?1");
    const char *vals[4 + NX_QS_FINALS_MAX];
    int nv = 1;
    vals[0] = kind;
    const char *cols[] = { "team", "assignee", "assignee", "status" };
    const char *given[] = { team, assignee1, assignee2, status };
    for (int i = 0; i < 4; i++)
        if (given[i] && *given[i]) {
            sb_addf(&b, " AND %s = ?%d", cols[i], nv + 1);
            vals[nv++] = given[i];
        }
    if (excluded && excluded[0]) {
        sb_add(&b, " AND status NOT IN (");
        for (int i = 0; i < NX_QS_FINALS_MAX && excluded[i]; i++) {
            sb_addf(&b, "%s?%d", i ? ", " : "", nv + 1);
            vals[nv++] = excluded[i];
        }
        sb_add(&b, ")");
    }
    int64_t n = -1;
    sqlite3_stmt *stmt = NULL;
    if (!b.oom && sqlite3_prepare_v2(st->db, b.s, -1, &stmt, NULL) == SQLITE_OK) {
        for (int i = 0; i < nv; i++)
            sqlite3_bind_text(stmt, i + 1, vals[i], -1, SQLITE_STATIC);
        if (sqlite3_step(stmt) == SQLITE_ROW)
            n = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
    free(b.s);
    return n;
}

/* The statuses of the kind present in the cache, less the excluded ones. */
static int present_statuses(nx_store *st, const char *kind, const char *const *excluded,
                            hits *out)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(st->db, "SELECT DISTINCT status FROM queue_tally"
                           " WHERE kind = ?1 AND n > 0 ORDER BY status", -1, &stmt, NULL))
        return -1;
    sqlite3_bind_text(stmt, 1, kind, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *v = col_text(stmt, 0);
        int skip = 0;
        for (int i = 0; i < NX_QS_FINALS_MAX && excluded[i]; i++)
            skip |= strcmp(v, excluded[i]) == 0;
        if (skip)
            continue;
        if (out->n >= HITS_MAX || hits_add(out, v) != 0) {
            rc = SQLITE_NOMEM;
            break;
        }
    }
    sqlite3_finalize(stmt);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* ---- search ------------------------------------------------------------------------ */

/* Distinct values of one column of the queue's kind that contain the text
 * (nx_fold_contains: any case, any script): all
 * of them from queue_tally for status and assignee; for the payer by a
 * loose index scan, one seek per distinct value. */
static int collect_hits(nx_qs *q, const char *col, hits *h)
{
    char sql[256];
    int tallied = strcmp(col, "payer_sort") != 0;
    if (tallied)
        snprintf(sql, sizeof sql, "SELECT DISTINCT %s FROM queue_tally WHERE kind = ?1 AND n > 0"
                 " ORDER BY %s", col, col);
    else
        snprintf(sql, sizeof sql, "SELECT %s FROM items INDEXED BY items_q_payer WHERE kind = ?1"
                 " AND %s > ?2 ORDER BY %s LIMIT 1", col, col, col);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(q->st->db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, q->kind, -1, SQLITE_STATIC);
    char prev[NX_QS_TEXT_MAX] = "";
    int seen = 0, rc = 0;
    /* '' sorts first: "> ''" skips an empty value, which matches nothing anyway */
    for (;;) {
        if (!tallied)
            sqlite3_bind_text(st, 2, prev, -1, SQLITE_TRANSIENT);
        int s = sqlite3_step(st);
        if (s == SQLITE_DONE)
            break;
        if (s != SQLITE_ROW) {
            rc = -1;
            break;
        }
        const char *v = col_text(st, 0);
        if (++seen > HITS_MAX || strlen(v) + 1 >= sizeof prev) {
            /* too many to list, or too long to step past exactly: instr() */
            h->overflow = 1;
            break;
        }
        copy_str(prev, sizeof prev, v);
        if (!tallied)
            sqlite3_reset(st);
        if (nx_fold_contains(prev, q->q) && hits_add(h, prev) != 0) {
            rc = -1;
            break;
        }
    }
    sqlite3_finalize(st);
    sodium_memzero(prev, sizeof prev);
    return rc;
}

/* The search as an OR of terms on the row (i.x), without those that
 * match nothing (id_none, name_none). */
static void add_search_terms(const nx_qs *q, sb *b)
{
    int any = 0;
#define OR_NEXT() sb_add(b, any++ ? " OR " : "")
    sb_add(b, "(");
    if (!q->id_none) {
        OR_NEXT();
        sb_add(b, q->q_has_hi ? "(i.id >= :q AND i.id < :q_hi)" : "i.id >= :q");
        if (strcmp(q->q, q->ql) != 0)
            sb_add(b, q->ql_has_hi ? " OR (i.id >= :ql AND i.id < :ql_hi)" : " OR i.id >= :ql");
    }
    const hits *hs[] = { &q->h_status, &q->h_assignee, &q->h_payer };
    const char *cols[] = { "i.status", "i.assignee", "i.payer_sort" };
    const char *pfx[] = { "hs", "ha", "hp" };
    for (int k = 0; k < 3; k++) {
        if (k == 2 && !q->search_payer)
            continue;
        if (hs[k]->overflow) {
            OR_NEXT();
            sb_addf(b, "nx_fold_contains(%s, :q)", cols[k]);
        } else if (hs[k]->n) {
            OR_NEXT();
            add_in_list(b, cols[k], pfx[k], hs[k]);
        }
    }
    if (q->search_patient)
        for (int k = 0; k < 2; k++) {
            if (q->name_none[k])
                continue;
            const char *col = k ? "i.patient_given" : "i.patient_sort";
            OR_NEXT();
            sb_add(b, "((");
            for (int v = 0; v < q->nv_n; v++) {
                sb_addf(b, "%s(%s >= :nv%d", v ? " OR " : "", col, v);
                if (q->nv_has_hi[v])
                    sb_addf(b, " AND %s < :nvh%d", col, v);
                sb_add(b, ")");
            }
            sb_add(b, ")");
            if (!q->nv_whole)
                sb_addf(b, " AND nx_fold_prefix(%s, :q)", col);
            sb_add(b, ")");
        }
#undef OR_NEXT
    sb_add(b, any ? ")" : "0)");
}

/* The search's candidates: one covering index range or IN list per term,
 * their rowids joined by UNION ALL. *est gets how many (an upper bound,
 * counted no further than limit). NULL when a column has too many values
 * to list (instr() then, and no candidate set). */
static char *search_driver(nx_qs *q, int64_t limit, int64_t now, int64_t *est)
{
    if (q->h_status.overflow || q->h_assignee.overflow || (q->search_payer && q->h_payer.overflow))
        return NULL;
    enum { ARMS = 2 + 2 * NX_FOLD_VARIANTS_MAX };
    char arm[ARMS][256];
    int64_t n[ARMS] = {0};
    int na = 0, name_first;
    /* ids: this kind's (items_q_id: the range is this queue's ids only) */
    snprintf(arm[na++], sizeof arm[0], "SELECT rowid FROM items INDEXED BY items_q_id WHERE "
             "kind = :kind AND %s", q->q_has_hi ? "id >= :q AND id < :q_hi" : "id >= :q");
    if (strcmp(q->q, q->ql) != 0)
        snprintf(arm[na++], sizeof arm[0], "SELECT rowid FROM items INDEXED BY items_q_id "
                 "WHERE kind = :kind AND %s",
                 q->ql_has_hi ? "id >= :ql AND id < :ql_hi" : "id >= :ql");
    name_first = na;
    if (q->search_patient) {
        /* one range per case variant and name key (a superset when the
         * variants are of a shorter part: the page query tests each) */
        const char *cols[] = { "patient_sort", "patient_given" };
        for (int k = 0; k < 2; k++)
            for (int v = 0; v < q->nv_n; v++) {
                char hi[48] = "";
                if (q->nv_has_hi[v])
                    snprintf(hi, sizeof hi, " AND %s < :nvh%d", cols[k], v);
                snprintf(arm[na++], sizeof arm[0], "SELECT rowid FROM items WHERE kind = :kind"
                         " AND %s >= :nv%d%s", cols[k], v, hi);
            }
    }
    int64_t total = 0;
    /* status and assignee: counted exactly by the tally */
    for (int i = 0; i < q->h_status.n; i++)
        total += tally(q->st, q->kind, NULL, NULL, NULL, q->h_status.v[i], NULL);
    for (int i = 0; i < q->h_assignee.n; i++)
        total += tally(q->st, q->kind, NULL, q->h_assignee.v[i], NULL, NULL, NULL);
    sb b = {0};
    for (int i = 0; i < na; i++) {
        /* past the limit, whether the arm is empty is still worth one
         * probe: an empty one leaves the predicate (id_none, name_none) */
        int64_t upto = total < limit ? limit - total : 1;
        n[i] = count_upto(q, arm[i], upto, now);
        if (n[i] < 0) {
            free(b.s);
            return NULL;
        }
        if (total < limit)
            total += n[i];
        if (n[i] == 0)
            continue;   /* an empty arm adds nothing */
        sb_add(&b, b.len ? " UNION ALL " : "");
        sb_add(&b, arm[i]);
    }
    const hits *hs[] = { &q->h_status, &q->h_assignee, &q->h_payer };
    const char *cols[] = { "status", "assignee", "payer_sort" };
    const char *pfx[] = { "hs", "ha", "hp" };
    for (int k = 0; k < 3; k++) {
        if ((k == 2 && !q->search_payer) || !hs[k]->n)
            continue;
        sb b2 = {0};
        sb_add(&b2, "SELECT rowid FROM items WHERE kind = :kind AND ");
        add_in_list(&b2, cols[k], pfx[k], hs[k]);
        if (k == 2 && total < limit && !b2.oom) {
            int64_t c = count_upto(q, b2.s, limit - total, now);
            total += c > 0 ? c : 0;
        }
        sb_add(&b, b.len ? " UNION ALL " : "");
        sb_add(&b, b2.oom ? "" : b2.s);
        b.oom |= b2.oom;
        free(b2.s);
    }
    q->id_none = 1;
    for (int i = 0; i < name_first; i++)
        q->id_none &= n[i] == 0;
    for (int k = 0; k < 2 && q->search_patient; k++) {
        q->name_none[k] = 1;
        for (int v = 0; v < q->nv_n; v++)
            q->name_none[k] &= n[name_first + k * q->nv_n + v] == 0;
    }
    if (!b.len)   /* nothing can match: an empty set */
        sb_add(&b, "SELECT rowid FROM items WHERE 0");
    if (b.oom) {
        free(b.s);
        return NULL;
    }
    *est = total < limit ? total : limit;
    return b.s;
}

/* ---- counting a search without reading its rows ----------------------------------- */

static int exact_add(nx_qs *q, sb *b)
{
    if (b->oom || !b->s) {
        free(b->s);
        return -1;
    }
    q->exact[q->nexact++] = b->s;
    return 0;
}

/* The kind's items outside the scope, when they are few (an agent's
 * laptop holds the agent's items, a supervisor's the team's, and little
 * else): their assignees or teams from the tally, and their rows as one
 * index's lists. 1 ready (or no scope), 0 too many, -1 on error. */
/* The assignees (own scope) or teams of the kind's items outside the
 * scope, from the tally, into out, and how many items they hold: 1 (out
 * may be empty), 0 when they hold more than NX_QS_DRIVER_CAP items or are
 * too many to list, -1 on error. Exactly one of scope_a, scope_t given. */
static int outside_of(nx_store *s, const char *kind, const char *scope_a, const char *scope_t,
                      hits *out, int64_t *out_n)
{
    int own = scope_a && *scope_a;
    int64_t all = tally(s, kind, NULL, NULL, NULL, NULL, NULL);
    int64_t in = tally(s, kind, scope_t, scope_a, NULL, NULL, NULL);
    if (all < 0 || in < 0)
        return -1;
    *out_n = all - in;
    if (*out_n == 0)
        return 1;
    if (*out_n > NX_QS_DRIVER_CAP)
        return 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, own ? "SELECT DISTINCT assignee FROM queue_tally"
                           " WHERE kind = ?1 AND assignee <> ?2 AND n > 0"
                           : "SELECT DISTINCT team FROM queue_tally"
                           " WHERE kind = ?1 AND team <> ?2 AND n > 0", -1, &st, NULL))
        return -1;
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, own ? scope_a : scope_t, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (out->n >= HITS_MAX || hits_add(out, col_text(st, 0)) != 0) {
            rc = SQLITE_NOMEM;
            break;
        }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return out->n >= HITS_MAX ? 0 : -1;
    return 1;
}

static int scope_outside(nx_qs *q)
{
    if (!q->scope_a[0] && !q->scope_t[0])
        return 1;
    if (q->scope_a[0] && q->scope_t[0])
        return 0;
    int r = outside_of(q->st, q->kind, q->scope_a, q->scope_t, &q->out_vals, &q->out_n);
    if (r <= 0 || q->out_n == 0)
        return r;
    if (!q->out_vals.n)
        return 0;   /* the tally disagrees with itself: test each row */
    int own = q->scope_a[0] != '\0';
    sb b = {0};
    sb_add(&b, own ? "SELECT rowid FROM items INDEXED BY items_assignee WHERE kind = :kind AND "
                   : "SELECT rowid FROM items INDEXED BY items_q_team WHERE kind = :kind AND ");
    add_in_list(&b, own ? "assignee" : "team", "xs", &q->out_vals);
    if (b.oom) {
        free(b.s);
        return -1;
    }
    q->exact_out = b.s;
    return 1;
}

/* The search as index ranges and lists that select exactly its matches,
 * less the few rows outside the scope: possible with no filter, the name
 * forms of the whole text and no column with too many values to list.
 * Each arm reads one index (the ids' is items_q_id, kind first). 0
 * (q->exact_ok says whether), -1 on error. */
static int exact_arms(nx_qs *q)
{
    q->exact_ok = 0;
    if (!q->searching || q->overdue_only || q->status[0] || q->assignee[0] ||
        (q->search_patient && !q->nv_whole) || q->h_status.overflow ||
        q->h_assignee.overflow || (q->search_payer && q->h_payer.overflow))
        return 0;
    int scope = scope_outside(q);
    if (scope <= 0)
        return scope;
    /* the arms that read one index only first: one of them may reach
     * at_most alone (exact_count) */
    const hits *hs[] = { &q->h_status, &q->h_assignee, &q->h_payer };
    const char *head[] = {
        "SELECT rowid FROM items INDEXED BY items_q_status WHERE kind = :kind AND ",
        "SELECT rowid FROM items INDEXED BY items_assignee WHERE kind = :kind AND ",
        "SELECT rowid FROM items INDEXED BY items_q_payer WHERE kind = :kind AND ",
    };
    const char *cols[] = { "status", "assignee", "payer_sort" };
    const char *pfx[] = { "hs", "ha", "hp" };
    for (int k = 0; k < 3; k++) {
        if ((k == 2 && !q->search_payer) || !hs[k]->n)
            continue;
        sb a = {0};
        sb_add(&a, head[k]);
        add_in_list(&a, cols[k], pfx[k], hs[k]);
        if (exact_add(q, &a) != 0)
            return -1;
    }
    static const char *const names[][2] = {
        { "items_q_patient", "patient_sort" }, { "items_q_given", "patient_given" },
    };
    for (int k = 0; q->search_patient && k < 2; k++)
        for (int v = 0; v < q->nv_n; v++) {
            sb a = {0};
            sb_addf(&a, "SELECT rowid FROM items INDEXED BY %s WHERE kind = :kind AND %s >= :nv%d",
                    names[k][0], names[k][1], v);
            if (q->nv_has_hi[v])
                sb_addf(&a, " AND %s < :nvh%d", names[k][1], v);
            if (exact_add(q, &a) != 0)
                return -1;
        }
    for (int k = 0; k < 2; k++) {
        if (k == 1 && strcmp(q->q, q->ql) == 0)
            break;
        sb a = {0};
        sb_add(&a, "SELECT rowid FROM items INDEXED BY items_q_id WHERE kind = :kind AND ");
        sb_add(&a, (k ? q->ql_has_hi : q->q_has_hi)
                       ? (k ? "id >= :ql AND id < :ql_hi" : "id >= :q AND id < :q_hi")
                       : (k ? "id >= :ql" : "id >= :q"));
        if (exact_add(q, &a) != 0)
            return -1;
    }
    q->exact_ok = 1;
    return 0;
}

/* How many rows the arms select together, less those outside the scope,
 * no further than at_most (> 0; 0 = all): an arm that alone reaches
 * at_most plus the rows outside answers (each is counted up to that,
 * stopping there); else their union, each row once. */
static int64_t exact_count(nx_qs *q, int64_t now, int64_t at_most)
{
    if (at_most > 0)
        for (int i = 0; i < q->nexact; i++) {
            int64_t n = count_upto(q, q->exact[i], at_most + q->out_n, now);
            if (n < 0)
                return n;
            if (n >= at_most + q->out_n)
                return at_most;
        }
    sb b = {0};
    sb_add(&b, "SELECT count(*) FROM (");
    for (int i = 0; i < q->nexact; i++) {
        sb_add(&b, i ? " UNION " : "");
        sb_add(&b, q->exact[i]);
    }
    if (q->exact_out) {
        sb_add(&b, " EXCEPT ");
        sb_add(&b, q->exact_out);
    }
    sb_add(&b, at_most > 0 ? " LIMIT :most)" : ")");
    int64_t n = -1;
    sqlite3_stmt *st = NULL;
    if (!b.oom && sqlite3_prepare_v2(q->st->db, b.s, -1, &st, NULL) == SQLITE_OK) {
        bind_common(q, st, now);
        bind_named_int(st, ":most", at_most);
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    free(b.s);
    return n;
}

/* ---- opening: the filter, the search, the plan ----------------------------------------- */

static void build_pred(const nx_qs *q, sb *b)
{
    sb_add(b, "i.kind = :kind");
    if (q->scope_a[0])
        sb_add(b, " AND i.assignee = :sa");
    if (q->scope_t[0])
        sb_add(b, " AND i.team = :stm");
    if (q->status[0])
        sb_add(b, " AND i.status = :fs");
    if (q->assignee[0])
        sb_add(b, " AND i.assignee = :fa");
    if (q->overdue_only) {
        /* an IN list, not NOT IN (finals): each status is then one range
         * of due_key in the (kind, scope, status, due_key) indexes */
        sb_add(b, " AND i.due_key < :now AND ");
        if (q->open_st.n)
            add_in_list(b, "i.status", "os", &q->open_st);
        else
            sb_add(b, "0");
    }
    if (q->searching) {
        sb_add(b, " AND ");
        add_search_terms(q, b);
    }
}

/* The smallest candidate set: under the cap, read as a sorted set; under
 * filter_cap, as a filtered walk; none that small: a plain walk. */
static int choose_plan(nx_qs *q, int64_t now)
{
    struct { const char *sql; int64_t n; } c[6];
    int nc = 0;
    if (q->status[0]) {
        c[nc].sql = "SELECT rowid FROM items WHERE kind = :kind AND status = :fs";
        c[nc++].n = tally(q->st, q->kind, NULL, NULL, NULL, q->status, NULL);
    }
    if (q->assignee[0]) {
        c[nc].sql = "SELECT rowid FROM items WHERE kind = :kind AND assignee = :fa";
        c[nc++].n = tally(q->st, q->kind, NULL, q->assignee, NULL, NULL, NULL);
    }
    if (q->scope_a[0]) {
        c[nc].sql = "SELECT rowid FROM items WHERE kind = :kind AND assignee = :sa";
        c[nc++].n = tally(q->st, q->kind, NULL, q->scope_a, NULL, NULL, NULL);
    }
    if (q->scope_t[0]) {
        c[nc].sql = "SELECT rowid FROM items WHERE kind = :kind AND team = :stm";
        c[nc++].n = tally(q->st, q->kind, q->scope_t, NULL, NULL, NULL, NULL);
    }
    /* With the default thresholds, scaled to the queue: a candidate set
     * near the whole kind is no shortcut (queue_store.h) */
    int64_t wide = q->filter_cap > q->cap ? q->filter_cap : q->cap;
    if (q->auto_caps) {
        int64_t all = tally(q->st, q->kind, NULL, NULL, NULL, NULL, NULL);
        if (all < 0)
            return -1;
        int64_t set_max = isqrt(all), walk_max = isqrt(1000 * all);
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
    if (q->overdue_only) {
        c[nc].sql = "SELECT rowid FROM items INDEXED BY items_q_due"
                    " WHERE kind = :kind AND due_key < :now";
        c[nc].n = count_upto(q, c[nc].sql, limit, now);
        nc++;
    }
    char *search = NULL;
    int64_t search_n = 0;
    if (q->searching) {
        search = search_driver(q, limit, now, &search_n);
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
    q->driver = c[best].sql == search ? search : strdup(c[best].sql);
    if (c[best].sql != search)
        free(search);
    return q->driver ? 0 : -1;
}

int nx_qs_open(nx_store *s, const nx_qs_spec *spec, int64_t now, nx_qs **out,
               char *err, size_t errlen)
{
    *out = NULL;
    if ((unsigned)spec->sort >= NX_QS_SORT_COUNT)
        return nx_err(err, errlen, "unknown sort");
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
    copy_str(q->kind, sizeof q->kind, spec->kind);
    copy_str(q->scope_a, sizeof q->scope_a, spec->scope_assignee);
    copy_str(q->scope_t, sizeof q->scope_t, spec->scope_team);
    copy_str(q->status, sizeof q->status, spec->status);
    copy_str(q->assignee, sizeof q->assignee, spec->assignee);
    for (int i = 0; i < NX_QS_FINALS_MAX && spec->finals[i]; i++) {
        if (!(q->finals[i] = strdup(spec->finals[i])))
            goto oom;
        q->nfinals++;
    }
    for (int i = 0; i < NX_QS_ORDER_MAX && spec->status_order[i]; i++) {
        if (!(q->order[i] = strdup(spec->status_order[i])))
            goto oom;
        q->norder++;
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
        ascii_lower(q->ql);
        q->q_has_hi = prefix_end(q->q, q->q_hi, sizeof q->q_hi);
        q->ql_has_hi = prefix_end(q->ql, q->ql_hi, sizeof q->ql_hi);
        q->nv_n = nx_fold_variants(q->q, q->nv[0], sizeof q->nv[0], NX_FOLD_VARIANTS_MAX,
                                   &q->nv_whole);
        if (q->nv_n < 1) {
            nx_qs_close(q);
            return nx_err(err, errlen, "search text too long");
        }
        for (int v = 0; v < q->nv_n; v++)
            q->nv_has_hi[v] = prefix_end(q->nv[v], q->nv_hi[v], sizeof q->nv_hi[v]);
        if (nx_fold_register(s->db) != 0)
            goto fail;
        q->search_patient = !!spec->search_patient;
        q->search_payer = !!spec->search_payer;
        what = "search the queue";
        if (collect_hits(q, "status", &q->h_status) != 0 ||
            collect_hits(q, "assignee", &q->h_assignee) != 0 ||
            (q->search_payer && collect_hits(q, "payer_sort", &q->h_payer) != 0))
            goto fail;
    }
    if ((q->overdue_only &&
         present_statuses(s, q->kind, (const char *const *)q->finals, &q->open_st) != 0) ||
        exact_arms(q) != 0 || choose_plan(q, now) != 0)
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
    for (int r = 0; r < 2; r++)
        for (int a = 0; a < 3; a++)
            sqlite3_finalize(q->page[r][a]);
    for (int i = 0; i < q->nfinals; i++)
        free(q->finals[i]);
    for (int i = 0; i < q->norder; i++)
        free(q->order[i]);
    hits_free(&q->h_status);
    hits_free(&q->h_assignee);
    hits_free(&q->h_payer);
    hits_free(&q->open_st);
    free(q->driver);
    free(q->count_driver);
    for (int i = 0; i < q->nexact; i++)
        free(q->exact[i]);
    free(q->exact_out);
    hits_free(&q->out_vals);
    free(q->pred);
    sodium_memzero(q, sizeof *q);
    free(q);
}

int nx_qs_plan(const nx_qs *q) { return q->plan; }
int nx_qs_exact_count(const nx_qs *q) { return q->exact_ok; }

/* ---- pages ---------------------------------------------------------------------------- */

/* FROM and the start of WHERE for the plan: the candidates or the index. */
static void add_source(const nx_qs *q, sb *b, int walk_index)
{
    if (q->plan == PLAN_SET)
        sb_add(b, " FROM items AS i NOT INDEXED");
    else if (walk_index)
        sb_addf(b, " FROM items AS i INDEXED BY %s", index_of[q->sort]);
    else
        sb_add(b, " FROM items AS i");
}

static void add_where(const nx_qs *q, sb *b)
{
    sb_add(b, " WHERE ");
    if (q->plan != PLAN_WALK) {
        sb_add(b, "i.rowid IN (");
        sb_add(b, q->driver);
        sb_add(b, ") AND ");
    }
    sb_add(b, q->pred);
}

static void add_anchor(const nx_qs *q, sb *b, int reversed, int anchor)
{
    if (anchor)
        sb_addf(b, " AND (%s) %s %s", keys_of[q->sort],
                reversed ? (anchor == 2 ? "<=" : "<") : (anchor == 2 ? ">=" : ">"),
                anchor_of[q->sort]);
}

/* The status sort reads one status at a time (status_page). */
static void add_one_status(const nx_qs *q, sb *b)
{
    if (q->sort == NX_QS_STATUS)
        sb_add(b, " AND i.status = :sst");
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
    sb_addf(&b, "SELECT i.id, i.status, i.assignee, i.priority, i.due, i.due_key, i.prio_key, %s,"
                " p.family_name, p.given_name, p.payer",
            text_of[q->sort]);
    sb_add(&b, q->with_sd ? ", i.service_date, c.tz" : ", NULL, NULL");
    if (q->plan == PLAN_SET) {
        sb_add(&b, " FROM (SELECT i.rowid AS r");
        add_source(q, &b, 1);
        add_where(q, &b);
        add_one_status(q, &b);
        add_anchor(q, &b, reversed, anchor);
        sb_addf(&b, " ORDER BY %s LIMIT :lim) AS top CROSS JOIN items AS i ON i.rowid = top.r",
                order_of[q->sort][reversed]);
    } else {
        add_source(q, &b, 1);
    }
    sb_add(&b, " LEFT JOIN patients AS p ON p.id = i.patient_id");
    if (q->with_sd)
        sb_add(&b, " LEFT JOIN clients AS c ON c.id = i.client_id");
    if (q->plan != PLAN_SET) {
        add_where(q, &b);
        add_one_status(q, &b);
        add_anchor(q, &b, reversed, anchor);
    }
    sb_addf(&b, " ORDER BY %s", order_of[q->sort][reversed]);
    if (q->plan != PLAN_SET)
        sb_add(&b, " LIMIT :lim");
    if (!b.oom)
        sqlite3_prepare_v2(q->st->db, b.s, -1, slot, NULL);
    free(b.s);
    return *slot;
}

/* Steps st (bound) and hands its rows to cb, counting them in *n:
 * SQLITE_DONE, SQLITE_ABORT when cb stopped, or an error. Resets st. */
static int page_rows(sqlite3_stmt *st, nx_qs_row_cb cb, void *ctx, int *n)
{
    int rc;
    nx_qs_row r;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        memset(&r, 0, sizeof r);
        r.id = col_text(st, 0);
        r.status = col_text(st, 1);
        r.assignee = col_text(st, 2);
        r.priority = sqlite3_column_int(st, 3);
        r.due = sqlite3_column_type(st, 4) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 4);
        r.key.due_key = sqlite3_column_int64(st, 5);
        r.key.prio_key = sqlite3_column_int64(st, 6);
        const char *text = col_text(st, 7);
        r.family = col_text(st, 8);
        r.given = col_text(st, 9);
        r.payer = col_text(st, 10);
        r.service_date = col_text(st, 11);
        r.tz = col_text(st, 12);
        /* a key cut short would page from the wrong place: refuse it */
        if (strlen(text) >= sizeof r.key.text || strlen(r.id) >= sizeof r.key.id) {
            rc = SQLITE_TOOBIG;
            break;
        }
        memcpy(r.key.text, text, strlen(text) + 1);
        memcpy(r.key.id, r.id, strlen(r.id) + 1);
        int stop = cb(ctx, &r);
        sodium_memzero(&r.key, sizeof r.key);
        if (stop) {
            rc = SQLITE_ABORT;
            break;
        }
        (*n)++;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

static void bind_anchor(sqlite3_stmt *st, const nx_qs_key *anchor)
{
    bind_named_int(st, ":cd", anchor->due_key);
    bind_named_int(st, ":cp", anchor->prio_key);
    bind_named_text(st, ":ct", anchor->text);
    bind_named_text(st, ":cid", anchor->id);
}

/* Where status a comes in the status sort against b: the workflow's
 * order (q->order), then statuses it does not name, by name. */
static int status_cmp(const nx_qs *q, const char *a, const char *b)
{
    int ra = q->norder, rb = q->norder;
    for (int i = 0; i < q->norder; i++) {
        if (strcmp(q->order[i], a) == 0)
            ra = i;
        if (strcmp(q->order[i], b) == 0)
            rb = i;
    }
    return ra != rb ? (ra < rb ? -1 : 1) : strcmp(a, b);
}

/* The statuses the status sort walks, in its order: the kind's statuses
 * present in the cache (queue_tally: read at each page, so a status that
 * appears while the queue is open is listed), or the filter's one. */
static int status_sequence(const nx_qs *q, hits *out)
{
    static const char *const none[1] = { NULL };
    if (q->status[0])
        return hits_add(out, q->status);
    if (present_statuses(q->st, q->kind, none, out) != 0)
        return -1;
    for (int i = 1; i < out->n; i++)   /* insertion sort: a handful */
        for (int j = i; j > 0 && status_cmp(q, out->v[j - 1], out->v[j]) > 0; j--) {
            char *t = out->v[j];
            out->v[j] = out->v[j - 1];
            out->v[j - 1] = t;
        }
    return 0;
}

/* The status sort: the statuses in workflow order, each one range of
 * the sort's index (its items by due time), the anchor's own status from
 * the anchor, the ones after it whole. An anchor whose status no item
 * has any more starts at the first status after where it would be. */
static int status_page(nx_qs *q, int reversed, const nx_qs_key *anchor, int inclusive, int max,
                       int64_t now, nx_qs_row_cb cb, void *ctx)
{
    hits seq = { 0 };
    if (status_sequence(q, &seq) != 0) {
        hits_free(&seq);
        return -1;
    }
    int step = reversed ? -1 : 1, k = reversed ? seq.n - 1 : 0, anchored = 0;
    if (anchor) {
        /* the first status not before the anchor's, in the walk's direction */
        while (k >= 0 && k < seq.n && status_cmp(q, seq.v[k], anchor->text) * step < 0)
            k += step;
        anchored = k >= 0 && k < seq.n && strcmp(seq.v[k], anchor->text) == 0;
    }
    int n = 0, rc = SQLITE_DONE;
    for (; rc == SQLITE_DONE && n < max && k >= 0 && k < seq.n; k += step, anchored = 0) {
        sqlite3_stmt *st = page_stmt(q, reversed, anchored ? (inclusive ? 2 : 1) : 0);
        if (!st) {
            rc = SQLITE_ERROR;
            break;
        }
        bind_common(q, st, now);
        bind_named_int(st, ":lim", max - n);
        bind_named_text(st, ":sst", seq.v[k]);
        if (anchored)
            bind_anchor(st, anchor);
        rc = page_rows(st, cb, ctx, &n);
    }
    hits_free(&seq);
    return rc == SQLITE_DONE ? n : -1;
}

int nx_qs_page(nx_qs *q, int backward, const nx_qs_key *anchor, int inclusive, int max,
               int64_t now, nx_qs_row_cb cb, void *ctx)
{
    if (max <= 0)
        return 0;
    int reversed = (!!backward) ^ q->descending;
    if (q->sort == NX_QS_STATUS)
        return status_page(q, reversed, anchor, inclusive, max, now, cb, ctx);
    sqlite3_stmt *st = page_stmt(q, reversed, anchor ? (inclusive ? 2 : 1) : 0);
    if (!st)
        return -1;
    bind_common(q, st, now);
    bind_named_int(st, ":lim", max);
    if (anchor)
        bind_anchor(st, anchor);
    int n = 0;
    return page_rows(st, cb, ctx, &n) == SQLITE_DONE ? n : -1;
}

int64_t nx_qs_count(nx_qs *q, int64_t now, int64_t at_most)
{
    if (!q->searching && !q->overdue_only) {
        int64_t n = tally(q->st, q->kind, q->scope_t, q->scope_a, q->assignee, q->status, NULL);
        return at_most > 0 && n > at_most ? at_most : n;
    }
    if (q->exact_ok)
        return exact_count(q, now, at_most);
    sb b = {0};
    sb_add(&b, "SELECT count(*) FROM (SELECT 1");
    if (q->count_driver) {
        /* the candidates, each tested: their table rows only */
        sb_add(&b, " FROM items AS i NOT INDEXED WHERE i.rowid IN (");
        sb_add(&b, q->count_driver);
        sb_add(&b, ") AND ");
        sb_add(&b, q->pred);
    } else {
        add_source(q, &b, 0);
        add_where(q, &b);
    }
    sb_add(&b, at_most > 0 ? " LIMIT :most)" : ")");
    int64_t n = -1;
    sqlite3_stmt *st = NULL;
    if (!b.oom && sqlite3_prepare_v2(q->st->db, b.s, -1, &st, NULL) == SQLITE_OK) {
        bind_common(q, st, now);
        bind_named_int(st, ":most", at_most);
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    free(b.s);
    return n;
}

int nx_qs_key_of(nx_qs *q, const char *id, nx_qs_key *out)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT i.due_key, i.prio_key, %s, i.id FROM items AS i"
             " WHERE i.id = ?1 AND i.kind = ?2", text_of[q->sort]);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(q->st->db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, q->kind, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st), found = 0;
    if (rc == SQLITE_ROW) {
        const char *text = col_text(st, 2), *rid = col_text(st, 3);
        if (strlen(text) < sizeof out->text && strlen(rid) < sizeof out->id) {
            memset(out, 0, sizeof *out);
            out->due_key = sqlite3_column_int64(st, 0);
            out->prio_key = sqlite3_column_int64(st, 1);
            memcpy(out->text, text, strlen(text) + 1);
            memcpy(out->id, rid, strlen(rid) + 1);
            found = 1;
        } else {
            rc = SQLITE_TOOBIG;
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? found : rc == SQLITE_DONE ? 0 : -1;
}

/* ---- dashboard counts -------------------------------------------------------------- */

/* The per-zone conditions: "(clients of zone z AND <its window>) OR ...". */
static void add_zones(sb *b, const nx_qs_count_spec *c)
{
    sb_add(b, " AND (");
    for (int z = 0; z < c->nzones; z++) {
        const nx_qs_zone *zn = &c->zones[z];
        sb_add(b, z ? " OR (" : "(");
        if (zn->tz)
            sb_addf(b, "i.client_id IN (SELECT id FROM clients WHERE tz = :z%d) AND ", z);
        if (c->by_service_date) {
            sb_add(b, "i.service_date IN (");
            for (int d = 0; zn->dates[d]; d++)
                sb_addf(b, "%s:d%d_%d", d ? ", " : "", z, d);
            sb_add(b, zn->dates[0] ? ")" : "NULL)");
        } else {
            sb_addf(b, "i.due_key >= :lo%d AND i.due_key < :hi%d", z, z);
        }
        sb_add(b, ")");
    }
    sb_add(b, ")");
}

/* The time-bound count's statement. how: COUNT_SCOPED as the spec says;
 * COUNT_UNSCOPED without the own scope (items_q_status covers every
 * condition: no table row is read); COUNT_OUTSIDE only the rows of the
 * assignees in out (the own scope's complement: few, read from the
 * table). */
enum { COUNT_SCOPED, COUNT_UNSCOPED, COUNT_OUTSIDE };

static int64_t count_bound(nx_store *s, const nx_qs_count_spec *c, const hits *open,
                           const hits *out, int how, int64_t lo, int64_t hi)
{
    int own = c->scope_assignee && *c->scope_assignee && how == COUNT_SCOPED;
    sb b = {0};
    if (c->by_service_date) {
        sb_add(&b, "SELECT count(*) FROM items AS i INDEXED BY items_q_visit WHERE i.kind = :kind"
                   " AND i.service_date IS NOT NULL AND i.service_date IN (");
        int k = 0;
        for (int z = 0; z < c->nzones; z++)
            for (int d = 0; c->zones[z].dates[d]; d++)
                sb_addf(&b, "%s:d%d_%d", k++ ? ", " : "", z, d);
        sb_add(&b, k ? ")" : "NULL)");
    } else {
        /* items_assignee has due, not due_key: the same for a bounded range */
        int by_assignee = own || how == COUNT_OUTSIDE;
        sb_addf(&b, "SELECT count(*) FROM items AS i INDEXED BY %s WHERE i.kind = :kind%s",
                by_assignee ? "items_assignee" : c->scope_team && *c->scope_team ? "items_q_team"
                : "items_q_status", by_assignee ? " AND i.due >= :lo AND i.due < :hi"
                                                : " AND i.due_key >= :lo AND i.due_key < :hi");
    }
    if (own)
        sb_add(&b, " AND i.assignee = :sa");
    if (how == COUNT_OUTSIDE) {
        sb_add(&b, " AND ");
        add_in_list(&b, "i.assignee", "xs", out);
    }
    if (c->scope_team && *c->scope_team)
        sb_add(&b, " AND i.team = :stm");
    if (c->assignee && *c->assignee)
        sb_add(&b, " AND i.assignee = :fa");
    sb_add(&b, " AND ");
    add_in_list(&b, "i.status", "os", open);
    if (c->nzones)
        add_zones(&b, c);
    int64_t n = -1;
    sqlite3_stmt *st = NULL;
    if (!b.oom && sqlite3_prepare_v2(s->db, b.s, -1, &st, NULL) == SQLITE_OK) {
        char name[32];
        bind_named_text(st, ":kind", c->kind);
        bind_named_text(st, ":sa", c->scope_assignee);
        bind_named_text(st, ":stm", c->scope_team);
        bind_named_text(st, ":fa", c->assignee);
        bind_named_int(st, ":lo", lo);
        bind_named_int(st, ":hi", hi);
        bind_list(st, "os", open);
        if (out)
            bind_list(st, "xs", out);
        for (int z = 0; z < c->nzones; z++) {
            snprintf(name, sizeof name, ":z%d", z);
            bind_named_text(st, name, c->zones[z].tz);
            snprintf(name, sizeof name, ":lo%d", z);
            bind_named_int(st, name, c->zones[z].due_lo);
            snprintf(name, sizeof name, ":hi%d", z);
            bind_named_int(st, name, c->zones[z].due_hi);
            for (int d = 0; c->zones[z].dates[d]; d++) {
                snprintf(name, sizeof name, ":d%d_%d", z, d);
                bind_named_text(st, name, c->zones[z].dates[d]);
            }
        }
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    free(b.s);
    return n;
}

int64_t nx_qs_count_items(nx_store *s, const nx_qs_count_spec *c)
{
    if (!c->due_range && !c->nzones)
        return tally(s, c->kind, c->scope_team, c->scope_assignee, c->assignee, NULL, c->excluded);
    /* Time-bound: an IN list of the statuses counted, so that each is a
     * range of due_key in the scope's covering index; for service dates,
     * a list of dates in items_q_visit (covering too). */
    hits open = {0};
    if (present_statuses(s, c->kind, c->excluded, &open) != 0)
        return -1;
    if (!open.n) {
        hits_free(&open);
        return 0;
    }
    int64_t lo = c->due_lo, hi = c->due_hi;
    for (int z = 0; z < c->nzones && !c->by_service_date; z++) {
        if (z == 0 || c->zones[z].due_lo < lo)
            lo = c->zones[z].due_lo;
        if (z == 0 || c->zones[z].due_hi > hi)
            hi = c->zones[z].due_hi;
    }
    /* The own scope: items_assignee has no status, so each entry in the
     * range would cost a table row (a dashboard of 100 000 items: tens of
     * thousands). An agent's laptop holds the agent's items and few
     * others: all of them are counted from items_q_status, and the few
     * others' rows taken away. */
    int64_t n = -1;
    int own = c->scope_assignee && *c->scope_assignee;
    if (own && !c->by_service_date && !(c->scope_team && *c->scope_team) &&
        !(c->assignee && *c->assignee)) {
        hits out = {0};
        int64_t out_n = 0;
        int r = outside_of(s, c->kind, c->scope_assignee, NULL, &out, &out_n);
        if (r > 0 && (out_n == 0 || out.n > 0)) {
            int64_t all = count_bound(s, c, &open, NULL, COUNT_UNSCOPED, lo, hi);
            int64_t others = out.n ? count_bound(s, c, &open, &out, COUNT_OUTSIDE, lo, hi) : 0;
            n = all < 0 || others < 0 ? -1 : all - others;
        } else if (r >= 0) {
            /* too many others: each entry of the scope is read */
            n = count_bound(s, c, &open, NULL, COUNT_SCOPED, lo, hi);
        }
        hits_free(&out);
        hits_free(&open);
        return n;
    }
    n = count_bound(s, c, &open, NULL, COUNT_SCOPED, lo, hi);
    hits_free(&open);
    return n;
}

int nx_qs_client_zones(nx_store *s, char (*tz)[64], int max)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT DISTINCT tz FROM clients ORDER BY tz", -1, &st, NULL))
        return -1;
    int n = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n < max)
            copy_str(tz[n], sizeof tz[n], col_text(st, 0));
        n++;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? n : -1;
}
