/* Oversight records on the laptop (issue 6; core/domain/record,
 * core/store/record_store, core/session/session_record):
 *   - the op's JSON is strict both ways and round-trips;
 *   - who may read each kind (nx_record_visible);
 *   - a save is one transaction of the row, its `record` op and a `record`
 *     audit event; author and creation time cannot be forged or changed;
 *     a refused save writes nothing but a failed audit event;
 *   - the hub's copy does not replace a row whose change is still in
 *     flight; the hub's answer settles it (refused: the reason is kept). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/record.h"
#include "domain/capa.h"
#include "session/session_record.h"
#include "store/record_store.h"
#include "store/sync_store.h"
#include "tests/helpers/syncfix.h"

static nx_sf F;

static long long n(const char *sql) { return nx_sf_count(&F, sql); }

static void start(const char *user, const char *role)
{
    char err[512] = "";
    cr_assert_eq(nx_sf_open(&F, "records", user, role, 0, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_sf_session(&F, err, sizeof err), 0, "%s", err);
}

static void fini(void) { nx_sf_close(&F); }

/* A report as core/domain/incident.h wants it filed by carol: discovered
 * an hour before NX_SF_NOW, due (the 48 h assessment clock) set to match. */
#define REPORT(people)                                                                   \
    "{\"type\":\"mis-fax\",\"description\":\"Synthetic\",\"discovered_at\":1780297200," \
    "\"people_affected\":" people ",\"steps\":[{\"step\":\"reported\",\"at\":1780300800," \
    "\"by\":\"carol\"}]}"
#define REPORT_DUE (1780297200 + 48 * 3600)

static nx_record incident(const char *id, const char *status, const char *body)
{
    nx_record r = { 0 };
    snprintf(r.id, sizeof r.id, "%s", id);
    snprintf(r.kind, sizeof r.kind, "incident");
    snprintf(r.status, sizeof r.status, "%s", status);
    cr_assert_eq(nx_record_set_body(&r, body), 0);
    return r;
}

Test(records, the_ops_json_is_strict_and_round_trips)
{
    nx_record r = { .due = 1780400000, .created = 1780300000 };
    snprintf(r.item_id, sizeof r.item_id, "it-1");
    snprintf(r.team, sizeof r.team, "north");
    snprintf(r.owner, sizeof r.owner, "bob");
    snprintf(r.status, sizeof r.status, "open");
    cr_assert_eq(nx_record_set_body(&r, "{\"what\":\"Synthetic \\u00e9v\\u00e8nement\",\"n\":3}"),
                 0);
    char *json = NULL;
    cr_assert_eq(nx_record_to_json(&r, &json), 0);
    nx_record back = { 0 };
    char err[256] = "";
    cr_assert_eq(nx_record_from_json(&back, json, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(back.item_id, "it-1");
    cr_assert_str_eq(back.team, "north");
    cr_assert_str_eq(back.owner, "bob");
    cr_assert_str_eq(back.status, "open");
    cr_assert_eq(back.due, 1780400000);
    cr_assert_eq(back.created, 1780300000);
    cr_assert_str_eq(back.body, "{\"n\":3,\"what\":\"Synthetic \xc3\xa9v\xc3\xa8nement\"}");
    free(json);
    nx_record_clear(&back);
    nx_record_clear(&r);

    static const char *const bad[] = {
        "", "[]", "{\"item_id\":\"\"}",
        /* an extra key */
        "{\"item_id\":\"\",\"team\":\"\",\"owner\":\"\",\"status\":\"open\",\"due\":0,"
        "\"created\":0,\"body\":{},\"author\":\"mallory\"}",
        /* a string where a time goes */
        "{\"item_id\":\"\",\"team\":\"\",\"owner\":\"\",\"status\":\"open\",\"due\":\"0\","
        "\"created\":0,\"body\":{}}",
        /* a body that is not an object */
        "{\"item_id\":\"\",\"team\":\"\",\"owner\":\"\",\"status\":\"open\",\"due\":0,"
        "\"created\":0,\"body\":\"Synthetic Patient\"}",
        /* duplicate keys */
        "{\"item_id\":\"\",\"item_id\":\"x\",\"team\":\"\",\"owner\":\"\",\"status\":\"o\","
        "\"due\":0,\"created\":0,\"body\":{}}",
        /* a negative time */
        "{\"item_id\":\"\",\"team\":\"\",\"owner\":\"\",\"status\":\"open\",\"due\":-5,"
        "\"created\":0,\"body\":{}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        nx_record x = { 0 };
        err[0] = 0;
        cr_expect_eq(nx_record_from_json(&x, bad[i], err, sizeof err), -1, "case %zu", i);
        cr_expect(err[0], "case %zu has no message", i);
        cr_expect_null(strstr(err, "Synthetic"), "the message quotes a value: %s", err);
        nx_record_clear(&x);
    }
}

Test(records, who_reads_each_kind)
{
    nx_record r = { 0 };
    snprintf(r.team, sizeof r.team, "north");
    snprintf(r.author, sizeof r.author, "sam");
    snprintf(r.owner, sizeof r.owner, "alice");
    snprintf(r.kind, sizeof r.kind, "qa_sample");
    cr_expect(nx_record_visible(&r, NX_ROLE_SUPERVISOR, "sam", "north"));
    cr_expect(!nx_record_visible(&r, NX_ROLE_SUPERVISOR, "sue", "south"));
    cr_expect(!nx_record_visible(&r, NX_ROLE_SCHEDULING, "alice", "north"),
              "the sampled agent is not told");
    cr_expect(!nx_record_visible(&r, NX_ROLE_SUPERVISOR, "alice", "north"),
              "a reviewer's own work is not in their sample");
    snprintf(r.kind, sizeof r.kind, "qa_review");
    cr_expect(nx_record_visible(&r, NX_ROLE_SCHEDULING, "alice", "north"),
              "the agent sees the review of their work");
    cr_expect(!nx_record_visible(&r, NX_ROLE_SCHEDULING, "carol", "north"));
    snprintf(r.kind, sizeof r.kind, "incident");
    snprintf(r.author, sizeof r.author, "carol");
    snprintf(r.owner, sizeof r.owner, "");
    cr_expect(nx_record_visible(&r, NX_ROLE_PRIVACY_OFFICER, "pat", ""));
    cr_expect(nx_record_visible(&r, NX_ROLE_ROI, "carol", "north"));
    cr_expect(!nx_record_visible(&r, NX_ROLE_SUPERVISOR, "sam", "north"));
    cr_expect(nx_record_visible(&r, NX_ROLE_AUDITOR, "aud", ""));
    snprintf(r.kind, sizeof r.kind, "nonsense");
    cr_expect(!nx_record_visible(&r, NX_ROLE_SUPERVISOR, "sam", "north"));
}

Test(records, operations_counts_reviews_and_capas_without_their_text)
{
    nx_record r = { 0 };
    snprintf(r.team, sizeof r.team, "north");
    snprintf(r.author, sizeof r.author, "sam");
    snprintf(r.owner, sizeof r.owner, "alice");
    snprintf(r.kind, sizeof r.kind, "qa_review");
    cr_expect_eq(nx_record_sight_for(&r, NX_ROLE_OPERATIONS, "olga", ""), NX_REC_SEE_COUNTS);
    cr_expect_eq(nx_record_sight_for(&r, NX_ROLE_SUPERVISOR, "sam", "north"), NX_REC_SEE_FULL);
    cr_assert_eq(nx_record_set_body(&r, "{\"checks\":[{\"id\":\"identity\",\"result\":"
                                        "\"fail\"}],\"comment\":\"Synthetic Zed called\","
                                        "\"kind\":\"scheduling\",\"sample\":\"qs-1\","
                                        "\"score\":0}"), 0);
    cr_assert_eq(nx_record_redact(&r), 0);
    cr_expect_null(strstr(r.body, "Synthetic"), "%s", r.body);
    cr_expect(strstr(r.body, "\"comment\":\"\""), "%s", r.body);
    cr_expect(strstr(r.body, "\"score\":0"), "the figures stay: %s", r.body);
    cr_expect(strstr(r.body, "\"result\":\"fail\""), "%s", r.body);
    snprintf(r.kind, sizeof r.kind, "capa");
    cr_expect_eq(nx_record_sight_for(&r, NX_ROLE_OPERATIONS, "olga", ""), NX_REC_SEE_COUNTS);
    cr_assert_eq(nx_record_set_body(&r, "{\"action\":\"Coach Zed\",\"finding\":\"Zed's "
                                        "DOB read aloud\",\"resolution\":\"\",\"review\":"
                                        "\"qr-1\"}"), 0);
    cr_assert_eq(nx_record_redact(&r), 0);
    cr_expect_null(strstr(r.body, "Zed"), "%s", r.body);
    cr_expect(strstr(r.body, "\"review\":\"qr-1\""), "the link stays: %s", r.body);
    nx_capa_body b;
    char err[256] = "";
    cr_expect_eq(nx_capa_body_parse(r.body, &b, err, sizeof err), 0,
                 "the kind's parser still reads it: %s", err);
    const char *others[] = { "qa_sample", "incident", "patient_request", "disclosure" };
    for (size_t i = 0; i < sizeof others / sizeof *others; i++) {
        snprintf(r.kind, sizeof r.kind, "%s", others[i]);
        cr_expect_eq(nx_record_sight_for(&r, NX_ROLE_OPERATIONS, "olga", ""), NX_REC_SEE_NONE,
                     "%s", others[i]);
    }
    cr_assert_eq(nx_record_set_body(&r, "[1]"), 0);
    cr_expect_eq(nx_record_redact(&r), -1, "not an object: nothing to send");
    nx_record_clear(&r);
}

Test(records, a_save_is_the_row_its_op_and_its_audit_event, .fini = fini)
{
    start("carol", "roi");
    char err[512] = "";
    nx_record r = incident("", "reported", REPORT("1"));
    r.due = REPORT_DUE;
    snprintf(r.author, sizeof r.author, "mallory");        /* ignored */
    cr_assert_eq(nx_session_record_save(&F.sess, &r, err, sizeof err), 0, "%s", err);
    cr_assert(r.id[0], "a new record gets an id");
    cr_expect_str_eq(r.author, "carol");
    cr_expect_eq(r.created, NX_SF_NOW);
    cr_expect_str_eq(r.team, "north");
    cr_expect_eq(n("SELECT count(*) FROM records WHERE author='carol' AND op_id<>''"), 1);
    cr_expect_eq(n("SELECT count(*) FROM outbox WHERE kind='record' AND field='incident'"), 1);
    cr_expect_eq(n("SELECT count(*) FROM outbox o JOIN records r ON r.op_id=o.op_id"), 1);
    cr_expect_eq(n("SELECT count(*) FROM audit WHERE action='record' AND field='incident' "
                   "AND outcome='ok'"), 1);

    /* A change keeps author and creation time whatever the screen sends. */
    nx_record_row row;
    cr_assert_eq(nx_session_record_get(&F.sess, r.id, &row, err, sizeof err), 1);
    nx_record c;
    cr_assert_eq(nx_record_copy(&c, &row.rec), 0);
    nx_record_row_clear(&row);
    snprintf(c.author, sizeof c.author, "mallory");
    c.created = 5;
    cr_assert_eq(nx_record_set_body(&c, REPORT("2")), 0);   /* the reporter corrects it */
    cr_assert_eq(nx_session_record_save(&F.sess, &c, err, sizeof err), 0, "%s", err);
    cr_expect_str_eq(c.author, "carol");
    cr_expect_eq(c.created, NX_SF_NOW);
    cr_expect_eq(n("SELECT count(*) FROM records WHERE body LIKE '%\"people_affected\":2%'"), 1);
    cr_expect_eq(n("SELECT count(*) FROM outbox WHERE kind='record'"), 2);
    nx_record_clear(&c);
    nx_record_clear(&r);

    /* A kind nobody on a laptop writes is refused: nothing but a failed event. */
    nx_record s = { 0 };
    snprintf(s.kind, sizeof s.kind, "qa_sample");
    snprintf(s.status, sizeof s.status, "open");
    cr_expect_eq(nx_session_record_save(&F.sess, &s, err, sizeof err), -1);
    cr_expect(strstr(err, "drawn by the hub"), "%s", err);
    cr_expect_eq(n("SELECT count(*) FROM records WHERE kind='qa_sample'"), 0);
    cr_expect_eq(n("SELECT count(*) FROM audit WHERE action='record' AND outcome<>'ok'"), 1);
    nx_record_clear(&s);
}

Test(records, the_hub_copy_waits_for_the_answer_to_a_change_in_flight, .fini = fini)
{
    start("carol", "roi");
    char err[512] = "";
    nx_record r = incident("inc-1", "reported", REPORT("1"));
    r.due = REPORT_DUE;
    cr_assert_eq(nx_session_record_save(&F.sess, &r, err, sizeof err), 0, "%s", err);
    char op_id[64];
    nx_sf_text(&F, "SELECT op_id FROM records WHERE id='inc-1'", op_id, sizeof op_id);
    cr_assert(op_id[0]);

    nx_store *st = F.prof.store;
    nx_record hub = incident("inc-1", "closed", "{\"from\":\"hub\"}");
    snprintf(hub.author, sizeof hub.author, "carol");
    hub.created = NX_SF_NOW;
    hub.hlc = 77;
    cr_expect_eq(nx_record_apply(st, &hub), 0, "a change in flight keeps the local row");
    cr_expect_eq(n("SELECT count(*) FROM records WHERE status='reported'"), 1);

    /* Refused: the reason stays on the row until the hub's copy comes. */
    cr_assert_eq(nx_outbox_settle(st, op_id, "not allowed", NX_SF_NOW), 1);
    cr_expect_eq(n("SELECT count(*) FROM records WHERE op_id='' AND refused='not allowed'"), 1);
    cr_expect_eq(nx_record_apply(st, &hub), 1);
    cr_expect_eq(n("SELECT count(*) FROM records WHERE status='closed' AND refused='' "
                   "AND hlc=77 AND body='{\"from\":\"hub\"}'"), 1);

    nx_record_filter f = { .kind = "incident", .not_status = "open" };
    cr_expect_eq(nx_record_count(st, &f), 1);
    f.status = "identify";
    cr_expect_eq(nx_record_count(st, &f), 0);
    nx_record_clear(&hub);
    nx_record_clear(&r);
}

static int append(void *ctx, const nx_record_row *r)
{
    strcat((char *)ctx, r->rec.id);
    strcat((char *)ctx, " ");
    return 0;
}

Test(records, filters_select_and_order_by_due, .fini = fini)
{
    start("sam", "supervisor");
    nx_store *st = F.prof.store;
    const struct { const char *id, *owner, *status; int64_t due; } rows[] = {
        { "c1", "alice", "open", 300 }, { "c2", "bob", "closed", 100 },
        { "c3", "alice", "open", 0 },   { "c4", "alice", "in-progress", 200 },
    };
    for (size_t i = 0; i < 4; i++) {
        nx_record r = { .due = rows[i].due, .created = (int64_t)i + 1 };
        snprintf(r.id, sizeof r.id, "%s", rows[i].id);
        snprintf(r.kind, sizeof r.kind, "capa");
        snprintf(r.team, sizeof r.team, "north");
        snprintf(r.owner, sizeof r.owner, "%s", rows[i].owner);
        snprintf(r.status, sizeof r.status, "%s", rows[i].status);
        cr_assert_eq(nx_record_apply(st, &r), 1);
    }
    nx_record_filter f = { .kind = "capa", .owner = "alice", .not_status = "closed" };
    cr_expect_eq(nx_record_count(st, &f), 3);
    f.due_before = 250;
    cr_expect_eq(nx_record_count(st, &f), 1, "due 0 is no due time");
    char order[64] = "";
    nx_record_filter all = { .kind = "capa" };
    cr_assert_eq(nx_record_scan(st, &all, append, order), 0);
    cr_expect_str_eq(order, "c2 c4 c1 c3 ");
}
