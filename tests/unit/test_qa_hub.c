/* Live QA on the hub (hub/qa_live.h), through nexus-hub serve's protocol
 * and on the store with a pinned clock:
 *   - a percentage rule decides each item as its completing step merges:
 *     the samples stored are exactly the ones `qa sample` re-derives;
 *   - prior auth samples submissions (the step into "submitted"), nothing
 *     else; a second decision puts nothing new;
 *   - fixed-count rules draw at the end of their period (after the
 *     offline grace): exactly 10 per team (eligibility), 10 cases (ROI),
 *     the re-derived ids; a drawn period is marked, a second draw adds
 *     nothing, an empty period draws no seed, an unfinished one is refused;
 *     the first sync round after the end draws them and the supervisor's
 *     pull brings them;
 *   - shadowing: the hub refuses a reviewer's change to the work of an
 *     item under review, takes the assignee's and the re-routing;
 *   - a merged review marks its sample reviewed; a second review, a review
 *     of one's own work or of another agent are refused; a CAPA's owner
 *     must be an active user of the team. */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/capa.h"
#include "hub/qa_live.h"
#include "store/items_io.h"
#include "sync/op.h"
#include "tests/unit/test_hub_serve.h"
#include "util/jsonz.h"

TestSuite(qa_hub, .fini = hs_teardown);

static void outcome(hs_conn *c, const char *op, const char *want, char *reason, size_t rlen)
{
    char out[32], tmp[512];
    if (!reason) {
        reason = tmp;
        rlen = sizeof tmp;
    }
    cr_assert(hs_result(c, op, out, sizeof out, reason, rlen), "no RESULT for %s", op);
    cr_assert_str_eq(out, want, "op %s: %s (%s)", op, out, reason);
}

static void end_round(hs_conn *c)
{
    hs_pull(c, 0);
    hs_send(c);
    int e = hs_read_until(c, NX_MSG_END);
    cr_assert_geq(e, 0);
    cr_assert_eq(c->fr[e].type, NX_MSG_END, "the round ended in an error");
}

static void put_seed(const char *rule, const char *period, const unsigned char seed[32])
{
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(nx_hub_db(hs_hub),
                                    "INSERT OR REPLACE INTO qa_seeds(rule, period, seed, created)"
                                    " VALUES(?1, ?2, ?3, 0)", -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, rule, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, period, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, seed, 32, SQLITE_STATIC);
    cr_assert_eq(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
}

/* A seed under which between lo and hi of ids[0..n) are in at rate. */
static void pick_seed(const char *const *ids, size_t n, uint32_t rate, size_t lo, size_t hi,
                      unsigned char seed[32])
{
    for (int b = 0; b < 256; b++) {
        memset(seed, b, 32);
        size_t in = 0;
        for (size_t i = 0; i < n; i++)
            in += (size_t)nx_qa_decide(seed, ids[i], rate);
        if (in >= lo && in <= hi)
            return;
    }
    cr_assert_fail("no seed samples %zu-%zu of %zu items", lo, hi, n);
}

static int add_id(void *arg, const char *id)
{
    strcat((char *)arg, id);
    strcat((char *)arg, " ");
    return 0;
}

/* The sampled item ids of a kind's samples, sorted. */
static void stored(const char *rule, char *buf, size_t len)
{
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(nx_hub_db(hs_hub),
                                    "SELECT item_id FROM records WHERE kind='qa_sample' AND "
                                    "json_extract(body, '$.rule') = ?1 ORDER BY item_id",
                                    -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, rule, -1, SQLITE_STATIC);
    buf[0] = '\0';
    while (sqlite3_step(st) == SQLITE_ROW) {
        strncat(buf, (const char *)sqlite3_column_text(st, 0), len - strlen(buf) - 1);
        strncat(buf, " ", len - strlen(buf) - 1);
    }
    sqlite3_finalize(st);
}

Test(qa_hub, completions_are_decided_live_and_match_the_rederived_sample, .timeout = 60)
{
    hs_setup(0);
    enum { N = 40 };
    char ids[N][16];
    const char *idp[N];
    for (int i = 0; i < N; i++) {
        snprintf(ids[i], sizeof ids[i], "sch-%02d", i);
        idp[i] = ids[i];
        hs_item(ids[i], "scheduling", "in-progress", "alice", "north");
    }
    const nx_qa_rule *r = nx_qa_rule_find("scheduling");
    unsigned char seed[32];
    pick_seed(idp, N, r->rate_ppm, 2, 10, seed);
    char period[16], next[16];
    int64_t now = nx_hlc_wall_ms() / 1000, start, end;
    cr_assert_eq(nx_qa_period_of(r, now, period, sizeof period), 0);
    cr_assert_eq(nx_qa_period_bounds(r, period, &start, &end), 0);
    cr_assert_eq(nx_qa_period_of(r, end, next, sizeof next), 0);
    put_seed("scheduling", period, seed);
    put_seed("scheduling", next, seed);      /* a run across midnight on Sunday */

    hs_conn c;
    hs_open(&c, "alice");
    hs_hello(&c, HS_DEV_A, 0, 0);
    for (int i = 0; i < N; i++) {
        char op[40];
        snprintf(op, sizeof op, "aaaaaaaa-0000-4000-8000-0000000000%02d", i);
        hs_op(&c, op, "status", ids[i], "", "closed", "in-progress", "alice", HS_DEV_A,
              hs_hlc(0));
    }
    end_round(&c);
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);

    char want[1024] = "", got[1024], err[256];
    for (int i = 0; i < N; i++)
        if (nx_qa_decide(seed, ids[i], r->rate_ppm))
            add_id(want, ids[i]);
    stored("scheduling", got, sizeof got);
    cr_expect_str_eq(got, want);
    char derived[1024] = "";
    cr_assert_eq(nx_hub_qa_sample(hs_hub, "scheduling", period, NULL, add_id, derived, NULL,
                                  err, sizeof err), 0, "%s", err);
    char derived2[1024] = "";
    cr_assert_eq(nx_hub_qa_sample(hs_hub, "scheduling", next, NULL, add_id, derived2, NULL,
                                  err, sizeof err), 0, "%s", err);
    strcat(derived, derived2);
    cr_expect_str_eq(derived, want, "nexus-hub qa sample re-derives the live sample");
    cr_expect_eq(hs_count("SELECT count(*) FROM records WHERE kind='qa_sample' AND "
                          "owner='alice' AND author='hub' AND team='north' AND status='open' "
                          "AND json_extract(body,'$.completed_by')='alice' AND "
                          "json_extract(body,'$.drawn')='live'"),
                 (long long)(strlen(want) / 7));
    cr_expect_eq(hs_count("SELECT count(*) FROM audit WHERE action='qa-sample'"),
                 (long long)(strlen(want) / 7));
}

static nx_item pa_item(const char *id, const char *status)
{
    nx_item it;
    cr_assert_eq(nx_item_init(&it, nx_dict_default(), NX_KIND_PRIOR_AUTH), 0);
    snprintf(it.id, sizeof it.id, "%s", id);
    snprintf(it.status, sizeof it.status, "%s", status);
    snprintf(it.assignee, sizeof it.assignee, "pat");
    snprintf(it.team, sizeof it.team, "north");
    return it;
}

Test(qa_hub, prior_auth_samples_its_submissions_only)
{
    hs_setup(0);
    const nx_qa_rule *r = nx_qa_rule_find("prior-auth");
    const char *id = "pa-7";
    unsigned char seed[32];
    pick_seed(&id, 1, r->rate_ppm, 1, 1, seed);
    int64_t at = 1772800000;                 /* 2026-03-06, week 2026-W10 */
    char period[16], err[256] = "";
    cr_assert_eq(nx_qa_period_of(r, at, period, sizeof period), 0);
    cr_assert_str_eq(period, "2026-W10");
    put_seed("prior-auth", period, seed);
    cr_assert_eq(nx_hub_begin(hs_hub), 0);
    int sampled = -1;
    const char *not_events[] = { "pending", "approved", "closed", "appeal-submitted" };
    for (size_t i = 0; i < 4; i++) {
        nx_item it = pa_item(id, not_events[i]);
        cr_assert_eq(nx_hub_qa_step(hs_hub, &it, at, "pat", at, 1, &sampled, err, sizeof err), 0,
                     "%s", err);
        cr_expect_eq(sampled, 0, "%s is not a submission", not_events[i]);
        nx_item_free(&it);
    }
    nx_item it = pa_item(id, "submitted");
    cr_assert_eq(nx_hub_qa_step(hs_hub, &it, at, "pat", at, 1, &sampled, err, sizeof err), 0);
    cr_expect_eq(sampled, 1);
    cr_assert_eq(nx_hub_qa_step(hs_hub, &it, at + 60, "pat", at, 1, &sampled, err, sizeof err), 0);
    cr_expect_eq(sampled, 0, "the same sample again: nothing new");
    nx_item_free(&it);
    cr_assert_eq(nx_hub_commit(hs_hub), 0);
    cr_expect_eq(hs_count("SELECT count(*) FROM records WHERE kind='qa_sample' AND "
                          "item_id='pa-7' AND json_extract(body,'$.period')='2026-W10'"), 1);
    cr_expect_eq(nx_hub_qa_sampled(hs_hub, "pa-7"), 1);
    cr_expect_eq(nx_hub_qa_sampled(hs_hub, "pa-8"), 0);
}

/* Items of a kind closed at `at` by user, as a hub that merged them holds
 * them: the item and its transition. */
static void closed_items(const char *prefix, int n, const char *kind, const char *from,
                         const char *user, const char *team, int64_t at)
{
    for (int i = 0; i < n; i++) {
        char id[32];
        snprintf(id, sizeof id, "%s-%02d", prefix, i);
        hs_item(id, kind, "closed", user, team);
        cr_assert_eq(nx_store_transition_add(nx_hub_store(hs_hub), id, at + i, user, from,
                                             "closed"), 0);
    }
}

Test(qa_hub, fixed_count_rules_draw_their_count_at_the_end_of_the_period)
{
    hs_setup(0);
    int64_t w10 = 1772625600;                /* 2026-03-04 12:00 UTC, week 2026-W10 */
    int64_t feb = 1771502400;                /* 2026-02-19 12:00 UTC */
    int64_t now = 1773316800;                /* 2026-03-12 12:00 UTC, week 2026-W11 */
    closed_items("en", 14, "eligibility", "verified", "erin", "north", w10);
    closed_items("es", 12, "eligibility", "verified", "zed", "south", w10);
    closed_items("en-late", 3, "eligibility", "verified", "erin", "north", now - 3600);
    closed_items("roi", 13, "roi", "released", "carol", "north", feb);
    char err[256] = "", got[2048], derived[2048] = "";

    cr_assert_eq(nx_hub_begin(hs_hub), 0);
    size_t put = 0;
    cr_expect_eq(nx_hub_qa_draw(hs_hub, "eligibility", "2026-W11", now, 1, &put, err, sizeof err),
                 -1, "a week that has not ended");
    cr_expect(strstr(err, "has not ended"), "%s", err);
    /* Not due within the offline grace after the end. */
    const nx_qa_rule *r;
    char period[16];
    cr_expect_eq(nx_hub_qa_due(hs_hub, 1773014400 + 3600, 24, &r, period), 1);
    cr_expect_str_eq(r->name, "eligibility");
    cr_expect_str_eq(period, "2026-W09", "W10 ended an hour ago: W09 comes first");
    int draws = 0;
    while (nx_hub_qa_due(hs_hub, now, 24, &r, period) == 1) {
        cr_assert_eq(nx_hub_qa_draw_mark(hs_hub, r, period, now, 1, NULL, err, sizeof err), 0,
                     "%s", err);
        cr_assert_lt(++draws, 10);
    }
    cr_assert_eq(nx_hub_commit(hs_hub), 0);
    cr_expect_eq(draws, 4, "eligibility W10 and W09, roi 2026-02 and 2026-01");
    cr_expect_eq(hs_count("SELECT count(*) FROM records WHERE kind='qa_sample' AND team='north' "
                          "AND json_extract(body,'$.rule')='eligibility'"), 10);
    cr_expect_eq(hs_count("SELECT count(*) FROM records WHERE kind='qa_sample' AND team='south' "
                          "AND json_extract(body,'$.rule')='eligibility' AND owner='zed' AND "
                          "json_extract(body,'$.drawn')='period-end'"), 10);
    cr_expect_eq(hs_count("SELECT count(*) FROM records WHERE kind='qa_sample' AND "
                          "item_id LIKE 'en-late%'"), 0, "this week's work waits for its week");
    stored("eligibility", got, sizeof got);
    cr_assert_eq(nx_hub_qa_sample(hs_hub, "eligibility", "2026-W10", NULL, add_id, derived, NULL,
                                  err, sizeof err), 0, "%s", err);
    cr_expect_str_eq(got, derived);
    stored("roi", got, sizeof got);
    derived[0] = '\0';
    cr_assert_eq(nx_hub_qa_sample(hs_hub, "roi", "2026-02", NULL, add_id, derived, NULL, err,
                                  sizeof err), 0, "%s", err);
    cr_expect_str_eq(got, derived);
    cr_expect_eq(hs_count("SELECT count(*) FROM records WHERE kind='qa_sample' AND "
                          "json_extract(body,'$.rule')='roi'"), 10);
    cr_expect_eq(hs_count("SELECT count(*) FROM qa_seeds WHERE period IN ('2026-W09', '2026-01')"),
                 0, "an empty period is marked without a seed");
    cr_expect_eq(hs_count("SELECT count(*) FROM meta WHERE key LIKE 'qa_drawn:%'"), 4);

    /* Again: nothing new. */
    cr_assert_eq(nx_hub_begin(hs_hub), 0);
    cr_assert_eq(nx_hub_qa_draw(hs_hub, "eligibility", "2026-W10", now, 1, &put, err, sizeof err),
                 0, "%s", err);
    cr_assert_eq(nx_hub_commit(hs_hub), 0);
    cr_expect_eq(put, 0);
    cr_expect_eq(nx_hub_qa_due(hs_hub, now, 24, &r, period), 0);
}

Test(qa_hub, the_first_round_after_the_period_draws_and_the_supervisor_pulls_it, .timeout = 60)
{
    hs_setup(0);
    int64_t at = nx_hlc_wall_ms() / 1000 - 9 * 86400;    /* always last week or the one before */
    closed_items("el", 12, "eligibility", "verified", "erin", "north", at);
    hs_conn c;
    hs_open(&c, "sam");
    hs_hello(&c, HS_DEV_S, 0, 0);
    end_round(&c);
    cr_expect_eq(hs_count("SELECT count(*) FROM records WHERE kind='qa_sample' AND team='north'"),
                 10);
    cr_expect_eq(hs_nframes(&c, NX_MSG_RECORD), 10, "the samples reach the team's supervisor");
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);
    /* The agent whose work it is is not told. */
    hs_open(&c, "erin");
    hs_hello(&c, HS_DEV_A, 0, 0);
    end_round(&c);
    cr_expect_eq(hs_nframes(&c, NX_MSG_RECORD), 0);
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);
}

/* A sample of item stored on the hub as the draw leaves it. */
static void hub_sample(const char *item, const char *kind, const char *owner,
                       const char *completed_by, char sid[40])
{
    nx_qa_sample_info in = { .completed_at = 1772625600 };
    snprintf(in.rule, sizeof in.rule, "%s", kind);
    snprintf(in.period, sizeof in.period, "2026-W10");
    snprintf(in.kind, sizeof in.kind, "%s", kind);
    snprintf(in.completed_by, sizeof in.completed_by, "%s", completed_by);
    snprintf(in.drawn, sizeof in.drawn, "live");
    nx_record r = { .created = 1772625601, .updated = 1772625601, .hlc = 1 };
    cr_assert_eq(nx_qa_sample_id(kind, "2026-W10", item, r.id), 0);
    cr_assert_eq(nx_qa_sample_body(&in, &r.body), 0);
    snprintf(r.kind, sizeof r.kind, "qa_sample");
    snprintf(r.item_id, sizeof r.item_id, "%s", item);
    snprintf(r.team, sizeof r.team, "north");
    snprintf(r.author, sizeof r.author, "hub");
    snprintf(r.owner, sizeof r.owner, "%s", owner);
    snprintf(r.status, sizeof r.status, "open");
    cr_assert_geq(nx_hub_record_put(hs_hub, &r, ""), 1);
    snprintf(sid, 40, "%s", r.id);
    nx_record_clear(&r);
}

Test(qa_hub, a_reviewer_cannot_change_the_work_under_review, .timeout = 60)
{
    hs_setup(0);
    hs_item("pa-1", "prior-auth", "submitted", "pat", "north");
    char sid[40], why[512];
    hub_sample("pa-1", "prior-auth", "pat", "pat", sid);
    hs_conn c;
    hs_open(&c, "pat");
    hs_hello(&c, HS_DEV_B, 0, 0);
    hs_op(&c, "bbbbbbbb-0000-4000-8000-000000000001", "set", "pa-1", "payer_ref", "REF-PAT",
          NULL, "pat", HS_DEV_B, hs_hlc(0));
    end_round(&c);
    outcome(&c, "bbbbbbbb-0000-4000-8000-000000000001", "applied", NULL, 0);
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);

    hs_open(&c, "sam");
    hs_hello(&c, HS_DEV_S, 0, 0);
    hs_op(&c, "cccccccc-0000-4000-8000-000000000001", "set", "pa-1", "payer_ref", "REF-SAM", NULL,
          "sam", HS_DEV_S, hs_hlc(10));
    hs_op(&c, "cccccccc-0000-4000-8000-000000000002", "note", "pa-1", "", "Reviewer note", NULL,
          "sam", HS_DEV_S, hs_hlc(11));
    hs_op(&c, "cccccccc-0000-4000-8000-000000000003", "status", "pa-1", "", "pending",
          "submitted", "sam", HS_DEV_S, hs_hlc(12));
    hs_op(&c, "cccccccc-0000-4000-8000-000000000004", "assign", "pa-1", "", "alice", NULL, "sam",
          HS_DEV_S, hs_hlc(13));
    end_round(&c);
    for (int i = 1; i <= 3; i++) {
        char op[40];
        snprintf(op, sizeof op, "cccccccc-0000-4000-8000-00000000000%d", i);
        outcome(&c, op, "rejected", why, sizeof why);
        cr_expect(strstr(why, "under QA review"), "%s", why);
    }
    outcome(&c, "cccccccc-0000-4000-8000-000000000004", "applied", NULL, 0);
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);
    char v[64];
    hs_text("SELECT value FROM item_fields WHERE item_id='pa-1' AND field='payer_ref'", v, sizeof v);
    cr_expect_str_eq(v, "REF-PAT");
    cr_expect_eq(hs_count("SELECT count(*) FROM notes WHERE item_id='pa-1'"), 0);
    hs_text("SELECT status FROM items WHERE id='pa-1'", v, sizeof v);
    cr_expect_str_eq(v, "submitted");
}

/* A record op's value for record r (author and times are the hub's). */
static char *record_value(const nx_record *r)
{
    char *json = NULL;
    cr_assert_eq(nx_record_to_json(r, &json), 0);
    return json;
}

static nx_record review_of(const char *sid, const char *item, const char *owner)
{
    nx_qa_review_body *b = calloc(1, sizeof *b);
    snprintf(b->sample, sizeof b->sample, "%s", sid);
    b->kind = NX_KIND_SCHEDULING;
    b->n = 7;
    for (int i = 0; i < 7; i++)
        b->res[i] = NX_QA_PASS;
    b->score = 100;
    nx_record r = { 0 };
    cr_assert_eq(nx_qa_review_body_json(b, &r.body), 0);
    free(b);
    cr_assert_eq(nx_qa_review_id(sid, r.id), 0);
    snprintf(r.kind, sizeof r.kind, "qa_review");
    snprintf(r.item_id, sizeof r.item_id, "%s", item);
    snprintf(r.team, sizeof r.team, "north");
    snprintf(r.owner, sizeof r.owner, "%s", owner);
    snprintf(r.status, sizeof r.status, "pass");
    return r;
}

static void send_record(hs_conn *c, const char *op, const nx_record *r, int64_t dms)
{
    char *v = record_value(r);
    hs_op(c, op, "record", r->id, r->kind, v, NULL, "sam", HS_DEV_S, hs_hlc(dms));
    free(v);
}

Test(qa_hub, a_merged_review_marks_its_sample_and_a_capa_needs_a_real_owner, .timeout = 60)
{
    hs_setup(0);
    nx_json_init();
    hs_item("s-1", "scheduling", "closed", "alice", "north");
    hs_item("s-2", "scheduling", "closed", "bob", "north");
    hs_item("s-3", "scheduling", "closed", "alice", "north");
    char s1[40], s2[40], s3[40], why[512];
    hub_sample("s-1", "scheduling", "alice", "alice", s1);
    hub_sample("s-2", "scheduling", "bob", "sam", s2);       /* sam took the last step */
    hub_sample("s-3", "scheduling", "alice", "alice", s3);
    nx_record r1 = review_of(s1, "s-1", "alice");
    nx_record r1b = review_of(s1, "s-1", "alice");
    nx_record r2 = review_of(s2, "s-2", "bob");
    nx_record r3 = review_of(s3, "s-3", "bob");               /* not the sample's agent */

    nx_capa_body cb;
    memset(&cb, 0, sizeof cb);
    snprintf(cb.finding, sizeof cb.finding, "Script not used");
    snprintf(cb.action, sizeof cb.action, "Coach");
    nx_record capa = { .due = nx_hlc_wall_ms() / 1000 + 7 * 86400 };
    cr_assert_eq(nx_capa_body_json(&cb, &capa.body), 0);
    snprintf(capa.kind, sizeof capa.kind, "capa");
    snprintf(capa.item_id, sizeof capa.item_id, "s-1");
    snprintf(capa.team, sizeof capa.team, "north");
    snprintf(capa.status, sizeof capa.status, "open");
    const char *owners[] = { "alice", "ghost", "zed" };
    nx_record capas[3];
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(nx_record_copy(&capas[i], &capa), 0);
        snprintf(capas[i].id, sizeof capas[i].id, "capa-%d", i);
        snprintf(capas[i].owner, sizeof capas[i].owner, "%s", owners[i]);
    }

    hs_conn c;
    hs_open(&c, "sam");
    hs_hello(&c, HS_DEV_S, 0, 0);
    send_record(&c, "dddddddd-0000-4000-8000-000000000001", &r1, 0);
    send_record(&c, "dddddddd-0000-4000-8000-000000000002", &r1b, 1);
    send_record(&c, "dddddddd-0000-4000-8000-000000000003", &r2, 2);
    send_record(&c, "dddddddd-0000-4000-8000-000000000004", &r3, 3);
    for (int i = 0; i < 3; i++) {
        char op[40];
        snprintf(op, sizeof op, "eeeeeeee-0000-4000-8000-00000000000%d", i);
        send_record(&c, op, &capas[i], 10 + i);
    }
    end_round(&c);
    outcome(&c, "dddddddd-0000-4000-8000-000000000001", "applied", NULL, 0);
    outcome(&c, "dddddddd-0000-4000-8000-000000000002", "rejected", why, sizeof why);
    cr_expect(strstr(why, "already reviewed"), "%s", why);
    outcome(&c, "dddddddd-0000-4000-8000-000000000003", "rejected", why, sizeof why);
    cr_expect(strstr(why, "own work"), "%s", why);
    outcome(&c, "dddddddd-0000-4000-8000-000000000004", "rejected", why, sizeof why);
    cr_expect(strstr(why, "not its sample's"), "%s", why);
    outcome(&c, "eeeeeeee-0000-4000-8000-000000000000", "applied", NULL, 0);
    outcome(&c, "eeeeeeee-0000-4000-8000-000000000001", "rejected", why, sizeof why);
    cr_expect(strstr(why, "not an active user"), "%s", why);
    outcome(&c, "eeeeeeee-0000-4000-8000-000000000002", "rejected", why, sizeof why);
    cr_expect(strstr(why, "not in team north"), "%s", why);
    cr_assert_eq(hs_close(&c), 0);
    hs_free(&c);
    char st[32];
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT status FROM records WHERE id='%s'", s1);
    hs_text(sql, st, sizeof st);
    cr_expect_str_eq(st, "reviewed");
    snprintf(sql, sizeof sql, "SELECT status FROM records WHERE id='%s'", s3);
    hs_text(sql, st, sizeof st);
    cr_expect_str_eq(st, "open", "a refused review leaves its sample open");
    cr_expect_eq(hs_count("SELECT count(*) FROM records WHERE kind='qa_review'"), 1);
    cr_expect_eq(hs_count("SELECT count(*) FROM records WHERE kind='capa' AND author='sam'"), 1);
    nx_record *all[] = { &r1, &r1b, &r2, &r3, &capa, &capas[0], &capas[1], &capas[2] };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        nx_record_clear(all[i]);
}
