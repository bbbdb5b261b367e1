/* The work queues' SQL: building its text, binding its parameters, and
 * queue_tally, the items per (kind, team, assignee, status) that the
 * migrations keep by triggers (queue_store_int.h). */
#include "store/queue_store_int.h"
#include "util/util.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a small string builder for SQL text ---------------------------------- */

void qs_sb_add(sb *b, const char *t)
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

void qs_sb_addf(sb *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    qs_sb_add(b, tmp);
}

int64_t qs_isqrt(int64_t v)   /* Newton's method, for v >= 0 */
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

void qs_copy_str(char *dst, size_t len, const char *src)
{
    snprintf(dst, len, "%s", src ? src : "");
}

const char *qs_col_text(sqlite3_stmt *st, int i)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    return t ? t : "";
}

/* A-Z -> a-z only: the same folding as SQLite's lower() in the sort keys. */
void qs_ascii_lower(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

/* The smallest string greater than every string that starts with s: s with
 * its last byte raised by one (bytes 0xFF, never in UTF-8, dropped first).
 * 0 when there is none (every string starts with s). */
int qs_prefix_end(const char *s, char *out, size_t outlen)
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

int qs_hits_add(hits *h, const char *v)
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

void qs_hits_free(hits *h)
{
    for (int i = 0; i < h->n; i++) {
        sodium_memzero(h->v[i], strlen(h->v[i]));
        free(h->v[i]);
    }
    free(h->v);
    memset(h, 0, sizeof *h);
}

void qs_bind_named_text(sqlite3_stmt *st, const char *name, const char *v)
{
    int i = sqlite3_bind_parameter_index(st, name);
    if (i)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

void qs_bind_named_int(sqlite3_stmt *st, const char *name, int64_t v)
{
    int i = sqlite3_bind_parameter_index(st, name);
    if (i)
        sqlite3_bind_int64(st, i, v);
}

void qs_bind_list(sqlite3_stmt *st, const char *pfx, const hits *h)
{
    char name[24];
    for (int i = 0; i < h->n; i++) {
        snprintf(name, sizeof name, ":%s%d", pfx, i);
        qs_bind_named_text(st, name, h->v[i]);
    }
}

int nx_qs_kind_no(const char *kind)
{
    /* migration 17's CASE and store_int.h NX_KIND_NO_OF, in their order
     * (test store/every_kind_has_its_own_number_...: they agree) */
    static const char *const names[] = { "scheduling", "eligibility", "prior-auth", "roi" };
    for (int i = 0; kind && i < (int)(sizeof names / sizeof names[0]); i++)
        if (strcmp(kind, names[i]) == 0)
            return i + 1;
    return 0;
}

int nx_qs_kind_has_payer(const char *kind)
{
    int k = nx_qs_kind_no(kind);
    return k == 2 || k == 3;   /* store_int.h NX_PAYER_KINDS_TERM */
}

/* Binds every parameter the queue's SQL may name that st has. */
void qs_bind_common(const nx_qs *q, sqlite3_stmt *st, int64_t now)
{
    qs_bind_named_text(st, ":kind", q->kind);
    qs_bind_named_int(st, ":kn", nx_qs_kind_no(q->kind));
    qs_bind_named_text(st, ":sa", q->scope_a);
    qs_bind_named_text(st, ":stm", q->scope_t);
    qs_bind_named_text(st, ":fs", q->status);
    qs_bind_named_text(st, ":fa", q->assignee);
    qs_bind_named_int(st, ":now", now);
    qs_bind_list(st, "os", &q->open_st);
    qs_bind_list(st, "xs", &q->out_vals);
    qs_bind_list(st, "as", &q->arms);
    if (!q->searching)
        return;
    qs_bind_named_text(st, ":q", q->q);
    qs_bind_named_text(st, ":q_hi", q->q_hi);
    qs_bind_named_text(st, ":ql", q->ql);
    qs_bind_named_text(st, ":ql_hi", q->ql_hi);
    char name[24];
    for (int i = 0; i < q->nv_n; i++) {
        snprintf(name, sizeof name, ":nv%d", i);
        qs_bind_named_text(st, name, q->nv[i]);
        snprintf(name, sizeof name, ":nvh%d", i);
        qs_bind_named_text(st, name, q->nv_hi[i]);
    }
    qs_bind_list(st, "hs", &q->h_status);
    qs_bind_list(st, "ha", &q->h_assignee);
    qs_bind_list(st, "hp", &q->h_payer);
}

void qs_add_scope_tests(sb *b, int by_number, const char *plus, int sa, int stm, int fa)
{
    if (!sa && !stm && !fa)
        return;
    const char *col = by_number ? " AND " : " AND i.";
    if (by_number)
        qs_sb_addf(b, " AND %si.scope_no IN (SELECT no FROM item_scopes WHERE 1", plus);
    if (sa)
        qs_sb_addf(b, "%sassignee = :sa", col);
    if (stm)
        qs_sb_addf(b, "%steam = :stm", col);
    if (fa)
        qs_sb_addf(b, "%sassignee = :fa", col);
    if (by_number)
        qs_sb_add(b, ")");
}

void qs_add_in_list(sb *b, const char *col, const char *pfx, const hits *h)
{
    qs_sb_addf(b, "%s IN (", col);
    for (int i = 0; i < h->n; i++)
        qs_sb_addf(b, "%s:%s%d", i ? ", " : "", pfx, i);
    qs_sb_add(b, ")");
}

/* count(*) of sql's rows, stopping at limit (> 0). */
int64_t qs_count_upto(nx_qs *q, const char *sql, int64_t limit, int64_t now)
{
    sb b = {0};
    qs_sb_add(&b, "SELECT count(*) FROM (");
    qs_sb_add(&b, sql);
    return qs_count_close(q, &b, limit, now);
}

int64_t qs_count_close(nx_qs *q, sb *b, int64_t at_most, int64_t now)
{
    qs_sb_add(b, at_most > 0 ? " LIMIT :most)" : ")");
    int64_t n = -1;
    sqlite3_stmt *st = NULL;
    if (!b->oom && sqlite3_prepare_v2(q->st->db, b->s, -1, &st, NULL) == SQLITE_OK) {
        qs_bind_common(q, st, now);
        qs_bind_named_int(st, ":most", at_most);
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    free(b->s);
    b->s = NULL;
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

int64_t qs_tally(nx_store *st, const char *kind, const char *team, const char *assignee1,
                 const char *assignee2, const char *status, const char *const *excluded)
{
    sb b = {0};
    qs_sb_add(&b, "SELECT coalesce(sum(n), 0) FROM queue_tally WHERE kind = ?1");
    const char *vals[4 + NX_QS_FINALS_MAX];
    int nv = 1;
    vals[0] = kind;
    const char *cols[] = { "team", "assignee", "assignee", "status" };
    const char *given[] = { team, assignee1, assignee2, status };
    for (int i = 0; i < 4; i++)
        if (given[i] && *given[i]) {
            qs_sb_addf(&b, " AND %s = ?%d", cols[i], nv + 1);
            vals[nv++] = given[i];
        }
    if (excluded && excluded[0]) {
        qs_sb_add(&b, " AND status NOT IN (");
        for (int i = 0; i < NX_QS_FINALS_MAX && excluded[i]; i++) {
            qs_sb_addf(&b, "%s?%d", i ? ", " : "", nv + 1);
            vals[nv++] = excluded[i];
        }
        qs_sb_add(&b, ")");
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
int qs_present_statuses(nx_store *st, const char *kind, const char *const *excluded,
                        hits *out)
{
    sqlite3_stmt *stmt = NULL;
    int rc = qs_present_statuses_kept(st, &stmt, kind, excluded, out);
    sqlite3_finalize(stmt);
    return rc;
}

int qs_present_statuses_kept(nx_store *st, sqlite3_stmt **kept, const char *kind,
                             const char *const *excluded, hits *out)
{
    if (!*kept && sqlite3_prepare_v2(st->db, "SELECT DISTINCT status FROM queue_tally"
                                     " WHERE kind = ?1 AND n > 0 ORDER BY status", -1, kept,
                                     NULL))
        return -1;
    sqlite3_stmt *stmt = *kept;
    sqlite3_bind_text(stmt, 1, kind, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *v = qs_col_text(stmt, 0);
        int skip = 0;
        for (int i = 0; i < NX_QS_FINALS_MAX && excluded[i]; i++)
            skip |= strcmp(v, excluded[i]) == 0;
        if (skip)
            continue;
        if (out->n >= HITS_MAX || qs_hits_add(out, v) != 0) {
            rc = SQLITE_NOMEM;
            break;
        }
    }
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return rc == SQLITE_DONE ? 0 : -1;
}
