/* QA sampling (issue 6, seed 000 §7): the rules' draws over synthetic ids
 * (rates, exact counts, reproducibility, own work excluded), the UTC
 * periods, and `nexus-hub qa sample` re-deriving a sample byte for byte
 * from the seed the hub stored. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/qa.h"
#include "hub/qa.h"
#include "test_hub_fixture.h"

static void seed_fill(unsigned char seed[NX_QA_SEED_BYTES], unsigned char base)
{
    for (int i = 0; i < NX_QA_SEED_BYTES; i++)
        seed[i] = (unsigned char)(base + i * 7);
}

#define NSYN 10000
static char syn_ids[NSYN][24];

static void syn_cands(nx_qa_cand *c, size_t n, const char *prefix)
{
    for (size_t i = 0; i < n; i++) {
        snprintf(syn_ids[i], sizeof syn_ids[i], "%s-%05zu", prefix, i);
        c[i].item_id = syn_ids[i];
        c[i].user = (i % 2) ? "agent-b" : "agent-a";
    }
}

Test(qa, rules_follow_the_sop)
{
    const nx_qa_rule *s = nx_qa_rule_find("scheduling"), *e = nx_qa_rule_find("eligibility"),
                     *p = nx_qa_rule_find("prior-auth"), *r = nx_qa_rule_find("roi");
    cr_assert(s && e && p && r);
    cr_assert(s->mode == NX_QA_PERCENT && s->rate_ppm == 20000 && s->span == NX_QA_WEEK);
    cr_assert(e->mode == NX_QA_COUNT && e->count == 10 && e->per_team && e->span == NX_QA_WEEK);
    cr_assert(p->mode == NX_QA_PERCENT && p->rate_ppm == 50000 && p->span == NX_QA_WEEK);
    cr_assert(r->mode == NX_QA_COUNT && r->count == 10 && r->span == NX_QA_MONTH);
    cr_assert_null(nx_qa_rule_find("billing"));
    cr_assert(nx_qa_is_event(r, "closed") && !nx_qa_is_event(r, "requested"));
    cr_assert(nx_qa_is_event(p, "submitted") && !nx_qa_is_event(p, "closed"));
    cr_assert_null(nx_qa_rule_at(4));
}

Test(qa, periods_are_utc_iso_weeks_and_months)
{
    const nx_qa_rule *w = nx_qa_rule_find("scheduling"), *m = nx_qa_rule_find("roi");
    char out[NX_QA_PERIOD_MAX];
    cr_assert_eq(nx_qa_period_of(w, 1795392000, out, sizeof out), 0);   /* 2026-11-23 Mon */
    cr_assert_str_eq(out, "2026-W48");
    nx_qa_period_of(w, 1795392000 - 1, out, sizeof out);                /* Sunday 23:59:59 */
    cr_assert_str_eq(out, "2026-W47");
    nx_qa_period_of(w, 1798761600, out, sizeof out);                    /* 2027-01-01 Fri */
    cr_assert_str_eq(out, "2026-W53");
    nx_qa_period_of(w, 1767225600, out, sizeof out);                    /* 2026-01-01 Thu */
    cr_assert_str_eq(out, "2026-W01");
    nx_qa_period_of(m, 1795392000, out, sizeof out);
    cr_assert_str_eq(out, "2026-11");

    int64_t s, e;
    cr_assert_eq(nx_qa_period_bounds(w, "2026-W48", &s, &e), 0);
    cr_assert_eq(s, 1795392000);
    cr_assert_eq(e, 1795392000 + 7 * 86400);
    cr_assert_eq(nx_qa_period_bounds(m, "2026-11", &s, &e), 0);
    cr_assert_eq(s, 1793491200);                                        /* 2026-11-01 */
    cr_assert_eq(e, 1796083200);                                        /* 2026-12-01 */
    cr_assert_eq(nx_qa_period_bounds(m, "2026-12", &s, &e), 0);
    cr_assert_eq(e, 1798761600);
    const char *bad_w[] = { "2027-W53", "2026-W00", "2026-W5", "2026-11", "2026W48", "x", "" };
    for (size_t i = 0; i < sizeof bad_w / sizeof *bad_w; i++)
        cr_assert_eq(nx_qa_period_bounds(w, bad_w[i], &s, &e), -1, "%s", bad_w[i]);
    const char *bad_m[] = { "2026-13", "2026-00", "2026-1", "2026-W48", "1969-12" };
    for (size_t i = 0; i < sizeof bad_m / sizeof *bad_m; i++)
        cr_assert_eq(nx_qa_period_bounds(m, bad_m[i], &s, &e), -1, "%s", bad_m[i]);
}

Test(qa, two_percent_rule_samples_two_percent_of_ten_thousand)
{
    static nx_qa_cand c[NSYN];
    static size_t idx[NSYN];
    syn_cands(c, NSYN, "sched");
    const nx_qa_rule *r = nx_qa_rule_find("scheduling");
    for (unsigned char b = 1; b <= 5; b++) {
        unsigned char seed[NX_QA_SEED_BYTES];
        seed_fill(seed, b);
        size_t k = nx_qa_select(r, seed, c, NSYN, NULL, idx);
        cr_assert(k >= 150 && k <= 250, "seed %u sampled %zu of 10000", b, k);
        /* live and batch agree: each sampled item is one nx_qa_decide says yes to */
        for (size_t i = 0; i < k; i++)
            cr_assert(nx_qa_decide(seed, c[idx[i]].item_id, r->rate_ppm));
    }
    unsigned char seed[NX_QA_SEED_BYTES];
    seed_fill(seed, 9);
    cr_assert_eq(nx_qa_decide(seed, "x", 0), 0);
    cr_assert_eq(nx_qa_decide(seed, "x", NX_QA_PPM), 1);
}

Test(qa, fixed_count_rules_give_exactly_their_count)
{
    static nx_qa_cand c[NSYN];
    size_t idx[NSYN > 100 ? 100 : NSYN];
    syn_cands(c, 100, "elig");
    unsigned char seed[NX_QA_SEED_BYTES];
    seed_fill(seed, 3);
    const nx_qa_rule *e = nx_qa_rule_find("eligibility"), *r = nx_qa_rule_find("roi");
    cr_assert_eq(nx_qa_select(e, seed, c, 100, NULL, idx), 10);
    cr_assert_eq(nx_qa_select(r, seed, c, 11, NULL, idx), 10);
    cr_assert_eq(nx_qa_select(r, seed, c, 10, NULL, idx), 10);
    cr_assert_eq(nx_qa_select(r, seed, c, 4, NULL, idx), 4);            /* all, when fewer */
    cr_assert_eq(nx_qa_select(r, seed, c, 0, NULL, idx), 0);
    /* distinct indexes */
    size_t k = nx_qa_draw(seed, c, 100, 37, NULL, idx);
    cr_assert_eq(k, 37);
    for (size_t i = 0; i < k; i++)
        for (size_t j = i + 1; j < k; j++)
            cr_assert_neq(idx[i], idx[j]);
}

Test(qa, same_seed_same_sample_other_seed_other)
{
    static nx_qa_cand c[NSYN];
    size_t a[10], b[10], o[10];
    syn_cands(c, 200, "roi");
    unsigned char s1[NX_QA_SEED_BYTES], s2[NX_QA_SEED_BYTES];
    seed_fill(s1, 11);
    seed_fill(s2, 12);
    cr_assert_eq(nx_qa_draw(s1, c, 200, 10, NULL, a), 10);
    cr_assert_eq(nx_qa_draw(s1, c, 200, 10, NULL, b), 10);
    cr_assert_eq(memcmp(a, b, sizeof a), 0);
    /* the order of the candidates does not matter: reversed, same items */
    static nx_qa_cand rev[200];
    for (size_t i = 0; i < 200; i++)
        rev[i] = c[199 - i];
    cr_assert_eq(nx_qa_draw(s1, rev, 200, 10, NULL, b), 10);
    for (size_t i = 0; i < 10; i++)
        cr_assert_str_eq(rev[b[i]].item_id, c[a[i]].item_id);
    cr_assert_eq(nx_qa_draw(s2, c, 200, 10, NULL, o), 10);
    int same = 0;
    for (size_t i = 0; i < 10; i++)
        for (size_t j = 0; j < 10; j++)
            same += a[i] == o[j];
    cr_assert_lt(same, 10, "another seed drew the same ten");
    cr_assert_neq(nx_qa_hash(s1, "it-1"), nx_qa_hash(s2, "it-1"));
}

Test(qa, reviewers_own_work_is_never_in_their_sample)
{
    static nx_qa_cand c[NSYN];
    static size_t idx[NSYN];
    syn_cands(c, NSYN, "own");
    unsigned char seed[NX_QA_SEED_BYTES];
    seed_fill(seed, 21);
    const nx_qa_rule *s = nx_qa_rule_find("scheduling"), *r = nx_qa_rule_find("roi");
    size_t k = nx_qa_select(s, seed, c, NSYN, "agent-a", idx);
    cr_assert_gt(k, 50);
    for (size_t i = 0; i < k; i++)
        cr_assert_str_eq(c[idx[i]].user, "agent-b");
    k = nx_qa_select(r, seed, c, NSYN, "agent-b", idx);
    cr_assert_eq(k, 10);
    for (size_t i = 0; i < k; i++)
        cr_assert_str_eq(c[idx[i]].user, "agent-a");
    /* all the candidates are the reviewer's: nothing */
    for (size_t i = 0; i < 20; i++)
        c[i].user = "agent-a";
    cr_assert_eq(nx_qa_draw(seed, c, 20, 10, "agent-a", idx), 0);
}

/* ---- the hub: `nexus-hub qa sample` re-derives the sample ------------------------ */

static void exec_ok(nx_hub *h, const char *sql)
{
    char *msg = NULL;
    cr_assert_eq(sqlite3_exec(nx_hub_db(h), sql, NULL, NULL, &msg), SQLITE_OK, "%s",
                 msg ? msg : "");
}

static int64_t count_of(nx_hub *h, const char *sql)
{
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(nx_hub_db(h), sql, -1, &st, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static void run_sample(const char *dir, const char *rule, const char *period,
                       const char *reviewer, nx_t_result *r)
{
    const char *argv[] = { nx_t_bin("nexus-hub"), "qa", "sample", "--store", dir, "--rule", rule,
                           "--period", period, reviewer ? "--reviewer" : NULL, reviewer, NULL };
    cr_assert_eq(nx_t_run(argv, NULL, NULL, r), 0);
}

static size_t lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

Test(qa, hub_qa_sample_is_reproducible_from_the_stored_seed)
{
    hubt t;
    hubt_init(&t, "qa-cli", 0);
    nx_hub_seed_spec sp = { .n = 30, .kind = "roi", .team = "t1" };
    cr_assert_eq(nx_hub_seed(t.h, &sp, t.err, sizeof t.err), 0, "%s", t.err);
    cr_assert_eq(count_of(t.h, "SELECT count(*) FROM items WHERE kind = 'roi'"), 30);
    /* 24 items closed in November 2026 (half by agent-a, half by agent-b), 3
     * closed in December, 3 left open; one closed item also has an earlier
     * non-final transition in the month. 1793491200 = 2026-11-01 UTC. */
    exec_ok(t.h,
            "INSERT INTO transitions(item_id, at, user, from_status, to_status)"
            " SELECT id, 1793491200 + 3600 * rn, CASE rn % 2 WHEN 0 THEN 'agent-a'"
            " ELSE 'agent-b' END, 'released', 'closed' FROM ("
            "  SELECT id, row_number() OVER (ORDER BY id) AS rn FROM items WHERE kind = 'roi')"
            " WHERE rn <= 24;"
            "INSERT INTO transitions(item_id, at, user, from_status, to_status)"
            " SELECT id, 1796083200 + 60, 'agent-a', 'released', 'closed' FROM ("
            "  SELECT id, row_number() OVER (ORDER BY id) AS rn FROM items WHERE kind = 'roi')"
            " WHERE rn BETWEEN 25 AND 27;"
            "INSERT INTO transitions(item_id, at, user, from_status, to_status)"
            " SELECT id, 1793491200 + 10, 'agent-b', 'new', 'requested' FROM items"
            " WHERE kind = 'roi' ORDER BY id LIMIT 1;");
    hubt_done(&t);

    static nx_t_result a, b, c, d;
    run_sample(t.dir, "roi", "2026-11", NULL, &a);
    cr_assert_eq(a.status, 0, "%s", a.err);
    run_sample(t.dir, "roi", "2026-11", NULL, &b);
    cr_assert_eq(b.status, 0, "%s", b.err);
    cr_assert_str_eq(a.out, b.out);                        /* byte for byte */
    cr_assert_eq(lines(a.out), 10, "%s", a.out);
    /* sorted, one id a line */
    char prev[64] = "";
    for (const char *p = a.out; *p;) {
        const char *nl = strchr(p, '\n');
        char id[64];
        snprintf(id, sizeof id, "%.*s", (int)(nl - p), p);
        cr_assert_gt(strcmp(id, prev), 0, "not sorted: %s after %s", id, prev);
        memcpy(prev, id, sizeof prev);
        p = nl + 1;
    }

    /* December: only 3 candidates, all of them */
    run_sample(t.dir, "roi", "2026-12", NULL, &c);
    cr_assert_eq(c.status, 0, "%s", c.err);
    cr_assert_eq(lines(c.out), 3, "%s", c.out);

    /* agent-a reviewing: only agent-b's 12 items, 10 of them, none of agent-a's */
    run_sample(t.dir, "roi", "2026-11", "agent-a", &d);
    cr_assert_eq(d.status, 0, "%s", d.err);
    cr_assert_eq(lines(d.out), 10, "%s", d.out);

    cr_assert_eq(nx_hub_open(t.dir, NULL, &t.h, t.err, sizeof t.err), 0, "%s", t.err);
    for (const char *p = d.out; *p;) {
        const char *nl = strchr(p, '\n');
        char sql[256];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM transitions WHERE item_id = '%.*s' AND user = 'agent-a'",
                 (int)(nl - p), p);
        cr_assert_eq(count_of(t.h, sql), 0, "own work sampled: %.*s", (int)(nl - p), p);
        p = nl + 1;
    }
    /* one seed per (rule, period), drawn once, audited once */
    cr_assert_eq(count_of(t.h, "SELECT count(*) FROM qa_seeds"), 2);
    cr_assert_eq(count_of(t.h, "SELECT count(*) FROM audit WHERE action = 'qa-seed'"), 2);
    uint64_t ev = 0;
    char msg[256];
    cr_assert_eq(nx_hub_audit_verify(t.h, &ev, msg, sizeof msg), 0, "%s", msg);
    hubt_done(&t);

    /* bad input changes nothing and says what is wrong */
    static nx_t_result e;
    run_sample(t.dir, "roi", "2026-W48", NULL, &e);
    cr_assert_eq(e.status, 1);
    cr_assert(strstr(e.err, "not a period"), "%s", e.err);
    run_sample(t.dir, "billing", "2026-11", NULL, &e);
    cr_assert_eq(e.status, 1);
    cr_assert(strstr(e.err, "unknown QA rule"), "%s", e.err);
}
