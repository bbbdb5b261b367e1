/* The session layer: every change goes through policy, dictionary and
 * workflow and is written with its audit event in one transaction. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/audit.h"
#include "domain/dict.h"
#include "profile/profile.h"
#include "session/session.h"
#include "store/items_io.h"
#include "store/rows.h"
#include "tests/helpers/run.h"

#define NOW 1780300800   /* 2026-06-01 08:00 UTC */

static nx_profile prof;
static nx_session sess;
static char dir[4096];

static int64_t fixed_clock(void *ctx) { (void)ctx; return NOW; }

static void open_as(const char *role, const char *policy_path, const nx_dict *d)
{
    cr_assert_eq(nx_crypt_init(), 0);
    nx_t_tmpdir(dir, sizeof dir, "session");
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
    cr_assert_eq(nx_profile_create(&prof, "Pass-word-1", 11, NX_KDF_TEST_ONLY, &info, err, sizeof err),
                 0, "%s", err);
    nx_store *st = prof.store;
    nx_client_row cl = { "cl-1", "Lakeside Family Clinic", "America/New_York", "555-0101", "" };
    nx_patient_row pt = { "pt-1", "cl-1", "Testperson", "Ava", "1980-04-02", "2175550123",
                          "ava@example.invalid", "12 Maple Ave, Springfield, IL 62701", "TRN0000001",
                          "ZX123456789", "Bluewater Health Plan", "no", "no", "" };
    nx_patient_row pc = pt;
    pc.id = "pt-2";
    pc.confidential_comm = "yes";
    cr_assert_eq(nx_store_client_put(st, &cl), 0);
    cr_assert_eq(nx_store_patient_put(st, &pt), 0);
    cr_assert_eq(nx_store_patient_put(st, &pc), 0);
    sess.clock = fixed_clock;
    cr_assert_eq(nx_session_start(&sess, &prof, d ? d : nx_dict_default(),
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
    cr_assert_eq(sqlite3_prepare_v2(nx_store_db(prof.store), sql, -1, &s, NULL), SQLITE_OK, "%s", sql);
    cr_assert_eq(sqlite3_step(s), SQLITE_ROW);
    long long n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

static void new_item(nx_kind k, const char *patient, nx_item *it)
{
    char id[NX_ID_MAX], err[512] = "";
    cr_assert_eq(nx_session_create(&sess, k, "cl-1", patient, 0, id, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_session_open(&sess, id, it, err, sizeof err), 0, "%s", err);
}

static void set_ok(nx_item *it, const char *f, const char *v)
{
    char err[512] = "";
    cr_assert_eq(nx_session_set(&sess, it, f, v, err, sizeof err), 0, "%s=%s: %s", f, v, err);
}

static void verify_chain(void)
{
    uint64_t events = 0;
    char why[512] = "";
    cr_assert_eq(nx_profile_verify(&prof, &events, why, sizeof why), 0, "%s", why);
    cr_assert_gt(events, 0);
}

Test(session, create_open_and_view_audited_once_per_opening)
{
    open_as("eligibility", NULL, NULL);
    nx_item it;
    new_item(NX_KIND_ELIGIBILITY, "pt-1", &it);
    cr_assert_str_eq(it.status, "new");
    cr_assert_str_eq(it.assignee, "alice");
    cr_assert_str_eq(nx_item_get(&it, "family_name"), "Testperson");
    cr_assert_eq(count("SELECT count(*) FROM audit WHERE action='create'"), 1);
    cr_assert_eq(count("SELECT count(*) FROM audit WHERE action='view'"), 1);
    /* Redrawing the form audits nothing; opening again does. */
    nx_form f;
    char err[256];
    cr_assert_eq(nx_session_form(&sess, &it, NULL, &f, err, sizeof err), 0);
    nx_form_free(&f);
    cr_assert_eq(count("SELECT count(*) FROM audit WHERE action='view'"), 1);
    nx_item again;
    cr_assert_eq(nx_session_open(&sess, it.id, &again, err, sizeof err), 0, "%s", err);
    cr_assert_eq(count("SELECT count(*) FROM audit WHERE action='view'"), 2);
    nx_item_free(&again);
    nx_item_free(&it);
    verify_chain();
    done();
}

Test(session, invalid_value_refused_at_the_field_and_nothing_written)
{
    open_as("eligibility", NULL, NULL);
    nx_item it;
    new_item(NX_KIND_ELIGIBILITY, "pt-1", &it);
    long long events = count("SELECT count(*) FROM audit");
    char err[512] = "";
    cr_assert_eq(nx_session_set(&sess, &it, "provider_npi", "1234567890", err, sizeof err), -1);
    cr_assert(strstr(err, "NPI check digit"), "%s", err);
    cr_assert(!strstr(err, "1234567890"), "the message repeats the value: %s", err);
    cr_assert_str_eq(nx_item_get(&it, "provider_npi"), "");
    cr_assert_eq(count("SELECT count(*) FROM item_fields WHERE field='provider_npi'"), 0);
    cr_assert_eq(count("SELECT count(*) FROM audit"), events);
    /* A valid one is stored in canonical form with its update event. */
    set_ok(&it, "provider_npi", "1234567893");
    set_ok(&it, "icd_codes", "e11.9, i10");
    cr_assert_str_eq(nx_item_get(&it, "icd_codes"), "E11.9, I10");
    cr_assert_eq(count("SELECT count(*) FROM audit WHERE action='update' AND field='icd_codes'"), 1);
    nx_item_free(&it);
    done();
}

Test(session, failed_audit_write_means_no_change)
{
    open_as("eligibility", NULL, NULL);
    nx_item it;
    new_item(NX_KIND_ELIGIBILITY, "pt-1", &it);
    cr_assert_eq(sqlite3_exec(nx_store_db(prof.store),
                              "CREATE TEMP TRIGGER no_audit BEFORE INSERT ON main.audit "
                              "BEGIN SELECT RAISE(ABORT, 'audit unavailable'); END", NULL, NULL, NULL),
                 SQLITE_OK);
    char err[512] = "";
    cr_assert_eq(nx_session_set(&sess, &it, "plan", "Gold PPO", err, sizeof err), -1);
    cr_assert_str_eq(nx_item_get(&it, "plan"), "", "the item kept a change that was not saved");
    cr_assert_eq(count("SELECT count(*) FROM item_fields WHERE field='plan'"), 0,
                 "the change was written without its audit event");
    cr_assert_eq(nx_session_set(&sess, &it, "family_name", "Otherperson", err, sizeof err), -1);
    cr_assert_eq(count("SELECT count(*) FROM patients WHERE family_name='Otherperson'"), 0);
    nx_item none;
    cr_assert_eq(nx_session_open(&sess, it.id, &none, err, sizeof err), -1,
                 "an item opened without its view event");
    nx_item_free(&it);
    done();
}

Test(session, reveal_needs_a_reason_and_is_audited)
{
    open_as("eligibility", NULL, NULL);   /* patient address is `reveal` for eligibility */
    nx_item it;
    new_item(NX_KIND_ELIGIBILITY, "pt-1", &it);
    nx_form f;
    char err[512] = "", out[256];
    cr_assert_eq(nx_session_form(&sess, &it, NULL, &f, err, sizeof err), 0);
    int seen = 0;
    for (size_t i = 0; i < f.n; i++)
        if (strcmp(f.fields[i].def->id, "address") == 0) {
            seen = 1;
            cr_assert_eq(f.fields[i].level, NX_LEVEL_REVEAL);
            cr_assert(!strstr(f.fields[i].shown, "Maple"), "masked address shows the street");
        }
    cr_assert(seen);
    nx_form_free(&f);
    cr_assert_eq(nx_session_reveal(&sess, &it, "address", "  ", out, sizeof out, err, sizeof err), -1);
    cr_assert(strstr(err, "reason"), "%s", err);
    cr_assert_eq(count("SELECT count(*) FROM audit WHERE action='reveal'"), 0);
    cr_assert_eq(nx_session_reveal(&sess, &it, "address", "payer match needs it", out, sizeof out,
                                   err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(out, "12 Maple Ave, Springfield, IL 62701");
    cr_assert_eq(count("SELECT count(*) FROM audit WHERE action='reveal' AND field='address' "
                       "AND reason='payer match needs it' AND outcome='ok'"), 1);
    /* After the reveal the form shows it in full for this opening. */
    const char *revealed[] = { "address", NULL };
    cr_assert_eq(nx_session_form(&sess, &it, revealed, &f, err, sizeof err), 0);
    for (size_t i = 0; i < f.n; i++)
        if (strcmp(f.fields[i].def->id, "address") == 0)
            cr_assert_str_eq(f.fields[i].shown, "12 Maple Ave, Springfield, IL 62701");
    nx_form_free(&f);
    /* A partial field is never revealed: its value is not held for the role. */
    cr_assert_eq(nx_session_reveal(&sess, &it, "phone", "need it", out, sizeof out, err, sizeof err), -1);
    cr_assert_str_eq(out, "");
    cr_assert_eq(count("SELECT count(*) FROM audit WHERE action='reveal' AND outcome='failed'"), 1);
    nx_item_free(&it);
    verify_chain();
    done();
}

Test(session, scheduling_form_hides_clinical_and_masks_member_id)
{
    open_as("scheduling", NULL, NULL);
    nx_item it;
    new_item(NX_KIND_SCHEDULING, "pt-1", &it);
    nx_form f;
    char err[256];
    cr_assert_eq(nx_session_form(&sess, &it, NULL, &f, err, sizeof err), 0);
    int member = 0;
    for (size_t i = 0; i < f.n; i++) {
        cr_assert_neq(f.fields[i].def->phi, NX_PHI_CLINICAL, "%s shown", f.fields[i].def->id);
        cr_assert_neq(f.fields[i].level, NX_LEVEL_HIDDEN);
        if (strcmp(f.fields[i].def->id, "member_id") == 0) {
            member = 1;
            cr_assert_eq(f.fields[i].level, NX_LEVEL_PARTIAL);
            cr_assert(strstr(f.fields[i].shown, "6789"), "%s", f.fields[i].shown);
            cr_assert(!strstr(f.fields[i].shown, "ZX12345"), "%s", f.fields[i].shown);
            cr_assert_eq(f.fields[i].editable, 0);
        }
        if (strcmp(f.fields[i].def->id, "family_name") == 0)
            cr_assert_str_eq(f.fields[i].shown, "Testperson");
    }
    cr_assert(member);
    nx_form_free(&f);
    nx_item_free(&it);
    done();
}

Test(session, scheduling_identity_first_and_confidential_channel)
{
    open_as("scheduling", NULL, NULL);
    nx_item it;
    new_item(NX_KIND_SCHEDULING, "pt-2", &it);   /* asked for confidential communication */
    char err[512] = "";
    cr_assert_eq(nx_session_set(&sess, &it, "channel", "phone", err, sizeof err), -1);
    cr_assert(strstr(err, "identity"), "%s", err);
    set_ok(&it, "identity_method", nx_dict_find(nx_dict_default(), "identity_method")->choices[0]);
    set_ok(&it, "identity_result", "verified");
    cr_assert_eq(nx_session_set(&sess, &it, "channel", "sms", err, sizeof err), -1);
    cr_assert(strstr(err, "confidential"), "%s", err);
    set_ok(&it, "channel", "phone");
    cr_assert_eq(nx_session_attempt(&sess, &it, "email", "no answer", "", err, sizeof err), -1);
    cr_assert_eq(nx_session_attempt(&sess, &it, "phone", "left message", "call back Tuesday",
                                    err, sizeof err), 0, "%s", err);
    cr_assert_eq(count("SELECT count(*) FROM attempts"), 1);
    nx_item_free(&it);
    done();
}

Test(session, roles_without_the_right_are_refused_and_audited)
{
    open_as("auditor", NULL, NULL);
    char id[NX_ID_MAX], err[512] = "";
    cr_assert_eq(nx_session_create(&sess, NX_KIND_ROI, "cl-1", "pt-1", 0, id, err, sizeof err), -1);
    cr_assert(strstr(err, "may not create"), "%s", err);
    cr_assert_eq(count("SELECT count(*) FROM items"), 0);
    cr_assert_eq(count("SELECT count(*) FROM audit WHERE action='create' AND outcome='failed'"), 1);
    done();
}

Test(session, scope_own_hides_other_agents_items)
{
    open_as("eligibility", NULL, NULL);
    nx_item it;
    new_item(NX_KIND_ELIGIBILITY, "pt-1", &it);
    cr_assert_eq(sqlite3_exec(nx_store_db(prof.store), "UPDATE items SET assignee='bob'",
                              NULL, NULL, NULL), SQLITE_OK);
    nx_item other;
    char err[512] = "";
    cr_assert_eq(nx_session_open(&sess, it.id, &other, err, sizeof err), -1);
    cr_assert(strstr(err, "not assigned to you"), "%s", err);
    nx_item_free(&it);
    done();
}

Test(session, eligibility_handoff_creates_linked_prior_auth)
{
    open_as("eligibility", NULL, NULL);
    nx_item it;
    new_item(NX_KIND_ELIGIBILITY, "pt-1", &it);
    char err[512] = "", linked[NX_ID_MAX];
    set_ok(&it, "service_date", "2026-06-10");
    set_ok(&it, "plan", "Gold PPO");
    set_ok(&it, "cpt_codes", "E0601");
    set_ok(&it, "icd_codes", "G47.33");
    set_ok(&it, "provider_npi", "1234567893");
    set_ok(&it, "subscriber_relationship", "self");
    cr_assert_eq(nx_session_transition(&sess, &it, "verifying", linked, err, sizeof err), 0, "%s", err);
    set_ok(&it, "coverage_active", "yes");
    set_ok(&it, "coverage_ref", "REF-0001");
    set_ok(&it, "prior_auth_required", "yes");
    /* Due: visit 2026-06-10 00:00 EDT (04:00 UTC) minus 72 h. */
    cr_assert_eq(it.due, 1781064000 - 72 * 3600);
    int rc = nx_session_transition(&sess, &it, "verified", linked, err, sizeof err);
    if (rc != 0) {
        /* The workflow names what is missing; fill it and go on. */
        cr_assert_fail("verified refused: %s", err);
    }
    cr_assert_neq(linked[0], '\0');
    cr_assert_str_eq(it.linked_item, linked);
    nx_item_rec pa;
    cr_assert_eq(nx_store_item_get(prof.store, linked, &pa), 1);
    cr_assert_str_eq(pa.kind, "prior-auth");
    cr_assert_str_eq(pa.status, "draft");
    cr_assert_str_eq(pa.linked_item, it.id);
    cr_assert_eq(count("SELECT count(*) FROM item_fields WHERE field='procedure_codes' AND value='E0601'"), 1);
    cr_assert_eq(count("SELECT count(*) FROM transitions"), 2);
    cr_assert_eq(count("SELECT count(*) FROM audit WHERE action='create'"), 2);
    nx_item_free(&it);
    verify_chain();
    done();
}

Test(session, illegal_transition_names_the_missing_step)
{
    open_as("roi", NULL, NULL);
    nx_item it;
    new_item(NX_KIND_ROI, "pt-1", &it);
    char err[512] = "", linked[NX_ID_MAX];
    cr_assert_eq(nx_session_transition(&sess, &it, "released", linked, err, sizeof err), -1);
    cr_assert_str_eq(it.status, "new");
    cr_assert_eq(count("SELECT count(*) FROM transitions"), 0);
    cr_assert_neq(err[0], '\0');
    nx_item_free(&it);
    done();
}

static void roi_fill(nx_item *it, const char *purpose)
{
    set_ok(it, "auth_ref", "DOC-AUTH-0001");
    set_ok(it, "auth_date", "2026-05-20");
    set_ok(it, "auth_expiry", "2026-11-20");
    set_ok(it, "auth_scope", "Office notes 2025");
    set_ok(it, "auth_purpose", purpose);
    static const char *const yes[] = {
        "auth_has_description", "auth_has_discloser", "auth_has_recipient", "auth_has_purpose",
        "auth_has_expiry", "auth_has_revocation_right", "auth_has_signature",
        "auth_has_conditioning", "auth_has_redisclosure", NULL};
    for (const char *const *f = yes; *f; f++)
        set_ok(it, *f, "yes");
    set_ok(it, "auth_by_representative", "no");
    set_ok(it, "auth_combined", "no");
    set_ok(it, "holder_type", "hospital");
    set_ok(it, "recipient_name", "Synthetic Records Department");
    set_ok(it, "recipient_address", "1 Example Way, Springfield, IL 62701");
    set_ok(it, "recipient_verified", "yes");
    set_ok(it, "recipient_verify_method", "callback");
    set_ok(it, "release_channel", "efax");
    set_ok(it, "fax_number", "2175550188");
    set_ok(it, "fax_verified_by", "directory");
    set_ok(it, "cover_sheet_used", "yes");
    set_ok(it, "record_match_verified", "yes");
    set_ok(it, "complete_first_pass", "yes");
}

static void walk(nx_item *it, const char *const *steps)
{
    char err[512] = "", linked[NX_ID_MAX];
    for (; *steps; steps++)
        cr_assert_eq(nx_session_transition(&sess, it, *steps, linked, err, sizeof err), 0,
                     "%s: %s", *steps, err);
}

Test(session, roi_release_writes_the_accounting_of_disclosures)
{
    open_as("roi", NULL, NULL);
    static const char *const line[] = { "authorization-valid", "requested", "received",
                                        "verified", "released", NULL };
    nx_item legal, exempt;
    new_item(NX_KIND_ROI, "pt-1", &legal);
    roi_fill(&legal, "legal");
    walk(&legal, line);
    cr_assert_eq(count("SELECT count(*) FROM disclosures WHERE purpose LIKE 'Required by law%' AND "
                       "recipient_name='Synthetic Records Department'"), 1);
    cr_assert_eq(count("SELECT count(*) FROM audit WHERE action='disclosure'"), 1);
    new_item(NX_KIND_ROI, "pt-1", &exempt);
    roi_fill(&exempt, "treatment");
    walk(&exempt, line);
    cr_assert_eq(count("SELECT count(*) FROM disclosures"), 1, "an exempt purpose was accounted");
    nx_item_free(&legal);
    nx_item_free(&exempt);
    verify_chain();
    done();
}

Test(session, revoked_authorization_blocks_at_once)
{
    open_as("roi", NULL, NULL);
    static const char *const line[] = { "authorization-valid", "requested", NULL };
    nx_item it;
    new_item(NX_KIND_ROI, "pt-1", &it);
    roi_fill(&it, "legal");
    walk(&it, line);
    set_ok(&it, "auth_revoked", "yes");
    cr_assert_str_eq(it.status, "blocked");
    cr_assert_eq(count("SELECT count(*) FROM transitions WHERE to_status='blocked'"), 1);
    char err[512] = "", linked[NX_ID_MAX];
    cr_assert_eq(nx_session_transition(&sess, &it, "received", linked, err, sizeof err), -1);
    cr_assert(strstr(err, "blocked"), "%s", err);
    nx_item_free(&it);
    done();
}

/* The dictionary drives everything: a field added to a test dictionary is
 * validated, masked per role and appears in the form with no other change. */
Test(session, a_new_dictionary_field_needs_no_other_code)
{
    const nx_dict *base = nx_dict_default();
    nx_field_def *defs = calloc(base->n + 1, sizeof *defs);
    memcpy(defs, base->fields, base->n * sizeof *defs);
    defs[base->n] = (nx_field_def){ .id = "pharmacy_phone", .label = "Pharmacy phone",
        .type = NX_FT_CODE, .norm = nx_norm_phone, .phi = NX_PHI_PHONE,
        .kinds = NX_KIND_BIT(NX_KIND_ELIGIBILITY), .home = NX_AT_FIELD,
        .help = "The patient's pharmacy" };
    nx_dict d = { defs, base->n + 1 };
    open_as("eligibility", NULL, &d);
    nx_item it;
    new_item(NX_KIND_ELIGIBILITY, "pt-1", &it);
    char err[512] = "";
    cr_assert_eq(nx_session_set(&sess, &it, "pharmacy_phone", "555", err, sizeof err), -1);
    cr_assert(strstr(err, "Pharmacy phone"), "%s", err);
    /* eligibility: class phone is partial, so it is shown masked and not editable. */
    nx_form f;
    cr_assert_eq(nx_session_form(&sess, &it, NULL, &f, err, sizeof err), 0);
    int found = 0;
    for (size_t i = 0; i < f.n; i++)
        if (strcmp(f.fields[i].def->id, "pharmacy_phone") == 0) {
            found = 1;
            cr_assert_eq(f.fields[i].level, NX_LEVEL_PARTIAL);
        }
    cr_assert(found, "the new field is not in the form model");
    nx_form_free(&f);
    nx_item_free(&it);
    done();
    free(defs);
}

static int history_cb(void *ctx, int64_t at, const char *who, const char *what, const char *detail)
{
    (void)at;
    char *buf = ctx;
    size_t n = strlen(buf);
    snprintf(buf + n, 4096 - n, "%s|%s|%s\n", who, what, detail);
    return 0;
}

Test(session, notes_append_and_corrections_keep_the_original)
{
    open_as("prior-auth", NULL, NULL);
    nx_item it;
    new_item(NX_KIND_PRIOR_AUTH, "pt-1", &it);
    char err[512] = "";
    cr_assert_eq(nx_session_note(&sess, &it, "Payer asked for the sleep study", 0, err, sizeof err), 0, "%s", err);
    long long first = count("SELECT max(id) FROM notes");
    cr_assert_eq(nx_session_note(&sess, &it, "Payer asked for the titration study", first, err, sizeof err),
                 0, "%s", err);
    cr_assert_eq(count("SELECT count(*) FROM notes"), 2);
    cr_assert_eq(count("SELECT count(*) FROM notes WHERE body='Payer asked for the sleep study'"), 1);
    cr_assert_eq(nx_session_note(&sess, &it, "", 0, err, sizeof err), -1);
    cr_assert_eq(nx_session_note(&sess, &it, "x", 999999, err, sizeof err), -1);
    char hist[4096] = "";
    cr_assert_eq(nx_store_item_history(prof.store, it.id, history_cb, hist), 0);
    cr_assert(strstr(hist, "alice|note|Payer asked for the sleep study"), "%s", hist);
    cr_assert(strstr(hist, "alice|correction|Payer asked for the titration study"), "%s", hist);
    cr_assert_eq(nx_session_attach(&sess, &it, "EHR:doc/12345", "Sleep study", err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_session_attach(&sess, &it, "Ava Testperson 1980", "x", err, sizeof err), -1);
    cr_assert_eq(count("SELECT count(*) FROM attachments"), 1);
    nx_item_free(&it);
    verify_chain();
    done();
}

Test(session, priority_is_an_item_column_shown_and_edited_as_a_field)
{
    open_as("prior-auth", NULL, NULL);
    nx_item it;
    new_item(NX_KIND_PRIOR_AUTH, "pt-1", &it);
    cr_assert_str_eq(nx_item_get(&it, "priority"), "routine");
    set_ok(&it, "priority", "urgent");
    cr_assert_eq(it.priority, 1);
    cr_assert_eq(count("SELECT priority FROM items"), 1);
    cr_assert_eq(count("SELECT count(*) FROM item_fields WHERE field='priority'"), 0);
    nx_item again;
    char err[256];
    cr_assert_eq(nx_session_open(&sess, it.id, &again, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(nx_item_get(&again, "priority"), "urgent");
    nx_item_free(&again);
    nx_item_free(&it);
    done();
}
