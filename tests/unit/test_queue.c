/* The work-queue model: keyset paging in every order, filters, scope,
 * search within what the role may see, masking per role, the dashboard's
 * counts. Expected orders and sets are computed here, in C, from the data
 * the test wrote, independently of the store's SQL and triggers. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/clock.h"
#include "domain/deadlines.h"
#include "domain/dict.h"
#include "profile/profile.h"
#include "queue/queue.h"
#include "queue/queue_int.h"
#include "session/session.h"
#include "store/items_io.h"
#include "store/rows.h"
#include "store/textfold.h"
#include "tests/helpers/run.h"
#include "util/util.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#define NOW 1780300800   /* 2026-06-01 08:00 UTC, 04:00 in New York */
#define NITEMS 320       /* eligibility items; some scheduling ones besides */
#define PAGE 7

static nx_profile prof;
static nx_session sess;
static char dir[4096];

static int64_t fixed_clock(void *ctx) { (void)ctx; return NOW; }

/* ---- the data, as the test knows it -------------------------------------------- */

typedef struct {
    char id[16], patient[16], client[8];
    const char *family, *given, *payer, *status, *assignee, *team, *sd;
    int prio;
    int64_t due;
    nx_kind kind;
    int64_t seq;    /* its rowid: what breaks ties of due time (nx_qs_key) */
    int64_t scope;  /* its (client, team, assignee)'s number in item_scopes (expected()) */
} titem;

static titem items[NITEMS + 150];
static int nitems;

static const char *const families[] = {
    "Smith", "smith", "de la Cruz", "DeVries", "Núñez", "Nguyễn", "王", "O'Brien", "Li", "Lim",
    "Ávila", "Ng", "Zhang", "Testperson",
};
static const char *const givens[] = { "José", "Thị Hoa", "伟", "Ava", "ava", "Liam", "Émile", "Li" };
static const char *const payers[] = {
    "Bluewater Health Plan", "Acme Insurance", "acme insurance", "Ünited Care", "Great Lakes Mutual",
};
static const char *const elig_status[] = { "new", "verifying", "verified", "closed" };
static const char *const assignees[] = { "alice", "bob", "carol", "" };
static const char *const teams[] = { "north", "north", "south" };
static const char *const sdates[] = {
    "", "2026-05-30", "2026-06-01", "2026-06-02", "2026-06-03", "2026-06-04", "2026-06-05", "2026-06-09",
};

static uint64_t rng = 0x2545F4914F6CDD1Dull;
static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}
#define PICK(a) (a[rnd(sizeof a / sizeof a[0])])

static void put_patient(nx_store *st, const titem *t)
{
    nx_patient_row p = { t->patient, t->client, t->family, t->given, "1980-04-02", "2175550123",
                         "p@example.invalid", "12 Maple Ave, Springfield, IL 62701", "TRN0000001",
                         "ZX123456789", t->payer, "no", "no", "" };
    cr_assert_eq(nx_store_patient_put(st, &p), 0, "%s", nx_store_errmsg(st));
}

static void put_item(nx_store *st, titem *t)
{
    nx_item_row r = { t->id, nx_kind_name(t->kind), t->client, t->patient, t->status, t->assignee,
                      t->team, t->prio, NOW - 86400, NOW - 86400, t->due, 0 };
    cr_assert_eq(nx_store_item_put(st, &r), 0, "%s", nx_store_errmsg(st));
    t->seq = (int64_t)sqlite3_last_insert_rowid(nx_store_db(st));
    if (t->sd && t->sd[0])
        cr_assert_eq(nx_store_item_field_put(st, t->id, "service_date", t->sd), 0);
}

/* Deterministic items: ids numbered in a shuffled order, dues on the hour
 * (many ties, so the tie-breakers matter), a tenth without a due time. */
static void make_items(nx_store *st)
{
    nitems = 0;
    rng = 0x2545F4914F6CDD1Dull;
    cr_assert_eq(nx_store_begin(st), 0);
    for (int i = 0; i < NITEMS + 40; i++) {
        titem *t = &items[nitems++];
        memset(t, 0, sizeof *t);
        t->kind = i < NITEMS ? NX_KIND_ELIGIBILITY : NX_KIND_SCHEDULING;
        snprintf(t->id, sizeof t->id, "%c-%04u", i < NITEMS ? 'e' : 's', (unsigned)(i * 7919 % 10007));
        snprintf(t->patient, sizeof t->patient, "pt-%03d", i);
        snprintf(t->client, sizeof t->client, "%s", i % 3 ? "cl-ny" : "cl-la");
        t->family = PICK(families);
        t->given = PICK(givens);
        t->payer = PICK(payers);
        t->status = t->kind == NX_KIND_ELIGIBILITY ? PICK(elig_status) : "new";
        t->assignee = PICK(assignees);
        t->team = PICK(teams);
        t->prio = rnd(4) == 0;
        /* a priority the domain never writes (0 routine, 1 urgent) still
         * has its place in the order: the store takes any integer */
        if (i % 41 == 40)
            t->prio = i % 2 ? 2 : -1;
        t->due = rnd(10) == 0 ? 0 : NOW + ((int64_t)rnd(15 * 24) - 5 * 24) * 3600;
        t->sd = t->kind == NX_KIND_ELIGIBILITY ? PICK(sdates) : "";
        put_patient(st, t);
        put_item(st, t);
    }
    cr_assert_eq(nx_store_commit(st), 0);
}

static void start(const char *role, const char *policy_path)
{
    cr_assert_eq(nx_crypt_init(), 0);
    nx_t_tmpdir(dir, sizeof dir, "queue");
    nx_conf c;
    nx_conf_defaults(&c);
    snprintf(c.cache_dir, sizeof c.cache_dir, "%s/profile", dir);
    char err[512] = "";
    cr_assert_eq(nx_profile_paths(&prof, &c, err, sizeof err), 0, "%s", err);
    nx_profile_info info = {0};
    snprintf(info.user, sizeof info.user, "alice");
    snprintf(info.role, sizeof info.role, "%s", role);
    snprintf(info.team, sizeof info.team, "north");
    info.created = info.passphrase_set = NOW;
    cr_assert_eq(nx_profile_create(&prof, "Pass-word-1", 11, NX_KDF_TEST_ONLY, &info, err, sizeof err),
                 0, "%s", err);
    nx_store *st = prof.store;
    nx_client_row ny = { "cl-ny", "Lakeside Family Clinic", "America/New_York", "", "" };
    nx_client_row la = { "cl-la", "Harbor Orthopedics", "America/Los_Angeles", "", "" };
    cr_assert_eq(nx_store_client_put(st, &ny), 0);
    cr_assert_eq(nx_store_client_put(st, &la), 0);
    make_items(st);
    sess.clock = fixed_clock;
    cr_assert_eq(nx_session_start(&sess, &prof, nx_dict_default(),
                                  policy_path ? policy_path : nx_t_root("assets/policy.txt"),
                                  err, sizeof err), 0, "%s", err);
}

static void done(void)
{
    nx_session_end(&sess);
    nx_profile_close(&prof);
}

static nx_queue *open_q(nx_kind k, int page)
{
    nx_queue *q = NULL;
    char err[256] = "";
    cr_assert_eq(nx_queue_open(&sess, k, page, &q, err, sizeof err), 0, "%s", err);
    return q;
}

/* ---- the expected view, computed here --------------------------------------------- */

static void lower_ascii(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

static void patient_key(const titem *t, char *out, size_t len)
{
    snprintf(out, len, "%s, %s", t->family, t->given);
    lower_ascii(out);
}

static void payer_key(const titem *t, char *out, size_t len)
{
    snprintf(out, len, "%s", t->payer);
    lower_ascii(out);
}

static int64_t due_key(const titem *t) { return t->due ? t->due : INT64_MAX; }

static nx_queue_sort cmp_sort;
static int cmp_desc;

static int cmp_items(const void *a, const void *b)
{
    const titem *x = *(const titem *const *)a, *y = *(const titem *const *)b;
    char kx[256], ky[256];
    int c = 0;
    switch (cmp_sort) {
    case NX_SORT_PRIORITY: c = (y->prio > x->prio) - (y->prio < x->prio); break;
    case NX_SORT_STATUS: c = strcmp(x->status, y->status); break;
    case NX_SORT_PATIENT:
        patient_key(x, kx, sizeof kx);
        patient_key(y, ky, sizeof ky);
        c = strcmp(kx, ky);
        break;
    case NX_SORT_PAYER:
        payer_key(x, kx, sizeof kx);
        payer_key(y, ky, sizeof ky);
        c = strcmp(kx, ky);
        break;
    default: break;
    }
    if (!c)
        c = (due_key(x) > due_key(y)) - (due_key(x) < due_key(y));
    /* ties: the due, priority and status sorts' by the number of the
     * scope first (items_q_status holds it), then every sort's by rowid */
    if (!c && (cmp_sort == NX_SORT_DUE || cmp_sort == NX_SORT_PRIORITY ||
               cmp_sort == NX_SORT_STATUS))
        c = (x->scope > y->scope) - (x->scope < y->scope);
    if (!c)
        c = (x->seq > y->seq) - (x->seq < y->seq);
    return cmp_desc ? -c : c;
}

typedef struct {
    const char *scope_team, *scope_user;   /* NULL = any */
    const char *status, *assignee;
    int overdue;
    const char *search;
    int search_patient, search_payer;
} want;

/* The search's rule for letters (queue.h), written here apart from
 * core's (store/textfold.c), code point by code point with ICU's UTF-8
 * macros: ASCII letters match without case, others when ICU's simple
 * case folding makes them equal; ASCII never matches outside ASCII. */
static int64_t letter_key(UChar32 c)
{
    if (c < 0x80)
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    return ((int64_t)1 << 40) | u_foldCase(c, U_FOLD_CASE_DEFAULT);
}

static int model_at(const char *s, int32_t i, const char *t)
{
    int32_t sl = (int32_t)strlen(s), tl = (int32_t)strlen(t), j = 0;
    while (j < tl) {
        UChar32 a, b;
        if (i >= sl)
            return 0;
        U8_NEXT(s, i, sl, a);
        U8_NEXT(t, j, tl, b);
        if (letter_key(a) != letter_key(b))
            return 0;
    }
    return 1;
}

static int model_prefix(const char *s, const char *t) { return model_at(s, 0, t); }

static int model_contains(const char *s, const char *t)
{
    int32_t sl = (int32_t)strlen(s);
    for (int32_t i = 0; i <= sl; ) {
        if (model_at(s, i, t))
            return 1;
        if (i == sl)
            break;
        UChar32 c;
        U8_NEXT(s, i, sl, c);
        (void)c;
    }
    return 0;
}

static int matches_search(const titem *t, const want *w)
{
    if (!w->search || !w->search[0])
        return 1;
    char ql[128], v[256];
    /* blanks around the text are not part of it */
    const char *a = w->search;
    while (*a == ' ')
        a++;
    snprintf(ql, sizeof ql, "%s", a);
    for (size_t n = strlen(ql); n && ql[n - 1] == ' '; n--)
        ql[n - 1] = '\0';
    if (!ql[0])
        return 1;
    char q[128];
    memcpy(q, ql, sizeof q);
    lower_ascii(ql);
    if (!strncmp(t->id, q, strlen(q)) || !strncmp(t->id, ql, strlen(ql)))
        return 1;
    if (model_contains(t->status, q))
        return 1;
    if (t->assignee[0] && model_contains(t->assignee, q))
        return 1;
    if (w->search_payer && model_contains(t->payer, q))
        return 1;
    if (w->search_patient) {
        snprintf(v, sizeof v, "%s, %s", t->family, t->given);
        if (model_prefix(v, q))
            return 1;
        snprintf(v, sizeof v, "%s %s", t->given, t->family);
        if (model_prefix(v, q))
            return 1;
    }
    return 0;
}

static int is_closed(const titem *t) { return strcmp(t->status, "closed") == 0; }

/* The number item_scopes gives the item's client, team and assignee, as
 * the test knows them: read from that table, not from the item's row, so
 * that a row whose scope_no went stale orders (and filters) unlike this. */
static int64_t scope_number(const titem *t)
{
    sqlite3_stmt *q = NULL;
    cr_assert_eq(sqlite3_prepare_v2(nx_store_db(prof.store), "SELECT no FROM item_scopes WHERE "
                                    "client_id = ?1 AND team = ?2 AND assignee = ?3", -1, &q,
                                    NULL), SQLITE_OK);
    sqlite3_bind_text(q, 1, t->client, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, t->team, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, t->assignee, -1, SQLITE_STATIC);
    cr_assert_eq(sqlite3_step(q), SQLITE_ROW, "no scope for %s", t->id);
    int64_t no = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return no;
}

static int expected(nx_kind k, const want *w, nx_queue_sort sort, int desc, const titem **out)
{
    int n = 0;
    for (int i = 0; i < nitems; i++) {
        titem *t = &items[i];
        if (sort != NX_SORT_PATIENT && sort != NX_SORT_PAYER && t->kind == k)
            t->scope = scope_number(t);
        if (t->kind != k || (w->scope_team && strcmp(t->team, w->scope_team)) ||
            (w->scope_user && strcmp(t->assignee, w->scope_user)) ||
            (w->status && strcmp(t->status, w->status)) ||
            (w->assignee && strcmp(t->assignee, w->assignee)) ||
            (w->overdue && !(t->due && t->due < NOW && !is_closed(t))) || !matches_search(t, w))
            continue;
        out[n++] = t;
    }
    cmp_sort = sort;
    cmp_desc = desc;
    qsort(out, (size_t)n, sizeof *out, cmp_items);
    return n;
}

/* ---- walking a queue ---------------------------------------------------------------- */

static int walk_forward(nx_queue *q, const char **ids, int max)
{
    int total = 0, n = nx_queue_first(q);
    while (n > 0) {
        int m;
        const nx_queue_row *r = nx_queue_page(q, &m);
        cr_assert_eq(m, n);
        for (int i = 0; i < n; i++) {
            cr_assert_lt(total, max, "more rows than items");
            ids[total++] = strdup(r[i].id);
        }
        n = nx_queue_after(q, n - 1);
        if (n == 0) {   /* at the end the page stays as it was */
            int still;
            nx_queue_page(q, &still);
            cr_assert_eq(still, m);
        }
    }
    cr_assert_geq(n, 0, "%s", nx_queue_error(q));
    return total;
}

static int walk_backward(nx_queue *q, const char **ids, int max)
{
    /* collected last page first, then reversed as a whole */
    const char *tmp[NITEMS + 40];
    int total = 0, n = nx_queue_last(q);
    while (n > 0) {
        const nx_queue_row *r = nx_queue_page(q, NULL);
        for (int i = n - 1; i >= 0; i--) {
            cr_assert_lt(total, max, "more rows than items");
            tmp[total++] = strdup(r[i].id);
        }
        n = nx_queue_before(q, 0);
    }
    cr_assert_geq(n, 0, "%s", nx_queue_error(q));
    for (int i = 0; i < total; i++)
        ids[i] = tmp[total - 1 - i];
    return total;
}

static void free_ids(const char **ids, int n)
{
    for (int i = 0; i < n; i++)
        free((char *)ids[i]);
}

static void check_walks(nx_queue *q, const want *w, nx_kind k, nx_queue_sort sort, int desc,
                        const char *what)
{
    const titem *exp[NITEMS + 40];
    const char *got[NITEMS + 40];
    int ne = expected(k, w, sort, desc, exp);
    for (int back = 0; back < 2; back++) {
        int ng = back ? walk_backward(q, got, NITEMS + 40) : walk_forward(q, got, NITEMS + 40);
        cr_assert_eq(ng, ne, "%s %s %s %s: %d rows, expected %d", what, nx_queue_sort_name(sort),
                     desc ? "desc" : "asc", back ? "backward" : "forward", ng, ne);
        for (int i = 0; i < ne; i++)
            cr_assert_str_eq(got[i], exp[i]->id, "%s %s %s %s: row %d", what,
                             nx_queue_sort_name(sort), desc ? "desc" : "asc",
                             back ? "backward" : "forward", i);
        free_ids(got, ng);
    }
    cr_assert_eq(nx_queue_count(q, 0), ne, "%s: count", what);
}

/* Every way of reading a page (queue_store.c): walking the sort's index
 * testing each row, walking it keeping a search's candidates (in the due
 * order's merge, tested on its rows or in each of its ranges), sorting a
 * candidate set. The thresholds are forced so that each is used. */
static const struct { int cap, fcap, mcap, plan, inside; } modes[] = {
    { 1, 1, 0, NX_QS_PLAN_WALK, 0 },
    { 1, 1 << 30, 1, NX_QS_PLAN_FILTERED_WALK, 0 },
    { 1, 1 << 30, 1 << 30, NX_QS_PLAN_FILTERED_WALK, 1 },
    { 1 << 30, 1 << 30, 0, NX_QS_PLAN_SET, 0 },
};
#define NMODES (sizeof modes / sizeof modes[0])

static void check_both_plans(nx_queue *q, const want *w, nx_kind k, const char *what)
{
    for (size_t m = 0; m < NMODES; m++)
        for (int s = 0; s < NX_SORT_COUNT; s++)
            for (int desc = 0; desc < 2; desc++) {
                if (!nx_queue_sortable(q, (nx_queue_sort)s))
                    continue;
                nx_queue_tune(q, modes[m].cap, modes[m].fcap, modes[m].mcap);
                cr_assert_eq(nx_queue_set_sort(q, (nx_queue_sort)s, desc), 0);
                check_walks(q, w, k, (nx_queue_sort)s, desc, what);
                int plan = nx_queue_plan(q), want_plan = modes[m].plan;
                if (nx_queue_count(q, 0) > 0) {
                    cr_assert_eq(plan, want_plan, "%s: read by plan %d, not %d", what, plan,
                                 want_plan);
                    int merges = s == NX_SORT_DUE || s == NX_SORT_PRIORITY;
                    cr_assert_eq(nx_queue_merge_inside(q), merges && modes[m].inside,
                                 "%s: candidates tested %s the merge", what,
                                 modes[m].inside ? "outside" : "inside");
                }
            }
}

/* ---- tests ------------------------------------------------------------------------------ */

Test(queue, every_sort_both_directions_every_item_once_in_order)
{
    start("supervisor", NULL);
    nx_queue *q = open_q(NX_KIND_ELIGIBILITY, PAGE);
    want w = { .scope_team = "north" };
    for (int s = 0; s < NX_SORT_COUNT; s++)
        cr_assert(nx_queue_sortable(q, (nx_queue_sort)s), "%s", nx_queue_sort_name((nx_queue_sort)s));
    check_both_plans(q, &w, NX_KIND_ELIGIBILITY, "team");
    nx_queue_close(q);
    done();
}

Test(queue, filters_status_assignee_overdue)
{
    start("supervisor", NULL);
    nx_queue *q = open_q(NX_KIND_ELIGIBILITY, PAGE);
    const struct { nx_queue_filter f; want w; const char *what; } cases[] = {
        { { .status = "verifying" }, { .scope_team = "north", .status = "verifying" }, "status" },
        { { .assignee = "bob" }, { .scope_team = "north", .assignee = "bob" }, "assignee" },
        { { .overdue_only = 1 }, { .scope_team = "north", .overdue = 1 }, "overdue" },
        { { .status = "new", .assignee = "carol", .overdue_only = 1 },
          { .scope_team = "north", .status = "new", .assignee = "carol", .overdue = 1 }, "all three" },
        { { .status = "no-such-status" }, { .scope_team = "north", .status = "no-such-status" }, "none" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cr_assert_eq(nx_queue_set_filter(q, &cases[i].f), 0);
        check_both_plans(q, &cases[i].w, NX_KIND_ELIGIBILITY, cases[i].what);
    }
    nx_queue_close(q);
    done();
}

Test(queue, last_page_and_line_moves)
{
    start("supervisor", NULL);
    nx_queue *q = open_q(NX_KIND_ELIGIBILITY, PAGE);
    want w = { .scope_team = "north" };
    const titem *exp[NITEMS + 40];
    int ne = expected(NX_KIND_ELIGIBILITY, &w, NX_SORT_DUE, 0, exp);
    cr_assert_gt(ne, 3 * PAGE);
    int n = nx_queue_last(q);
    cr_assert_eq(n, PAGE);
    const nx_queue_row *r = nx_queue_page(q, NULL);
    for (int i = 0; i < PAGE; i++)
        cr_assert_str_eq(r[i].id, exp[ne - PAGE + i]->id);
    /* one line up from the end, then one line down again */
    cr_assert_eq(nx_queue_before(q, PAGE - 1), PAGE);
    r = nx_queue_page(q, NULL);
    cr_assert_str_eq(r[0].id, exp[ne - PAGE - 1]->id);
    cr_assert_str_eq(r[PAGE - 1].id, exp[ne - 2]->id);
    cr_assert_eq(nx_queue_after(q, 0), PAGE);
    r = nx_queue_page(q, NULL);
    cr_assert_str_eq(r[PAGE - 1].id, exp[ne - 1]->id);
    /* at the end: nothing after, the page stays */
    cr_assert_eq(nx_queue_after(q, PAGE - 1), 0);
    cr_assert_str_eq(nx_queue_page(q, NULL)[0].id, exp[ne - PAGE]->id);
    /* reload from a row, and seek an item by id (the row after unlock) */
    cr_assert_eq(nx_queue_from(q, 2), PAGE - 2);
    cr_assert_str_eq(nx_queue_page(q, NULL)[0].id, exp[ne - PAGE + 2]->id);
    cr_assert_eq(nx_queue_seek(q, exp[40]->id), PAGE);
    cr_assert_str_eq(nx_queue_page(q, NULL)[0].id, exp[40]->id);
    cr_assert_eq(nx_queue_seek(q, "no-such-item"), 0);
    cr_assert_str_eq(nx_queue_page(q, NULL)[0].id, exp[40]->id);
    /* at the start: nothing before */
    cr_assert_eq(nx_queue_first(q), PAGE);
    cr_assert_eq(nx_queue_before(q, 0), 0);
    cr_assert_eq(nx_queue_after(q, PAGE), -1, "a row beyond the page");
    nx_queue_close(q);
    done();
}

Test(queue, search_that_only_the_last_row_matches)
{
    start("supervisor", NULL);
    want w = { .scope_team = "north" };
    const titem *exp[NITEMS + 40];
    int ne = expected(NX_KIND_ELIGIBILITY, &w, NX_SORT_DUE, 0, exp);
    titem *last = (titem *)exp[ne - 1];
    /* give the last row's patient a name no one else has */
    cr_assert_eq(nx_store_patient_set(prof.store, last->patient, "family_name", "Zyxwvu"), 0);
    last->family = "Zyxwvu";
    nx_queue *q = open_q(NX_KIND_ELIGIBILITY, PAGE);
    const char *searches[] = { "zyx", "ZYXWVU", "zyxwvu, ", NULL };
    for (int i = 0; searches[i]; i++) {
        nx_queue_filter f = {0};
        snprintf(f.search, sizeof f.search, "%s", searches[i]);
        cr_assert_eq(nx_queue_set_filter(q, &f), 0);
        cr_assert_eq(nx_queue_first(q), 1, "%s", searches[i]);
        cr_assert_str_eq(nx_queue_page(q, NULL)[0].id, last->id);
        cr_assert_eq(nx_queue_plan(q), NX_QS_PLAN_SET, "a rare match is read from its index ranges");
        cr_assert_eq(nx_queue_count(q, 0), 1);
        cr_assert_eq(nx_queue_last(q), 1);
    }
    /* by its id (from the start, either case): every item whose id begins so */
    nx_queue_filter f = {0};
    snprintf(f.search, sizeof f.search, "%s", last->id);
    f.search[0] = (char)(f.search[0] - 'a' + 'A');
    cr_assert_eq(nx_queue_set_filter(q, &f), 0);
    want wid = { .scope_team = "north", .search = f.search, .search_patient = 1, .search_payer = 1 };
    ne = expected(NX_KIND_ELIGIBILITY, &wid, NX_SORT_DUE, 0, exp);
    cr_assert_geq(ne, 1);
    cr_assert_str_eq(exp[ne - 1]->id, last->id);
    cr_assert_eq(nx_queue_last(q), ne);
    cr_assert_str_eq(nx_queue_page(q, NULL)[ne - 1].id, last->id);
    /* and the general case, every order, both plans */
    const char *general[] = { "li", "acme", "ver", "e-1", "JOSÉ", "nguyễn, thị", "bob", "王", NULL };
    for (int i = 0; general[i]; i++) {
        nx_queue_filter g = {0};
        snprintf(g.search, sizeof g.search, "%s", general[i]);
        cr_assert_eq(nx_queue_set_filter(q, &g), 0);
        want ws = { .scope_team = "north", .search = general[i], .search_patient = 1,
                    .search_payer = 1 };
        check_both_plans(q, &ws, NX_KIND_ELIGIBILITY, general[i]);
    }
    nx_queue_close(q);
    done();
}

Test(queue, search_never_matches_what_the_role_sees_masked_or_not_at_all)
{
    /* auditor: names partial; security officer: names hidden. Both: scope all. */
    const char *roles[] = { "auditor", "security-officer", "privacy-officer" };
    for (int r = 0; r < 3; r++) {
        start(roles[r], NULL);
        nx_queue *q = open_q(NX_KIND_ELIGIBILITY, PAGE);
        cr_assert_not(nx_queue_sortable(q, NX_SORT_PATIENT), "%s", roles[r]);
        cr_assert_eq(nx_queue_set_sort(q, NX_SORT_PATIENT, 0), -1);
        cr_assert(strstr(nx_queue_error(q), "patient"));
        nx_queue_filter f = {0};
        snprintf(f.search, sizeof f.search, "testperson");
        cr_assert_eq(nx_queue_set_filter(q, &f), 0);
        cr_assert_eq(nx_queue_first(q), 0, "%s: found by a name it may not see", roles[r]);
        cr_assert_eq(nx_queue_count(q, 0), 0);
        /* what it does see is searchable */
        snprintf(f.search, sizeof f.search, "verifying");
        cr_assert_eq(nx_queue_set_filter(q, &f), 0);
        want w = { .search = "verifying" };
        check_both_plans(q, &w, NX_KIND_ELIGIBILITY, roles[r]);
        nx_queue_close(q);
        done();
    }
}

Test(queue, masked_payer_is_neither_shown_sorted_nor_searched)
{
    /* the default policy with the eligibility role's payer made partial */
    char path[4200], err[256];
    nx_t_tmpdir(dir, sizeof dir, "queue-policy");
    snprintf(path, sizeof path, "%s/policy.txt", dir);
    char *text = NULL;
    size_t len = 0;
    cr_assert_eq(nx_read_file(nx_t_root("assets/policy.txt"), 1 << 20, &text, &len, err, sizeof err), 0);
    FILE *out = fopen(path, "w");
    cr_assert_not_null(out);
    fprintf(out, "%s\nfield eligibility payer partial\n", text);
    fclose(out);
    free(text);
    start("eligibility", path);
    nx_queue *q = open_q(NX_KIND_ELIGIBILITY, PAGE);
    cr_assert(nx_queue_sortable(q, NX_SORT_PATIENT));
    cr_assert_not(nx_queue_sortable(q, NX_SORT_PAYER));
    int n = nx_queue_first(q);
    cr_assert_gt(n, 0);
    const nx_queue_row *r = nx_queue_page(q, NULL);
    for (int i = 0; i < n; i++)
        cr_assert_str_eq(r[i].payer, NX_MASK_BULLET NX_MASK_BULLET NX_MASK_BULLET NX_MASK_BULLET);
    nx_queue_filter f = {0};
    snprintf(f.search, sizeof f.search, "bluewater");
    cr_assert_eq(nx_queue_set_filter(q, &f), 0);
    cr_assert_eq(nx_queue_first(q), 0);
    nx_queue_close(q);
    done();
}

Test(queue, scope_own_and_team)
{
    start("eligibility", NULL);   /* own: alice's items */
    nx_queue *q = open_q(NX_KIND_ELIGIBILITY, PAGE);
    want own = { .scope_user = "alice" };
    check_both_plans(q, &own, NX_KIND_ELIGIBILITY, "own");
    nx_queue_close(q);
    done();

    start("supervisor", NULL);    /* team north, every assignee */
    q = open_q(NX_KIND_SCHEDULING, PAGE);
    want team = { .scope_team = "north" };
    check_both_plans(q, &team, NX_KIND_SCHEDULING, "team scheduling");
    nx_queue_close(q);
    done();
}

Test(queue, rows_masked_per_role)
{
    start("scheduling", NULL);    /* names full, no payer in its queue */
    nx_queue *q = open_q(NX_KIND_SCHEDULING, 100);
    cr_assert_not(nx_queue_sortable(q, NX_SORT_PAYER), "scheduling items carry no payer");
    int n = nx_queue_first(q);
    cr_assert_gt(n, 0);
    const nx_queue_row *r = nx_queue_page(q, NULL);
    for (int i = 0; i < n; i++) {
        const titem *t = NULL;
        for (int j = 0; j < nitems && !t; j++)
            if (!strcmp(items[j].id, r[i].id))
                t = &items[j];
        cr_assert_not_null(t);
        char full[256];
        snprintf(full, sizeof full, "%s, %s", t->family, t->given);
        cr_assert_str_eq(r[i].patient, full);
        cr_assert_str_eq(r[i].payer, "");
        cr_assert_str_eq(r[i].assignee, "alice");
    }
    nx_queue_close(q);
    done();

    start("auditor", NULL);       /* names partial: initials */
    q = open_q(NX_KIND_ELIGIBILITY, 100);
    n = nx_queue_first(q);
    r = nx_queue_page(q, NULL);
    for (int i = 0; i < n; i++) {
        cr_assert(strstr(r[i].patient, NX_MASK_BULLET), "%s", r[i].id);
        for (size_t k = 0; k < sizeof families / sizeof families[0]; k++)
            if (strlen(families[k]) > 3)
                cr_assert_not(strstr(r[i].patient, families[k]), "a name in an auditor's row");
        cr_assert_neq(r[i].payer[0], '\0', "the payer is not PHI: shown");
    }
    nx_queue_close(q);
    done();

    start("security-officer", NULL);   /* names hidden: not in the row at all */
    q = open_q(NX_KIND_ELIGIBILITY, 100);
    n = nx_queue_first(q);
    cr_assert_gt(n, 0);
    r = nx_queue_page(q, NULL);
    for (int i = 0; i < n; i++)
        cr_assert_str_eq(r[i].patient, "");
    nx_queue_close(q);
    done();

    start("operations", NULL);    /* aggregates only */
    nx_queue *none = NULL;
    char err[256] = "";
    cr_assert_eq(nx_queue_open(&sess, NX_KIND_ELIGIBILITY, 10, &none, err, sizeof err), -1);
    cr_assert(strstr(err, "may not view"), "%s", err);
    nx_queue_counts c;
    cr_assert_eq(nx_queue_counts_for(&sess, NX_KIND_ELIGIBILITY, &c, err, sizeof err), 0, "%s", err);
    cr_assert_gt(c.open, 0);
    done();
}

Test(queue, non_ascii_names_sort_and_round_trip)
{
    start("supervisor", NULL);
    /* three items of a fresh kind-mate: only they are scheduling items of team east */
    nx_store *st = prof.store;
    const struct { const char *family, *given; } names[] = {
        { "Núñez", "José" }, { "王", "伟" }, { "Nguyễn", "Thị Hoa" },
    };
    cr_assert_eq(nx_store_begin(st), 0);
    for (int i = 0; i < 3; i++) {
        titem *t = &items[nitems++];
        memset(t, 0, sizeof *t);
        t->kind = NX_KIND_ROI;
        snprintf(t->id, sizeof t->id, "r-%d", i);
        snprintf(t->patient, sizeof t->patient, "pt-x%d", i);
        snprintf(t->client, sizeof t->client, "cl-ny");
        t->family = names[i].family;
        t->given = names[i].given;
        t->payer = "";
        t->status = "new";
        t->assignee = "bob";
        t->team = "north";
        put_patient(st, t);
        put_item(st, t);
    }
    cr_assert_eq(nx_store_commit(st), 0);
    nx_queue *q = open_q(NX_KIND_ROI, 10);
    cr_assert_eq(nx_queue_set_sort(q, NX_SORT_PATIENT, 0), 0);
    cr_assert_eq(nx_queue_first(q), 3);
    const nx_queue_row *r = nx_queue_page(q, NULL);
    cr_assert_str_eq(r[0].patient, "Nguyễn, Thị Hoa");
    cr_assert_str_eq(r[1].patient, "Núñez, José");
    cr_assert_str_eq(r[2].patient, "王, 伟");
    cr_assert_eq(nx_queue_set_sort(q, NX_SORT_PATIENT, 1), 0);
    cr_assert_eq(nx_queue_last(q), 3);
    cr_assert_str_eq(nx_queue_page(q, NULL)[0].patient, "王, 伟");
    /* searched by the start of either name, in any script */
    const char *finds[][2] = { { "王", "r-1" }, { "伟", "r-1" }, { "núñ", "r-0" }, { "josé", "r-0" },
                               { "thị hoa", "r-2" }, { "Nguyễn", "r-2" } };
    for (size_t i = 0; i < sizeof finds / sizeof finds[0]; i++) {
        nx_queue_filter f = {0};
        snprintf(f.search, sizeof f.search, "%s", finds[i][0]);
        cr_assert_eq(nx_queue_set_filter(q, &f), 0);
        cr_assert_eq(nx_queue_first(q), 1, "%s", finds[i][0]);
        cr_assert_str_eq(nx_queue_page(q, NULL)[0].id, finds[i][1], "%s", finds[i][0]);
    }
    /* a renamed patient moves in the order (the store's trigger) */
    cr_assert_eq(nx_store_patient_set(st, "pt-x1", "family_name", "Aaa"), 0);
    nx_queue_filter none = {0};
    cr_assert_eq(nx_queue_set_filter(q, &none), 0);
    cr_assert_eq(nx_queue_set_sort(q, NX_SORT_PATIENT, 0), 0);
    cr_assert_eq(nx_queue_first(q), 3);
    cr_assert_str_eq(nx_queue_page(q, NULL)[0].patient, "Aaa, 伟");
    /* invalid UTF-8 is refused */
    nx_queue_filter bad = {0};
    memcpy(bad.search, "\xC3(", 3);
    cr_assert_eq(nx_queue_set_filter(q, &bad), -1);
    nx_queue_close(q);
    done();
}

/* Names in many scripts, each in several cases as records write them
 * (the name keys lower only A-Z, so NÚÑEZ is kept as "nÚÑez"): every
 * search finds exactly what the model above finds, read each way a page
 * can be read, counted in full and up to a cap. Synthetic names only. */
Test(queue, search_any_case_any_script_equals_the_model)
{
    start("supervisor", NULL);
    static const char *const fam[] = {
        "Núñez", "NÚÑEZ", "núñez", "Nguyễn", "NGUYỄN", "王", "Çelik", "ÇELIK", "çelik",
        "Ávila", "ÁVILA", "Émile-Zoë", "Σοφία", "ΣΟΦΊΑ", "Straße", "STRAẞE", "Đặng", "ĐẶNG",
        "Øyvind", "Ñáéíóúü", "ÑÁÉÍÓÚÜ", "ñÁéÍóÚü", "Kelvin", "Kelvin", "Ǆemal",
        "ǅemal", "ǆemal", "Smith",
    };   /* "Kelvin" twice: the second begins with U+212A, the Kelvin sign */
    static const char *const giv[] = {
        "José", "JOSÉ", "Thị Hoa", "THỊ HOA", "伟", "Renée", "RENÉE", "ß", "Ana", "Øle",
    };
    nx_store *st = prof.store;
    cr_assert_eq(nx_store_begin(st), 0);
    for (int i = 0; i < 90; i++) {
        titem *t = &items[nitems++];
        memset(t, 0, sizeof *t);
        t->kind = NX_KIND_ROI;
        snprintf(t->id, sizeof t->id, "r-%03d", (i * 37) % 101);
        snprintf(t->patient, sizeof t->patient, "pt-r%02d", i);
        snprintf(t->client, sizeof t->client, "cl-ny");
        t->family = fam[i % (int)(sizeof fam / sizeof fam[0])];
        t->given = giv[(i / 3) % (int)(sizeof giv / sizeof giv[0])];
        t->payer = "";
        t->status = i % 5 ? "new" : "verified";
        t->assignee = i % 4 ? "bob" : "Ñoño";
        t->team = i % 9 ? "north" : "south";
        t->due = i % 6 ? NOW + (int64_t)(i % 11) * 3600 : 0;
        put_patient(st, t);
        put_item(st, t);
    }
    cr_assert_eq(nx_store_commit(st), 0);
    static const char *const searches[] = {
        "núñ", "NÚÑ", "Núñez, j", "núñez, josé", "josé n", "JOSÉ NÚÑEZ", "nguyễn", "NGUYỄN, THỊ",
        "thị hoa n", "王", "伟 王", "çel", "ÇELIK", "Çelik, ren", "ávila", "ÁVILA, ß",
        "émile-zoë", "ÉMILE-ZOË", "σοφ", "ΣΟΦΊΑ", "σοφία", "straße", "STRAẞE", "straẞe",
        "strasse", "đặng", "ĐẶNG, Ø", "øy", "ØLE", "ñáéíóúü", "ÑÁÉÍÓÚÜ", "ñáéíóúü, ana",
        "kel", "KELVIN", "Kel", "ǆemal", "ǅ", "Ǆemal, a", "ß", "ẞ", "ñoño", "ÑOÑ",
        "ñez", "zz", "N", "n", "  núñez  ", "r-0", "R-01", "verif", "VERIFIED",
    };
    nx_queue *q = open_q(NX_KIND_ROI, 6);
    for (size_t i = 0; i < sizeof searches / sizeof searches[0]; i++) {
        nx_queue_filter f = {0};
        snprintf(f.search, sizeof f.search, "%s", searches[i]);
        cr_assert_eq(nx_queue_set_filter(q, &f), 0, "%s", searches[i]);
        want w = { .scope_team = "north", .search = searches[i], .search_patient = 1 };
        check_both_plans(q, &w, NX_KIND_ROI, searches[i]);
        const titem *exp[NITEMS + 140];
        int ne = expected(NX_KIND_ROI, &w, NX_SORT_DUE, 0, exp);
        nx_queue_tune(q, 0, 0, 0);
        cr_assert_eq(nx_queue_count(q, 3), ne < 3 ? ne : 3, "%s: count up to 3", searches[i]);
        /* the scope leaves ten items out: counted from the indexes, those
         * ten taken away, but for the text whose case forms are too many */
        char forms[NX_FOLD_VARIANTS_MAX][256];
        int whole = 0;
        nx_fold_variants(searches[i], forms[0], sizeof forms[0], NX_FOLD_VARIANTS_MAX, &whole);
        cr_assert_eq(nx_queue_exact_count(q), whole, "%s", searches[i]);
        cr_assert_eq(nx_queue_count(q, 0), ne, "%s: count", searches[i]);
        /* with a filter too (each row is then tested when counting) */
        nx_queue_filter g = f;
        snprintf(g.status, sizeof g.status, "new");
        g.overdue_only = (int)(i % 2);
        cr_assert_eq(nx_queue_set_filter(q, &g), 0);
        want wg = w;
        wg.status = "new";
        wg.overdue = (int)(i % 2);
        ne = expected(NX_KIND_ROI, &wg, NX_SORT_DUE, 0, exp);
        check_walks(q, &wg, NX_KIND_ROI, NX_SORT_PATIENT, 1, searches[i]);
        cr_assert_eq(nx_queue_count(q, 2), ne < 2 ? ne : 2, "%s: filtered, up to 2", searches[i]);
        cr_assert_eq(nx_queue_exact_count(q), 0, "%s: filtered", searches[i]);
    }
    /* the model is not vacuous: cases and scripts meet */
    want w = { .scope_team = "north", .search = "NÚÑ", .search_patient = 1 };
    const titem *exp[NITEMS + 140];
    int n = expected(NX_KIND_ROI, &w, NX_SORT_DUE, 0, exp), forms = 0;
    for (int i = 0; i < n; i++)
        forms |= !strcmp(exp[i]->family, "Núñez") | !strcmp(exp[i]->family, "NÚÑEZ") << 1 |
                 !strcmp(exp[i]->family, "núñez") << 2;
    cr_assert_eq(forms, 7, "NÚÑ finds every case of Núñez");
    want k = { .scope_team = "north", .search = "kel", .search_patient = 1 };
    n = expected(NX_KIND_ROI, &k, NX_SORT_DUE, 0, exp);
    for (int i = 0; i < n; i++)
        cr_assert_str_eq(exp[i]->family, "Kelvin", "k is not the Kelvin sign");
    nx_queue_close(q);
    done();
}

/* The model's at-risk flag of an eligibility item (T-72 / T-48), from the
 * domain's own function. */
static int model_at_risk(const titem *t, const char *tz)
{
    nx_item it;
    cr_assert_eq(nx_item_init(&it, nx_dict_default(), NX_KIND_ELIGIBILITY), 0);
    snprintf(it.status, sizeof it.status, "%s", t->status);
    cr_assert_eq(nx_item_set(&it, "service_date", t->sd), 0);
    nx_elig_risk risk;
    char err[128];
    cr_assert_eq(nx_elig_risk_of(&it, NOW, tz, &risk, err, sizeof err), 0, "%s", err);
    nx_item_free(&it);
    return risk == NX_ELIG_RISK_T72 || risk == NX_ELIG_RISK_T48;
}

/* An agent's dashboard (own scope): each count equals the model's, over
 * the items assigned to the agent only, though the cache holds others'
 * items too (the assignee tested on each entry of the status index); then
 * again once the cache holds the agent's items alone (the tally says the
 * scope is everything: nothing is tested). */
Test(queue, dashboard_counts_of_an_agent_equal_the_model)
{
    start("eligibility", NULL);
    sqlite3 *db = nx_store_db(sess.profile->store);
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            cr_assert_eq(sqlite3_exec(db, "DELETE FROM item_fields WHERE item_id IN (SELECT id FROM"
                                          " items WHERE assignee <> 'alice');"
                                          "DELETE FROM items WHERE assignee <> 'alice'",
                                      NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
            cr_assert_gt(sqlite3_changes(db), 0);
        }
        for (int k = 0; k < 2; k++) {
            nx_kind kind = k ? NX_KIND_SCHEDULING : NX_KIND_ELIGIBILITY;
            nx_queue_counts e = {0};
            int others = 0;
            for (int i = 0; i < nitems; i++) {
                const titem *t = &items[i];
                if (t->kind != kind || is_closed(t))
                    continue;
                if (strcmp(t->assignee, "alice")) {
                    others++;
                    continue;
                }
                const char *tz = strcmp(t->client, "cl-ny") ? "America/Los_Angeles"
                                                             : "America/New_York";
                e.open++;
                e.mine++;
                e.overdue += t->due && t->due < NOW;
                e.due_today += t->due && nx_clock_is_today(tz, NOW, t->due, NULL, 0) == 1;
                if (kind == NX_KIND_ELIGIBILITY)
                    e.at_risk += model_at_risk(t, tz);
            }
            cr_assert_gt(others, 0, "the model holds no one else's items");
            cr_assert_gt(e.overdue, 0);
            cr_assert(kind != NX_KIND_ELIGIBILITY || (e.due_today > 0 && e.at_risk > 0));
            nx_queue_counts c;
            char err[256] = "";
            cr_assert_eq(nx_queue_counts_for(&sess, kind, &c, err, sizeof err), 0, "%s", err);
            cr_assert_eq(c.open, e.open, "pass %d: %s open", pass, nx_kind_name(kind));
            cr_assert_eq(c.overdue, e.overdue, "pass %d: %s overdue %lld, expected %lld", pass,
                         nx_kind_name(kind), (long long)c.overdue, (long long)e.overdue);
            cr_assert_eq(c.due_today, e.due_today, "pass %d: %s due today", pass,
                         nx_kind_name(kind));
            cr_assert_eq(c.at_risk, e.at_risk, "pass %d: %s at risk", pass, nx_kind_name(kind));
            cr_assert_eq(c.mine, e.mine, "pass %d: %s mine", pass, nx_kind_name(kind));
        }
    }
    done();
}

Test(queue, overdue_and_at_risk_flags_and_dashboard_counts)
{
    start("supervisor", NULL);
    nx_queue *q = open_q(NX_KIND_ELIGIBILITY, NX_QUEUE_PAGE_MAX);
    int n = nx_queue_first(q);
    cr_assert_gt(n, 0);
    const nx_queue_row *r = nx_queue_page(q, NULL);
    int64_t row_risk = 0, row_overdue = 0;
    for (int i = 0; i < n; i++) {
        row_risk += r[i].at_risk;
        row_overdue += r[i].overdue;
    }
    /* expected, item by item, from the domain's own functions */
    nx_queue_counts e = {0};
    for (int i = 0; i < nitems; i++) {
        const titem *t = &items[i];
        if (t->kind != NX_KIND_ELIGIBILITY || strcmp(t->team, "north") || is_closed(t))
            continue;
        const char *tz = strcmp(t->client, "cl-ny") ? "America/Los_Angeles" : "America/New_York";
        e.open++;
        e.overdue += t->due && t->due < NOW;
        e.mine += !strcmp(t->assignee, "alice");
        e.due_today += t->due && nx_clock_is_today(tz, NOW, t->due, NULL, 0) == 1;
        e.at_risk += model_at_risk(t, tz);
    }
    cr_assert_gt(e.at_risk, 0);
    cr_assert_gt(e.due_today, 0);
    cr_assert_eq(row_risk, e.at_risk, "rows at risk %lld, expected %lld", (long long)row_risk,
                 (long long)e.at_risk);
    cr_assert_eq(row_overdue, e.overdue);
    nx_queue_counts c;
    char err[256] = "";
    cr_assert_eq(nx_queue_counts_for(&sess, NX_KIND_ELIGIBILITY, &c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(c.open, e.open);
    cr_assert_eq(c.overdue, e.overdue);
    cr_assert_eq(c.mine, e.mine);
    cr_assert_eq(c.due_today, e.due_today, "due today %lld, expected %lld", (long long)c.due_today,
                 (long long)e.due_today);
    cr_assert_eq(c.at_risk, e.at_risk);
    cr_assert_eq(nx_queue_counts_for(&sess, NX_KIND_SCHEDULING, &c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(c.at_risk, 0);
    nx_queue_close(q);
    done();
}

Test(queue, the_page_is_emptied_and_wiped_on_every_change)
{
    start("supervisor", NULL);
    nx_queue *q = open_q(NX_KIND_ELIGIBILITY, PAGE);
    cr_assert_eq(nx_queue_first(q), PAGE);
    const nx_queue_row *before = nx_queue_page(q, NULL);
    cr_assert_eq(nx_queue_set_sort(q, NX_SORT_STATUS, 0), 0);
    int n;
    const nx_queue_row *after = nx_queue_page(q, &n);
    cr_assert_eq(n, 0);
    cr_assert_eq(before, after);
    const unsigned char *b = (const unsigned char *)after;
    for (size_t i = 0; i < PAGE * sizeof *after; i++)
        cr_assert_eq(b[i], 0, "byte %zu of the page survived a change", i);
    nx_queue_close(q);
    done();
}

/* The store's tally and sort keys follow every change of an item. */
Test(queue, tally_and_keys_follow_changes)
{
    start("supervisor", NULL);
    nx_store *st = prof.store;
    sqlite3 *db = nx_store_db(st);
    /* an item changes status, assignee and due; another is deleted */
    titem *a = NULL, *d = NULL;
    for (int i = 0; i < nitems && (!a || !d); i++)
        if (items[i].kind == NX_KIND_ELIGIBILITY && !strcmp(items[i].team, "north") &&
            items[i].due && strcmp(items[i].status, "closed")) {
            if (!a)
                a = &items[i];
            else
                d = &items[i];
        }
    cr_assert(a && d);
    nx_item_rec r;
    cr_assert_eq(nx_store_item_get(st, a->id, &r), 1);
    snprintf(r.status, sizeof r.status, "closed");
    snprintf(r.assignee, sizeof r.assignee, "dave");
    r.due = NOW - 10 * 86400;   /* now the earliest due of all */
    cr_assert_eq(nx_store_item_update(st, &r), 0);
    a->status = "closed";
    a->assignee = "dave";
    a->due = r.due;
    char sql[128];
    snprintf(sql, sizeof sql, "DELETE FROM items WHERE id = '%s'", d->id);
    cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
    d->kind = NX_KIND_COUNT;   /* gone from every expectation */
    /* the tally equals a count of the items, group by group */
    sqlite3_stmt *s;
    cr_assert_eq(sqlite3_prepare_v2(db, "SELECT count(*) FROM (SELECT kind, team, assignee, status,"
                 " count(*) AS n FROM items GROUP BY 1, 2, 3, 4 EXCEPT SELECT kind, team, assignee,"
                 " status, n FROM queue_tally)", -1, &s, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(s), SQLITE_ROW);
    cr_assert_eq(sqlite3_column_int(s, 0), 0, "the tally differs from the items");
    sqlite3_finalize(s);
    /* the queue sees it all: order by due, counts, filters */
    nx_queue *q = open_q(NX_KIND_ELIGIBILITY, PAGE);
    want w = { .scope_team = "north" };
    check_both_plans(q, &w, NX_KIND_ELIGIBILITY, "after changes");
    cr_assert_eq(nx_queue_set_sort(q, NX_SORT_DUE, 0), 0);
    cr_assert_eq(nx_queue_first(q), PAGE);
    cr_assert_str_eq(nx_queue_page(q, NULL)[0].id, a->id);
    nx_queue_filter f = { .assignee = "dave" };
    cr_assert_eq(nx_queue_set_filter(q, &f), 0);
    cr_assert_eq(nx_queue_count(q, 0), 1);
    /* a date of service recorded, changed and removed moves "at risk" */
    titem *v = NULL;
    for (int i = 0; i < nitems && !v; i++)
        if (items[i].kind == NX_KIND_ELIGIBILITY && !strcmp(items[i].team, "north") &&
            (!strcmp(items[i].status, "new") || !strcmp(items[i].status, "verifying")))
            v = &items[i];
    cr_assert_not_null(v);
    const struct { const char *date; int at_risk; } steps[] = {
        { "2026-06-03", 1 }, { "2026-06-20", 0 }, { "2026-06-02", 1 }, { NULL, 0 },
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        if (steps[i].date) {
            cr_assert_eq(nx_store_item_field_put(st, v->id, "service_date", steps[i].date), 0);
        } else {
            snprintf(sql, sizeof sql, "DELETE FROM item_fields WHERE item_id = '%s'"
                     " AND field = 'service_date'", v->id);
            cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
        }
        v->sd = steps[i].date ? steps[i].date : "";
        nx_queue_filter none = {0};
        cr_assert_eq(nx_queue_set_filter(q, &none), 0);
        cr_assert_gt(nx_queue_seek(q, v->id), 0);
        cr_assert_str_eq(nx_queue_page(q, NULL)[0].id, v->id);
        cr_assert_eq(nx_queue_page(q, NULL)[0].at_risk, steps[i].at_risk, "step %zu", i);
    }
    /* counting stops where asked */
    nx_queue_filter g = {0};
    snprintf(g.search, sizeof g.search, "e");
    cr_assert_eq(nx_queue_set_filter(q, &g), 0);
    cr_assert_eq(nx_queue_count(q, 5), 5);
    cr_assert_gt(nx_queue_count(q, 0), 5);
    nx_queue_close(q);
    done();
}

/* The due order (and the priority sort's routine part) is read as one
 * range of items_q_status per status the cache holds (migration 22): a
 * status that first appears after the queue was planned, from a sync or
 * an edit, is read too, and one that is gone no longer is. */
Test(queue, a_status_new_to_the_cache_is_in_the_due_order_of_an_open_queue)
{
    start("supervisor", NULL);
    nx_store *st = prof.store;
    titem *a = NULL;
    for (int i = 0; i < nitems && !a; i++)
        if (items[i].kind == NX_KIND_ELIGIBILITY && !strcmp(items[i].team, "north") &&
            items[i].prio == 0)
            a = &items[i];
    cr_assert_not_null(a);
    nx_queue *q = open_q(NX_KIND_ELIGIBILITY, PAGE);
    const char *was = a->status;
    for (size_t m = 0; m + 1 < NMODES; m++)
        for (int s = NX_SORT_DUE; s <= NX_SORT_PRIORITY; s++) {
            nx_queue_tune(q, modes[m].cap, modes[m].fcap, modes[m].mcap);
            cr_assert_eq(nx_queue_set_sort(q, (nx_queue_sort)s, 0), 0);
            /* a search by id prefix: its candidates make the filtered walk */
            nx_queue_filter f = {0};
            if (modes[m].plan == NX_QS_PLAN_FILTERED_WALK)
                snprintf(f.search, sizeof f.search, "e");
            cr_assert_eq(nx_queue_set_filter(q, &f), 0);
            cr_assert_eq(nx_queue_first(q), PAGE);   /* planned here */
            /* the earliest due of all, in a status no item had */
            nx_item_rec r;
            cr_assert_eq(nx_store_item_get(st, a->id, &r), 1);
            snprintf(r.status, sizeof r.status, "on-hold");
            r.due = NOW - 20 * 86400;
            cr_assert_eq(nx_store_item_update(st, &r), 0);
            a->status = "on-hold";
            a->due = r.due;
            want w = { .scope_team = "north", .search = f.search[0] ? "e" : NULL };
            if (s == NX_SORT_DUE) {
                cr_assert_eq(nx_queue_first(q), PAGE, "%s", nx_queue_error(q));
                cr_assert_str_eq(nx_queue_page(q, NULL)[0].id, a->id, "mode %zu", m);
                cr_assert_str_eq(nx_queue_page(q, NULL)[0].status, "on-hold");
            }
            check_walks(q, &w, NX_KIND_ELIGIBILITY, (nx_queue_sort)s, 0, "a new status");
            /* and back: the status is gone from the cache */
            snprintf(r.status, sizeof r.status, "%s", was);
            cr_assert_eq(nx_store_item_update(st, &r), 0);
            a->status = was;
            check_walks(q, &w, NX_KIND_ELIGIBILITY, (nx_queue_sort)s, 0, "the status gone");
        }
    nx_queue_close(q);
    done();
}

/* An agent's dashboard: own scope, the same numbers as item by item. */
Test(queue, counts_for_own_scope)
{
    start("eligibility", NULL);
    nx_queue_counts e = {0}, c;
    for (int i = 0; i < nitems; i++) {
        const titem *t = &items[i];
        if (t->kind != NX_KIND_ELIGIBILITY || strcmp(t->assignee, "alice") || is_closed(t))
            continue;
        const char *tz = strcmp(t->client, "cl-ny") ? "America/Los_Angeles" : "America/New_York";
        e.open++;
        e.mine++;
        e.overdue += t->due && t->due < NOW;
        e.due_today += t->due && nx_clock_is_today(tz, NOW, t->due, NULL, 0) == 1;
        e.at_risk += model_at_risk(t, tz);
    }
    char err[256] = "";
    cr_assert_eq(nx_queue_counts_for(&sess, NX_KIND_ELIGIBILITY, &c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(c.open, e.open);
    cr_assert_eq(c.mine, e.mine);
    cr_assert_eq(c.overdue, e.overdue);
    cr_assert_eq(c.due_today, e.due_today);
    cr_assert_eq(c.at_risk, e.at_risk);
    done();
}
