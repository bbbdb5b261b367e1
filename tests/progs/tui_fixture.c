/* tests/progs — tui_fixture: a profile with fixed synthetic items for the
 * client's headless tests and benchmark. The training seed draws its data
 * at random; golden screens need the same rows, names and times on every
 * run, so this program writes them through core's store API from fixed
 * lists, relative to a fixed "now" (the tests pin NEXUS_TEST_NOW to it).
 *
 * Program: tui_fixture DIR ROLE [EXTRA [PASS_AGE_DAYS]]
 *   DIR            the profile directory (created; must not hold one)
 *   ROLE           the profile's role (scheduling, eligibility, ...)
 *   EXTRA          items beyond the fixed ones (benchmark: 100000), spread
 *                  over the four kinds, names from the fixed lists
 *   PASS_AGE_DAYS  how old the passphrase is (default 10; 88 gives the
 *                  reminder, 91 the forced change)
 * The passphrase is TUI_FIXTURE_PASS; user "agent", team "blue", TRAINING.
 * A supervisor's profile also holds a conflict inbox, as a pull leaves it.
 * The key derivation is the test-only minimum, so unlocking takes
 * milliseconds; TUI_FIXTURE_KDF=interactive gives one a release build
 * opens (the benchmark). Prints nothing on success; exit 1 with a message. */
#include "domain/roles.h"
#include "profile/profile.h"
#include "store/conflict_store.h"
#include "store/rows.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TUI_FIXTURE_PASS "Golden-Pass-1!"
/* 2026-03-02 15:00 UTC, a Monday; TUI_FIXTURE_NOW (unix seconds) moves
 * it, for a release build, which runs on the real clock (the benchmark). */
static int64_t fixture_now = 1772463600LL;
#define HOUR 3600LL
#define DAY (24 * HOUR)

typedef struct {
    const char *family, *given, *dob, *phone, *payer, *member;
} person;

/* Non-ASCII names on purpose: widths must stay aligned on screen. */
static const person people[] = {
    { "Núñez", "José", "1958-04-12", "2125550147", "Bluewater Health Plan", "BWH100200300" },
    { "Nguyễn", "Thị Hoa", "1990-11-03", "4155550182", "Summit Mutual Insurance", "SMI554433221" },
    { "王", "伟", "1975-06-30", "6175550111", "Cardinal Care HMO", "CCH998877665" },
    { "Okafor", "Amara", "1983-02-14", "3125550190", "Prairie State Medicaid", "PSM123123123" },
    { "Lindqvist", "Hana", "2001-09-09", "2065550133", "Bluewater Health Plan", "BWH300200100" },
    { "Brightwater", "Leo", "1964-12-24", "3055550175", "Summit Mutual Insurance", "SMI112233445" },
    { "Müller-Hart", "Grace", "1949-07-01", "5035550128", "Cardinal Care HMO", "CCH445566778" },
    { "Çelik", "Renée", "1996-03-17", "7025550164", "Prairie State Medicaid", "PSM321321321" },
};
#define NPEOPLE (int)(sizeof people / sizeof people[0])

typedef struct {
    const char *kind, *status;
    int person, priority;
    int64_t due_offset;        /* from fixture_now; 0 = no due time */
    const char *assignee;      /* NULL = the user */
} fixed_item;

static const fixed_item items[] = {
    { "scheduling", "new", 0, 1, -2 * DAY, NULL },
    { "scheduling", "verifying", 1, 0, 3 * HOUR, NULL },
    { "scheduling", "new", 2, 0, 1 * DAY, NULL },
    { "scheduling", "in-progress", 3, 1, 2 * DAY, NULL },
    { "scheduling", "new", 4, 0, -5 * HOUR, NULL },
    { "scheduling", "new", 5, 0, 4 * DAY, "other" },
    { "eligibility", "new", 2, 0, -1 * DAY, NULL },
    { "eligibility", "verifying", 0, 1, 5 * HOUR, NULL },
    { "eligibility", "new", 6, 0, 2 * DAY, NULL },
    { "eligibility", "new", 7, 0, 6 * DAY, NULL },
    { "prior-auth", "draft", 1, 1, -3 * DAY, NULL },
    { "prior-auth", "submitted", 3, 0, 1 * DAY, NULL },
    { "prior-auth", "draft", 5, 0, 3 * DAY, NULL },
    { "roi", "new", 4, 0, -1 * HOUR, NULL },
    { "roi", "new", 7, 1, 2 * DAY, NULL },
    { "roi", "new", 0, 0, 9 * DAY, NULL },
};
#define NITEMS (int)(sizeof items / sizeof items[0])

static int fail(const char *what, const char *why)
{
    fprintf(stderr, "tui_fixture: %s: %s\n", what, why);
    return 1;
}

/* Deterministic filler for the benchmark: a small LCG, not rand(). */
static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

static int put_items(nx_store *st, long extra)
{
    static const char *const kinds[] = { "scheduling", "eligibility", "prior-auth", "roi" };
    static const char *const first[] = { "new", "new", "draft", "new" };
    char id[64], pid[64];
    for (int i = 0; i < NPEOPLE; i++) {
        const person *p = &people[i];
        char email[64], mrn[32], addr[96];
        snprintf(pid, sizeof pid, "pat-%02d", i + 1);
        snprintf(email, sizeof email, "patient%02d@example.invalid", i + 1);
        snprintf(mrn, sizeof mrn, "TRN%07d", 4242 + i * 111);
        snprintf(addr, sizeof addr, "%d Maple Ave, Springfield, IL 6270%d", 10 + i, i);
        nx_patient_row r = { pid, "cl-lakeside", p->family, p->given, p->dob, p->phone, email,
                             addr, mrn, p->member, p->payer, i == 3 ? "yes" : "no", "no", "" };
        if (nx_store_patient_put(st, &r))
            return -1;
    }
    for (int i = 0; i < NITEMS; i++) {
        const fixed_item *f = &items[i];
        snprintf(id, sizeof id, "%s-%02d", f->kind, i + 1);
        snprintf(pid, sizeof pid, "pat-%02d", f->person + 1);
        nx_item_row r = { .id = id, .kind = f->kind, .client_id = "cl-lakeside",
                          .patient_id = pid, .status = f->status,
                          .assignee = f->assignee ? f->assignee : "agent", .team = "blue",
                          .priority = f->priority, .created = fixture_now - 7 * DAY,
                          .updated = fixture_now - 7 * DAY,
                          .due = f->due_offset ? fixture_now + f->due_offset : 0 };
        if (nx_store_item_put(st, &r))
            return -1;
    }
    uint32_t seed = 42;
    for (long i = 0; i < extra; i++) {
        int k = (int)(i % 4);
        snprintf(id, sizeof id, "bulk-%07ld", i + 1);
        snprintf(pid, sizeof pid, "pat-%02d", (int)(lcg(&seed) % NPEOPLE) + 1);
        int64_t due = fixture_now - 3 * DAY + (int64_t)(lcg(&seed) % (13 * DAY));
        nx_item_row r = { .id = id, .kind = kinds[k], .client_id = "cl-lakeside",
                          .patient_id = pid, .status = first[k], .assignee = "agent",
                          .team = "blue", .priority = lcg(&seed) % 10 < 2,
                          .created = fixture_now - 14 * DAY, .updated = fixture_now - 14 * DAY, .due = due };
        if (nx_store_item_put(st, &r))
            return -1;
    }
    return 0;
}

/* A supervisor's conflict inbox: a status step and a value the hub could
 * not merge, and one resolved here, waiting for the hub. */
static int put_conflicts(nx_store *st)
{
    static const struct {
        int64_t id;
        const char *item, *kind, *field, *value, *detail, *state;
        int64_t ago;
    } rows[] = {
        { 41, "prior-auth-12", "status", "status", "closed",
          "step draft -> closed; the hub had submitted", "open", 2 * HOUR },
        { 42, "eligibility-08", "field", "coverage_ref", "CV-20260301",
          "a later edit won (op 9b0c2e41)", "open", 5 * HOUR },
        { 43, "scheduling-04", "field", "assignee", "other", "assignment lost to a later one",
          "discarded", DAY },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        nx_conflict_rec c;
        memset(&c, 0, sizeof c);
        c.id = rows[i].id;
        snprintf(c.item_id, sizeof c.item_id, "%s", rows[i].item);
        snprintf(c.kind, sizeof c.kind, "%s", rows[i].kind);
        snprintf(c.field, sizeof c.field, "%s", rows[i].field);
        snprintf(c.value, sizeof c.value, "%s", rows[i].value);
        snprintf(c.detail, sizeof c.detail, "%s", rows[i].detail);
        snprintf(c.state, sizeof c.state, "%s", rows[i].state);
        snprintf(c.op_id, sizeof c.op_id, "%s", strcmp(rows[i].state, "open") ? "op-43" : "");
        c.at = fixture_now - rows[i].ago;
        if (nx_conflict_put(st, &c))
            return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 5)
        return fail("usage", "tui_fixture DIR ROLE [EXTRA [PASS_AGE_DAYS]]");
    if (nx_role_parse(argv[2]) < 0)
        return fail(argv[2], "not a role");
    long extra = argc > 3 ? strtol(argv[3], NULL, 10) : 0;
    const char *now = getenv("TUI_FIXTURE_NOW");
    if (now && *now)
        fixture_now = strtoll(now, NULL, 10);
    long age = argc > 4 ? strtol(argv[4], NULL, 10) : 10;
    if (nx_crypt_init() != 0)
        return fail("crypto", "cannot initialise");
    nx_conf c;
    nx_conf_defaults(&c);
    snprintf(c.cache_dir, sizeof c.cache_dir, "%s", argv[1]);
    char err[1024];
    nx_profile p;
    if (nx_profile_paths(&p, &c, err, sizeof err))
        return fail(argv[1], err);
    nx_profile_info info = { .user = "agent", .team = "blue", .training = 1 };
    snprintf(info.role, sizeof info.role, "%s", argv[2]);
    memset(info.device_id, 0x42, sizeof info.device_id);
    info.created = fixture_now - 30 * DAY;
    info.passphrase_set = fixture_now - age * DAY;
    const char *kdf_name = getenv("TUI_FIXTURE_KDF");
    nx_kdf_level kdf = NX_KDF_TEST_ONLY;
    if (kdf_name && nx_kdf_level_parse(kdf_name, &kdf) != 0)
        return fail(kdf_name, "not a key derivation level");
    if (nx_profile_create(&p, TUI_FIXTURE_PASS, strlen(TUI_FIXTURE_PASS), kdf, &info,
                          err, sizeof err))
        return fail(argv[1], err);
    nx_client_row cl = { "cl-lakeside", "Lakeside Family Clinic", "America/New_York",
                         "Charge nurse 555-0101", "" };
    int rc = nx_store_begin(p.store);
    if (rc == 0)
        rc = nx_store_client_put(p.store, &cl) || put_items(p.store, extra) ||
             (strcmp(argv[2], "supervisor") == 0 && put_conflicts(p.store)) ||
             nx_store_meta_set(p.store, "training", "1");
    if (rc == 0)
        rc = nx_store_commit(p.store);
    else
        nx_store_rollback(p.store);
    const char *why = rc ? nx_store_errmsg(p.store) : "";
    char msg[256];
    snprintf(msg, sizeof msg, "%s", why);
    nx_profile_close(&p);
    return rc ? fail("items", msg) : 0;
}
