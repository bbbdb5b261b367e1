/* The new-item form's session side (core/session/session_new.c): the
 * clients to choose from, patients found by the start of a name in any
 * script and case (masked for the role, never searched where the role
 * sees names masked), every problem of a request at its part, and the
 * item written with its audit event and its sync op. Synthetic data. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/dict.h"
#include "profile/profile.h"
#include "session/session.h"
#include "session/session_new.h"
#include "store/rows.h"
#include "tests/helpers/run.h"

#define NOW 1780300800   /* 2026-06-01 08:00 UTC */

static nx_profile prof;
static nx_session sess;
static char dir[4096];

static int64_t fixed_clock(void *ctx) { (void)ctx; return NOW; }

typedef struct {
    const char *id, *client, *family, *given, *dob;
} tpatient;

static const tpatient people[] = {
    { "pt-1", "cl-a", "Núñez", "José", "1958-04-12" },
    { "pt-2", "cl-a", "NÚÑEZ", "Ana", "1971-01-30" },
    { "pt-3", "cl-a", "Nguyễn", "Thị Hoa", "1990-11-03" },
    { "pt-4", "cl-a", "王", "伟", "1975-06-30" },
    { "pt-5", "cl-a", "Çelik", "Renée", "1996-03-17" },
    { "pt-6", "cl-a", "Smith", "Ava", "1980-04-02" },
    { "pt-7", "cl-b", "Núñez", "Marta", "1966-08-08" },
};
#define NPEOPLE (int)(sizeof people / sizeof people[0])

static void open_as(const char *role, const char *policy_path)
{
    cr_assert_eq(nx_crypt_init(), 0);
    nx_t_tmpdir(dir, sizeof dir, "session_new");
    nx_conf c;
    nx_conf_defaults(&c);
    snprintf(c.cache_dir, sizeof c.cache_dir, "%s/profile", dir);
    char err[512] = "";
    cr_assert_eq(nx_profile_paths(&prof, &c, err, sizeof err), 0);
    nx_profile_info info = {0};
    snprintf(info.user, sizeof info.user, "alice");
    snprintf(info.role, sizeof info.role, "%s", role);
    snprintf(info.team, sizeof info.team, "north");
    info.created = info.passphrase_set = NOW;
    cr_assert_eq(nx_profile_create(&prof, "Pass-word-1", 11, NX_KDF_TEST_ONLY, &info, err,
                                   sizeof err), 0, "%s", err);
    nx_store *st = prof.store;
    nx_client_row a = { "cl-a", "Lakeside Family Clinic", "America/New_York", "555-0101", "" };
    nx_client_row b = { "cl-b", "Aspen Orthopedics", "America/Denver", "555-0102", "" };
    cr_assert_eq(nx_store_client_put(st, &a), 0);
    cr_assert_eq(nx_store_client_put(st, &b), 0);
    for (int i = 0; i < NPEOPLE; i++) {
        const tpatient *p = &people[i];
        nx_patient_row r = { p->id, p->client, p->family, p->given, p->dob, "2125550147",
                             "x@example.invalid", "1 Maple Ave, Springfield, IL 62701",
                             "TRN0004242", "BWH100200300", "Bluewater Health Plan", "no", "no",
                             "" };
        cr_assert_eq(nx_store_patient_put(st, &r), 0);
    }
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

static long long count(const char *sql)
{
    sqlite3_stmt *s;
    cr_assert_eq(sqlite3_prepare_v2(nx_store_db(prof.store), sql, -1, &s, NULL), SQLITE_OK,
                 "%s", sql);
    cr_assert_eq(sqlite3_step(s), SQLITE_ROW);
    long long n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

Test(session_new, clients_by_name)
{
    open_as("scheduling", NULL);
    nx_new_client c[4];
    char err[256] = "";
    cr_assert_eq(nx_new_clients(&sess, c, 4, err, sizeof err), 2, "%s", err);
    cr_assert_str_eq(c[0].id, "cl-b");
    cr_assert_str_eq(c[0].name, "Aspen Orthopedics");
    cr_assert_str_eq(c[1].id, "cl-a");
    /* room for one: the count is still the whole */
    cr_assert_eq(nx_new_clients(&sess, c, 1, err, sizeof err), 2);
    done();
}

/* Which patients of client cl-a each text finds, in the list's order. */
Test(session_new, patients_by_the_start_of_either_name_in_any_case_and_script)
{
    open_as("eligibility", NULL);
    static const struct {
        const char *text, *ids;
    } cases[] = {
        { "núñ", "pt-2 pt-1" },          /* NÚÑEZ and Núñez: accented capitals fold too */
        { "NÚÑEZ, J", "pt-1" },
        { "  núñez  ", "pt-2 pt-1" },    /* blanks around are ignored */
        { "josé", "pt-1" },               /* "given family" */
        { "JOSÉ NÚÑ", "pt-1" },
        { "ana n", "pt-2" },
        { "ÇEL", "pt-5" },
        { "renée ç", "pt-5" },
        { "nguyễn, thị", "pt-3" },
        { "THỊ HOA", "pt-3" },
        { "王", "pt-4" },
        { "伟 王", "pt-4" },
        { "ñez", "" },                    /* not from the middle of a word */
        { "marta", "" },                  /* a patient of the other client */
        { "", "pt-3 pt-2 pt-1 pt-6 pt-5 pt-4" },   /* every one, by the stored bytes */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nx_new_patient p[8];
        char err[256] = "", got[128] = "";
        int n = nx_new_patients(&sess, "cl-a", cases[i].text, p, 8, err, sizeof err);
        cr_assert_geq(n, 0, "%s: %s", cases[i].text, err);
        for (int k = 0; k < n; k++) {
            strcat(got, k ? " " : "");
            strcat(got, p[k].id);
        }
        cr_assert_str_eq(got, cases[i].ids, "'%s'", cases[i].text);
        nx_new_patients_wipe(p, n);
    }
    done();
}

Test(session_new, patients_shown_masked_for_the_role)
{
    open_as("scheduling", NULL);   /* names in full, the date of birth as its year */
    nx_new_patient p[4];
    char err[256] = "";
    cr_assert_eq(nx_new_patients(&sess, "cl-a", "núñez, josé", p, 4, err, sizeof err), 1, "%s",
                 err);
    cr_assert_str_eq(p[0].name, "Núñez, José");
    cr_assert_str_eq(p[0].born, "1958-\xe2\x80\xa2\xe2\x80\xa2-\xe2\x80\xa2\xe2\x80\xa2");
    nx_new_patient one;
    cr_assert_eq(nx_new_patient_get(&sess, "pt-3", &one, err, sizeof err), 1, "%s", err);
    cr_assert_str_eq(one.name, "Nguyễn, Thị Hoa");
    cr_assert_eq(nx_new_patient_get(&sess, "pt-nope", &one, err, sizeof err), 0);
    /* more matches than room: all counted, max filled */
    cr_assert_eq(nx_new_patients(&sess, "cl-a", "", p, 2, err, sizeof err), 6);
    nx_new_patients_wipe(p, 2);
    done();
}

/* A role that sees names only masked cannot search them: the rows a
 * search selected would tell what the mask hides. */
Test(session_new, no_name_search_for_a_role_that_sees_names_masked)
{
    char path[4200];
    nx_t_tmpdir(dir, sizeof dir, "session_new_policy");
    snprintf(path, sizeof path, "%s/policy.txt", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("scope scheduling own\nallow scheduling view,create,edit,status\n"
          "class scheduling none full\nclass scheduling name partial\n", f);
    fclose(f);
    open_as("scheduling", path);
    nx_new_patient p[4];
    char err[256] = "";
    cr_assert_eq(nx_new_patients(&sess, "cl-a", "n", p, 4, err, sizeof err), -1);
    cr_assert(strstr(err, "names in full"), "%s", err);
    cr_assert_null(strstr(err, "Núñez"));
    done();
}

Test(session_new, every_problem_at_its_part_first_one_first)
{
    open_as("scheduling", NULL);
    nx_new_request r = { .kind = -1 };
    nx_new_problems p;
    char err[256] = "";
    cr_assert_eq(nx_new_check(&sess, &r, &p, err, sizeof err), 3, "%s", err);
    cr_assert_eq(p.first, NX_NEW_KIND);
    cr_assert(strstr(p.msg[NX_NEW_KIND], "Kind"));
    cr_assert(strstr(p.msg[NX_NEW_CLIENT], "Client"));
    cr_assert(strstr(p.msg[NX_NEW_PATIENT], "Patient"));
    cr_assert_str_eq(p.msg[NX_NEW_PRIORITY], "");

    /* a patient of another client; a client not in the cache */
    r.kind = NX_KIND_SCHEDULING;
    snprintf(r.client_id, sizeof r.client_id, "cl-a");
    snprintf(r.patient_id, sizeof r.patient_id, "pt-7");
    cr_assert_eq(nx_new_check(&sess, &r, &p, err, sizeof err), 1);
    cr_assert_eq(p.first, NX_NEW_PATIENT);
    cr_assert(strstr(p.msg[NX_NEW_PATIENT], "not a patient of this client"));
    snprintf(r.client_id, sizeof r.client_id, "cl-zz");
    cr_assert_eq(nx_new_check(&sess, &r, &p, err, sizeof err), 1);
    cr_assert_eq(p.first, NX_NEW_CLIENT);
    snprintf(r.client_id, sizeof r.client_id, "cl-b");
    r.priority = 2;
    cr_assert_eq(nx_new_check(&sess, &r, &p, err, sizeof err), 1);
    cr_assert_eq(p.first, NX_NEW_PRIORITY);

    /* a request with problems writes nothing */
    char id[NX_ID_MAX];
    cr_assert_eq(nx_new_item(&sess, &r, &p, id, err, sizeof err), 1);
    cr_assert_str_eq(id, "");
    cr_assert_eq(count("SELECT count(*) FROM items"), 0);
    cr_assert_eq(count("SELECT count(*) FROM outbox"), 0);
    done();
}

Test(session_new, item_written_with_its_audit_event_and_sync_op)
{
    open_as("prior-auth", NULL);
    nx_new_request r = { .kind = NX_KIND_PRIOR_AUTH, .priority = 1 };
    snprintf(r.client_id, sizeof r.client_id, "cl-b");
    snprintf(r.patient_id, sizeof r.patient_id, "pt-7");
    nx_new_problems p;
    char id[NX_ID_MAX], err[256] = "";
    cr_assert_eq(nx_new_item(&sess, &r, &p, id, err, sizeof err), 0, "%s", err);
    cr_assert_neq(id[0], '\0');
    nx_item it;
    cr_assert_eq(nx_session_open(&sess, id, &it, err, sizeof err), 0, "%s", err);
    cr_assert_eq(it.kind, NX_KIND_PRIOR_AUTH);
    cr_assert_str_eq(it.client_id, "cl-b");
    cr_assert_str_eq(it.patient_id, "pt-7");
    cr_assert_str_eq(it.assignee, "alice");
    cr_assert_str_eq(it.team, "north");
    cr_assert_str_eq(it.status, "draft");
    cr_assert_eq(it.priority, 1);
    nx_item_free(&it);
    cr_assert_eq(count("SELECT count(*) FROM audit WHERE action='create' AND outcome='ok'"), 1);
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM outbox WHERE kind='create' AND item='%s'"
             " AND value='prior-auth' || char(31) || 'cl-b' || char(31) || 'pt-7' || char(31)"
             " || '1'", id);
    cr_assert_eq(count(sql), 1);
    uint64_t events = 0;
    char why[256] = "";
    cr_assert_eq(nx_profile_verify(&prof, &events, why, sizeof why), 0, "%s", why);
    done();
}

Test(session_new, refused_for_a_role_that_may_not_create)
{
    open_as("supervisor", NULL);
    cr_assert_eq(nx_new_allowed(&sess), 0);
    nx_new_client c[2];
    nx_new_patient p[2];
    char err[256] = "", id[NX_ID_MAX];
    cr_assert_eq(nx_new_clients(&sess, c, 2, err, sizeof err), -1);
    cr_assert(strstr(err, "may not create"), "%s", err);
    cr_assert_eq(nx_new_patients(&sess, "cl-a", "n", p, 2, err, sizeof err), -1);
    nx_new_request r = { .kind = NX_KIND_SCHEDULING };
    snprintf(r.client_id, sizeof r.client_id, "cl-a");
    snprintf(r.patient_id, sizeof r.patient_id, "pt-1");
    nx_new_problems pr;
    cr_assert_eq(nx_new_item(&sess, &r, &pr, id, err, sizeof err), -1);
    cr_assert_eq(count("SELECT count(*) FROM items"), 0);
    done();
}
