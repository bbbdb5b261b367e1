/* hub/import — `nexus-hub import`: work items from a clinic's export, as
 * JSON Lines (one item a line), validated by the domain's own validators,
 * all or nothing (one transaction; the first bad line rolls everything
 * back). Errors are "FILE:LINE: problem" and name fields, never values.
 *
 * Schema (also in hub/IMPORT.md; `nexus-hub export` writes the same):
 *
 *   {"id": "ITEM-ID",                      required; a plain id, new to the hub
 *    "kind": "scheduling",                 required; scheduling | eligibility |
 *                                          prior-auth | roi
 *    "client": "CLIENT-ID",                required; added by `nexus-hub client add`
 *    "patient": {                          required
 *       "id": "PATIENT-ID",                required; a plain id
 *       "family_name": "...", "given_name": "...",   required for a new patient
 *       "dob", "phone", "alt_phone", "email", "address", "mrn", "member_id",
 *       "payer", "confidential_comm", "restriction"  optional strings},
 *    "status": "new",                      optional; default the kind's first status
 *    "priority": "routine",                optional; routine | urgent (or 0 | 1)
 *    "assignee": "USER", "team": "TEAM",   optional plain ids
 *    "due": 1767225600,                    optional; unix seconds, or
 *                                          "YYYY-MM-DD HH:MM" in the client's zone
 *    "follow_up", "created", "updated", "closed": as due, optional
 *    "linked_item": "ITEM-ID",             optional
 *    "fields": {"FIELD-ID": "value", ...}, optional; the kind's dictionary
 *                                          fields, values as strings
 *    "notes": [{"at": 1767225600, "author": "USER", "body": "..."}]  optional}
 *
 * Every value goes through nx_dict_check (canonical form stored); unknown
 * keys, fields of another kind, duplicate keys and statuses the kind's
 * workflow does not have are errors. A patient that already exists (in the
 * store or on an earlier line) must belong to the same client; the patient
 * fields a line gives replace the stored ones. Blank lines are skipped. An
 * item in a final status gets `closed` (given, or the import time). Each
 * imported item gets a new revision, so it reaches laptops on their next
 * sync. */
#include "hub/store_int.h"
#include "domain/clock.h"
#include "domain/dict.h"
#include "domain/workflow.h"
#include "store/rows.h"
#include "util/jsonz.h"
#include "util/util.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_BYTES (1u << 20)
#define MAX_NOTES 1000

/* jansson's memory holds patient values: every block is wiped on free
 * (core/util/jsonz). */
void nx_hub_json_init(void)
{
    nx_json_init();
}

/* ---- one line ---------------------------------------------------------------------- */

typedef struct {
    nx_hub *h;                  /* NULL: validate only */
    const nx_dict *dict;
    const char *name;           /* file name for messages */
    long line;
    char *err;
    size_t errlen;
    int64_t count, now;
    /* ids seen in this file (so a second line with the same item is an
     * error even before the store is asked) */
    char (*ids)[NX_ID_MAX];
    size_t nids, capids;
    char last_client[NX_ID_MAX], last_tz[64];   /* the client looked up last */
} import_ctx;

static int line_err(import_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int line_err(import_ctx *c, const char *fmt, ...)
{
    char msg[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return nx_err(c->err, c->errlen, "%s:%ld: %s", c->name, c->line, msg);
}

/* A plain id; "" not allowed unless may_be_empty. */
static int get_id(import_ctx *c, json_t *obj, const char *key, int required, int may_be_empty,
                  char *out, size_t outlen)
{
    json_t *v = json_object_get(obj, key);
    out[0] = '\0';
    if (!v) {
        if (required)
            return line_err(c, "'%s' is missing", key);
        return 0;
    }
    if (!json_is_string(v))
        return line_err(c, "'%s' must be a string", key);
    const char *s = json_string_value(v);
    if (!*s && may_be_empty)
        return 0;
    if (!nx_hub_name_ok(s) || strlen(s) >= outlen)
        return line_err(c, "'%s' must be a plain id (letters, digits, '.', '_', '-', ':'; "
                        "at most %zu)", key, outlen - 1);
    snprintf(out, outlen, "%s", s);
    return 0;
}

/* A time: unix seconds, or "YYYY-MM-DD HH:MM" in tz. 0 = absent. */
static int get_time(import_ctx *c, json_t *obj, const char *key, const char *tz, int64_t *out)
{
    json_t *v = json_object_get(obj, key);
    *out = 0;
    if (!v || json_is_null(v))
        return 0;
    if (json_is_integer(v)) {
        json_int_t t = json_integer_value(v);
        if (t < -2208988800LL || t > 7258118400LL)   /* 1900 .. 2200 */
            return line_err(c, "'%s' is out of range (years 1900-2199)", key);
        *out = t;
        return 0;
    }
    if (!json_is_string(v))
        return line_err(c, "'%s' must be unix seconds or \"YYYY-MM-DD HH:MM\"", key);
    const char *s = json_string_value(v);
    int y, mo, d, hh, mm, n = 0;
    if (strlen(s) != 16 || sscanf(s, "%4d-%2d-%2d %2d:%2d%n", &y, &mo, &d, &hh, &mm, &n) != 5 ||
        n != 16 || mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 || mm > 59 || hh < 0 || mm < 0)
        return line_err(c, "'%s' must be unix seconds or \"YYYY-MM-DD HH:MM\"", key);
    int64_t days = nx_days_from_civil(y, mo, d);
    int cy, cm, cd;
    nx_civil_from_days(days, &cy, &cm, &cd);
    if (cy != y || cm != mo || cd != d)
        return line_err(c, "'%s' is not a calendar date", key);
    if (!tz) {
        /* Validate-only: no client zone; UTC stands in. */
        *out = days * 86400 + hh * 3600 + mm * 60;
        return 0;
    }
    char e2[160];
    if (nx_clock_from_local(tz, y, mo, d, hh, mm, out, e2, sizeof e2) != 0)
        return line_err(c, "'%s' is out of range", key);
    return 0;
}

static int check_keys(import_ctx *c, json_t *obj, const char *const *allowed, const char *what)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        int ok = 0;
        for (size_t i = 0; allowed[i] && !ok; i++)
            ok = strcmp(allowed[i], key) == 0;
        if (!ok) {
            /* The key is the file's text, not a value, but keep it short
             * and printable in the message. */
            char k[48];
            size_t j = 0;
            for (; key[j] && j < sizeof k - 1; j++)
                k[j] = (key[j] >= 0x20 && key[j] < 0x7f) ? key[j] : '?';
            k[j] = '\0';
            return line_err(c, "unknown key '%s'%s", k, what);
        }
    }
    return 0;
}

static const char *const item_keys[] = {
    "id", "kind", "client", "patient", "status", "priority", "assignee", "team", "due",
    "follow_up", "created", "updated", "closed", "linked_item", "fields", "notes", NULL,
};
static const char *const patient_keys[] = {
    "id", "family_name", "given_name", "dob", "phone", "alt_phone", "email", "address", "mrn",
    "member_id", "payer", "confidential_comm", "restriction", NULL,
};

/* The checked values of one line, canonical, ready to write. */
typedef struct {
    nx_item_rec it;
    char patient_id[NX_ID_MAX];
    const char *pf[16];            /* patient field ids given */
    char pv[16][NX_VALUE_MAX];     /* their canonical values */
    int npf;
    const char *ff[128];           /* kind field ids given */
    char (*fv)[NX_VALUE_MAX];      /* heap: their canonical values */
    int nff;
    json_t *notes;                 /* borrowed from the line's JSON */
} parsed;

static int check_value(import_ctx *c, const nx_field_def *f, json_t *v, char *out,
                       const char *where)
{
    if (!json_is_string(v))
        return line_err(c, "%s'%s' must be a string", where, f->id);
    const char *why = nx_dict_check(f, json_string_value(v), out, NX_VALUE_MAX);
    if (why)
        return line_err(c, "%s'%s': %s", where, f->id, why);
    return 0;
}

static int parse_patient(import_ctx *c, json_t *p, parsed *r)
{
    if (!json_is_object(p))
        return line_err(c, "'patient' must be an object");
    if (check_keys(c, p, patient_keys, " in 'patient'"))
        return -1;
    if (get_id(c, p, "id", 1, 0, r->patient_id, sizeof r->patient_id))
        return -1;
    for (size_t i = 1; patient_keys[i]; i++) {
        json_t *v = json_object_get(p, patient_keys[i]);
        if (!v)
            continue;
        const nx_field_def *f = nx_dict_find(c->dict, patient_keys[i]);
        if (!f || f->home != NX_AT_PATIENT)
            return line_err(c, "patient field '%s' is not in the dictionary", patient_keys[i]);
        if (check_value(c, f, v, r->pv[r->npf], "patient "))
            return -1;
        if ((strcmp(f->id, "family_name") == 0 || strcmp(f->id, "given_name") == 0) &&
            !r->pv[r->npf][0])
            return line_err(c, "patient '%s' must not be empty", f->id);
        r->pf[r->npf++] = f->id;
    }
    return 0;
}

static int parse_fields(import_ctx *c, json_t *fields, nx_kind k, parsed *r)
{
    if (!json_is_object(fields))
        return line_err(c, "'fields' must be an object");
    size_t n = json_object_size(fields);
    if (n > sizeof r->ff / sizeof r->ff[0])
        return line_err(c, "'fields' has more entries than any kind has fields");
    r->fv = n ? malloc(n * sizeof *r->fv) : NULL;
    if (n && !r->fv)
        return line_err(c, "out of memory");
    const char *key;
    json_t *v;
    json_object_foreach(fields, key, v) {
        const nx_field_def *f = nx_dict_find(c->dict, key);
        if (!f)
            return line_err(c, "'fields' names a field that is not in the dictionary");
        if (f->home != NX_AT_FIELD)
            return line_err(c, "field '%s' is not a kind field (use the item's or the "
                            "patient's key for it)", f->id);
        if (!(f->kinds & NX_KIND_BIT(k)))
            return line_err(c, "field '%s' is not a field of %s items", f->id, nx_kind_name(k));
        if (check_value(c, f, v, r->fv[r->nff], ""))
            return -1;
        r->ff[r->nff++] = f->id;
    }
    return 0;
}

static int parse_notes(import_ctx *c, json_t *notes, parsed *r)
{
    if (!json_is_array(notes))
        return line_err(c, "'notes' must be an array");
    if (json_array_size(notes) > MAX_NOTES)
        return line_err(c, "'notes' holds more than %d notes", MAX_NOTES);
    const nx_field_def *f = nx_dict_find(c->dict, "notes");
    static const char *const note_keys[] = { "at", "author", "body", NULL };
    size_t i;
    json_t *n;
    json_array_foreach(notes, i, n) {
        char author[NX_NAME_MAX], body[NX_VALUE_MAX];
        int64_t at;
        if (!json_is_object(n))
            return line_err(c, "note %zu must be an object", i + 1);
        if (check_keys(c, n, note_keys, " in a note") ||
            get_id(c, n, "author", 1, 0, author, sizeof author))
            return -1;
        if (!json_is_integer(json_object_get(n, "at")))
            return line_err(c, "note %zu: 'at' must be unix seconds", i + 1);
        if (get_time(c, n, "at", NULL, &at))
            return -1;
        json_t *b = json_object_get(n, "body");
        if (!b || !f)
            return line_err(c, "note %zu: 'body' is missing", i + 1);
        if (check_value(c, f, b, body, "note "))
            return -1;
        sodium_memzero(body, sizeof body);
        if (!at)
            return line_err(c, "note %zu: 'at' is missing", i + 1);
    }
    r->notes = notes;
    return 0;
}

static int client_tz(import_ctx *c, const char *client, char *tz, size_t tzlen)
{
    if (c->last_client[0] && strcmp(c->last_client, client) == 0) {
        snprintf(tz, tzlen, "%s", c->last_tz);
        return 0;
    }
    nx_client_rec cr;
    int found = nx_store_client_get(nx_hub_store(c->h), client, &cr);
    if (found < 0)
        return line_err(c, "cannot read clients: %s", nx_hub_errmsg(c->h));
    if (!found)
        return line_err(c, "client %s is not on the hub (run 'nexus-hub client add')", client);
    snprintf(tz, tzlen, "%s", cr.tz);
    snprintf(c->last_client, sizeof c->last_client, "%s", client);
    snprintf(c->last_tz, sizeof c->last_tz, "%s", cr.tz);
    return 0;
}

static int parse_line(import_ctx *c, json_t *o, parsed *r)
{
    nx_item_rec *it = &r->it;
    char kind[32], tz[64];
    if (!json_is_object(o))
        return line_err(c, "a line must hold one JSON object");
    if (check_keys(c, o, item_keys, ""))
        return -1;
    if (get_id(c, o, "id", 1, 0, it->id, sizeof it->id) ||
        get_id(c, o, "kind", 1, 0, kind, sizeof kind) ||
        get_id(c, o, "client", 1, 0, it->client_id, sizeof it->client_id))
        return -1;
    int k = nx_kind_parse(kind);
    if (k < 0)
        return line_err(c, "item %s: 'kind' must be scheduling, eligibility, prior-auth or roi",
                        it->id);
    snprintf(it->kind, sizeof it->kind, "%s", nx_kind_name((nx_kind)k));
    if (c->h && client_tz(c, it->client_id, tz, sizeof tz))
        return -1;
    json_t *p = json_object_get(o, "patient");
    if (!p)
        return line_err(c, "item %s: 'patient' is missing", it->id);
    if (parse_patient(c, p, r))
        return -1;
    snprintf(it->patient_id, sizeof it->patient_id, "%s", r->patient_id);

    json_t *st = json_object_get(o, "status");
    if (st) {
        if (!json_is_string(st) || !nx_workflow_is_status((nx_kind)k, json_string_value(st)))
            return line_err(c, "item %s: 'status' is not a status of %s items", it->id,
                            nx_kind_name((nx_kind)k));
        snprintf(it->status, sizeof it->status, "%s", json_string_value(st));
    } else
        snprintf(it->status, sizeof it->status, "%s", nx_workflow_initial((nx_kind)k));

    json_t *pr = json_object_get(o, "priority");
    if (pr) {
        if (json_is_integer(pr) && (json_integer_value(pr) == 0 || json_integer_value(pr) == 1))
            it->priority = (int)json_integer_value(pr);
        else if (json_is_string(pr) && strcmp(json_string_value(pr), "routine") == 0)
            it->priority = 0;
        else if (json_is_string(pr) && strcmp(json_string_value(pr), "urgent") == 0)
            it->priority = 1;
        else
            return line_err(c, "item %s: 'priority' must be routine or urgent", it->id);
    }
    if (get_id(c, o, "assignee", 0, 1, it->assignee, sizeof it->assignee) ||
        get_id(c, o, "team", 0, 1, it->team, sizeof it->team) ||
        get_id(c, o, "linked_item", 0, 1, it->linked_item, sizeof it->linked_item))
        return -1;
    const char *z = c->h ? tz : NULL;
    if (get_time(c, o, "due", z, &it->due) || get_time(c, o, "follow_up", z, &it->follow_up) ||
        get_time(c, o, "created", z, &it->created) || get_time(c, o, "updated", z, &it->updated) ||
        get_time(c, o, "closed", z, &it->closed))
        return -1;
    if (!it->created)
        it->created = c->now;
    if (!it->updated)
        it->updated = it->created;
    int final = nx_workflow_is_final((nx_kind)k, it->status);
    if (final && !it->closed)
        it->closed = c->now;
    if (!final && it->closed)
        return line_err(c, "item %s: 'closed' is set but status '%s' is not final", it->id,
                        it->status);
    json_t *f = json_object_get(o, "fields");
    if (f && parse_fields(c, f, (nx_kind)k, r))
        return -1;
    json_t *n = json_object_get(o, "notes");
    if (n && parse_notes(c, n, r))
        return -1;
    return 0;
}

/* ---- writing ------------------------------------------------------------------------- */

static int seen_id(import_ctx *c, const char *id)
{
    for (size_t i = 0; i < c->nids; i++)
        if (strcmp(c->ids[i], id) == 0)
            return 1;
    if (c->nids == c->capids) {
        size_t nc = c->capids ? c->capids * 2 : 256;
        void *p = realloc(c->ids, nc * sizeof *c->ids);
        if (!p)
            return -1;
        c->ids = p;
        c->capids = nc;
    }
    snprintf(c->ids[c->nids++], NX_ID_MAX, "%s", id);
    return 0;
}

/* The write path runs 100 000 times in an import: every statement is
 * prepared once (nx_hub_stmt), not per row as core/store's helpers do. */
static const char *const patient_cols[] = {
    "family_name", "given_name", "dob", "phone", "email", "address", "mrn",
    "member_id", "payer", "confidential_comm", "restriction", "alt_phone",
};
#define N_PCOLS (sizeof patient_cols / sizeof patient_cols[0])
/* One static UPDATE per column, in patient_cols' order. */
static const char *const patient_update[N_PCOLS] = {
    "UPDATE patients SET family_name = ?2 WHERE id = ?1",
    "UPDATE patients SET given_name = ?2 WHERE id = ?1",
    "UPDATE patients SET dob = ?2 WHERE id = ?1",
    "UPDATE patients SET phone = ?2 WHERE id = ?1",
    "UPDATE patients SET email = ?2 WHERE id = ?1",
    "UPDATE patients SET address = ?2 WHERE id = ?1",
    "UPDATE patients SET mrn = ?2 WHERE id = ?1",
    "UPDATE patients SET member_id = ?2 WHERE id = ?1",
    "UPDATE patients SET payer = ?2 WHERE id = ?1",
    "UPDATE patients SET confidential_comm = ?2 WHERE id = ?1",
    "UPDATE patients SET restriction = ?2 WHERE id = ?1",
    "UPDATE patients SET alt_phone = ?2 WHERE id = ?1",
};

static int step_stmt(nx_hub *h, const char *sql, const char *const *txt, int ntxt)
{
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    for (int i = 0; i < ntxt; i++)
        nx_hub_bind(st, i + 1, txt[i]);
    return nx_hub_step_done(st);
}

static int write_patient(import_ctx *c, parsed *r)
{
    static const char get_sql[] = "SELECT client_id FROM patients WHERE id = ?1";
    static const char ins_sql[] =
        "INSERT INTO patients(id, client_id, family_name, given_name, dob, phone, email, address,"
        " mrn, member_id, payer, confidential_comm, restriction, alt_phone)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";
    nx_hub *h = c->h;
    sqlite3_stmt *st = nx_hub_stmt(h, get_sql);
    if (!st)
        return line_err(c, "cannot read patients: %s", nx_hub_errmsg(h));
    nx_hub_bind(st, 1, r->patient_id);
    int rc = sqlite3_step(st);
    char owner[NX_ID_MAX] = "";
    if (rc == SQLITE_ROW)
        nx_hub_col(owner, sizeof owner, st, 0);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return line_err(c, "cannot read patients: %s", nx_hub_errmsg(h));
    const char *v[N_PCOLS] = { 0 };
    for (size_t k = 0; k < N_PCOLS; k++)
        for (int i = 0; i < r->npf; i++)
            if (strcmp(r->pf[i], patient_cols[k]) == 0)
                v[k] = r->pv[i];
    if (rc == SQLITE_ROW) {
        if (strcmp(owner, r->it.client_id) != 0)
            return line_err(c, "patient %s belongs to another client", r->patient_id);
        for (size_t k = 0; k < N_PCOLS; k++) {
            const char *t[] = { r->patient_id, v[k] };
            if (v[k] && step_stmt(h, patient_update[k], t, 2) != 0)
                return line_err(c, "patient %s: cannot write '%s'", r->patient_id,
                                patient_cols[k]);
        }
        return 0;
    }
    if (!v[0] || !v[1])
        return line_err(c, "patient %s is new: 'family_name' and 'given_name' are required",
                        r->patient_id);
    const char *t[] = { r->patient_id, r->it.client_id, v[0], v[1], v[2], v[3], v[4], v[5],
                        v[6], v[7], v[8], v[9] ? v[9] : "no", v[10] ? v[10] : "no", v[11] };
    if (step_stmt(h, ins_sql, t, 14) != 0)
        return line_err(c, "patient %s: cannot write: %s", r->patient_id, nx_hub_errmsg(h));
    return 0;
}

static void bind_time(sqlite3_stmt *st, int idx, int64_t t)
{
    if (t)
        sqlite3_bind_int64(st, idx, t);
    else
        sqlite3_bind_null(st, idx);
}

static int insert_item(nx_hub *h, const nx_item_rec *r)
{
    static const char sql[] =
        "INSERT INTO items(id, kind, client_id, patient_id, status, assignee, team, linked_item,"
        " priority, created, updated, due, follow_up, closed)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";
    sqlite3_stmt *st = nx_hub_stmt(h, sql);
    if (!st)
        return -1;
    const char *t[] = { r->id, r->kind, r->client_id, r->patient_id, r->status, r->assignee,
                        r->team };
    for (int i = 0; i < 7; i++)
        nx_hub_bind(st, i + 1, t[i]);
    if (r->linked_item[0])
        nx_hub_bind(st, 8, r->linked_item);
    sqlite3_bind_int(st, 9, r->priority);
    sqlite3_bind_int64(st, 10, r->created);
    sqlite3_bind_int64(st, 11, r->updated);
    bind_time(st, 12, r->due);
    bind_time(st, 13, r->follow_up);
    bind_time(st, 14, r->closed);
    return nx_hub_step_done(st);
}

static int write_item(import_ctx *c, parsed *r)
{
    static const char exists_sql[] = "SELECT 1 FROM items WHERE id = ?1";
    static const char field_sql[] =
        "INSERT INTO item_fields(item_id, field, value) VALUES(?1, ?2, ?3)";
    static const char note_sql[] =
        "INSERT INTO notes(item_id, author, at, body) VALUES(?1, ?2, ?3, ?4)";
    nx_hub *h = c->h;
    sqlite3_stmt *st = nx_hub_stmt(h, exists_sql);
    if (!st)
        return line_err(c, "cannot read items: %s", nx_hub_errmsg(h));
    nx_hub_bind(st, 1, r->it.id);
    int found = sqlite3_step(st);
    sqlite3_reset(st);
    if (found != SQLITE_ROW && found != SQLITE_DONE)
        return line_err(c, "cannot read items: %s", nx_hub_errmsg(h));
    if (found == SQLITE_ROW)
        return line_err(c, "item %s already exists on the hub", r->it.id);
    if (write_patient(c, r))
        return -1;
    if (insert_item(h, &r->it) != 0)
        return line_err(c, "item %s: cannot write: %s", r->it.id, nx_hub_errmsg(h));
    for (int i = 0; i < r->nff; i++) {
        const char *t[] = { r->it.id, r->ff[i], r->fv[i] };
        if (step_stmt(h, field_sql, t, 3) != 0)
            return line_err(c, "item %s: cannot write '%s'", r->it.id, r->ff[i]);
    }
    size_t i;
    json_t *n;
    const nx_field_def *f = nx_dict_find(c->dict, "notes");
    json_array_foreach(r->notes, i, n) {
        char body[NX_VALUE_MAX];
        const char *why = nx_dict_check(f, json_string_value(json_object_get(n, "body")),
                                        body, sizeof body);
        int bad = why != NULL;
        if (!bad && (st = nx_hub_stmt(h, note_sql)) != NULL) {
            nx_hub_bind(st, 1, r->it.id);
            nx_hub_bind(st, 2, json_string_value(json_object_get(n, "author")));
            sqlite3_bind_int64(st, 3, json_integer_value(json_object_get(n, "at")));
            nx_hub_bind(st, 4, body);
            bad = nx_hub_step_done(st) != 0;
        } else
            bad = 1;
        sodium_memzero(body, sizeof body);
        if (bad)
            return line_err(c, "item %s: cannot write note %zu", r->it.id, i + 1);
    }
    if (nx_hub_item_touch(h, r->it.id) < 0)
        return line_err(c, "item %s: cannot set its revision: %s", r->it.id, nx_hub_errmsg(h));
    return 0;
}

static void parsed_clear(parsed *r)
{
    if (r->fv) {
        sodium_memzero(r->fv, (size_t)r->nff * sizeof *r->fv);
        free(r->fv);
    }
    sodium_memzero(r, sizeof *r);
}

static int do_line(import_ctx *c, const char *text, size_t len)
{
    while (len && (text[len - 1] == '\r' || text[len - 1] == ' ' || text[len - 1] == '\t'))
        len--;
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\t'))
        i++;
    if (i == len)
        return 0;   /* blank */
    if (len > LINE_MAX_BYTES)
        return line_err(c, "line longer than %u bytes", LINE_MAX_BYTES);
    json_error_t je;
    json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!o) {
        /* jansson's text can quote the input: only the column is given. */
        return line_err(c, "not valid JSON (column %d)", je.column);
    }
    parsed *r = calloc(1, sizeof *r);
    int rc = -1;
    if (!r)
        line_err(c, "out of memory");
    else if (parse_line(c, o, r) == 0) {
        /* With a store, the store finds a repeated id (the earlier line is
         * already written in this transaction); without one, a list. */
        int dup = c->h ? 0 : seen_id(c, r->it.id);
        if (dup < 0)
            line_err(c, "out of memory");
        else if (dup)
            line_err(c, "item %s appears twice in the file", r->it.id);
        else if (!c->h || write_item(c, r) == 0) {
            c->count++;
            rc = 0;
        }
    }
    if (r) {
        parsed_clear(r);
        free(r);
    }
    json_decref(o);
    /* The validators keep values in small stack buffers: once a line. */
    nx_stack_scrub();
    return rc;
}

/* ---- drivers ------------------------------------------------------------------------- */

static int begin_import(import_ctx *c)
{
    nx_hub_json_init();
    c->dict = nx_dict_default();
    c->now = nx_now();
    if (c->h && nx_hub_bulk_begin(c->h) != 0) {
        nx_hub_bulk_end(c->h);
        return nx_err(c->err, c->errlen, "cannot start a transaction: %s", nx_hub_errmsg(c->h));
    }
    return 0;
}

static int end_import(import_ctx *c, int rc, int64_t *count)
{
    free(c->ids);
    c->ids = NULL;
    if (c->h && rc == 0) {
        char reason[96];
        snprintf(reason, sizeof reason, "items=%" PRId64, c->count);
        nx_hub_event ev = { .action = NX_HUB_ACT_IMPORT, .reason = reason };
        if (nx_hub_audit(c->h, &ev, c->err, c->errlen) != 0)
            rc = -1;
        else if (nx_hub_commit(c->h) != 0)
            rc = nx_err(c->err, c->errlen, "cannot commit the import: %s", nx_hub_errmsg(c->h));
    }
    if (c->h && rc != 0)
        nx_hub_rollback(c->h);
    if (c->h)
        nx_hub_bulk_end(c->h);
    if (count)
        *count = rc == 0 ? c->count : 0;
    return rc;
}

int nx_hub_import_buffer(nx_hub *h, const char *name, const char *data, size_t len,
                         int64_t *count, char *err, size_t errlen)
{
    import_ctx c = { .h = h, .name = name, .err = err, .errlen = errlen };
    if (begin_import(&c) != 0)
        return -1;
    int rc = 0;
    size_t pos = 0;
    while (rc == 0 && pos < len) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (data + pos)) : len - pos;
        c.line++;
        rc = do_line(&c, data + pos, n);
        pos += n + (nl ? 1 : 0);
    }
    return end_import(&c, rc, count);
}

int nx_hub_import_file(nx_hub *h, const char *path, int64_t *count, char *err, size_t errlen)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return nx_err(err, errlen, "%s: cannot open: %s", path, strerror(errno));
    import_ctx c = { .h = h, .name = path, .err = err, .errlen = errlen };
    if (begin_import(&c) != 0) {
        fclose(f);
        return -1;
    }
    char *buf = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = 0;
    while (rc == 0 && (n = getline(&buf, &cap, f)) >= 0) {
        c.line++;
        size_t len = (size_t)n;
        if (len && buf[len - 1] == '\n')
            len--;
        if (memchr(buf, '\0', len))
            rc = line_err(&c, "a NUL byte in the line");
        else
            rc = do_line(&c, buf, len);
        sodium_memzero(buf, cap);
    }
    if (rc == 0 && ferror(f))
        rc = nx_err(err, errlen, "%s: read error", path);
    free(buf);
    fclose(f);
    return end_import(&c, rc, count);
}
