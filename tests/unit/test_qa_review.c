/* The QA review's domain rules (core/domain/qa_review.h, capa.h), without
 * a store:
 *   - each kind's scorecard holds the seeds' checks (App. D for ROI);
 *   - the score is the share of applicable checks passed, and one fail
 *     fails the review; all n/a is no review;
 *   - ids are deterministic (a re-draw names the same sample; one review
 *     per sample) and fit a record id;
 *   - bodies round-trip and are parsed strictly;
 *   - the record rules: samples only from the hub, reviews by a
 *     supervisor of the team, never of their own work, once, consistent
 *     with their checks; the CAPA lifecycle (due date required, who moves
 *     what, closure needs a resolution) and the overdue test. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/capa.h"
#include "domain/qa_review.h"
#include "util/jsonz.h"

static const char *ids_of(nx_kind k, char *buf, size_t len)
{
    const nx_qa_check *c;
    size_t n = nx_qa_scorecard(k, &c);
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        strncat(buf, c[i].id, len - strlen(buf) - 1);
        strncat(buf, " ", len - strlen(buf) - 1);
    }
    return buf;
}

Test(qa_review, each_kind_has_the_seeds_checks)
{
    char b[512];
    cr_expect_str_eq(ids_of(NX_KIND_SCHEDULING, b, sizeof b),
                     "identity_verified approved_script no_sensitive_text minimum_necessary "
                     "correct_channel documentation_complete escalation_followed ");
    cr_expect_str_eq(ids_of(NX_KIND_ELIGIBILITY, b, sizeof b),
                     "identity_verified minimum_necessary correct_channel "
                     "documentation_complete preauth_flagged ");
    cr_expect_str_eq(ids_of(NX_KIND_PRIOR_AUTH, b, sizeof b),
                     "identity_verified minimum_necessary correct_channel "
                     "documentation_complete fax_verified followup_on_time ");
    /* App. D: authorization, identity verification, secure channel, logging. */
    cr_expect_str_eq(ids_of(NX_KIND_ROI, b, sizeof b),
                     "authorization_valid identity_verified secure_channel logging_complete "
                     "minimum_necessary fax_verified ");
    const nx_qa_check *c;
    cr_expect_eq(nx_qa_scorecard((nx_kind)9, &c), 0);
    for (int k = 0; k < NX_KIND_COUNT; k++) {
        size_t n = nx_qa_scorecard((nx_kind)k, &c);
        for (size_t i = 0; i < n; i++)
            cr_expect(c[i].label[0] && (strstr(c[i].help, "§") || strstr(c[i].help, "App. ") ||
                                        strstr(c[i].help, "seed 0")),
                      "%s: no label or seed section", c[i].id);
    }
}

Test(qa_review, score_and_the_overall_rule)
{
    nx_qa_tally t;
    nx_qa_result all_pass[] = { NX_QA_PASS, NX_QA_PASS, NX_QA_NA, NX_QA_PASS };
    cr_assert_eq(nx_qa_tally_of(all_pass, 4, &t), 0);
    cr_expect_eq(t.score, 100);
    cr_expect(t.passed);
    cr_expect_eq(t.na, 1);
    /* 5 of 6 applicable: 83.3 -> 83; one fail fails the review. */
    nx_qa_result one_fail[] = { NX_QA_PASS, NX_QA_PASS, NX_QA_PASS, NX_QA_FAIL,
                                NX_QA_PASS, NX_QA_PASS, NX_QA_NA };
    cr_assert_eq(nx_qa_tally_of(one_fail, 7, &t), 0);
    cr_expect_eq(t.score, 83);
    cr_expect(!t.passed);
    /* 1 of 2: 50; 2 of 3: 66.7 -> 67 (half up). */
    nx_qa_result half[] = { NX_QA_PASS, NX_QA_FAIL };
    cr_assert_eq(nx_qa_tally_of(half, 2, &t), 0);
    cr_expect_eq(t.score, 50);
    nx_qa_result two3[] = { NX_QA_PASS, NX_QA_FAIL, NX_QA_PASS };
    cr_assert_eq(nx_qa_tally_of(two3, 3, &t), 0);
    cr_expect_eq(t.score, 67);
    nx_qa_result none[] = { NX_QA_NA, NX_QA_NA };
    cr_expect_eq(nx_qa_tally_of(none, 2, &t), -1, "nothing applicable is no review");
}

Test(qa_review, ids_are_deterministic_and_fit_a_record_id)
{
    char a[40], b[40], c[40], r[40];
    const char *item = "0f8c2a3e-5b7d-4c1e-9a2b-3c4d5e6f7a8b";
    cr_assert_eq(nx_qa_sample_id("scheduling", "2026-W10", item, a), 0);
    cr_assert_eq(nx_qa_sample_id("scheduling", "2026-W10", item, b), 0);
    cr_assert_eq(nx_qa_sample_id("scheduling", "2026-W11", item, c), 0);
    cr_expect_str_eq(a, b, "a re-draw names the same sample");
    cr_expect_str_neq(a, c);
    cr_expect_eq(strlen(a), NX_QA_ID_LEN);
    cr_expect_eq(strncmp(a, "qs-", 3), 0);
    cr_assert_eq(nx_qa_review_id(a, r), 0);
    cr_expect_eq(strncmp(r, "qr-", 3), 0);
    cr_expect_str_eq(r + 3, a + 3);
    cr_expect_eq(nx_qa_review_id("qr-0123", r), -1);
    cr_expect_eq(nx_qa_review_id("inc-1", r), -1);
    cr_expect_eq(nx_qa_sample_id("", "2026-W10", item, a), -1);
}

/* A review record of sample `sample` with results, as a session builds it. */
static nx_record review(const char *sample, nx_kind k, const nx_qa_result *res, const char *comment,
                        int score, const char *status)
{
    nx_qa_review_body *b = calloc(1, sizeof *b);
    snprintf(b->sample, sizeof b->sample, "%s", sample);
    b->kind = k;
    const nx_qa_check *c;
    b->n = nx_qa_scorecard(k, &c);
    memcpy(b->res, res, b->n * sizeof *res);
    snprintf(b->comment, sizeof b->comment, "%s", comment);
    b->score = score;
    char *json = NULL;
    cr_assert_eq(nx_qa_review_body_json(b, &json), 0);
    nx_record r = { 0 };
    cr_assert_eq(nx_qa_review_id(sample, r.id), 0);
    snprintf(r.kind, sizeof r.kind, "qa_review");
    snprintf(r.item_id, sizeof r.item_id, "it-1");
    snprintf(r.team, sizeof r.team, "north");
    snprintf(r.owner, sizeof r.owner, "alice");
    snprintf(r.author, sizeof r.author, "sam");
    snprintf(r.status, sizeof r.status, "%s", status);
    r.body = json;
    free(b);
    return r;
}

Test(qa_review, bodies_round_trip_and_parse_strictly)
{
    nx_json_init();
    char sid[40];
    cr_assert_eq(nx_qa_sample_id("roi", "2026-03", "it-1", sid), 0);
    nx_qa_result res[] = { NX_QA_PASS, NX_QA_PASS, NX_QA_FAIL, NX_QA_PASS, NX_QA_PASS, NX_QA_NA };
    nx_record r = review(sid, NX_KIND_ROI, res, "Cover sheet missing", 80, "fail");
    nx_qa_review_body b;
    char err[256];
    cr_assert_eq(nx_qa_review_parse(r.body, &b, err, sizeof err), 0, "%s", err);
    cr_expect_eq(b.kind, NX_KIND_ROI);
    cr_expect_eq(b.n, 6);
    cr_expect_eq(b.res[2], NX_QA_FAIL);
    cr_expect_eq(b.res[5], NX_QA_NA);
    cr_expect_str_eq(b.comment, "Cover sheet missing");
    cr_expect_str_eq(b.sample, sid);
    nx_record_clear(&r);

    static const char *const bad[] = {
        "[]",
        "{\"sample\":\"qs-x\",\"kind\":\"roi\",\"checks\":[],\"comment\":\"\",\"score\":1}",
        "{\"sample\":\"s\",\"kind\":\"nope\",\"checks\":[],\"comment\":\"\",\"score\":1}",
        "{\"sample\":\"s\",\"kind\":\"eligibility\",\"checks\":[{\"id\":\"minimum_necessary\","
        "\"result\":\"pass\"}],\"comment\":\"\",\"score\":1}",
        "{\"sample\":\"s\",\"kind\":\"roi\",\"checks\":[],\"comment\":\"\",\"score\":1,"
        "\"extra\":1}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        cr_expect_eq(nx_qa_review_parse(bad[i], &b, err, sizeof err), -1, "case %zu", i);
        cr_expect(err[0], "case %zu has no message", i);
    }

    nx_qa_sample_info in = { .completed_at = 1772463600 }, out;
    snprintf(in.rule, sizeof in.rule, "roi");
    snprintf(in.period, sizeof in.period, "2026-03");
    snprintf(in.kind, sizeof in.kind, "roi");
    snprintf(in.completed_by, sizeof in.completed_by, "carol");
    snprintf(in.drawn, sizeof in.drawn, "period-end");
    char *json = NULL;
    cr_assert_eq(nx_qa_sample_body(&in, &json), 0);
    cr_assert_eq(nx_qa_sample_parse(json, &out, err, sizeof err), 0, "%s", err);
    cr_expect_str_eq(out.completed_by, "carol");
    cr_expect_eq(out.completed_at, 1772463600);
    cr_expect_str_eq(out.drawn, "period-end");
    free(json);
}

Test(qa_review, the_record_rules_of_samples_and_reviews)
{
    nx_json_init();
    char err[256], sid[40];
    cr_assert_eq(nx_qa_sample_id("scheduling", "2026-W10", "it-1", sid), 0);
    nx_qa_result res[] = { NX_QA_PASS, NX_QA_PASS, NX_QA_NA, NX_QA_PASS, NX_QA_PASS,
                           NX_QA_FAIL, NX_QA_NA };
    nx_record r = review(sid, NX_KIND_SCHEDULING, res, "No next action logged", 80, "fail");
    cr_expect_eq(nx_record_check(NULL, &r, NX_ROLE_SUPERVISOR, "sam", "north", err, sizeof err), 0,
                 "%s", err);
    cr_expect_eq(nx_record_check(NULL, &r, NX_ROLE_SCHEDULING, "bob", "north", err, sizeof err),
                 -1, "only a supervisor reviews");
    cr_expect_eq(nx_record_check(NULL, &r, NX_ROLE_SUPERVISOR, "sue", "south", err, sizeof err),
                 -1, "only the team's supervisor");
    cr_expect_eq(nx_record_check(NULL, &r, NX_ROLE_SUPERVISOR, "alice", "north", err, sizeof err),
                 -1, "never one's own work");
    cr_expect_eq(nx_record_check(&r, &r, NX_ROLE_SUPERVISOR, "sam", "north", err, sizeof err), -1);
    cr_expect(strstr(err, "already reviewed"), "%s", err);

    /* Status and score must be what the checks give. */
    snprintf(r.status, sizeof r.status, "pass");
    cr_expect_eq(nx_record_check(NULL, &r, NX_ROLE_SUPERVISOR, "sam", "north", err, sizeof err),
                 -1);
    cr_expect(strstr(err, "is fail"), "%s", err);
    nx_record_clear(&r);
    r = review(sid, NX_KIND_SCHEDULING, res, "No next action logged", 90, "fail");
    cr_expect_eq(nx_record_check(NULL, &r, NX_ROLE_SUPERVISOR, "sam", "north", err, sizeof err),
                 -1, "a wrong score");
    nx_record_clear(&r);
    r = review(sid, NX_KIND_SCHEDULING, res, "  ", 80, "fail");
    cr_expect_eq(nx_record_check(NULL, &r, NX_ROLE_SUPERVISOR, "sam", "north", err, sizeof err),
                 -1, "a finding needs a comment");
    nx_record_clear(&r);
    /* The id is the sample's review id. */
    r = review(sid, NX_KIND_SCHEDULING, res, "x", 80, "fail");
    snprintf(r.id, sizeof r.id, "qr-00000000000000000000000000000000");
    cr_expect_eq(nx_record_check(NULL, &r, NX_ROLE_SUPERVISOR, "sam", "north", err, sizeof err),
                 -1);
    nx_record_clear(&r);

    nx_record s = { 0 };
    snprintf(s.id, sizeof s.id, "%s", sid);
    snprintf(s.kind, sizeof s.kind, "qa_sample");
    snprintf(s.status, sizeof s.status, "open");
    cr_expect_eq(nx_record_check(NULL, &s, NX_ROLE_SUPERVISOR, "sam", "north", err, sizeof err),
                 -1);
    cr_expect(strstr(err, "drawn by the hub"), "%s", err);
}

static nx_record capa(const char *status, const char *owner, int64_t due, const char *finding,
                      const char *action, const char *resolution)
{
    nx_capa_body b;
    memset(&b, 0, sizeof b);
    snprintf(b.finding, sizeof b.finding, "%s", finding);
    snprintf(b.action, sizeof b.action, "%s", action);
    snprintf(b.resolution, sizeof b.resolution, "%s", resolution);
    char *json = NULL;
    cr_assert_eq(nx_capa_body_json(&b, &json), 0);
    nx_record r = { .due = due, .created = 1000 };
    snprintf(r.id, sizeof r.id, "capa-1");
    snprintf(r.kind, sizeof r.kind, "capa");
    snprintf(r.team, sizeof r.team, "north");
    snprintf(r.author, sizeof r.author, "sam");
    snprintf(r.owner, sizeof r.owner, "%s", owner);
    snprintf(r.status, sizeof r.status, "%s", status);
    r.body = json;
    return r;
}

#define CHECK(prev, next, role, user, team) \
    nx_record_check(prev, next, role, user, team, err, sizeof err)

Test(qa_review, the_capa_lifecycle)
{
    nx_json_init();
    char err[256];
    nx_record o = capa("open", "alice", 5000, "No next action", "Coach on logging", "");
    cr_expect_eq(CHECK(NULL, &o, NX_ROLE_SUPERVISOR, "sam", "north"), 0, "%s", err);
    cr_expect_eq(CHECK(NULL, &o, NX_ROLE_PRIVACY_OFFICER, "pat", "compliance"), 0,
                 "an officer opens CAPAs from an incident");
    cr_expect_eq(CHECK(NULL, &o, NX_ROLE_SCHEDULING, "alice", "north"), -1);
    cr_expect_eq(CHECK(NULL, &o, NX_ROLE_SUPERVISOR, "sue", "south"), -1, "another team's");

    nx_record bad = capa("open", "alice", 0, "x", "y", "");
    cr_expect_eq(CHECK(NULL, &bad, NX_ROLE_SUPERVISOR, "sam", "north"), -1);
    cr_expect(strstr(err, "due date"), "%s", err);
    nx_record_clear(&bad);
    bad = capa("open", "", 5000, "x", "y", "");
    cr_expect_eq(CHECK(NULL, &bad, NX_ROLE_SUPERVISOR, "sam", "north"), -1, "an owner");
    nx_record_clear(&bad);
    bad = capa("open", "alice", 5000, "", "y", "");
    cr_expect_eq(CHECK(NULL, &bad, NX_ROLE_SUPERVISOR, "sam", "north"), -1, "a finding");
    nx_record_clear(&bad);
    bad = capa("closed", "alice", 5000, "x", "y", "done");
    cr_expect_eq(CHECK(NULL, &bad, NX_ROLE_SUPERVISOR, "sam", "north"), -1, "starts open");
    nx_record_clear(&bad);

    /* The owner takes it in hand and writes the resolution; no more. */
    nx_record ip = capa("in-progress", "alice", 5000, "No next action", "Coach on logging",
                        "Retrained 3/4");
    cr_expect_eq(CHECK(&o, &ip, NX_ROLE_SCHEDULING, "alice", "north"), 0, "%s", err);
    nx_record cl = capa("closed", "alice", 5000, "No next action", "Coach on logging",
                        "Retrained 3/4");
    cr_expect_eq(CHECK(&ip, &cl, NX_ROLE_SCHEDULING, "alice", "north"), -1,
                 "closing is the supervisor's");
    nx_record moved = capa("open", "alice", 9000, "No next action", "Coach on logging", "");
    cr_expect_eq(CHECK(&o, &moved, NX_ROLE_SCHEDULING, "alice", "north"), -1,
                 "the owner does not move the due date");
    cr_expect_eq(CHECK(&o, &moved, NX_ROLE_SUPERVISOR, "sam", "north"), 0, "re-planned");
    cr_expect_eq(CHECK(&o, &ip, NX_ROLE_SCHEDULING, "bob", "north"), -1, "not bob's");

    /* Closing needs the resolution; the finding never changes. */
    cr_expect_eq(CHECK(&ip, &cl, NX_ROLE_SUPERVISOR, "sam", "north"), 0, "%s", err);
    nx_record cl_empty = capa("closed", "alice", 5000, "No next action", "Coach on logging", "");
    cr_expect_eq(CHECK(&o, &cl_empty, NX_ROLE_SUPERVISOR, "sam", "north"), -1);
    cr_expect(strstr(err, "resolution"), "%s", err);
    nx_record other = capa("open", "alice", 5000, "Something else", "Coach on logging", "");
    cr_expect_eq(CHECK(&o, &other, NX_ROLE_SUPERVISOR, "sam", "north"), -1);
    nx_record reopened = capa("in-progress", "alice", 5000, "No next action",
                              "Coach on logging", "Retrained 3/4");
    cr_expect_eq(CHECK(&cl, &reopened, NX_ROLE_SUPERVISOR, "sam", "north"), 0, "reopened");
    nx_record back_open = capa("open", "alice", 5000, "No next action", "Coach on logging",
                               "Retrained 3/4");
    cr_expect_eq(CHECK(&cl, &back_open, NX_ROLE_SUPERVISOR, "sam", "north"), -1);

    /* Overdue: due passed and not closed. */
    cr_expect(!nx_capa_overdue(&o, 4999));
    cr_expect(nx_capa_overdue(&o, 5000));
    cr_expect(!nx_capa_overdue(&cl, 6000));
    nx_record none = capa("open", "alice", 0, "x", "y", "");
    cr_expect(!nx_capa_overdue(&none, 6000));

    nx_record *all[] = { &o, &ip, &cl, &moved, &cl_empty, &other, &reopened, &back_open, &none };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        nx_record_clear(all[i]);
}

Test(qa_review, a_due_date_is_the_end_of_that_local_day)
{
    char err[256];
    int64_t due;
    /* 2026-03-16 in New York (EDT, UTC-4): the day ends 2026-03-17 04:00 UTC. */
    cr_assert_eq(nx_capa_due_parse("America/New_York", "2026-03-16", &due, err, sizeof err), 0,
                 "%s", err);
    cr_expect_eq(due, 1773720000);
    cr_assert_eq(nx_capa_due_parse("UTC", "2026-12-31", &due, err, sizeof err), 0);
    cr_expect_eq(due, 1798761600);
    cr_expect_eq(nx_capa_due_parse("UTC", "2026-02-30", &due, err, sizeof err), -1);
    cr_expect_eq(nx_capa_due_parse("UTC", "16/03/2026", &due, err, sizeof err), -1);
    cr_expect_eq(nx_capa_due_parse("UTC", "2026-3-16", &due, err, sizeof err), -1);
}
