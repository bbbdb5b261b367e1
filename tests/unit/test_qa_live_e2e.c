/* Live QA end to end through the real hub (`nexus-hub serve` over the
 * local: pipe; tests/helpers/hubfix), an agent's laptop and their
 * supervisor's:
 *   - the agent completes 40 scheduling items and syncs; the hub decides
 *     each as it merges (2%, with a seed put in place so the run samples
 *     a few); the supervisor's next sync brings the samples, and the QA
 *     queue — the session call the QA screen draws — lists exactly the
 *     items `nexus-hub qa sample` re-derives;
 *   - shadowing: the supervisor opens one read-only; the session refuses
 *     a change, and an op forged into the outbox is refused by the hub;
 *   - scorecard -> CAPA -> closure: a failed review and its CAPA sync;
 *     the hub marks the sample reviewed; the agent's laptop receives the
 *     review and the CAPA (its owner), takes it in hand; the overdue count
 *     follows the clock; the supervisor closes it with the resolution and
 *     the hub holds it closed. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/qa.h"
#include "domain/qa_review.h"
#include "hub/hub.h"
#include "session/session_oversight.h"
#include "session/session_qa.h"
#include "store/rows.h"
#include "store/sync_store.h"
#include "sync/hlc.h"
#include "tests/helpers/hubfix.h"
#include "util/util.h"

static nx_hf H;
static int64_t pinned;

static int64_t pinned_clock(void *ctx)
{
    (void)ctx;
    return pinned;
}

static void sync_ok(nx_lap *l, nx_sync_stats *st)
{
    char err[1024] = "";
    nx_sync_code c = nx_lap_sync(l, st, err, sizeof err);
    cr_assert_eq(c, NX_SYNC_OK, "%s: %s", nx_sync_code_name(c), err);
}

enum { N = 40 };

static int by_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A seed under which 2 to 6 of the 40 items are sampled at 2%, put in
 * place for this week and the next (a run across Sunday midnight). */
static void seed_hub(const unsigned char *seed, char period[16])
{
    const nx_qa_rule *r = nx_qa_rule_find("scheduling");
    int64_t now = nx_now(), start, end;
    char next[16], hex[65], sql[512];
    cr_assert_eq(nx_qa_period_of(r, now, period, 16), 0);
    cr_assert_eq(nx_qa_period_bounds(r, period, &start, &end), 0);
    cr_assert_eq(nx_qa_period_of(r, end, next, sizeof next), 0);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", seed[i]);
    const char *ps[] = { period, next };
    for (int i = 0; i < 2; i++) {
        snprintf(sql, sizeof sql, "INSERT INTO qa_seeds(rule, period, seed, created) "
                 "VALUES('scheduling', '%s', X'%s', 0)", ps[i], hex);
        nx_hf_n(&H, sql);
    }
    cr_assert_eq(nx_hf_n(&H, "SELECT count(*) FROM qa_seeds WHERE rule='scheduling'"), 2);
}

static void item_id(int i, char *out, size_t len)
{
    snprintf(out, len, "live-%02d", i);
}

static void close_item(nx_lap *l, const char *id)
{
    char err[512] = "";
    nx_item it;
    cr_assert_eq(nx_session_open(&l->sess, id, &it, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_session_transition(&l->sess, &it, "closed", NULL, err, sizeof err), 0, "%s",
                 err);
    nx_item_free(&it);
}

static const nx_qa_result found_gap[] = { NX_QA_PASS, NX_QA_PASS, NX_QA_NA, NX_QA_PASS,
                                          NX_QA_PASS, NX_QA_FAIL, NX_QA_NA };

Test(qa_live_e2e, completed_work_reaches_the_qa_queue_and_a_finding_is_tracked_to_closure,
     .timeout = 300)
{
    if (!nx_hf_available())
        cr_skip_test("no nexus-hub beside the tests");
    char err[1024] = "", sql[512];
    cr_assert_eq(nx_hf_init(&H, "qa-live", err, sizeof err), 0, "%s", err);
    static char jsonl[N * 320];
    jsonl[0] = '\0';
    for (int i = 0; i < N; i++) {
        char id[16], line[320];
        item_id(i, id, sizeof id);
        snprintf(line, sizeof line,
                 "{\"id\":\"%s\",\"kind\":\"scheduling\",\"client\":\"cl-1\",\"status\":"
                 "\"in-progress\",\"patient\":{\"id\":\"pt-%02d\",\"family_name\":\"Qatest\","
                 "\"given_name\":\"Liv\",\"phone\":\"2175550177\"},\"assignee\":\"alice\","
                 "\"team\":\"north\"}\n", id, i);
        strcat(jsonl, line);
    }
    cr_assert_eq(nx_hf_import(&H, jsonl, err, sizeof err), 0, "%s", err);

    /* The seed: 2 to 6 of the 40 in at 2%. */
    unsigned char seed[32];
    const nx_qa_rule *rule = nx_qa_rule_find("scheduling");
    size_t want = 0;
    for (int b = 0; b < 256 && (want < 2 || want > 6); b++) {
        memset(seed, b, sizeof seed);
        want = 0;
        for (int i = 0; i < N; i++) {
            char id[16];
            item_id(i, id, sizeof id);
            want += (size_t)nx_qa_decide(seed, id, rule->rate_ppm);
        }
    }
    cr_assert(want >= 2 && want <= 6);
    char period[16];
    seed_hub(seed, period);

    nx_lap alice, sam;
    cr_assert_eq(nx_lap_open(&alice, &H, "qa-alice", "alice", "scheduling", "north", 7, 1, err,
                             sizeof err), 0, "%s", err);
    cr_assert_eq(nx_lap_open(&sam, &H, "qa-sam", "sam", "supervisor", "north", 77, 1, err,
                             sizeof err), 0, "%s", err);
    nx_sync_stats st;
    sync_ok(&sam, &st);
    nx_qa_row *rows = NULL;
    size_t cnt = 9;
    cr_assert_eq(nx_session_qa_queue(&sam.sess, &rows, &cnt, err, sizeof err), 0, "%s", err);
    cr_expect_eq(cnt, 0, "nothing completed yet");
    free(rows);

    /* The agent's day: every item completed, then a background sync. */
    sync_ok(&alice, &st);
    cr_assert_eq(st.items, (uint64_t)N);
    for (int i = 0; i < N; i++) {
        char id[16];
        item_id(i, id, sizeof id);
        close_item(&alice, id);
    }
    sync_ok(&alice, &st);
    cr_expect_eq(st.applied, (uint64_t)N);
    cr_expect_eq(nx_lap_n(&alice, "SELECT count(*) FROM records"), 0,
                 "a sample is not announced to the agent");

    /* The supervisor's next sync: the QA queue holds exactly the sample. */
    sync_ok(&sam, &st);
    cr_expect_eq(st.records, (uint64_t)want);
    cr_assert_eq(nx_session_qa_queue(&sam.sess, &rows, &cnt, err, sizeof err), 0, "%s", err);
    char got[1024] = "", derived[1024] = "";
    const char *sorted[N];
    for (size_t i = 0; i < cnt && i < N; i++) {
        sorted[i] = rows[i].item_id;
        cr_expect_str_eq(rows[i].agent, "alice");
        cr_expect(rows[i].held, "the supervisor's laptop holds the item");
    }
    qsort(sorted, cnt < N ? cnt : N, sizeof *sorted, by_str);
    for (size_t i = 0; i < cnt && i < N; i++) {
        strcat(got, sorted[i]);
        strcat(got, "\n");
    }
    const char *args[] = { "qa", "sample", "--rule", "scheduling", "--period", period, NULL };
    cr_assert_eq(nx_hf_run(&H, args, derived, sizeof derived, err, sizeof err), 0, "%s", err);
    /* (items completed in one round share a period: a run across Sunday
     * midnight would split it, and the queue would hold both weeks'.) */
    if (strlen(derived) == strlen(got))
        cr_expect_str_eq(got, derived, "the queue is the re-derived sample");
    cr_expect_eq(cnt, want);
    cr_assert_geq(cnt, 2);
    char first[NX_ID_MAX], sid[40];
    snprintf(first, sizeof first, "%s", rows[0].item_id);
    snprintf(sid, sizeof sid, "%s", rows[0].sample_id);
    free(rows);
    nx_qa_counts qc;
    cr_assert_eq(nx_session_qa_counts(&sam.sess, &qc, err, sizeof err), 0, "%s", err);
    cr_expect_eq(qc.to_review, (int64_t)want, "the dashboard's count moves");

    /* Shadowing: read-only here, and on the hub. */
    nx_item it;
    cr_assert_eq(nx_session_qa_shadow(&sam.sess, sid, NULL, &it, err, sizeof err), 0, "%s", err);
    cr_expect_eq(nx_session_note(&sam.sess, &it, "Reviewer was here", 0, err, sizeof err), -1);
    cr_expect(strstr(err, "under QA review"), "%s", err);
    nx_item_free(&it);
    cr_assert_eq(nx_store_begin(sam.prof.store), 0);
    cr_assert_eq(nx_outbox_add(sam.prof.store, NX_OP_SET, first, "visit_type", "new-patient",
                               NULL, nx_now(), nx_hlc_wall_ms(), NULL), 0);
    cr_assert_eq(nx_store_commit(sam.prof.store), 0);
    sync_ok(&sam, &st);
    cr_expect_eq(st.rejected, 1);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM ops WHERE item='%s' AND kind='set' AND "
             "outcome='rejected' AND reason LIKE '%%under QA review%%'", first);
    cr_expect_eq(nx_hf_n(&H, sql), 1, "the hub refuses the reviewer's change");

    /* The scorecard: a finding; the CAPA it opens. */
    nx_qa_tally t;
    char rid[40], cid[40];
    cr_assert_eq(nx_session_qa_review(&sam.sess, sid, found_gap, 7,
                                      "Outcome logged without a next action", &t, rid, err,
                                      sizeof err), 0, "%s", err);
    cr_expect(!t.passed);
    int64_t due = nx_now() + 7 * 86400;
    nx_capa_spec sp = { .due = due, .finding = "Outcome logged without a next action",
                        .action = "Coach on the outreach log", .resolution = "" };
    snprintf(sp.item_id, sizeof sp.item_id, "%s", first);
    snprintf(sp.review, sizeof sp.review, "%s", rid);
    snprintf(sp.owner, sizeof sp.owner, "alice");
    cr_assert_eq(nx_session_capa_save(&sam.sess, &sp, cid, err, sizeof err), 0, "%s", err);
    sync_ok(&sam, &st);
    cr_expect_eq(st.applied, 2);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM records WHERE id='%s' AND status='reviewed'",
             sid);
    cr_expect_eq(nx_hf_n(&H, sql), 1, "the hub marks the sample reviewed");
    cr_expect_eq(nx_lap_n(&sam, sql), 1, "and sends it back");
    cr_assert_eq(nx_session_qa_counts(&sam.sess, &qc, err, sizeof err), 0);
    cr_expect_eq(qc.to_review, (int64_t)want - 1);
    cr_expect_eq(qc.capa_open, 1);
    cr_expect_eq(qc.capa_overdue, 0);
    sam.sess.clock = pinned_clock;
    pinned = due + 60;
    cr_assert_eq(nx_session_qa_counts(&sam.sess, &qc, err, sizeof err), 0);
    cr_expect_eq(qc.capa_overdue, 1, "past its due date and not closed: overdue");
    sam.sess.clock = NULL;

    /* Operations counts them for the KPIs (every team) and gets none of
     * their text: no sample, the review's comment and the CAPA's finding
     * and action blanked by the hub. */
    nx_lap olga;
    cr_assert_eq(nx_lap_open(&olga, &H, "qa-olga", "olga", "operations", "hq", 91, 1, err,
                             sizeof err), 0, "%s", err);
    sync_ok(&olga, &st);
    cr_expect_eq(nx_lap_n(&olga, "SELECT count(*) FROM records WHERE kind='qa_sample'"), 0);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM records WHERE id IN ('%s', '%s')", rid, cid);
    cr_expect_eq(nx_lap_n(&olga, sql), 2, "the review and the CAPA reach operations");
    cr_expect_eq(nx_lap_n(&olga, "SELECT count(*) FROM records WHERE body LIKE '%next action%'"
                                 " OR body LIKE '%Coach%'"), 0, "no finding, comment or action");
    snprintf(sql, sizeof sql, "SELECT count(*) FROM records WHERE id='%s' AND status='fail' "
             "AND body LIKE '%%\"comment\":\"\"%%'", rid);
    cr_expect_eq(nx_lap_n(&olga, sql), 1, "the review's status and shape are kept");
    char why[256] = "";
    cr_expect_eq(nx_session_kpi_held(&olga.sess, NX_KPI_QA_PASS, why, sizeof why), NX_KPI_HELD,
                 "%s", why);
    cr_expect_eq(nx_session_kpi_held(&olga.sess, NX_KPI_CAPA_OPEN, why, sizeof why), NX_KPI_HELD,
                 "%s", why);
    nx_kpi_view kv;
    nx_kpi_scope_opt all = { "", "" };
    /* a minute on: a CAPA opened this very second is not yet "before now" */
    olga.sess.clock = pinned_clock;
    pinned = nx_now() + 60;
    cr_assert_eq(nx_session_kpi(&olga.sess, &all, NX_KPI_WEEK, "UTC", &kv, err, sizeof err), 0,
                 "%s", err);
    olga.sess.clock = NULL;
    const nx_kpi *cur = &kv.k[NX_KPI_TREND - 1];
    cr_expect_eq(cur->qa_pass.num, 0);
    cr_expect_eq(cur->qa_pass.den, 1, "one review, a fail");
    cr_expect_eq(cur->capa_open, 1);
    nx_capa_view *ov = NULL;
    cr_assert_eq(nx_session_capa_list(&olga.sess, &ov, &cnt, err, sizeof err), 0, "%s", err);
    cr_assert_eq(cnt, 1);
    cr_expect(ov[0].counts_only);
    cr_expect(strstr(ov[0].b.finding, "not sent to your role"), "%s", ov[0].b.finding);
    nx_capa_views_free(ov, cnt);
    nx_capa_spec ox = { .resolution = "Closed by operations" };
    snprintf(ox.id, sizeof ox.id, "%s", cid);
    snprintf(ox.status, sizeof ox.status, "closed");
    cr_expect_eq(nx_session_capa_save(&olga.sess, &ox, NULL, err, sizeof err), -1,
                 "operations reads, never writes");
    nx_lap_close(&olga);

    /* The agent gets the review of their work and the action they own. */
    sync_ok(&alice, &st);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM records WHERE id='%s' AND status='fail'", rid);
    cr_expect_eq(nx_lap_n(&alice, sql), 1);
    nx_capa_view *v = NULL;
    cr_assert_eq(nx_session_capa_list(&alice.sess, &v, &cnt, err, sizeof err), 0, "%s", err);
    cr_assert_eq(cnt, 1);
    cr_expect_str_eq(v[0].b.action, "Coach on the outreach log");
    nx_capa_views_free(v, cnt);
    nx_capa_spec mv = { .resolution = "Retrained on the outreach log" };
    snprintf(mv.id, sizeof mv.id, "%s", cid);
    snprintf(mv.status, sizeof mv.status, "in-progress");
    cr_assert_eq(nx_session_capa_save(&alice.sess, &mv, NULL, err, sizeof err), 0, "%s", err);
    sync_ok(&alice, &st);
    cr_expect_eq(st.applied, 1);

    /* The supervisor closes it. */
    sync_ok(&sam, &st);
    nx_capa_spec cl = { .resolution = NULL };
    snprintf(cl.id, sizeof cl.id, "%s", cid);
    snprintf(cl.status, sizeof cl.status, "closed");
    cr_assert_eq(nx_session_capa_save(&sam.sess, &cl, NULL, err, sizeof err), 0, "%s", err);
    sync_ok(&sam, &st);
    cr_expect_eq(st.applied, 1);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM records WHERE id='%s' AND status='closed' "
             "AND body LIKE '%%Retrained%%'", cid);
    cr_expect_eq(nx_hf_n(&H, sql), 1);
    sam.sess.clock = pinned_clock;
    cr_assert_eq(nx_session_qa_counts(&sam.sess, &qc, err, sizeof err), 0);
    cr_expect_eq(qc.capa_open, 0);
    cr_expect_eq(qc.capa_overdue, 0);
    sam.sess.clock = NULL;

    nx_lap_close(&alice);
    nx_lap_close(&sam);
}

static int count_id(void *ctx, const char *id)
{
    cr_expect_str_eq(id, "old-1");
    (*(int *)ctx)++;
    return 0;
}

/* A monthly ROI sample is drawn when its period ends, when most of its
 * items closed more than keep_closed_days ago and left the supervisor's
 * laptop: the hub sends a sampled item past the archive to its reviewer,
 * the laptop's purge keeps it while the sample is open, and the review is
 * written on it; an unsampled item as old stays in the archive. */
Test(qa_live_e2e, an_archived_sample_comes_back_for_its_review, .timeout = 240)
{
    if (!nx_hf_available())
        cr_skip_test("no nexus-hub beside the tests");
    char err[1024] = "", sql[256];
    cr_assert_eq(nx_hf_init(&H, "qa-archive", err, sizeof err), 0, "%s", err);
    int64_t closed = nx_now() - 40 * 86400;
    char jsonl[1024];
    snprintf(jsonl, sizeof jsonl,
             "{\"id\":\"old-1\",\"kind\":\"scheduling\",\"client\":\"cl-1\",\"status\":\"closed\","
             "\"closed\":%lld,\"patient\":{\"id\":\"pt-1\",\"family_name\":\"Archtest\","
             "\"given_name\":\"Ola\"},\"assignee\":\"alice\",\"team\":\"north\"}\n"
             "{\"id\":\"old-2\",\"kind\":\"scheduling\",\"client\":\"cl-1\",\"status\":\"closed\","
             "\"closed\":%lld,\"patient\":{\"id\":\"pt-2\",\"family_name\":\"Archtest\","
             "\"given_name\":\"Per\"},\"assignee\":\"alice\",\"team\":\"north\"}\n",
             (long long)closed, (long long)closed);
    cr_assert_eq(nx_hf_import(&H, jsonl, err, sizeof err), 0, "%s", err);
    nx_lap sam;
    cr_assert_eq(nx_lap_open(&sam, &H, "qa-arch-sam", "sam", "supervisor", "north", 77, 1, err,
                             sizeof err), 0, "%s", err);
    nx_sync_stats st;
    sync_ok(&sam, &st);
    cr_expect_eq(nx_lap_n(&sam, "SELECT count(*) FROM items"), 0, "both in the archive");

    /* The hub draws old-1 (as `nexus-hub qa draw` would at period end). */
    nx_hub *hub = NULL;
    cr_assert_eq(nx_hub_open(H.store, NULL, &hub, err, sizeof err), 0, "%s", err);
    nx_qa_sample_info in = { .rule = "scheduling", .period = "2026-W40", .kind = "scheduling",
                             .completed_by = "alice", .completed_at = closed,
                             .drawn = "period-end" };
    nx_record r = { .created = nx_now(), .updated = nx_now(), .hlc = 1 };
    char *body = NULL;
    cr_assert_eq(nx_qa_sample_id(in.rule, in.period, "old-1", r.id), 0);
    snprintf(r.kind, sizeof r.kind, "qa_sample");
    snprintf(r.item_id, sizeof r.item_id, "old-1");
    snprintf(r.team, sizeof r.team, "north");
    snprintf(r.author, sizeof r.author, "hub");
    snprintf(r.owner, sizeof r.owner, "alice");
    snprintf(r.status, sizeof r.status, "open");
    cr_assert_eq(nx_qa_sample_body(&in, &body), 0);
    cr_assert_eq(nx_record_set_body(&r, body), 0);
    free(body);
    cr_assert_eq(nx_hub_begin(hub), 0);
    cr_assert_geq(nx_hub_record_put(hub, &r, NULL), 1);
    cr_assert_eq(nx_hub_commit(hub), 0);
    nx_hub_close(hub);
    nx_record_clear(&r);

    sync_ok(&sam, &st);
    cr_expect_eq(nx_lap_n(&sam, "SELECT count(*) FROM items WHERE id='old-1'"), 1,
                 "the sampled item comes back to its reviewer");
    cr_expect_eq(nx_lap_n(&sam, "SELECT count(*) FROM items WHERE id='old-2'"), 0,
                 "an unsampled one stays in the archive");
    sync_ok(&sam, &st);
    cr_expect_eq(nx_lap_n(&sam, "SELECT count(*) FROM items WHERE id='old-1'"), 1,
                 "the laptop's purge keeps it while the sample is open");
    nx_qa_row *rows = NULL;
    size_t cnt = 0;
    cr_assert_eq(nx_session_qa_queue(&sam.sess, &rows, &cnt, err, sizeof err), 0, "%s", err);
    cr_assert_eq(cnt, 1);
    cr_expect(rows[0].held, "shadowable, not \"(archived)\"");
    char sid[40];
    snprintf(sid, sizeof sid, "%s", rows[0].sample_id);
    free(rows);
    nx_item it;
    cr_assert_eq(nx_session_qa_shadow(&sam.sess, sid, NULL, &it, err, sizeof err), 0, "%s", err);
    nx_item_free(&it);
    nx_qa_tally t;
    char rid[40];
    cr_assert_eq(nx_session_qa_review(&sam.sess, sid, found_gap, 7, "Synthetic finding", &t, rid,
                                      err, sizeof err), 0, "%s", err);
    sync_ok(&sam, &st);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM records WHERE id='%s' AND status='reviewed'",
             sid);
    cr_expect_eq(nx_hf_n(&H, sql), 1, "reviewed on the hub");
    sync_ok(&sam, &st);
    cr_expect_eq(nx_lap_n(&sam, sql), 1, "the sample comes back reviewed");
    int purgeable = 0;
    cr_assert_eq(nx_store_closed_before(sam.prof.store, nx_now() - 14 * 86400, count_id,
                                        &purgeable), 0);
    cr_expect_eq(purgeable, 1, "reviewed: the laptop's next purge lets it go");
    nx_lap_close(&sam);
}
