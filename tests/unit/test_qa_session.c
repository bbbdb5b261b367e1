/* Live QA review on a supervisor's laptop (core/session/session_qa.h),
 * with the samples a pull leaves in the cache:
 *   - the QA queue: the team's open samples, oldest completion first,
 *     without the supervisor's own work, other teams' or reviewed ones;
 *   - shadowing: the item opens read-only (a view event), and every change
 *     to the work is refused with the reason and a failed audit event —
 *     even under a policy that lets supervisors edit; an item not under
 *     review is not guarded; re-routing stays possible;
 *   - the scorecard: one review per sample, its op and audit event, the
 *     sample leaves the queue;
 *   - scorecard -> CAPA -> closure, and the dashboard's counts of open and
 *     overdue CAPAs as the (pinned) clock passes the due date. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session/session_qa.h"
#include "session/session_record.h"
#include "store/record_store.h"
#include "store/rows.h"
#include "tests/helpers/run.h"
#include "tests/helpers/syncfix.h"
#include "util/jsonz.h"

static nx_sf F;
static int64_t clock_now = NX_SF_NOW;

static int64_t test_clock(void *ctx)
{
    (void)ctx;
    return clock_now;
}

static long long n(const char *sql) { return nx_sf_count(&F, sql); }
static void fini(void) { nx_sf_close(&F); }

/* A supervisor's profile; policy NULL = the default one. */
static void start(const char *user, const char *role, const char *policy)
{
    char err[512] = "";
    nx_json_init();
    clock_now = NX_SF_NOW;
    cr_assert_eq(nx_sf_open(&F, "qa-session", user, role, 0, err, sizeof err), 0, "%s", err);
    F.sess.clock = test_clock;
    cr_assert_eq(nx_session_start(&F.sess, &F.prof, nx_dict_default(),
                                  policy ? policy : nx_t_root("assets/policy.txt"), err,
                                  sizeof err), 0, "%s", err);
    F.has_sess = 1;
}

static void put_item(const char *id, const char *kind, const char *status, const char *assignee,
                     const char *team)
{
    nx_store *st = F.prof.store;
    nx_item_row r = { .id = id, .kind = kind, .client_id = "cl-1", .patient_id = "pt-1",
                      .status = status, .assignee = assignee, .team = team,
                      .created = NX_SF_NOW - 86400, .updated = NX_SF_NOW - 3600 };
    cr_assert_eq(nx_store_begin(st), 0);
    cr_assert_eq(nx_store_item_put(st, &r), 0, "%s", nx_store_errmsg(st));
    cr_assert_eq(nx_store_commit(st), 0);
}

/* A sample as the hub sends it; returns its id in out. */
static void put_sample(const char *item, const char *kind, const char *team, const char *owner,
                       const char *completed_by, int64_t completed_at, const char *status,
                       char out[40])
{
    nx_qa_sample_info in = { .completed_at = completed_at };
    snprintf(in.rule, sizeof in.rule, "%s", kind);
    snprintf(in.period, sizeof in.period, "2026-W22");
    snprintf(in.kind, sizeof in.kind, "%s", kind);
    snprintf(in.completed_by, sizeof in.completed_by, "%s", completed_by);
    snprintf(in.drawn, sizeof in.drawn, "live");
    nx_record r = { .created = completed_at + 1, .updated = completed_at + 1, .hlc = 1 };
    cr_assert_eq(nx_qa_sample_id(kind, "2026-W22", item, r.id), 0);
    cr_assert_eq(nx_qa_sample_body(&in, &r.body), 0);
    snprintf(r.kind, sizeof r.kind, "qa_sample");
    snprintf(r.item_id, sizeof r.item_id, "%s", item);
    snprintf(r.team, sizeof r.team, "%s", team);
    snprintf(r.author, sizeof r.author, "hub");
    snprintf(r.owner, sizeof r.owner, "%s", owner);
    snprintf(r.status, sizeof r.status, "%s", status);
    cr_assert_eq(nx_record_apply(F.prof.store, &r), 1);
    if (out)
        snprintf(out, 40, "%s", r.id);
    nx_record_clear(&r);
}

static void queue_ids(char *buf, size_t len)
{
    char err[256] = "";
    nx_qa_row *rows = NULL;
    size_t cnt = 0;
    cr_assert_eq(nx_session_qa_queue(&F.sess, &rows, &cnt, err, sizeof err), 0, "%s", err);
    buf[0] = '\0';
    for (size_t i = 0; i < cnt; i++) {
        strncat(buf, rows[i].item_id, len - strlen(buf) - 1);
        strncat(buf, " ", len - strlen(buf) - 1);
    }
    free(rows);
}

Test(qa_session, the_queue_lists_the_teams_open_samples_but_not_ones_own_work, .fini = fini)
{
    start("sam", "supervisor", NULL);
    put_item("s-1", "scheduling", "closed", "alice", "north");
    put_item("s-2", "scheduling", "closed", "bob", "north");
    put_item("s-3", "scheduling", "closed", "alice", "north");
    put_item("e-1", "eligibility", "closed", "erin", "north");
    put_sample("s-2", "scheduling", "north", "bob", "bob", NX_SF_NOW - 500, "open", NULL);
    put_sample("s-1", "scheduling", "north", "alice", "alice", NX_SF_NOW - 900, "open", NULL);
    put_sample("s-3", "scheduling", "north", "alice", "sam", NX_SF_NOW - 800, "open", NULL);
    put_sample("e-1", "eligibility", "north", "erin", "erin", NX_SF_NOW - 100, "reviewed", NULL);
    put_sample("x-9", "scheduling", "north", "carl", "carl", NX_SF_NOW - 50, "open", NULL);
    put_sample("z-1", "scheduling", "south", "zed", "zed", NX_SF_NOW - 50, "open", NULL);
    char ids[256];
    queue_ids(ids, sizeof ids);
    /* s-3: the supervisor took its completing step (a resolved conflict):
     * their own work. e-1: reviewed. z-1: another team. x-9 is listed,
     * though its item is not held (archived). */
    cr_expect_str_eq(ids, "s-1 s-2 x-9 ");
    nx_qa_counts c;
    char err[256] = "";
    cr_assert_eq(nx_session_qa_counts(&F.sess, &c, err, sizeof err), 0, "%s", err);
    cr_expect(c.reviewer);
    cr_expect_eq(c.to_review, 3);
    cr_expect_eq(c.capa_open, 0);

    nx_qa_row row;
    cr_assert_eq(nx_session_qa_sample(&F.sess, "nope", &row, err, sizeof err), 0);
}

Test(qa_session, an_agent_has_no_queue, .fini = fini)
{
    start("alice", "scheduling", NULL);
    put_item("s-1", "scheduling", "closed", "alice", "north");
    char ids[64];
    queue_ids(ids, sizeof ids);
    cr_expect_str_eq(ids, "");
    nx_qa_counts c;
    char err[256];
    cr_assert_eq(nx_session_qa_counts(&F.sess, &c, err, sizeof err), 0);
    cr_expect(!c.reviewer);
    cr_expect_eq(c.to_review, 0);
}

/* A policy file like the default with more allowed to supervisors. */
static void supervisor_may_edit(char *path, size_t len)
{
    char dir[4096];
    nx_t_tmpdir(dir, sizeof dir, "qa-policy");
    snprintf(path, len, "%s/policy.txt", dir);
    FILE *in = fopen(nx_t_root("assets/policy.txt"), "r"), *out = fopen(path, "w");
    cr_assert(in && out);
    char line[1024];
    int changed = 0;
    while (fgets(line, sizeof line, in)) {
        if (strncmp(line, "allow supervisor ", 17) == 0) {
            fputs("allow supervisor view,edit,status,note,reveal,assign,review,kpi,incident\n",
                  out);
            changed = 1;
        } else {
            fputs(line, out);
        }
    }
    fclose(in);
    fclose(out);
    cr_assert(changed);
}

static void shadow_refusals(const char *id)
{
    char err[512] = "";
    nx_item it;
    cr_assert_eq(nx_session_open(&F.sess, id, &it, err, sizeof err), 0, "%s", err);
    long long failed = n("SELECT count(*) FROM audit WHERE outcome<>'ok'");
    cr_expect_eq(nx_session_set(&F.sess, &it, "payer_ref", "REF-1", err, sizeof err), -1);
    cr_expect(strstr(err, "under QA review"), "%s", err);
    cr_expect(strstr(err, "pat's work"), "%s", err);
    cr_expect_eq(nx_session_transition(&F.sess, &it, "pending", NULL, err, sizeof err), -1);
    cr_expect(strstr(err, "under QA review"), "%s", err);
    cr_expect_eq(nx_session_note(&F.sess, &it, "Looks fine", 0, err, sizeof err), -1);
    cr_expect(strstr(err, "under QA review"), "%s", err);
    cr_expect_eq(nx_session_attempt(&F.sess, &it, "phone", "reached", "", err, sizeof err), -1);
    cr_expect_eq(nx_session_attach(&F.sess, &it, "DOC-1", "fax", err, sizeof err), -1);
    cr_expect(strstr(err, "under QA review"), "%s", err);
    cr_expect_eq(n("SELECT count(*) FROM audit WHERE outcome<>'ok'"), failed + 5,
                 "each refusal is a failed audit event");
    cr_expect_eq(n("SELECT count(*) FROM outbox WHERE kind IN "
                   "('set','status','note','attempt','attach')"), 0, "nothing goes to the hub");
    cr_expect_eq(n("SELECT count(*) FROM item_fields WHERE field='payer_ref'"), 0);
    nx_item_free(&it);
}

Test(qa_session, shadowing_refuses_every_change_to_the_work, .fini = fini)
{
    start("sam", "supervisor", NULL);
    put_item("pa-1", "prior-auth", "submitted", "pat", "north");
    char sid[40], err[512] = "";
    put_sample("pa-1", "prior-auth", "north", "pat", "pat", NX_SF_NOW - 100, "open", sid);
    nx_item it;
    nx_qa_row row;
    cr_assert_eq(nx_session_qa_shadow(&F.sess, sid, &row, &it, err, sizeof err), 0, "%s", err);
    cr_expect_str_eq(it.id, "pa-1");
    cr_expect_str_eq(row.agent, "pat");
    cr_expect_eq(n("SELECT count(*) FROM audit WHERE action='view' AND item_id='pa-1'"), 1,
                 "a shadowed opening is a view");
    nx_item_free(&it);
    shadow_refusals("pa-1");
    /* Re-routing is the supervisor's own act: it stays. */
    cr_assert_eq(nx_session_open(&F.sess, "pa-1", &it, err, sizeof err), 0, "%s", err);
    cr_expect_eq(nx_session_assign(&F.sess, &it, "alice", err, sizeof err), 0, "%s", err);
    nx_item_free(&it);
}

Test(qa_session, shadowing_holds_even_where_the_policy_lets_supervisors_edit, .fini = fini)
{
    char policy[4200], err[512] = "";
    supervisor_may_edit(policy, sizeof policy);
    start("sam", "supervisor", policy);
    put_item("pa-1", "prior-auth", "submitted", "pat", "north");
    put_item("pa-2", "prior-auth", "submitted", "pat", "north");
    put_sample("pa-1", "prior-auth", "north", "pat", "pat", NX_SF_NOW - 100, "reviewed", NULL);
    shadow_refusals("pa-1");
    /* pa-2 has no sample: this policy's supervisor may change it. */
    nx_item it;
    cr_assert_eq(nx_session_open(&F.sess, "pa-2", &it, err, sizeof err), 0, "%s", err);
    cr_expect_eq(nx_session_set(&F.sess, &it, "payer_ref", "REF-2", err, sizeof err), 0, "%s", err);
    nx_item_free(&it);
}

Test(qa_session, the_agent_keeps_working_a_sampled_item, .fini = fini)
{
    start("pat", "prior-auth", NULL);
    put_item("pa-1", "prior-auth", "submitted", "pat", "north");
    /* (A pull never brings a sample to its agent; even held, the guard lets
     * the assignee through.) */
    put_sample("pa-1", "prior-auth", "north", "pat", "pat", NX_SF_NOW - 100, "open", NULL);
    nx_item it;
    char err[512] = "";
    cr_assert_eq(nx_session_open(&F.sess, "pa-1", &it, err, sizeof err), 0, "%s", err);
    cr_expect_eq(nx_session_set(&F.sess, &it, "payer_ref", "REF-9", err, sizeof err), 0, "%s", err);
    nx_item_free(&it);
}

static const nx_qa_result sched_fail[] = { NX_QA_PASS, NX_QA_PASS, NX_QA_NA, NX_QA_PASS,
                                           NX_QA_PASS, NX_QA_FAIL, NX_QA_NA };

Test(qa_session, scorecard_then_capa_then_closure_with_the_overdue_count, .fini = fini)
{
    start("sam", "supervisor", NULL);
    put_item("s-1", "scheduling", "closed", "alice", "north");
    char sid[40], err[512] = "", rid[40];
    put_sample("s-1", "scheduling", "north", "alice", "alice", NX_SF_NOW - 900, "open", sid);

    /* A comment is required with a failed check. */
    nx_qa_tally t;
    cr_expect_eq(nx_session_qa_review(&F.sess, sid, sched_fail, 7, "", &t, rid, err, sizeof err),
                 -1);
    cr_expect(strstr(err, "comment"), "%s", err);
    cr_expect_eq(nx_session_qa_review(&F.sess, sid, sched_fail, 5, "x", &t, rid, err, sizeof err),
                 -1, "the kind's scorecard has 7 checks");
    cr_assert_eq(nx_session_qa_review(&F.sess, sid, sched_fail, 7,
                                      "Outcome logged without a next action", &t, rid, err,
                                      sizeof err), 0, "%s", err);
    cr_expect_eq(t.score, 80);
    cr_expect(!t.passed);
    cr_expect_eq(n("SELECT count(*) FROM records WHERE kind='qa_review' AND status='fail' "
                   "AND owner='alice' AND author='sam' AND team='north' AND item_id='s-1'"), 1);
    cr_expect_eq(n("SELECT count(*) FROM outbox WHERE kind='record' AND field='qa_review'"), 1);
    cr_expect_eq(n("SELECT count(*) FROM audit WHERE action='record' AND field='qa_review' "
                   "AND outcome='ok'"), 1);
    char ids[64];
    queue_ids(ids, sizeof ids);
    cr_expect_str_eq(ids, "", "reviewed here: it leaves the queue");
    cr_expect_eq(nx_session_qa_review(&F.sess, sid, sched_fail, 7, "again", &t, rid, err,
                                      sizeof err), -1, "one review per sample");

    /* The finding opens a CAPA: owner, due date (required), action. */
    int64_t due;
    cr_assert_eq(nx_capa_due_parse("UTC", "2026-06-08", &due, err, sizeof err), 0);
    nx_capa_spec sp = { .due = due, .finding = "Outcome logged without a next action",
                        .action = "Coach alice on the outreach log", .resolution = "" };
    snprintf(sp.item_id, sizeof sp.item_id, "s-1");
    snprintf(sp.review, sizeof sp.review, "%s", rid);
    snprintf(sp.owner, sizeof sp.owner, "alice");
    nx_capa_spec nodue = sp;
    nodue.due = 0;
    char cid[40];
    cr_expect_eq(nx_session_capa_save(&F.sess, &nodue, cid, err, sizeof err), -1);
    cr_expect(strstr(err, "due date"), "%s", err);
    cr_assert_eq(nx_session_capa_save(&F.sess, &sp, cid, err, sizeof err), 0, "%s", err);
    nx_qa_counts c;
    cr_assert_eq(nx_session_qa_counts(&F.sess, &c, err, sizeof err), 0, "%s", err);
    cr_expect_eq(c.capa_open, 1);
    cr_expect_eq(c.capa_overdue, 0);

    /* A week later, past the due date: overdue on the dashboard. */
    clock_now = due + 3600;
    cr_assert_eq(nx_session_qa_counts(&F.sess, &c, err, sizeof err), 0);
    cr_expect_eq(c.capa_overdue, 1);
    nx_capa_view *v = NULL;
    size_t cnt = 0;
    cr_assert_eq(nx_session_capa_list(&F.sess, &v, &cnt, err, sizeof err), 0, "%s", err);
    cr_assert_eq(cnt, 1);
    cr_expect(v[0].overdue);
    cr_expect(v[0].pending, "waits for the hub");
    cr_expect_str_eq(v[0].b.review, rid);
    cr_expect_str_eq(v[0].rec.owner, "alice");
    nx_capa_views_free(v, cnt);

    /* In progress, then closed with its resolution: no longer counted. */
    nx_capa_spec mv = { .finding = NULL };
    snprintf(mv.id, sizeof mv.id, "%s", cid);
    snprintf(mv.status, sizeof mv.status, "in-progress");
    cr_assert_eq(nx_session_capa_save(&F.sess, &mv, NULL, err, sizeof err), 0, "%s", err);
    snprintf(mv.status, sizeof mv.status, "closed");
    cr_expect_eq(nx_session_capa_save(&F.sess, &mv, NULL, err, sizeof err), -1);
    cr_expect(strstr(err, "resolution"), "%s", err);
    mv.resolution = "Coached 2026-06-09; next 10 calls checked, all logged";
    cr_assert_eq(nx_session_capa_save(&F.sess, &mv, NULL, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_session_qa_counts(&F.sess, &c, err, sizeof err), 0);
    cr_expect_eq(c.capa_open, 0);
    cr_expect_eq(c.capa_overdue, 0);
    cr_expect_eq(n("SELECT count(*) FROM outbox WHERE kind='record' AND field='capa'"), 3);
    cr_expect_eq(n("SELECT count(*) FROM records WHERE kind='capa' AND status='closed'"), 1);
}
