/* hub/seed — `nexus-hub seed --synthetic N`: invented work items for
 * training hubs and benchmarks. Names are obviously fake ("Sample
 * Synthetic-000123"), phone numbers are in the fictional 555-01xx range,
 * emails end in .invalid, NPIs start with 9 (never issued), so nothing here
 * can be mistaken for a person. Fields follow core/session/training.c's
 * choices (values its validators accept). One transaction and cached
 * statements, so 100 000 items take seconds. */
#include "hub/store_int.h"
#include "domain/dict.h"
#include "domain/workflow.h"
#include "util/util.h"
#include "util/uuid.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SEED_CLIENT "syn-clinic"

static const char *const given[] = { "Sample", "Testy", "Dummy", "Mocky", "Fakey",
                                     "Trainee", "Exemplar", "Specimen" };
static const char *const payers[] = { "Synthetic Health Plan", "Example Mutual",
                                      "Training Care PPO" };
static const char *const cpt[] = { "99213", "99214", "70551", "73721" };
static const char *const icd[] = { "G47.33", "M54.50", "E11.9", "I10" };

/* Invented data needs no cryptographic randomness, and randombytes costs a
 * system call per draw: a xorshift generator seeded once from it. */
static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
    if (!rng_state)
        while (!rng_state)
            randombytes_buf(&rng_state, sizeof rng_state);
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)((rng_state >> 11) % n);
}

static void synthetic_npi(char out[11])
{
    snprintf(out, 11, "9%08u", rnd(100000000));
    int sum = 24;   /* the prefix 80840 contributes 24 */
    for (int i = 8; i >= 0; i--) {
        int d = out[i] - '0';
        if ((8 - i) % 2 == 0) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    out[9] = (char)('0' + (10 - sum % 10) % 10);
    out[10] = '\0';
}

static void utc_date(int64_t t, char *out, size_t len)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, len, "%Y-%m-%d", &tm);
}

typedef struct {
    const char *field[8];
    char value[8][64];
    int n;
} fields;

static void put(fields *w, const char *f, const char *v)
{
    w->field[w->n] = f;
    snprintf(w->value[w->n], sizeof w->value[0], "%s", v);
    w->n++;
}

static void kind_fields(fields *w, nx_kind k, int64_t now, int64_t *due)
{
    char buf[64], npi[11];
    switch (k) {
    case NX_KIND_SCHEDULING: {
        static const char *const visits[] = { "new patient", "follow-up", "annual physical",
                                              "sleep study", "imaging" };
        put(w, "visit_type", visits[rnd(5)]);
        put(w, "appointment_provider", "Dr. Synthetic");
        *due = now + (int64_t)rnd(6 * 24) * 3600 - 12 * 3600;
        break;
    }
    case NX_KIND_ELIGIBILITY: {
        int64_t visit = now + (int64_t)rnd(15) * 86400;
        visit -= visit % 86400;
        utc_date(visit, buf, sizeof buf);
        put(w, "service_date", buf);
        put(w, "cpt_codes", cpt[rnd(4)]);
        put(w, "icd_codes", icd[rnd(4)]);
        synthetic_npi(npi);
        put(w, "provider_npi", npi);
        put(w, "subscriber_relationship", "self");
        put(w, "plan", "Gold PPO");
        *due = visit - 72 * 3600;
        break;
    }
    case NX_KIND_PRIOR_AUTH:
        put(w, "dx_codes", icd[rnd(4)]);
        put(w, "procedure_codes", cpt[rnd(4)]);
        snprintf(buf, sizeof buf, "%u", 1 + rnd(12));
        put(w, "units", buf);
        put(w, "dme", "no");
        synthetic_npi(npi);
        put(w, "ordering_npi", npi);
        *due = now + 3 * 86400;
        break;
    default: {
        static const char *const purposes[] = { "treatment", "payment", "patient", "legal" };
        static const char *const holders[] = { "provider", "hospital", "insurer" };
        snprintf(buf, sizeof buf, "AUTH-%06u", rnd(1000000));
        put(w, "auth_ref", buf);
        utc_date(now - 5 * 86400, buf, sizeof buf);
        put(w, "auth_date", buf);
        put(w, "auth_purpose", purposes[rnd(4)]);
        put(w, "holder_type", holders[rnd(3)]);
        *due = now + 5 * 86400;
        break;
    }
    }
}

static int ensure_client(nx_hub *h)
{
    static const char sql[] =
        "INSERT INTO clients(id, name, tz, escalation) VALUES(?1, 'Synthetic Training Clinic',"
        " 'America/Chicago', 'Training desk 555-0100') ON CONFLICT(id) DO NOTHING";
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    nx_hub_bind(st, 1, SEED_CLIENT);
    return nx_hub_step_done(st);
}

static int add_patient(nx_hub *h, const char *id, int64_t serial)
{
    static const char sql[] =
        "INSERT INTO patients(id, client_id, family_name, given_name, dob, phone, email,"
        " address, mrn, member_id, payer, confidential_comm, restriction, alt_phone)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'no', '')";
    char family[32], dob[16], phone[16], email[64], addr[96], mrn[16], member[16];
    snprintf(family, sizeof family, "Synthetic-%06" PRId64, serial % 1000000);
    snprintf(dob, sizeof dob, "%04u-%02u-%02u", 1940 + rnd(70), 1 + rnd(12), 1 + rnd(28));
    snprintf(phone, sizeof phone, "217555%04u", 100 + rnd(100));
    snprintf(email, sizeof email, "synthetic%" PRId64 "@example.invalid", serial);
    snprintf(addr, sizeof addr, "%u Nowhere Lane, Testville, IL 62701", 1 + rnd(9999));
    snprintf(mrn, sizeof mrn, "SYN%07u", rnd(10000000));
    snprintf(member, sizeof member, "ZX%09u", rnd(1000000000));
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    const char *v[] = { id, SEED_CLIENT, family, given[rnd(8)], dob, phone, email, addr, mrn,
                        member, payers[rnd(3)], rnd(10) == 0 ? "yes" : "no" };
    for (int i = 0; i < 12; i++)
        nx_hub_bind(st, i + 1, v[i]);
    return nx_hub_step_done(st);
}

static int add_item(nx_hub *h, const char *id, nx_kind k, const char *patient,
                    const char *assignee, const char *team, int64_t now)
{
    static const char item_sql[] =
        "INSERT INTO items(id, kind, client_id, patient_id, status, priority, assignee, team,"
        " created, updated, due) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10)";
    static const char field_sql[] =
        "INSERT INTO item_fields(item_id, field, value) VALUES(?1, ?2, ?3)";
    fields w = { .n = 0 };
    int64_t due = 0, created = now - (int64_t)rnd(4 * 86400);
    kind_fields(&w, k, now, &due);
    sqlite3_stmt *st = nx_hub_stmt(h, item_sql);
    if (!st)
        return -1;
    nx_hub_bind(st, 1, id);
    nx_hub_bind(st, 2, nx_kind_name(k));
    nx_hub_bind(st, 3, SEED_CLIENT);
    nx_hub_bind(st, 4, patient);
    nx_hub_bind(st, 5, nx_workflow_initial(k));
    sqlite3_bind_int(st, 6, rnd(10) < 2);
    nx_hub_bind(st, 7, assignee);
    nx_hub_bind(st, 8, team);
    sqlite3_bind_int64(st, 9, created);
    sqlite3_bind_int64(st, 10, due);
    if (nx_hub_step_done(st) != 0)
        return -1;
    for (int i = 0; i < w.n; i++) {
        st = nx_hub_stmt(h, field_sql);
        if (!st)
            return -1;
        nx_hub_bind(st, 1, id);
        nx_hub_bind(st, 2, w.field[i]);
        nx_hub_bind(st, 3, w.value[i]);
        if (nx_hub_step_done(st) != 0)
            return -1;
    }
    return nx_hub_item_touch(h, id) < 0 ? -1 : 0;
}

int nx_hub_seed(nx_hub *h, const nx_hub_seed_spec *spec, char *err, size_t errlen)
{
    int kind = -1;
    if (spec->n < 1 || spec->n > 10000000)
        return nx_err(err, errlen, "seed: N must be 1 to 10000000");
    if (spec->kind && (kind = nx_kind_parse(spec->kind)) < 0)
        return nx_err(err, errlen, "seed: --kind must be scheduling, eligibility, prior-auth or roi");
    if (spec->team && !nx_hub_name_ok(spec->team))
        return nx_err(err, errlen, "seed: --team must be a plain id");
    if (spec->assignee && !nx_hub_name_ok(spec->assignee))
        return nx_err(err, errlen, "seed: --assignee must be a plain id");
    const char *team = spec->team ? spec->team : "synthetic";
    const char *assignee = spec->assignee ? spec->assignee : "";
    if (nx_hub_bulk_begin(h) != 0)
        return nx_err(err, errlen, "cannot start a transaction: %s", nx_hub_errmsg(h));
    int64_t now = nx_now(), npatients = spec->n / 3 + 1;
    int64_t base = nx_hub_rev(h);   /* keeps names distinct across seed runs */
    char pid[NX_UUID_LEN + 1], id[NX_UUID_LEN + 1];
    int rc = ensure_client(h);
    char (*pids)[NX_UUID_LEN + 1] = rc ? NULL : calloc((size_t)npatients, sizeof *pids);
    if (!pids)
        rc = -1;
    for (int64_t i = 0; rc == 0 && i < npatients; i++) {
        nx_uuid4(pid);
        memcpy(pids[i], pid, sizeof pid);
        rc = add_patient(h, pid, base + i + 1);
    }
    for (int64_t i = 0; rc == 0 && i < spec->n; i++) {
        nx_uuid4(id);
        nx_kind k = kind >= 0 ? (nx_kind)kind : (nx_kind)(i % NX_KIND_COUNT);
        rc = add_item(h, id, k, pids[rnd((uint32_t)npatients)], assignee, team, now);
    }
    free(pids);
    if (rc != 0) {
        nx_err(err, errlen, "seed: cannot write: %s", nx_hub_errmsg(h));
        nx_hub_rollback(h);
        nx_hub_bulk_end(h);
        return -1;
    }
    char reason[96];
    snprintf(reason, sizeof reason, "items=%" PRId64 " synthetic", spec->n);
    nx_hub_event ev = { .action = NX_HUB_ACT_SEED, .reason = reason };
    rc = nx_hub_audit(h, &ev, err, errlen);
    if (rc == 0 && nx_hub_commit(h) != 0)
        rc = nx_err(err, errlen, "seed: cannot commit: %s", nx_hub_errmsg(h));
    if (rc != 0)
        nx_hub_rollback(h);
    nx_hub_bulk_end(h);
    return rc;
}
