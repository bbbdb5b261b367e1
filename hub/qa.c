/* hub/qa.c — QA sampling on the hub: the seed per (rule, period), drawn
 * at random on first use and stored (qa_seeds) with an audit event, and
 * the sample re-derived from that seed and the items the period completed,
 * so `nexus-hub qa sample` prints the same ids, byte for byte, every time
 * (issue 6; the rules and draws are core/domain/qa.c). Item ids and user
 * names only: nothing here reads a field value. */
#include "hub/qa.h"
#include "hub/qa_live.h"
#include "util/util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int nx_hub_qa_seed_get(nx_hub *h, const char *rule, const char *period,
                       unsigned char seed[NX_QA_SEED_BYTES])
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(nx_hub_db(h), "SELECT seed FROM qa_seeds WHERE rule = ?1 AND period = ?2",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, rule, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, period, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st), found = -1;
    if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == NX_QA_SEED_BYTES) {
        memcpy(seed, sqlite3_column_blob(st, 0), NX_QA_SEED_BYTES);
        found = 1;
    } else if (rc == SQLITE_DONE)
        found = 0;
    sqlite3_finalize(st);
    return found;
}

int nx_hub_qa_seed_ensure(nx_hub *h, const nx_qa_rule *r, const char *period,
                          unsigned char seed[NX_QA_SEED_BYTES], char *err, size_t errlen)
{
    int64_t s, e;
    if (!r || nx_qa_period_bounds(r, period, &s, &e) != 0)
        return nx_err(err, errlen, "not a period of rule %s", r ? r->name : "?");
    int f = nx_hub_qa_seed_get(h, r->name, period, seed);
    if (f != 0)
        return f == 1 ? 1 : nx_err(err, errlen, "cannot read the QA seed: %s", nx_hub_errmsg(h));
    randombytes_buf(seed, NX_QA_SEED_BYTES);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(nx_hub_db(h),
                           "INSERT INTO qa_seeds(rule, period, seed, created)"
                           " VALUES(?1, ?2, ?3, strftime('%s','now'))",
                           -1, &st, NULL) != SQLITE_OK)
        return nx_err(err, errlen, "cannot store the QA seed: %s", nx_hub_errmsg(h));
    sqlite3_bind_text(st, 1, r->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, period, -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(st, 3, seed, NX_QA_SEED_BYTES, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return nx_err(err, errlen, "cannot store the QA seed: %s", nx_hub_errmsg(h));
    char reason[96];
    snprintf(reason, sizeof reason, "QA seed drawn: rule %s period %s", r->name, period);
    nx_hub_event ev = { .action = NX_HUB_ACT_QA_SEED, .reason = reason };
    if (nx_hub_audit(h, &ev, err, errlen) != 0)
        return -1;
    return 0;
}

/* ---- candidates ----------------------------------------------------------------- */

typedef struct {
    char *id, *user, *team;
} cand;

typedef struct {
    cand *v;
    size_t n, cap;
} cands;

static void cands_free(cands *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->v[i].id);
        free(c->v[i].user);
        free(c->v[i].team);
    }
    free(c->v);
    memset(c, 0, sizeof *c);
}

static char *dup_col(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    return strdup(t ? (const char *)t : "");
}

/* The rule's candidates in [start, end), in item id order, each once (its
 * first event transition in the period). */
static int load(nx_hub *h, const nx_qa_rule *r, int64_t start, int64_t end, cands *out,
                char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(nx_hub_db(h),
                           "SELECT t.item_id, t.user, i.team, t.to_status"
                           " FROM transitions t JOIN items i ON i.id = t.item_id"
                           " WHERE i.kind = ?1 AND t.at >= ?2 AND t.at < ?3"
                           " ORDER BY t.item_id, t.at, t.id",
                           -1, &st, NULL) != SQLITE_OK)
        return nx_err(err, errlen, "cannot read transitions: %s", nx_hub_errmsg(h));
    sqlite3_bind_text(st, 1, nx_kind_name(r->kind), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, start);
    sqlite3_bind_int64(st, 3, end);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        const char *to = (const char *)sqlite3_column_text(st, 3);
        if (!id || !nx_qa_is_event(r, to))
            continue;
        if (out->n && strcmp(out->v[out->n - 1].id, id) == 0)
            continue;                   /* counted at its first event */
        if (out->n == out->cap) {
            size_t cap = out->cap ? out->cap * 2 : 64;
            cand *v = realloc(out->v, cap * sizeof *v);
            if (!v)
                break;
            out->v = v;
            out->cap = cap;
        }
        cand *c = &out->v[out->n];
        c->id = dup_col(st, 0);
        c->user = dup_col(st, 1);
        c->team = dup_col(st, 2);
        out->n++;
        if (!c->id || !c->user || !c->team)
            break;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return nx_err(err, errlen, "cannot read transitions (%s)",
                      rc == SQLITE_ROW ? "out of memory" : nx_hub_errmsg(h));
    return 0;
}

static int by_team(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    int c = strcmp(x->team, y->team);
    return c ? c : strcmp(x->id, y->id);
}

static int by_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Applies the rule to v[0..n) (one team, or all), appending the chosen
 * ids to picked. */
static int select_group(const nx_qa_rule *r, const unsigned char *seed, const cand *v, size_t n,
                        const char *reviewer, const char **picked, size_t *npicked)
{
    nx_qa_cand *qc = calloc(n ? n : 1, sizeof *qc);
    size_t *idx = calloc(n ? n : 1, sizeof *idx);
    if (!qc || !idx) {
        free(qc);
        free(idx);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        qc[i] = (nx_qa_cand){ v[i].id, v[i].user };
    size_t k = nx_qa_select(r, seed, qc, n, reviewer, idx);
    if (k != (size_t)-1)
        for (size_t i = 0; i < k; i++)
            picked[(*npicked)++] = v[idx[i]].id;
    free(qc);
    free(idx);
    return k == (size_t)-1 ? -1 : 0;
}

/* The sample of rule r in [start, end) with seed (see nx_hub_qa_sample). */
static int sample_with(nx_hub *h, const nx_qa_rule *r, int64_t start, int64_t end,
                       const unsigned char *seed, const char *reviewer, nx_hub_id_cb cb,
                       void *arg, size_t *candidates, char *err, size_t errlen)
{
    cands c = { 0 };
    int rc = load(h, r, start, end, &c, err, errlen);
    const char **picked = rc ? NULL : calloc(c.n ? c.n : 1, sizeof *picked);
    size_t np = 0;
    if (!rc && !picked)
        rc = nx_err(err, errlen, "%s", "out of memory");
    if (!rc && r->per_team) {
        qsort(c.v, c.n, sizeof *c.v, by_team);
        for (size_t i = 0; !rc && i < c.n;) {
            size_t j = i;
            while (j < c.n && strcmp(c.v[j].team, c.v[i].team) == 0)
                j++;
            rc = select_group(r, seed, c.v + i, j - i, reviewer, picked, &np);
            i = j;
        }
    } else if (!rc)
        rc = select_group(r, seed, c.v, c.n, reviewer, picked, &np);
    if (rc && picked)                   /* select_group: load and calloc set err */
        rc = nx_err(err, errlen, "%s", "out of memory");
    if (!rc) {
        qsort(picked, np, sizeof *picked, by_str);
        for (size_t i = 0; !rc && i < np; i++)
            rc = cb(arg, picked[i]);
    }
    if (candidates)
        *candidates = c.n;
    free(picked);
    cands_free(&c);
    return rc;
}

static const nx_qa_rule *rule_period(const char *rule, const char *period, int64_t *start,
                                     int64_t *end, char *err, size_t errlen)
{
    const nx_qa_rule *r = nx_qa_rule_find(rule);
    if (!r) {
        nx_err(err, errlen, "unknown QA rule '%s' (scheduling, eligibility, prior-auth, roi)",
               rule ? rule : "");
        return NULL;
    }
    if (nx_qa_period_bounds(r, period, start, end) != 0) {
        nx_err(err, errlen, "'%s' is not a period of rule %s (%s)", period ? period : "",
               r->name, r->span == NX_QA_MONTH ? "a month: 2026-11" : "an ISO week: 2026-W48");
        return NULL;
    }
    return r;
}

int nx_hub_qa_sample(nx_hub *h, const char *rule, const char *period, const char *reviewer,
                     nx_hub_id_cb cb, void *arg, size_t *candidates, char *err, size_t errlen)
{
    int64_t start, end;
    const nx_qa_rule *r = rule_period(rule, period, &start, &end, err, errlen);
    if (!r)
        return -1;
    unsigned char seed[NX_QA_SEED_BYTES];
    if (nx_hub_begin(h) != 0)
        return nx_err(err, errlen, "cannot start a transaction: %s", nx_hub_errmsg(h));
    if (nx_hub_qa_seed_ensure(h, r, period, seed, err, errlen) < 0) {
        nx_hub_rollback(h);
        return -1;
    }
    if (nx_hub_commit(h) != 0) {
        nx_hub_rollback(h);
        return nx_err(err, errlen, "cannot commit: %s", nx_hub_errmsg(h));
    }
    int rc = sample_with(h, r, start, end, seed, reviewer, cb, arg, candidates, err, errlen);
    sodium_memzero(seed, sizeof seed);
    return rc;
}

int nx_hub_qa_sample_in(nx_hub *h, const char *rule, const char *period, const char *reviewer,
                        nx_hub_id_cb cb, void *arg, size_t *candidates, char *err,
                        size_t errlen)
{
    int64_t start, end;
    const nx_qa_rule *r = rule_period(rule, period, &start, &end, err, errlen);
    if (!r)
        return -1;
    unsigned char seed[NX_QA_SEED_BYTES];
    int rc = nx_hub_qa_seed_ensure(h, r, period, seed, err, errlen) < 0
                 ? -1
                 : sample_with(h, r, start, end, seed, reviewer, cb, arg, candidates, err,
                               errlen);
    sodium_memzero(seed, sizeof seed);
    return rc;
}

/* ---- the command ------------------------------------------------------------- */

static int print_id(void *arg, const char *id)
{
    (void)arg;
    return puts(id) < 0 ? -1 : 0;
}

static int usage(const char *msg)
{
    fprintf(stderr, "nexus-hub qa: %s\n(run 'nexus-hub --help')\n", msg);
    return 2;
}

int nx_hub_qa_main(int argc, char **argv)
{
    if (argc >= 1 && strcmp(argv[0], "draw") == 0)
        return nx_hub_qa_draw_main(argc, argv);      /* hub/qa_live.c */
    if (argc < 1 || strcmp(argv[0], "sample") != 0)
        return usage("expected 'qa sample' or 'qa draw'");
    static const char *const names[] = { "--store", "--key-file", "--rule", "--period",
                                         "--reviewer" };
    enum { N = sizeof names / sizeof names[0] };
    const char *val[N] = { 0 };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *eq = strchr(a, '=');
        size_t nl = eq ? (size_t)(eq - a) : strlen(a);
        int k;
        for (k = 0; k < N; k++)
            if (strlen(names[k]) == nl && strncmp(names[k], a, nl) == 0)
                break;
        if (k == N)
            return usage("unknown option (qa sample --store DIR --rule R --period P [--reviewer U])");
        if (val[k])
            return usage("an option given twice");
        if (eq)
            val[k] = eq + 1;
        else if (i + 1 < argc)
            val[k] = argv[++i];
        else
            return usage("an option needs a value");
    }
    if (!val[0] || !val[2] || !val[3])
        return usage("--store, --rule and --period are required");
    char err[NX_HUB_ERR_MAX] = "";
    nx_hub *h;
    if (nx_hub_open(val[0], val[1], &h, err, sizeof err) != 0) {
        fprintf(stderr, "nexus-hub qa sample: %s\n", err);
        return 1;
    }
    int rc = nx_hub_qa_sample(h, val[2], val[3], val[4], print_id, NULL, NULL, err, sizeof err);
    nx_hub_close(h);
    if (fflush(stdout) != 0)
        rc = -1;
    if (rc) {
        fprintf(stderr, "nexus-hub qa sample: %s\n", err[0] ? err : "cannot write the sample");
        return 1;
    }
    return 0;
}
