/* A queue's search (queue_store_int.h): the values of a column that
 * contain the text, the search as terms on the row, its candidates from
 * the indexes, and counting its matches from index ranges alone. */
#include "store/queue_store_int.h"
#include "util/util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- search ------------------------------------------------------------------------ */

/* The columns whose values a search lists (qs_collect_hits), and the
 * prefixes of their parameters (qs_bind_common binds :hs0, :ha0, :hp0...),
 * in the order of hit_lists. */
static const char *const hit_col[3] = { "status", "assignee", "payer_sort" };
static const char *const hit_pfx[3] = { "hs", "ha", "hp" };

static void hit_lists(const nx_qs *q, const hits *hs[3])
{
    hs[0] = &q->h_status;
    hs[1] = &q->h_assignee;
    hs[2] = &q->h_payer;
}

/* Distinct values of one column of the queue's kind that contain the text
 * (nx_fold_contains: any case, any script): all
 * of them from queue_tally for status and assignee; for the payer by a
 * loose index scan, one seek per distinct value. */
int qs_collect_hits(nx_qs *q, const char *col, hits *h)
{
    char sql[256];
    int tallied = strcmp(col, "payer_sort") != 0;
    if (tallied)
        snprintf(sql, sizeof sql, "SELECT DISTINCT %s FROM queue_tally WHERE kind = ?1 AND n > 0"
                 " ORDER BY %s", col, col);
    else
        snprintf(sql, sizeof sql, "SELECT %s FROM items INDEXED BY items_q_payer WHERE kind_no = ?1"
                 " AND " NX_PAYER_KINDS_TERM " AND %s > ?2 ORDER BY %s LIMIT 1", col, col, col);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(q->st->db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (tallied)
        sqlite3_bind_text(st, 1, q->kind, -1, SQLITE_STATIC);
    else
        sqlite3_bind_int(st, 1, nx_qs_kind_no(q->kind));
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
        const char *v = qs_col_text(st, 0);
        if (++seen > HITS_MAX || strlen(v) + 1 >= sizeof prev) {
            /* too many to list, or too long to step past exactly: instr() */
            h->overflow = 1;
            break;
        }
        qs_copy_str(prev, sizeof prev, v);
        if (!tallied)
            sqlite3_reset(st);
        if (nx_fold_contains(prev, q->q) && qs_hits_add(h, prev) != 0) {
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
void qs_add_search_terms(const nx_qs *q, sb *b)
{
    int any = 0;
#define OR_NEXT() qs_sb_add(b, any++ ? " OR " : "")
    qs_sb_add(b, "(");
    if (!q->id_none) {
        OR_NEXT();
        qs_sb_add(b, q->q_has_hi ? "(i.id >= :q AND i.id < :q_hi)" : "i.id >= :q");
        if (strcmp(q->q, q->ql) != 0)
            qs_sb_add(b, q->ql_has_hi ? " OR (i.id >= :ql AND i.id < :ql_hi)" : " OR i.id >= :ql");
    }
    const hits *hs[3];
    hit_lists(q, hs);
    for (int k = 0; k < 3; k++) {
        if (k == 2 && !q->search_payer)
            continue;
        char col[32];
        snprintf(col, sizeof col, "i.%s", hit_col[k]);
        if (hs[k]->overflow) {
            OR_NEXT();
            qs_sb_addf(b, "nx_fold_contains(%s, :q)", col);
        } else if (hs[k]->n) {
            OR_NEXT();
            qs_add_in_list(b, col, hit_pfx[k], hs[k]);
        }
    }
    if (q->search_patient)
        for (int k = 0; k < 2; k++) {
            if (q->name_none[k])
                continue;
            const char *col = k ? "i.patient_given" : "i.patient_sort";
            OR_NEXT();
            qs_sb_add(b, "((");
            for (int v = 0; v < q->nv_n; v++) {
                qs_sb_addf(b, "%s(%s >= :nv%d", v ? " OR " : "", col, v);
                if (q->nv_has_hi[v])
                    qs_sb_addf(b, " AND %s < :nvh%d", col, v);
                qs_sb_add(b, ")");
            }
            qs_sb_add(b, ")");
            if (!q->nv_whole)
                qs_sb_addf(b, " AND nx_fold_prefix(%s, :q)", col);
            qs_sb_add(b, ")");
        }
#undef OR_NEXT
    qs_sb_add(b, any ? ")" : "0)");
}

/* The search's candidates: one covering index range or IN list per term,
 * their rowids joined by UNION ALL. *est gets how many (an upper bound,
 * counted no further than limit). NULL when a column has too many values
 * to list (instr() then, and no candidate set). */
char *qs_search_driver(nx_qs *q, int64_t limit, int64_t now, int64_t *est)
{
    if (q->h_status.overflow || q->h_assignee.overflow || (q->search_payer && q->h_payer.overflow))
        return NULL;
    enum { ARMS = 2 + 2 * NX_FOLD_VARIANTS_MAX };
    char arm[ARMS][256];
    int64_t n[ARMS] = {0};
    int na = 0, name_first;
    /* ids: this kind's (items_q_id: the range is this queue's ids only) */
    snprintf(arm[na++], sizeof arm[0], "SELECT rowid FROM items INDEXED BY items_q_id WHERE "
             "kind_no = :kn AND %s", q->q_has_hi ? "id >= :q AND id < :q_hi" : "id >= :q");
    if (strcmp(q->q, q->ql) != 0)
        snprintf(arm[na++], sizeof arm[0], "SELECT rowid FROM items INDEXED BY items_q_id "
                 "WHERE kind_no = :kn AND %s",
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
                snprintf(arm[na++], sizeof arm[0], "SELECT rowid FROM items WHERE kind_no = :kn"
                         " AND %s >= :nv%d%s", cols[k], v, hi);
            }
    }
    int64_t total = 0;
    /* status and assignee: counted exactly by the tally */
    for (int i = 0; i < q->h_status.n; i++)
        total += qs_tally(q->st, q->kind, NULL, NULL, NULL, q->h_status.v[i], NULL);
    for (int i = 0; i < q->h_assignee.n; i++)
        total += qs_tally(q->st, q->kind, NULL, q->h_assignee.v[i], NULL, NULL, NULL);
    sb b = {0};
    for (int i = 0; i < na; i++) {
        /* past the limit, whether the arm is empty is still worth one
         * probe: an empty one leaves the predicate (id_none, name_none) */
        int64_t upto = total < limit ? limit - total : 1;
        n[i] = qs_count_upto(q, arm[i], upto, now);
        if (n[i] < 0) {
            free(b.s);
            return NULL;
        }
        if (total < limit)
            total += n[i];
        if (n[i] == 0)
            continue;   /* an empty arm adds nothing */
        qs_sb_add(&b, b.len ? " UNION ALL " : "");
        qs_sb_add(&b, arm[i]);
    }
    const hits *hs[3];
    hit_lists(q, hs);
    for (int k = 0; k < 3; k++) {
        if ((k == 2 && !q->search_payer) || !hs[k]->n)
            continue;
        sb b2 = {0};
        qs_sb_add(&b2, "SELECT rowid FROM items WHERE kind_no = :kn AND ");
        qs_add_in_list(&b2, hit_col[k], hit_pfx[k], hs[k]);
        if (k == 2 && total < limit && !b2.oom) {
            int64_t c = qs_count_upto(q, b2.s, limit - total, now);
            total += c > 0 ? c : 0;
        }
        qs_sb_add(&b, b.len ? " UNION ALL " : "");
        qs_sb_add(&b, b2.oom ? "" : b2.s);
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
        qs_sb_add(&b, "SELECT rowid FROM items WHERE 0");
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

/* The assignees (own scope) or teams of the kind's items outside the
 * scope, from the tally, into out, and how many items they hold: 1 (out
 * may be empty), 0 when they hold more than NX_QS_DRIVER_CAP items or are
 * too many to list, -1 on error. Exactly one of scope_a, scope_t given. */
int qs_outside_of(nx_store *s, const char *kind, const char *scope_a, const char *scope_t,
                  hits *out, int64_t *out_n)
{
    int own = scope_a && *scope_a;
    int64_t all = qs_tally(s, kind, NULL, NULL, NULL, NULL, NULL);
    int64_t in = qs_tally(s, kind, scope_t, scope_a, NULL, NULL, NULL);
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
        if (out->n >= HITS_MAX || qs_hits_add(out, qs_col_text(st, 0)) != 0) {
            rc = SQLITE_NOMEM;
            break;
        }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return out->n >= HITS_MAX ? 0 : -1;
    return 1;
}

/* The kind's items outside the scope, when they are few (an agent's
 * laptop holds the agent's items, a supervisor's the team's, and little
 * else): their assignees or teams from the tally, and their rows as one
 * index's lists. 1 ready (or no scope), 0 too many, -1 on error. */
static int scope_outside(nx_qs *q)
{
    if (!q->scope_a[0] && !q->scope_t[0])
        return 1;
    if (q->scope_a[0] && q->scope_t[0])
        return 0;
    int r = qs_outside_of(q->st, q->kind, q->scope_a, q->scope_t, &q->out_vals, &q->out_n);
    if (r <= 0 || q->out_n == 0)
        return r;
    if (!q->out_vals.n)
        return 0;   /* the tally disagrees with itself: test each row */
    int own = q->scope_a[0] != '\0';
    sb b = {0};
    qs_sb_add(&b, own ? "SELECT rowid FROM items INDEXED BY items_assignee WHERE kind_no = :kn AND "
                   : "SELECT rowid FROM items INDEXED BY items_team WHERE kind_no = :kn AND ");
    qs_add_in_list(&b, own ? "assignee" : "team", "xs", &q->out_vals);
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
int qs_exact_arms(nx_qs *q)
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
    const hits *hs[3];
    hit_lists(q, hs);
    const char *head[] = {
        "SELECT rowid FROM items INDEXED BY items_q_status WHERE kind_no = :kn AND ",
        "SELECT rowid FROM items INDEXED BY items_assignee WHERE kind_no = :kn AND ",
        "SELECT rowid FROM items INDEXED BY items_q_payer WHERE kind_no = :kn AND "
        NX_PAYER_KINDS_TERM " AND ",
    };
    for (int k = 0; k < 3; k++) {
        if ((k == 2 && !q->search_payer) || !hs[k]->n)
            continue;
        sb a = {0};
        qs_sb_add(&a, head[k]);
        qs_add_in_list(&a, hit_col[k], hit_pfx[k], hs[k]);
        if (exact_add(q, &a) != 0)
            return -1;
    }
    static const char *const names[][2] = {
        { "items_q_patient", "patient_sort" }, { "items_q_given", "patient_given" },
    };
    for (int k = 0; q->search_patient && k < 2; k++)
        for (int v = 0; v < q->nv_n; v++) {
            sb a = {0};
            qs_sb_addf(&a, "SELECT rowid FROM items INDEXED BY %s WHERE kind_no = :kn AND %s >= :nv%d",
                    names[k][0], names[k][1], v);
            if (q->nv_has_hi[v])
                qs_sb_addf(&a, " AND %s < :nvh%d", names[k][1], v);
            if (exact_add(q, &a) != 0)
                return -1;
        }
    for (int k = 0; k < 2; k++) {
        if (k == 1 && strcmp(q->q, q->ql) == 0)
            break;
        sb a = {0};
        qs_sb_add(&a, "SELECT rowid FROM items INDEXED BY items_q_id WHERE kind_no = :kn AND ");
        qs_sb_add(&a, (k ? q->ql_has_hi : q->q_has_hi)
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
int64_t qs_exact_count(nx_qs *q, int64_t now, int64_t at_most)
{
    if (at_most > 0)
        for (int i = 0; i < q->nexact; i++) {
            int64_t n = qs_count_upto(q, q->exact[i], at_most + q->out_n, now);
            if (n < 0)
                return n;
            if (n >= at_most + q->out_n)
                return at_most;
        }
    sb b = {0};
    qs_sb_add(&b, "SELECT count(*) FROM (");
    for (int i = 0; i < q->nexact; i++) {
        qs_sb_add(&b, i ? " UNION " : "");
        qs_sb_add(&b, q->exact[i]);
    }
    if (q->exact_out) {
        qs_sb_add(&b, " EXCEPT ");
        qs_sb_add(&b, q->exact_out);
    }
    return qs_count_close(q, &b, at_most, now);
}
