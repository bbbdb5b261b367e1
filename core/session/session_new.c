/* A new work item from the new-item form (session_new.h): pick lists,
 * the request checked part by part, and the item made by
 * nx_session_create. */
#include "session/session_new.h"
#include "store/items_io.h"
#include "store/pick_store.h"
#include "store/textfold.h"
#include "util/util.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

int nx_new_allowed(const nx_session *s)
{
    return s->policy && nx_policy_allows(s->policy, s->role, NX_ACTION_CREATE);
}

static int refused(const nx_session *s, char *err, size_t errlen)
{
    return nx_err(err, errlen, "your role (%s) may not create items", nx_role_name(s->role));
}

/* ---- clients ------------------------------------------------------------------ */

typedef struct {
    nx_new_client *out;
    int max, n;
} clients_ctx;

static int client_row(void *ctx, const char *id, const char *name)
{
    clients_ctx *c = ctx;
    if (c->n < c->max) {
        snprintf(c->out[c->n].id, sizeof c->out[c->n].id, "%s", id);
        snprintf(c->out[c->n].name, sizeof c->out[c->n].name, "%s", name);
    }
    c->n++;
    return 0;
}

int nx_new_clients(nx_session *s, nx_new_client *out, int max, char *err, size_t errlen)
{
    if (!nx_new_allowed(s))
        return refused(s, err, errlen);
    clients_ctx c = { out, max, 0 };
    if (nx_pick_clients(s->profile->store, client_row, &c) != 0)
        return nx_err(err, errlen, "cannot read the clients: %s",
                      nx_store_errmsg(s->profile->store));
    return c.n;
}

/* ---- patients ----------------------------------------------------------------- */

typedef struct {
    const nx_session *s;
    const nx_field_def *family, *given, *dob;
    const char *text;           /* NULL: every one (a lookup by id) */
    nx_new_patient *out;
    int max, n;
    char buf[2 * NX_NEW_NAME_MAX];
} patients_ctx;

static void show(patients_ctx *c, const nx_pick_patient *p, nx_new_patient *o)
{
    const nx_session *s = c->s;
    char given[NX_NEW_NAME_MAX];
    memset(o, 0, sizeof *o);
    snprintf(o->id, sizeof o->id, "%s", p->id);
    given[0] = '\0';
    if (c->family)
        nx_mask(s->policy, s->role, c->family, p->family, NX_MASK_SHOW, o->name, sizeof o->name);
    if (c->given)
        nx_mask(s->policy, s->role, c->given, p->given, NX_MASK_SHOW, given, sizeof given);
    if (o->name[0] && given[0]) {
        size_t used = strlen(o->name);
        snprintf(o->name + used, sizeof o->name - used, ", %s", given);
    } else if (given[0]) {
        snprintf(o->name, sizeof o->name, "%s", given);
    }
    if (c->dob)
        nx_mask(s->policy, s->role, c->dob, p->dob, NX_MASK_SHOW, o->born, sizeof o->born);
    sodium_memzero(given, sizeof given);
}

/* As the queue search finds names: the start of "family, given" or of
 * "given family". */
static int name_matches(patients_ctx *c, const nx_pick_patient *p)
{
    if (!c->text || !c->text[0])
        return 1;
    snprintf(c->buf, sizeof c->buf, "%s, %s", p->family, p->given);
    int m = nx_fold_prefix(c->buf, c->text);
    if (!m) {
        snprintf(c->buf, sizeof c->buf, "%s %s", p->given, p->family);
        m = nx_fold_prefix(c->buf, c->text);
    }
    sodium_memzero(c->buf, sizeof c->buf);
    return m;
}

static int patient_row(void *ctx, const nx_pick_patient *p)
{
    patients_ctx *c = ctx;
    if (!name_matches(c, p))
        return 0;
    if (c->n < c->max)
        show(c, p, &c->out[c->n]);
    c->n++;
    return 0;
}

static void patients_init(patients_ctx *c, const nx_session *s)
{
    memset(c, 0, sizeof *c);
    c->s = s;
    c->family = nx_dict_find(s->dict, "family_name");
    c->given = nx_dict_find(s->dict, "given_name");
    c->dob = nx_dict_find(s->dict, "dob");
}

static int valid_utf8(const char *t)
{
    const unsigned char *p = (const unsigned char *)t;
    while (*p) {
        size_t n = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3
                 : (*p & 0xF8) == 0xF0 ? 4 : 0;
        if (!n || (n == 2 && *p < 0xC2))
            return 0;
        for (size_t i = 1; i < n; i++)
            if ((p[i] & 0xC0) != 0x80)
                return 0;
        p += n;
    }
    return 1;
}

int nx_new_patients(nx_session *s, const char *client_id, const char *text,
                    nx_new_patient *out, int max, char *err, size_t errlen)
{
    if (!nx_new_allowed(s))
        return refused(s, err, errlen);
    patients_ctx c;
    patients_init(&c, s);
    if (!c.family || !c.given ||
        nx_policy_level(s->policy, s->role, c.family) != NX_LEVEL_FULL ||
        nx_policy_level(s->policy, s->role, c.given) != NX_LEVEL_FULL)
        return nx_err(err, errlen, "your role (%s) does not see patients' names in full, so it "
                      "cannot find a patient by name", nx_role_name(s->role));
    /* blanks around the text are not part of the name looked for */
    char t[128];
    const char *a = text ? text : "";
    while (*a == ' ' || *a == '\t')
        a++;
    size_t n = strlen(a);
    while (n > 0 && (a[n - 1] == ' ' || a[n - 1] == '\t'))
        n--;
    if (n >= sizeof t)
        return nx_err(err, errlen, "the name typed is too long");
    memcpy(t, a, n);
    t[n] = '\0';
    if (!valid_utf8(t)) {
        sodium_memzero(t, sizeof t);
        return nx_err(err, errlen, "the name typed is not valid text");
    }
    c.text = t;
    c.out = out;
    c.max = max;
    int rc = nx_pick_patients(s->profile->store, client_id ? client_id : "", patient_row, &c);
    sodium_memzero(t, sizeof t);
    if (rc != 0) {
        nx_new_patients_wipe(out, c.n < max ? c.n : max);
        return nx_err(err, errlen, "cannot read the patients: %s",
                      nx_store_errmsg(s->profile->store));
    }
    return c.n;
}

typedef struct {
    patients_ctx pc;
    char client_id[NX_ID_MAX];
} get_ctx;

static int patient_one(void *ctx, const nx_pick_patient *p)
{
    get_ctx *g = ctx;
    snprintf(g->client_id, sizeof g->client_id, "%s", p->client_id);
    if (g->pc.out)
        show(&g->pc, p, g->pc.out);
    return 0;
}

/* 1 found (client into client_id, shown into out when not NULL), 0, -1. */
static int patient_lookup(nx_session *s, const char *id, nx_new_patient *out,
                          char client_id[NX_ID_MAX])
{
    get_ctx g;
    patients_init(&g.pc, s);
    g.pc.out = out;
    g.client_id[0] = '\0';
    int rc = nx_pick_patient_get(s->profile->store, id, patient_one, &g);
    snprintf(client_id, NX_ID_MAX, "%s", g.client_id);
    return rc;
}

int nx_new_patient_get(nx_session *s, const char *patient_id, nx_new_patient *out, char *err,
                       size_t errlen)
{
    if (!nx_new_allowed(s))
        return refused(s, err, errlen);
    char client[NX_ID_MAX];
    int rc = patient_lookup(s, patient_id, out, client);
    if (rc < 0)
        return nx_err(err, errlen, "cannot read the patient: %s",
                      nx_store_errmsg(s->profile->store));
    return rc;
}

void nx_new_patients_wipe(nx_new_patient *p, int n)
{
    if (p && n > 0)
        sodium_memzero(p, (size_t)n * sizeof *p);
}

/* ---- the request ------------------------------------------------------------------ */

static void problem(nx_new_problems *p, nx_new_field f, const char *msg)
{
    snprintf(p->msg[f], sizeof p->msg[f], "%s", msg);
    p->n++;
    if (p->first < 0 || (int)f < p->first)
        p->first = (int)f;
}

int nx_new_check(nx_session *s, const nx_new_request *r, nx_new_problems *p, char *err,
                 size_t errlen)
{
    memset(p, 0, sizeof *p);
    p->first = -1;
    if (!nx_new_allowed(s))
        return refused(s, err, errlen);
    nx_store *st = s->profile->store;
    if (r->kind < 0 || r->kind >= NX_KIND_COUNT)
        problem(p, NX_NEW_KIND, "Kind: choose the kind of work item");
    int client_ok = 0;
    if (!r->client_id[0]) {
        problem(p, NX_NEW_CLIENT, "Client: choose the client the work is for");
    } else {
        nx_client_rec c;
        int found = nx_store_client_get(st, r->client_id, &c);
        if (found < 0)
            return nx_err(err, errlen, "cannot read the clients: %s", nx_store_errmsg(st));
        if (!found)
            problem(p, NX_NEW_CLIENT, "Client: not a client in this cache");
        client_ok = found;
    }
    if (!r->patient_id[0]) {
        problem(p, NX_NEW_PATIENT, "Patient: type the start of a name, then Enter to pick one");
    } else {
        char client[NX_ID_MAX];
        int found = patient_lookup(s, r->patient_id, NULL, client);
        if (found < 0)
            return nx_err(err, errlen, "cannot read the patient: %s", nx_store_errmsg(st));
        if (!found)
            problem(p, NX_NEW_PATIENT, "Patient: not a patient in this cache");
        else if (client_ok && strcmp(client, r->client_id) != 0)
            problem(p, NX_NEW_PATIENT, "Patient: not a patient of this client: pick again");
    }
    if (r->priority != 0 && r->priority != 1)
        problem(p, NX_NEW_PRIORITY, "Priority: routine or urgent");
    return p->n;
}

int nx_new_item(nx_session *s, const nx_new_request *r, nx_new_problems *p,
                char id_out[NX_ID_MAX], char *err, size_t errlen)
{
    id_out[0] = '\0';
    int bad = nx_new_check(s, r, p, err, errlen);
    if (bad != 0)
        return bad < 0 ? -1 : 1;
    return nx_session_create(s, (nx_kind)r->kind, r->client_id, r->patient_id, r->priority,
                             id_out, err, errlen) == 0 ? 0 : -1;
}
