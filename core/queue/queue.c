/* The work queue model: the role's view of one kind's items, a page at a
 * time (see queue.h). SQL lives in core/store/queue_store.c; here: policy,
 * masking, clocks, and the page buffer. */
#include "queue/queue.h"
#include "queue/queue_int.h"
#include "domain/deadlines.h"
#include "domain/workflow.h"
#include "util/util.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *nx_queue_sort_name(nx_queue_sort s)
{
    static const char *const names[NX_SORT_COUNT] = {
        "due", "priority", "status", "patient", "payer",
    };
    return (unsigned)s < NX_SORT_COUNT ? names[s] : "?";
}

/* ---- the page buffers ---------------------------------------------------------- */

static nx_queue_row *rows_alloc(int n)
{
    nx_queue_row *r = calloc((size_t)n, sizeof *r);
    /* best effort: keep decrypted rows out of swap (the limit may refuse) */
    if (r)
        (void)sodium_mlock(r, (size_t)n * sizeof *r);
    return r;
}

static void rows_free(nx_queue_row *r, int n)
{
    if (!r)
        return;
    sodium_memzero(r, (size_t)n * sizeof *r);
    (void)sodium_munlock(r, (size_t)n * sizeof *r);
    free(r);
}

static void fail(nx_queue *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(nx_queue *q, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(q->err, sizeof q->err, fmt, ap);
    va_end(ap);
}

/* ---- opening ------------------------------------------------------------------- */

int nx_queue_open(nx_session *s, nx_kind k, int page_rows, nx_queue **out,
                  char *err, size_t errlen)
{
    *out = NULL;
    if ((unsigned)k >= NX_KIND_COUNT)
        return nx_err(err, errlen, "unknown queue");
    if (page_rows < 1 || page_rows > NX_QUEUE_PAGE_MAX)
        return nx_err(err, errlen, "a page is 1 to %d rows", NX_QUEUE_PAGE_MAX);
    if (!nx_policy_allows(s->policy, s->role, NX_ACTION_VIEW))
        return nx_err(err, errlen, "your role (%s) may not view items", nx_role_name(s->role));
    nx_scope scope = nx_policy_scope(s->policy, s->role);
    if (scope == NX_SCOPE_NONE)
        return nx_err(err, errlen, "your role (%s) sees no items", nx_role_name(s->role));
    nx_queue *q = calloc(1, sizeof *q);
    if (!q)
        return nx_err(err, errlen, "out of memory");
    q->s = s;
    q->kind = k;
    q->scope = scope;
    q->page_rows = page_rows;
    q->page = rows_alloc(page_rows);
    q->spare = rows_alloc(page_rows);
    if (!q->page || !q->spare) {
        nx_queue_close(q);
        return nx_err(err, errlen, "out of memory");
    }
    q->f_family = nx_dict_find(s->dict, "family_name");
    q->f_given = nx_dict_find(s->dict, "given_name");
    q->f_payer = nx_dict_find(s->dict, "payer");
    q->patient_full = q->f_family && q->f_given &&
                      nx_policy_level(s->policy, s->role, q->f_family) == NX_LEVEL_FULL &&
                      nx_policy_level(s->policy, s->role, q->f_given) == NX_LEVEL_FULL;
    q->payer_shown = q->f_payer && (q->f_payer->kinds & NX_KIND_BIT(k));
    q->payer_full = q->payer_shown &&
                    nx_policy_level(s->policy, s->role, q->f_payer) == NX_LEVEL_FULL;
    nx_queue_finals(k, q->finals);
    if (k == NX_KIND_ELIGIBILITY) {
        if (nx_item_init(&q->risk_item, s->dict, k) != 0) {
            nx_queue_close(q);
            return nx_err(err, errlen, "out of memory");
        }
        q->has_risk_item = 1;
    }
    *out = q;
    return 0;
}

void nx_queue_close(nx_queue *q)
{
    if (!q)
        return;
    nx_qs_close(q->qs);
    rows_free(q->page, q->page_rows);
    rows_free(q->spare, q->page_rows);
    if (q->has_risk_item)
        nx_item_free(&q->risk_item);
    sodium_memzero(q, sizeof *q);
    free(q);
}

void nx_queue_finals(nx_kind k, const char **out)
{
    int n = 0;
    const nx_wf_machine *m = nx_workflow_machine(k);
    for (const char *const *st = m ? m->statuses : NULL; st && *st && n < NX_QS_FINALS_MAX; st++)
        if (nx_workflow_is_final(k, *st))
            out[n++] = *st;
    out[n] = NULL;
}

/* ---- sort and filter ----------------------------------------------------------- */

int nx_queue_sortable(const nx_queue *q, nx_queue_sort sort)
{
    switch (sort) {
    case NX_SORT_DUE: case NX_SORT_PRIORITY: case NX_SORT_STATUS: return 1;
    case NX_SORT_PATIENT: return q->patient_full;
    case NX_SORT_PAYER: return q->payer_full;
    default: return 0;
    }
}

static void empty_page(nx_queue *q)
{
    sodium_memzero(q->page, (size_t)q->page_rows * sizeof *q->page);
    q->n = 0;
}

static void reset_plan(nx_queue *q)
{
    nx_qs_close(q->qs);
    q->qs = NULL;
    empty_page(q);
}

int nx_queue_set_sort(nx_queue *q, nx_queue_sort sort, int descending)
{
    if (!nx_queue_sortable(q, sort)) {
        fail(q, "the %s column cannot be sorted for your role", nx_queue_sort_name(sort));
        return -1;
    }
    q->sort = sort;
    q->descending = !!descending;
    reset_plan(q);
    return 0;
}

static int valid_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3
                 : (*p & 0xF8) == 0xF0 ? 4 : 0;
        if (!n || (n == 2 && *p < 0xC2))
            return 0;
        for (size_t i = 1; i < n; i++)
            if ((p[i] & 0xC0) != 0x80)
                return 0;
        p += n;
    }
    return 1;
}

int nx_queue_set_filter(nx_queue *q, const nx_queue_filter *f)
{
    nx_queue_filter nf = {0};
    if (f) {
        memcpy(&nf, f, sizeof nf);
        nf.status[sizeof nf.status - 1] = '\0';
        nf.assignee[sizeof nf.assignee - 1] = '\0';
        nf.search[sizeof nf.search - 1] = '\0';
    }
    if (!valid_utf8(nf.search)) {
        sodium_memzero(&nf, sizeof nf);
        fail(q, "the search is not valid text");
        return -1;
    }
    sodium_memzero(&q->filter, sizeof q->filter);
    q->filter = nf;
    sodium_memzero(&nf, sizeof nf);
    reset_plan(q);
    return 0;
}

/* The store's view of the queue, planned at the first page after a change. */
static int plan(nx_queue *q)
{
    if (q->qs)
        return 0;
    nx_qs_spec sp = {
        .kind = nx_kind_name(q->kind),
        .sort = (nx_qs_sort)q->sort,
        .descending = q->descending,
        .scope_assignee = q->scope == NX_SCOPE_OWN ? q->s->user : NULL,
        .scope_team = q->scope == NX_SCOPE_TEAM ? q->s->team : NULL,
        .status = q->filter.status,
        .assignee = q->filter.assignee,
        .overdue_only = q->filter.overdue_only,
        .search = q->filter.search,
        .search_patient = q->patient_full,
        .search_payer = q->payer_full,
        .with_service_date = q->kind == NX_KIND_ELIGIBILITY,
        .driver_cap = q->driver_cap,
        .filter_cap = q->filter_cap,
        .merge_cap = q->merge_cap,
    };
    memcpy(sp.finals, q->finals, sizeof sp.finals);
    char err[256];
    if (nx_qs_open(q->s->profile->store, &sp, nx_session_now(q->s), &q->qs, err, sizeof err)) {
        fail(q, "%s", err);
        return -1;
    }
    return 0;
}

/* ---- one row, masked --------------------------------------------------------------- */

/* The store's key as the queue keeps it, and back: the same fields (and
 * sizes) on both sides, copied by one list. */
#define COPY_KEY(out, k)                                                                     \
    do {                                                                                     \
        _Static_assert(sizeof (out)->text == sizeof (k)->text, "key sizes differ");          \
        (out)->due_key = (k)->due_key;                                                       \
        (out)->prio_key = (k)->prio_key;                                                     \
        memcpy((out)->text, (k)->text, sizeof (out)->text);                                  \
        (out)->scope = (k)->scope;                                                           \
        (out)->seq = (k)->seq;                                                               \
    } while (0)

static void from_store_key(const nx_qs_key *k, nx_queue_key *out)
{
    COPY_KEY(out, k);
}

static void to_store_key(const nx_queue_key *k, nx_qs_key *out)
{
    COPY_KEY(out, k);
}

static int is_final(const nx_queue *q, const char *status)
{
    for (int i = 0; q->finals[i]; i++)
        if (strcmp(q->finals[i], status) == 0)
            return 1;
    return 0;
}

/* "Family, Given" as the role may see it; "" when both are hidden. */
static void mask_patient(const nx_queue *q, const nx_qs_row *r, char *out, size_t outlen)
{
    char given[NX_QUEUE_PATIENT_MAX];
    out[0] = given[0] = '\0';
    const nx_session *s = q->s;
    if (q->f_family)
        nx_mask(s->policy, s->role, q->f_family, r->family, NX_MASK_SHOW, out, outlen);
    if (q->f_given)
        nx_mask(s->policy, s->role, q->f_given, r->given, NX_MASK_SHOW, given, sizeof given);
    if (out[0] && given[0]) {
        size_t used = strlen(out);
        snprintf(out + used, outlen - used, ", %s", given);
    } else if (given[0]) {
        snprintf(out, outlen, "%s", given);
    }
    sodium_memzero(given, sizeof given);
}

typedef struct {
    nx_queue *q;
    nx_queue_row *rows;
    int n;
    int64_t now;
} fill_ctx;

static int fill_row(void *ctx, const nx_qs_row *r)
{
    fill_ctx *c = ctx;
    nx_queue *q = c->q;
    if (c->n >= q->page_rows)
        return 1;
    nx_queue_row *o = &c->rows[c->n];
    memset(o, 0, sizeof *o);
    snprintf(o->id, sizeof o->id, "%s", r->id);
    snprintf(o->status, sizeof o->status, "%s", r->status);
    snprintf(o->assignee, sizeof o->assignee, "%s", r->assignee);
    o->priority = r->priority;
    o->due = r->due;
    int final = is_final(q, r->status);
    o->overdue = r->due && r->due < c->now && !final;
    mask_patient(q, r, o->patient, sizeof o->patient);
    if (q->payer_shown)
        nx_mask(q->s->policy, q->s->role, q->f_payer, r->payer, NX_MASK_SHOW, o->payer,
                sizeof o->payer);
    if (q->has_risk_item && r->service_date[0])
        o->at_risk = nx_queue_at_risk(q, r->status, r->service_date, r->tz, c->now);
    from_store_key(&r->key, &o->key);
    c->n++;
    return 0;
}

/* ---- paging -------------------------------------------------------------------------- */

/* Reads up to page_rows rows into the spare buffer and, when there are
 * some (or keep_if_none is 0), makes it the page. */
static int load_in(nx_queue *q, int backward, const nx_queue_key *anchor, int inclusive,
                   int keep_if_none)
{
    if (plan(q) != 0)
        return -1;
    nx_qs_key a;
    if (anchor)
        to_store_key(anchor, &a);
    fill_ctx c = { q, q->spare, 0, nx_session_now(q->s) };
    q->risk_memo_n = 0;
    int n = nx_qs_page(q->qs, backward, anchor ? &a : NULL, inclusive, q->page_rows, c.now,
                       fill_row, &c);
    if (anchor)
        sodium_memzero(&a, sizeof a);
    if (n < 0) {
        sodium_memzero(q->spare, (size_t)q->page_rows * sizeof *q->spare);
        fail(q, "cannot read the queue: %s", nx_store_errmsg(q->s->profile->store));
        return -1;
    }
    if (n == 0 && keep_if_none)
        return 0;
    if (backward)   /* they came nearest first */
        for (int i = 0, j = n - 1; i < j; i++, j--) {
            nx_queue_row t = q->spare[i];
            q->spare[i] = q->spare[j];
            q->spare[j] = t;
            sodium_memzero(&t, sizeof t);
        }
    nx_queue_row *old = q->page;
    q->page = q->spare;
    q->spare = old;
    sodium_memzero(q->spare, (size_t)q->page_rows * sizeof *q->spare);
    q->n = n;
    return n;
}

/* Each keystroke's statements share one read transaction. */
static int read_begin(nx_queue *q)
{
    if (nx_qs_read_begin(q->s->profile->store) == 0)
        return 0;
    fail(q, "cannot read the queue: %s", nx_store_errmsg(q->s->profile->store));
    return -1;
}

static void read_end(nx_queue *q) { nx_qs_read_end(q->s->profile->store); }

static int load(nx_queue *q, int backward, const nx_queue_key *anchor, int inclusive,
                int keep_if_none)
{
    if (read_begin(q) != 0)
        return -1;
    int n = load_in(q, backward, anchor, inclusive, keep_if_none);
    read_end(q);
    return n;
}

static int anchored(nx_queue *q, int i, int backward, int inclusive, int keep)
{
    if (i < 0 || i >= q->n) {
        fail(q, "no row %d on the page", i);
        return -1;
    }
    nx_queue_key k = q->page[i].key;
    int n = load(q, backward, &k, inclusive, keep);
    sodium_memzero(&k, sizeof k);
    return n;
}

int nx_queue_first(nx_queue *q) { return load(q, 0, NULL, 0, 0); }
int nx_queue_last(nx_queue *q) { return load(q, 1, NULL, 0, 0); }
int nx_queue_after(nx_queue *q, int i) { return anchored(q, i, 0, 0, 1); }
int nx_queue_before(nx_queue *q, int i) { return anchored(q, i, 1, 0, 1); }

int nx_queue_from(nx_queue *q, int i) { return anchored(q, i, 0, 1, 0); }

int nx_queue_seek(nx_queue *q, const char *id)
{
    if (read_begin(q) != 0)
        return -1;
    nx_qs_key sk = {0};
    int n = -1;
    if (plan(q) == 0 && (n = nx_qs_key_of(q->qs, id, &sk)) < 0)
        fail(q, "cannot read the queue: %s", nx_store_errmsg(q->s->profile->store));
    if (n > 0) {
        nx_queue_key k;
        from_store_key(&sk, &k);
        n = load_in(q, 0, &k, 1, 1);
        sodium_memzero(&k, sizeof k);
    }
    sodium_memzero(&sk, sizeof sk);
    read_end(q);
    return n;
}

const nx_queue_row *nx_queue_page(const nx_queue *q, int *n)
{
    if (n)
        *n = q->n;
    return q->page;
}

int64_t nx_queue_count(nx_queue *q, int64_t at_most)
{
    if (read_begin(q) != 0)
        return -1;
    int64_t n = plan(q) != 0 ? -1
              : nx_qs_count(q->qs, nx_session_now(q->s), at_most > 0 ? at_most : 0);
    if (n < 0 && q->qs)
        fail(q, "cannot count the queue: %s", nx_store_errmsg(q->s->profile->store));
    read_end(q);
    return n;
}

const char *nx_queue_error(const nx_queue *q) { return q->err; }
