#include "domain/training.h"
#include "store/rows.h"
#include "util/util.h"
#include "util/uuid.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static const char *const kinds[] = { "scheduling", "eligibility", "prior-auth", "roi" };
static const char *const statuses[] = { "new", "open", "pending" };

static int seed_items(nx_store *s, list *L, const client_id *clients, int n,
                      const char *user, const char *team, char *err, size_t errlen)
{
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
        snprintf(phone, sizeof phone, "555-01%02u", randombytes_uniform(100));
        snprintf(email, sizeof email, "patient%u@example.invalid", randombytes_uniform(1000000));
        snprintf(addr, sizeof addr, "%u %s", 1 + randombytes_uniform(9999), pick(&L[L_STREET]));
        snprintf(mrn, sizeof mrn, "TRN%07u", randombytes_uniform(10000000));
        snprintf(member, sizeof member, "ZX%09u", randombytes_uniform(1000000000));
        nx_patient_row p = { pids[i], clients[pclient[i]].id, family, given, dob, phone,
                             email, addr, mrn, member, pick(&L[L_PAYER]),
                             randombytes_uniform(10) == 0 ? "yes" : "no", "no", "" };
        if (nx_store_patient_put(s, &p))
            rc = nx_err(err, errlen, "patient %s: %s", pids[i], nx_store_errmsg(s));
    }
    for (int i = 0; i < n && rc == 0; i++) {
        char id[NX_UUID_LEN + 1];
        nx_uuid4(id);
        int pi = (int)randombytes_uniform((uint32_t)npatients);
        const char *kind = kinds[i % 4];
        int64_t created = now - (int64_t)randombytes_uniform(14 * 86400);
        nx_item_row it = {
            .id = id, .kind = kind, .client_id = clients[pclient[pi]].id,
            .patient_id = pids[pi], .status = statuses[randombytes_uniform(3)],
            .assignee = randombytes_uniform(10) < 6 ? user : "", .team = team,
            .priority = randombytes_uniform(10) < 2, .created = created, .updated = created,
            .due = now - 3 * 86400 + (int64_t)randombytes_uniform(13 * 86400),
        };
        if (nx_store_item_put(s, &it) ||
            nx_store_item_field_put(s, id, "cpt", pick(&L[L_CPT])) ||
            nx_store_item_field_put(s, id, "icd10", pick(&L[L_ICD])))
            rc = nx_err(err, errlen, "item %s: %s", id, nx_store_errmsg(s));
    }
    free(pids);
    free(pclient);
    return rc;
}

int nx_training_seed(nx_store *s, const char *assets_dir, int n,
                     const char *user, const char *team, char *err, size_t errlen)
{
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
            rc = seed_items(s, L, clients, n, user, team, err, errlen);
        if (rc == 0 && nx_store_meta_set(s, "training", "1") != 0)
            rc = nx_err(err, errlen, "cannot mark the profile: %s", nx_store_errmsg(s));
        if (rc == 0 && nx_store_commit(s) != 0)
            rc = nx_err(err, errlen, "commit failed: %s", nx_store_errmsg(s));
        if (rc != 0)
            nx_store_rollback(s);
    }
    free(clients);
    for (int i = 0; i < L_COUNT; i++)
        list_free(&L[i]);
    return rc;
}
