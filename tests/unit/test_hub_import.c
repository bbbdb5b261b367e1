/* Import (JSON Lines, validated, all or nothing, errors by line without
 * values), export (sealed and plaintext) round trips, and seed. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "domain/dict.h"
#include "store/items_io.h"
#include "store/rows.h"
#include "tests/unit/test_hub_fixture.h"

static hubt T;
static char path[4400];

static void setup(void)
{
    hubt_init(&T, "hub-import", 0);
    hubt_client(&T, "cl-test");
    snprintf(path, sizeof path, "%s/items.jsonl", T.base);
}
static void teardown(void) { hubt_done(&T); }

TestSuite(hub_import, .init = setup, .fini = teardown);

static const char good[] = HUBT_LINE_SCHED "\n" HUBT_LINE_ELIG "\n\n" HUBT_LINE_PA "\n"
                           HUBT_LINE_ROI "\n";

static int64_t count(const char *table)
{
    return nx_store_count(nx_hub_store(T.h), table);
}

static int field_value(void *arg, const char *field, const char *value)
{
    char *out = arg;
    if (strcmp(field, "visit_type") == 0)
        snprintf(out, 64, "%s", value);
    return 0;
}

Test(hub_import, a_good_file_imports_every_item_with_a_revision)
{
    hubt_write(path, good);
    int64_t n = 0;
    cr_assert_eq(nx_hub_import_file(T.h, path, &n, T.err, sizeof T.err), 0, "%s", T.err);
    cr_assert_eq(n, 4);
    cr_assert_eq(count("items"), 4);
    cr_assert_eq(count("patients"), 2);
    cr_assert_eq(count("notes"), 1);
    cr_assert_eq(nx_hub_rev(T.h), 4);
    nx_item_rec r;
    cr_assert_eq(nx_store_item_get(nx_hub_store(T.h), "it-s1", &r), 1);
    cr_assert_str_eq(r.status, "new");
    cr_assert_eq(r.priority, 1);
    cr_assert_str_eq(r.assignee, "alice");
    /* 2030-01-02 09:30 in New York (EST, UTC-5) is 14:30 UTC. */
    cr_assert_eq(r.due, 1893594600);
    char vt[64] = "";
    nx_store_item_fields(nx_hub_store(T.h), "it-s1", field_value, vt);
    cr_assert_str_eq(vt, "follow-up");
    cr_assert_eq(nx_store_item_get(nx_hub_store(T.h), "it-p1", &r), 1);
    cr_assert_str_eq(r.status, "draft");
    int64_t rev;
    cr_assert_eq(nx_hub_item_rev(T.h, "it-r1", &rev), 1);
    cr_assert_eq(rev, 4);
    uint64_t events;
    char msg[256];
    cr_assert_eq(nx_hub_audit_verify(T.h, &events, msg, sizeof msg), 0, "%s", msg);
    cr_assert_eq(events, 3);   /* init, client-add, import */
}

/* The file is rejected whole, the message names the line and never the
 * value. */
static void rejected(const char *bad_line, int line_no, const char *must_say, const char *secret)
{
    char text[8192];
    snprintf(text, sizeof text, "%s\n%s\n%s\n", HUBT_LINE_SCHED, HUBT_LINE_ELIG, bad_line);
    hubt_write(path, text);
    int64_t n = 99;
    cr_assert_eq(nx_hub_import_file(T.h, path, &n, T.err, sizeof T.err), -1, "accepted: %s", bad_line);
    cr_assert_eq(n, 0);
    char where[4500];
    snprintf(where, sizeof where, "%s:%d: ", path, line_no);
    cr_assert(strncmp(T.err, where, strlen(where)) == 0, "%s", T.err);
    cr_assert(strstr(T.err, must_say), "%s (wanted '%s')", T.err, must_say);
    if (secret)
        cr_assert_null(strstr(T.err, secret), "%s", T.err);
    cr_assert_eq(count("items"), 0);
    cr_assert_eq(count("patients"), 0);
    cr_assert_eq(nx_hub_rev(T.h), 0);
}

Test(hub_import, a_bad_value_rejects_the_whole_file)
{
    rejected("{\"id\":\"it-x\",\"kind\":\"scheduling\",\"client\":\"cl-test\",\"patient\":{\"id\":\"pt-9\","
             "\"family_name\":\"Synthetic\",\"given_name\":\"Sample\",\"dob\":\"1970-02-31\"}}",
             3, "dob", "1970-02-31");
}

Test(hub_import, a_bad_phone_is_named_not_shown)
{
    rejected("{\"id\":\"it-x\",\"kind\":\"scheduling\",\"client\":\"cl-test\",\"patient\":{\"id\":\"pt-9\","
             "\"family_name\":\"Synthetic\",\"given_name\":\"Sample\",\"phone\":\"55-SECRET\"}}",
             3, "phone", "SECRET");
}

Test(hub_import, not_json)
{
    rejected("{\"id\":\"it-x\", \"kind\": \"Secretname", 3, "not valid JSON", "Secretname");
}

Test(hub_import, unknown_key_wrong_kind_field_bad_status)
{
    rejected("{\"id\":\"it-x\",\"kind\":\"scheduling\",\"client\":\"cl-test\",\"color\":\"red\","
             "\"patient\":{\"id\":\"pt-9\",\"family_name\":\"S\",\"given_name\":\"S\"}}",
             3, "unknown key", NULL);
    rejected("{\"id\":\"it-x\",\"kind\":\"scheduling\",\"client\":\"cl-test\",\"patient\":{\"id\":"
             "\"pt-9\",\"family_name\":\"S\",\"given_name\":\"S\"},\"fields\":{\"dx_codes\":\"E11.9\"}}",
             3, "not a field of scheduling", NULL);
    rejected("{\"id\":\"it-x\",\"kind\":\"roi\",\"client\":\"cl-test\",\"patient\":{\"id\":"
             "\"pt-9\",\"family_name\":\"S\",\"given_name\":\"S\"},\"status\":\"approved\"}",
             3, "'status'", NULL);
    rejected("{\"id\":\"it-x\",\"kind\":\"teleport\",\"client\":\"cl-test\",\"patient\":{\"id\":"
             "\"pt-9\",\"family_name\":\"S\",\"given_name\":\"S\"}}", 3, "'kind'", NULL);
}

Test(hub_import, references_and_duplicates)
{
    rejected("{\"id\":\"it-x\",\"kind\":\"roi\",\"client\":\"cl-nope\",\"patient\":{\"id\":"
             "\"pt-9\",\"family_name\":\"S\",\"given_name\":\"S\"}}", 3, "client cl-nope", NULL);
    rejected(HUBT_LINE_SCHED, 3, "it-s1", NULL);
    rejected("{\"id\":\"it-x\",\"kind\":\"roi\",\"client\":\"cl-test\",\"patient\":{\"id\":"
             "\"pt-new\"}}", 3, "family_name", NULL);
    rejected("{\"id\":\"it-x\",\"id\":\"it-y\",\"kind\":\"roi\"}", 3, "not valid JSON", NULL);
}

Test(hub_import, an_existing_item_is_an_error)
{
    hubt_write(path, HUBT_LINE_SCHED "\n");
    cr_assert_eq(nx_hub_import_file(T.h, path, NULL, T.err, sizeof T.err), 0, "%s", T.err);
    hubt_write(path, HUBT_LINE_ROI "\n" HUBT_LINE_SCHED "\n");
    cr_assert_eq(nx_hub_import_file(T.h, path, NULL, T.err, sizeof T.err), -1);
    cr_assert(strstr(T.err, ":2: item it-s1 already exists"), "%s", T.err);
    cr_assert_eq(count("items"), 1);
}

Test(hub_import, a_patient_of_another_client_is_refused)
{
    hubt_client(&T, "cl-other");
    hubt_write(path, HUBT_LINE_SCHED "\n"
               "{\"id\":\"it-z\",\"kind\":\"roi\",\"client\":\"cl-other\",\"patient\":{\"id\":\"pt-1\"}}\n");
    cr_assert_eq(nx_hub_import_file(T.h, path, NULL, T.err, sizeof T.err), -1);
    cr_assert(strstr(T.err, ":2: patient pt-1 belongs to another client"), "%s", T.err);
    cr_assert_eq(count("items"), 0);
}

Test(hub_import, validate_only_without_a_store)
{
    int64_t n = 0;
    char err[512];
    cr_assert_eq(nx_hub_import_buffer(NULL, "buf", good, strlen(good), &n, err, sizeof err), 0, "%s", err);
    cr_assert_eq(n, 4);
    static const char dup[] = HUBT_LINE_ROI "\n" HUBT_LINE_ROI "\n";
    cr_assert_eq(nx_hub_import_buffer(NULL, "buf", dup, strlen(dup), &n, err, sizeof err), -1);
    cr_assert(strstr(err, "buf:2: item it-r1 appears twice"), "%s", err);
}

/* ---- export ---------------------------------------------------------------------- */

static char *slurp(const char *p, size_t *len)
{
    FILE *f = fopen(p, "rb");
    cr_assert_not_null(f, "%s", p);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    rewind(f);
    char *d = malloc(*len + 1);
    cr_assert_eq(fread(d, 1, *len, f), *len);
    d[*len] = '\0';
    fclose(f);
    return d;
}

/* Export, import into a fresh hub, export again: the same text. */
static void round_trip(int sealed)
{
    hubt_write(path, good);
    cr_assert_eq(nx_hub_import_file(T.h, path, NULL, T.err, sizeof T.err), 0, "%s", T.err);
    char out1[4500], out2[4500], pub[4500], sec[4500], opened[4500];
    snprintf(out1, sizeof out1, "%s/export1", T.base);
    snprintf(out2, sizeof out2, "%s/export2.jsonl", T.base);
    snprintf(pub, sizeof pub, "%s/admin.pub", T.base);
    snprintf(sec, sizeof sec, "%s/admin.sec", T.base);
    snprintf(opened, sizeof opened, "%s/opened.jsonl", T.base);
    int64_t n = 0;
    if (sealed) {
        cr_assert_eq(nx_hub_export_keygen(pub, sec, T.err, sizeof T.err), 0, "%s", T.err);
        struct stat st;
        cr_assert_eq(stat(sec, &st), 0);
        cr_assert_eq(st.st_mode & 0777, 0600);
        cr_assert_eq(nx_hub_export(T.h, out1, pub, 0, &n, T.err, sizeof T.err), 0, "%s", T.err);
        size_t len;
        char *raw = slurp(out1, &len);
        cr_assert(strncmp(raw, "nexus-hub-export-v1\n", 20) == 0);
        cr_assert_null(memmem(raw, len, "Synthetic", 9));
        cr_assert_null(memmem(raw, len, "it-s1", 5));
        free(raw);
        cr_assert_eq(nx_hub_export_open(out1, sec, opened, T.err, sizeof T.err), 0, "%s", T.err);
        /* Another key does not open it. */
        char pub2[4500], sec2[4500], bad[4500];
        snprintf(pub2, sizeof pub2, "%s/b.pub", T.base);
        snprintf(sec2, sizeof sec2, "%s/b.sec", T.base);
        snprintf(bad, sizeof bad, "%s/bad.jsonl", T.base);
        cr_assert_eq(nx_hub_export_keygen(pub2, sec2, T.err, sizeof T.err), 0);
        cr_assert_eq(nx_hub_export_open(out1, sec2, bad, T.err, sizeof T.err), -1);
    } else {
        cr_assert_eq(nx_hub_export(T.h, opened, NULL, 1, &n, T.err, sizeof T.err), 0, "%s", T.err);
        int64_t again = 0;
        cr_assert_eq(nx_hub_export(T.h, opened, NULL, 1, &again, T.err, sizeof T.err), -1);
        cr_assert(strstr(T.err, "never overwrites"), "%s", T.err);
    }
    cr_assert_eq(n, 4);
    size_t l1, l2;
    char *t1 = slurp(opened, &l1);
    cr_assert(strstr(t1, "\"id\":\"it-s1\""), "%s", t1);

    hubt t2;
    hubt_init(&t2, "hub-import-2", 0);
    hubt_client(&t2, "cl-test");
    int64_t m = 0;
    cr_assert_eq(nx_hub_import_file(t2.h, opened, &m, t2.err, sizeof t2.err), 0, "%s", t2.err);
    cr_assert_eq(m, 4);
    cr_assert_eq(nx_hub_export(t2.h, out2, NULL, 1, &n, t2.err, sizeof t2.err), 0, "%s", t2.err);
    char *t2t = slurp(out2, &l2);
    cr_assert_eq(l1, l2);
    cr_assert_str_eq(t1, t2t);
    free(t1);
    free(t2t);
    hubt_done(&t2);
}

static int cb(void *arg, const nx_hub_audit_row *r)
{
    (void)r;
    (*(int *)arg)++;
    return 0;
}

Test(hub_import, export_sealed_round_trip)
{
    round_trip(1);
    int n = 0;
    nx_hub_audit_filter f = { .action = "export" };
    cr_assert_eq(nx_hub_audit_query(T.h, &f, cb, &n), 0);
    cr_assert_eq(n, 1);
}

Test(hub_import, export_plaintext_round_trip)
{
    round_trip(0);
}

/* ---- seed ------------------------------------------------------------------------- */

typedef struct {
    const nx_dict *d;
    int bad;
} check_ctx;

static int check_field(void *arg, const char *field, const char *value)
{
    check_ctx *c = arg;
    const nx_field_def *f = nx_dict_find(c->d, field);
    char out[NX_VALUE_MAX];
    if (!f || nx_dict_check(f, value, out, sizeof out) != NULL)
        c->bad++;
    return 0;
}

Test(hub_import, seed_writes_n_valid_items_with_revisions)
{
    nx_hub_seed_spec s = { .n = 400, .team = "t9", .assignee = "alice" };
    cr_assert_eq(nx_hub_seed(T.h, &s, T.err, sizeof T.err), 0, "%s", T.err);
    cr_assert_eq(count("items"), 400);
    cr_assert_eq(nx_hub_rev(T.h), 400);
    nx_hub_seed_spec bad = { .n = 1, .kind = "teleport" };
    cr_assert_eq(nx_hub_seed(T.h, &bad, T.err, sizeof T.err), -1);
    /* Every seeded field passes the validators. */
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(nx_hub_db(T.h), "SELECT id, team, assignee FROM items", -1,
                                    &st, NULL), SQLITE_OK);
    check_ctx c = { nx_dict_default(), 0 };
    int rows = 0;
    char ids[400][64];
    while (sqlite3_step(st) == SQLITE_ROW) {
        cr_assert_str_eq((const char *)sqlite3_column_text(st, 1), "t9");
        cr_assert_str_eq((const char *)sqlite3_column_text(st, 2), "alice");
        snprintf(ids[rows++], 64, "%s", (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    for (int i = 0; i < rows; i++)
        nx_store_item_fields(nx_hub_store(T.h), ids[i], check_field, &c);
    cr_assert_eq(c.bad, 0);
    /* A seeded hub exports and the export imports (the validators agree). */
    char out[4500];
    snprintf(out, sizeof out, "%s/seed.jsonl", T.base);
    int64_t n = 0;
    cr_assert_eq(nx_hub_export(T.h, out, NULL, 1, &n, T.err, sizeof T.err), 0, "%s", T.err);
    cr_assert_eq(n, 400);
    hubt t2;
    hubt_init(&t2, "hub-seed-2", 1);
    nx_hub_client_spec cl = { .id = "syn-clinic", .name = "Synthetic", .tz = "America/Chicago" };
    cr_assert_eq(nx_hub_client_add(t2.h, &cl, t2.err, sizeof t2.err), 0, "%s", t2.err);
    cr_assert_eq(nx_hub_import_file(t2.h, out, &n, t2.err, sizeof t2.err), 0, "%s", t2.err);
    cr_assert_eq(n, 400);
    hubt_done(&t2);
}

/* 100 000 items take about 15 s in the release build (README); the
 * sanitized build is several times slower, so the unit test seeds 20 000
 * and bounds the time generously for a shared 2-core machine. */
Test(hub_import, seed_is_one_fast_transaction, .timeout = 180)
{
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    nx_hub_seed_spec s = { .n = 20000, .team = "t1" };
    cr_assert_eq(nx_hub_seed(T.h, &s, T.err, sizeof T.err), 0, "%s", T.err);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    cr_assert_eq(count("items"), 20000);
    cr_assert_lt(secs, 90.0, "seed of 20000 took %.1f s", secs);
}
