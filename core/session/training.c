#include "session/training.h"
#include "domain/audit.h"
#include "store/rows.h"
#include "util/util.h"
#include "util/uuid.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef NX_ASSETS_DIR
#define NX_ASSETS_DIR "assets"
#endif

const char *nx_assets_dir(void)
{
    const char *e = getenv("NEXUS_ASSETS");
    return (e && *e) ? e : NX_ASSETS_DIR;
}

#define LIST_MAX 256
typedef struct {
    char *buf;
    char *item[LIST_MAX];
    int n;
} list;

static void list_free(list *l) { free(l->buf); l->buf = NULL; l->n = 0; }

static int list_load(list *l, const char *dir, const char *name, char *err, size_t errlen)
{
    char sub[4096], path[4096];
    size_t len;
    memset(l, 0, sizeof *l);
    if (nx_path_join(sub, sizeof sub, dir, "training") ||
        nx_path_join(path, sizeof path, sub, name))
        return nx_err(err, errlen, "%s: path too long", dir);
    if (nx_read_file(path, 1 << 20, &l->buf, &len, err, errlen))
        return -1;
    int line = 0;
    for (char *p = l->buf, *save = NULL, *tok; (tok = strtok_r(p, "\n", &save)); p = NULL) {
        line++;
        if (tok[0] == '#' || tok[0] == '\0')
            continue;
        if (l->n == LIST_MAX) {
            list_free(l);
            return nx_err(err, errlen, "%s:%d: more than %d entries", path, line, LIST_MAX);
        }
        l->item[l->n++] = tok;
    }
    if (l->n == 0) {
        list_free(l);
        return nx_err(err, errlen, "%s: no entries", path);
    }
    return 0;
}

static const char *pick(const list *l) { return l->item[randombytes_uniform((uint32_t)l->n)]; }

enum { L_GIVEN, L_FAMILY, L_PAYER, L_CLIENT, L_CPT, L_ICD, L_STREET, L_COUNT };
static const char *const list_files[L_COUNT] = {
    "given_names.txt", "family_names.txt", "payers.txt", "clients.txt",
    "cpt.txt", "icd10.txt", "streets.txt",
};

typedef struct { char id[64]; } client_id;

static int seed_clients(nx_store *s, const list *l, client_id *ids, const char *dir,
                        char *err, size_t errlen)
{
    for (int i = 0; i < l->n; i++) {
        char row[512], *f[4], *save = NULL;
        snprintf(row, sizeof row, "%s", l->item[i]);
        int nf = 0;
        for (char *p = row, *tok; nf < 4 && (tok = strtok_r(p, "|", &save)); p = NULL)
            f[nf++] = tok;
        if (nf != 4)
            return nx_err(err, errlen, "%s/training/clients.txt: entry %d: expected id|name|tz|escalation",
                          dir, i + 1);
        snprintf(ids[i].id, sizeof ids[i].id, "%s", f[0]);
        nx_client_row c = { f[0], f[1], f[2], f[3], "" };
        if (nx_store_client_put(s, &c))
            return nx_err(err, errlen, "client %s: %s", f[0], nx_store_errmsg(s));
    }
    return 0;
}

/* A synthetic NPI: 9 digits starting with 9 (CMS issues only 1 and 2, so it
 * can never be a real provider's) and the Luhn check digit over "80840". */
static void synthetic_npi(char out[11])
{
    snprintf(out, 11, "9%08u", randombytes_uniform(100000000));
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

/* The fields of one item, gathered before its row is written (the row
 * needs the status and due time the fields decide; the fields refer to
 * the row). */
#define MAX_SEED_FIELDS 16
typedef struct {
    const char *field[MAX_SEED_FIELDS];
    char value[MAX_SEED_FIELDS][64];
    int n;
} field_writer;

static void put(field_writer *w, const char *field, const char *value)
{
    if (w->n == MAX_SEED_FIELDS)
        return;
    w->field[w->n] = field;
    snprintf(w->value[w->n], sizeof w->value[0], "%s", value);
    w->n++;
}

static void local_date(int64_t t, char *out, size_t len)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, len, "%Y-%m-%d", &tm);
}

static void local_datetime(int64_t t, char *out, size_t len)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, len, "%Y-%m-%d %H:%M", &tm);
}

/* Fills the fields an item of its kind has at the status drawn for it,
 * so every seeded item could have reached that status through the
 * workflow. Dates are written as UTC calendar dates: close enough for
 * invented data, and the due times are computed from the same instants. */
static void seed_kind_fields(field_writer *w, nx_item_row *it, list *L, int64_t now)
{
    char buf[64], npi[11];
    const char *kind = it->kind;
    if (strcmp(kind, "scheduling") == 0) {
        static const char *const visits[] = { "new patient", "follow-up", "annual physical",
                                              "sleep study", "imaging" };
        put(w, "visit_type", visits[randombytes_uniform(5)]);
        snprintf(buf, sizeof buf, "Dr. %s", pick(&L[L_FAMILY]));
        put(w, "appointment_provider", buf);
        it->status = "new";
        it->due = now + (int64_t)randombytes_uniform(6 * 24) * 3600 - 12 * 3600;
    } else if (strcmp(kind, "eligibility") == 0) {
        /* Visits from today to two weeks out: most are on time, the
         * nearest ones at risk or overdue, as a real queue looks. */
        int64_t visit = now + (int64_t)randombytes_uniform(15) * 86400;
        visit -= visit % 86400;
        local_date(visit, buf, sizeof buf);
        put(w, "service_date", buf);
        put(w, "cpt_codes", pick(&L[L_CPT]));
        put(w, "icd_codes", pick(&L[L_ICD]));
        synthetic_npi(npi);
        put(w, "provider_npi", npi);
        put(w, "subscriber_relationship", randombytes_uniform(4) ? "self" : "spouse");
        put(w, "plan", randombytes_uniform(2) ? "Gold PPO" : "Silver HMO");
        it->status = randombytes_uniform(2) ? "new" : "verifying";
        it->due = visit - 72 * 3600;
    } else if (strcmp(kind, "prior-auth") == 0) {
        put(w, "dx_codes", pick(&L[L_ICD]));
        const char *proc = pick(&L[L_CPT]);
        put(w, "procedure_codes", proc);
        snprintf(buf, sizeof buf, "%u", 1 + randombytes_uniform(12));
        put(w, "units", buf);
        int dme = proc[0] >= 'A' && proc[0] <= 'Z';
        put(w, "dme", dme ? "yes" : "no");
        if (dme) {
            put(w, "rental_purchase", randombytes_uniform(2) ? "rental" : "purchase");
            put(w, "supplier", "Synthetic Medical Supply");
        }
        synthetic_npi(npi);
        put(w, "ordering_npi", npi);
        it->status = "draft";
        it->due = it->created + 3 * 86400;
        if (randombytes_uniform(2)) {
            static const char *const docs[] = { "doc_order", "doc_clinical_notes",
                                                "doc_payer_form", "doc_medical_necessity" };
            for (int i = 0; i < 4; i++)
                put(w, docs[i], "yes");
            int64_t sub = it->created + 3600;
            local_datetime(sub, buf, sizeof buf);
            put(w, "submitted_at", buf);
            it->status = "submitted";
            it->follow_up = it->due = sub + (it->priority ? 48 : 72) * 3600;
        }
    } else {
        snprintf(buf, sizeof buf, "AUTH-%06u", randombytes_uniform(1000000));
        put(w, "auth_ref", buf);
        local_date(it->created - 5 * 86400, buf, sizeof buf);
        put(w, "auth_date", buf);
        static const char *const purposes[] = { "treatment", "payment", "patient", "legal" };
        put(w, "auth_purpose", purposes[randombytes_uniform(4)]);
        static const char *const holders[] = { "provider", "hospital", "insurer" };
        put(w, "holder_type", holders[randombytes_uniform(3)]);
        it->status = "new";
        it->due = it->created + 5 * 86400;
    }
}

static int seed_items(nx_profile *p, list *L, const client_id *clients, int n,
                      const char *user, const char *team, char *err, size_t errlen)
{
    nx_store *s = p->store;
    int npatients = n / 3 + 1;
    char (*pids)[NX_UUID_LEN + 1] = calloc((size_t)npatients, sizeof *pids);
    int *pclient = calloc((size_t)npatients, sizeof *pclient);
    if (!pids || !pclient) {
        free(pids);
        free(pclient);
        return nx_err(err, errlen, "out of memory");
    }
    int rc = 0;
    int64_t now = nx_now();
    for (int i = 0; i < npatients && rc == 0; i++) {
        char dob[16], phone[16], email[96], addr[128], mrn[16], member[16];
        pclient[i] = (int)randombytes_uniform((uint32_t)L[L_CLIENT].n);
        nx_uuid4(pids[i]);
        const char *given = pick(&L[L_GIVEN]), *family = pick(&L[L_FAMILY]);
        snprintf(dob, sizeof dob, "%04u-%02u-%02u", 1940 + randombytes_uniform(70),
                 1 + randombytes_uniform(12), 1 + randombytes_uniform(28));
        snprintf(phone, sizeof phone, "217555%04u", 100 + randombytes_uniform(100));
        snprintf(email, sizeof email, "patient%u@example.invalid", randombytes_uniform(1000000));
        snprintf(addr, sizeof addr, "%u %s, Springfield, IL 62701", 1 + randombytes_uniform(9999),
                 pick(&L[L_STREET]));
        snprintf(mrn, sizeof mrn, "TRN%07u", randombytes_uniform(10000000));
        snprintf(member, sizeof member, "ZX%09u", randombytes_uniform(1000000000));
        nx_patient_row pr = { pids[i], clients[pclient[i]].id, family, given, dob, phone,
                              email, addr, mrn, member, pick(&L[L_PAYER]),
                              randombytes_uniform(10) == 0 ? "yes" : "no", "no", "" };
        if (nx_store_patient_put(s, &pr))
            rc = nx_err(err, errlen, "patient %s: %s", pids[i], nx_store_errmsg(s));
    }
    static const char *const kinds[] = { "scheduling", "eligibility", "prior-auth", "roi" };
    for (int i = 0; i < n && rc == 0; i++) {
        char id[NX_UUID_LEN + 1];
        nx_uuid4(id);
        int pi = (int)randombytes_uniform((uint32_t)npatients);
        int64_t created = now - (int64_t)randombytes_uniform(4 * 86400);
        nx_item_row it = {
            .id = id, .kind = kinds[i % 4], .client_id = clients[pclient[pi]].id,
            .patient_id = pids[pi], .assignee = randombytes_uniform(10) < 6 ? user : "",
            .team = team, .priority = randombytes_uniform(10) < 2, .created = created,
            .updated = created,
        };
        field_writer w = { .n = 0 };
        seed_kind_fields(&w, &it, L, now);
        if (nx_store_item_put(s, &it) != 0)
            rc = nx_err(err, errlen, "item %s: %s", id, nx_store_errmsg(s));
        for (int f = 0; f < w.n && rc == 0; f++)
            if (nx_store_item_field_put(s, id, w.field[f], w.value[f]) != 0)
                rc = nx_err(err, errlen, "item %s: %s", id, nx_store_errmsg(s));
        sodium_memzero(&w, sizeof w);
        nx_audit_event ev = { .action = NX_AUDIT_CREATE, .item_id = id, .at = created };
        if (rc == 0 && nx_audit_append(s, &p->audit, &ev, err, errlen) != 0)
            rc = -1;
    }
    free(pids);
    free(pclient);
    return rc;
}

int nx_training_seed(nx_profile *p, const char *assets_dir, int n,
                     const char *user, const char *team, char *err, size_t errlen)
{
    nx_store *s = p->store;
    list L[L_COUNT];
    memset(L, 0, sizeof L);
    int rc = 0;
    for (int i = 0; i < L_COUNT && rc == 0; i++)
        rc = list_load(&L[i], assets_dir, list_files[i], err, errlen);
    client_id *clients = rc ? NULL : calloc((size_t)L[L_CLIENT].n, sizeof *clients);
    if (rc == 0 && !clients)
        rc = nx_err(err, errlen, "out of memory");
    if (rc == 0 && nx_store_begin(s) != 0)
        rc = nx_err(err, errlen, "cannot start a transaction: %s", nx_store_errmsg(s));
    else if (rc == 0) {
        rc = seed_clients(s, &L[L_CLIENT], clients, assets_dir, err, errlen);
        if (rc == 0)
            rc = seed_items(p, L, clients, n, user, team, err, errlen);
        if (rc == 0 && nx_store_meta_set(s, "training", "1") != 0)
            rc = nx_err(err, errlen, "cannot mark the profile: %s", nx_store_errmsg(s));
        if (rc == 0 && nx_store_commit(s) != 0)
            rc = nx_err(err, errlen, "commit failed: %s", nx_store_errmsg(s));
        if (rc == 0 && nx_profile_audit_commit_head(p, err, errlen) != 0)
            rc = -1;
        if (rc != 0)
            nx_store_rollback(s);
    }
    free(clients);
    for (int i = 0; i < L_COUNT; i++)
        list_free(&L[i]);
    return rc;
}
