/* Oversight records (record.h): the kinds, the op's JSON form, who may
 * read them, and the generic half of the checks. Each kind's own rules
 * (who creates, which status moves, what the body holds) live with the
 * kind's module and are listed in kind_check[] below; this file keeps the
 * parts every kind shares, so the hub and the client run the same code. */
#include "domain/record.h"
#include "domain/capa.h"
#include "domain/qa_review.h"
#include "domain/incident.h"
#include "domain/patreq.h"
#include "util/jsonz.h"
#include "util/util.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {
#define NX_RK_NAME_(id, name) name,
    NX_RECORD_KINDS(NX_RK_NAME_)
#undef NX_RK_NAME_
};

const char *nx_record_kind_name(nx_record_kind k)
{
    return (unsigned)k < NX_REC_KIND_COUNT ? kind_names[k] : "?";
}

int nx_record_kind_parse(const char *name)
{
    for (int i = 0; name && i < NX_REC_KIND_COUNT; i++)
        if (strcmp(name, kind_names[i]) == 0)
            return i;
    return -1;
}

void nx_record_clear(nx_record *r)
{
    if (r->body) {
        sodium_memzero(r->body, strlen(r->body));
        free(r->body);
    }
    sodium_memzero(r, sizeof *r);
}

int nx_record_set_body(nx_record *r, const char *json)
{
    char *b = NULL;
    if (json && !(b = strdup(json)))
        return -1;
    if (r->body) {
        sodium_memzero(r->body, strlen(r->body));
        free(r->body);
    }
    r->body = b;
    return 0;
}

int nx_record_copy(nx_record *dst, const nx_record *src)
{
    *dst = *src;
    dst->body = NULL;
    return nx_record_set_body(dst, src->body);
}

/* ---- the op's JSON ----------------------------------------------------------------- */

int nx_record_to_json(const nx_record *r, char **out)
{
    *out = NULL;
    json_error_t jerr;
    json_t *body = json_loads(r->body && r->body[0] ? r->body : "{}", JSON_REJECT_DUPLICATES,
                              &jerr);
    if (!body || !json_is_object(body)) {
        json_decref(body);
        return -1;
    }
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:o}", "item_id", r->item_id,
                          "team", r->team, "owner", r->owner, "status", r->status, "due",
                          (json_int_t)r->due, "created", (json_int_t)r->created, "body", body);
    if (!o)
        return -1;
    *out = nx_json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    return *out ? 0 : -1;
}

static int take_str(json_t *o, const char *key, char *out, size_t len, char *err, size_t errlen)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v))
        return nx_err(err, errlen, "record: \"%s\" must be a string", key);
    const char *s = json_string_value(v);
    if (strlen(s) >= len || strlen(s) != json_string_length(v))
        return nx_err(err, errlen, "record: \"%s\" is too long or holds a NUL", key);
    snprintf(out, len, "%s", s);
    return 0;
}

static int take_time(json_t *o, const char *key, int64_t *out, char *err, size_t errlen)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return nx_err(err, errlen, "record: \"%s\" must be a time (seconds, >= 0)", key);
    *out = (int64_t)json_integer_value(v);
    return 0;
}

int nx_record_from_json(nx_record *r, const char *json, char *err, size_t errlen)
{
    static const char *const keys[] = { "item_id", "team", "owner", "status", "due",
                                        "created", "body" };
    json_error_t jerr;
    json_t *o = json ? json_loads(json, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    int rc = -1;
    if (!o || !json_is_object(o)) {
        nx_err(err, errlen, "record: the value is not a JSON object");
        goto out;
    }
    if (json_object_size(o) != sizeof keys / sizeof keys[0]) {
        nx_err(err, errlen, "record: expected exactly the keys item_id, team, owner, "
                            "status, due, created, body");
        goto out;
    }
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (!json_object_get(o, keys[i])) {
            nx_err(err, errlen, "record: \"%s\" is missing", keys[i]);
            goto out;
        }
    if (take_str(o, "item_id", r->item_id, sizeof r->item_id, err, errlen) ||
        take_str(o, "team", r->team, sizeof r->team, err, errlen) ||
        take_str(o, "owner", r->owner, sizeof r->owner, err, errlen) ||
        take_str(o, "status", r->status, sizeof r->status, err, errlen) ||
        take_time(o, "due", &r->due, err, errlen) ||
        take_time(o, "created", &r->created, err, errlen))
        goto out;
    json_t *body = json_object_get(o, "body");
    if (!json_is_object(body)) {
        nx_err(err, errlen, "record: \"body\" must be an object");
        goto out;
    }
    char *b = nx_json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
    if (!b) {
        nx_err(err, errlen, "record: out of memory");
        goto out;
    }
    size_t blen = strlen(b);
    if (blen > NX_RECORD_BODY_MAX) {
        sodium_memzero(b, blen);
        free(b);
        nx_err(err, errlen, "record: the body is over %d bytes", NX_RECORD_BODY_MAX);
        goto out;
    }
    rc = nx_record_set_body(r, b);
    sodium_memzero(b, blen);
    free(b);
    if (rc)
        nx_err(err, errlen, "record: out of memory");
out:
    json_decref(o);
    return rc;
}

/* ---- who reads ------------------------------------------------------------------------ */

static int is_officer(nx_role role)
{
    return role == NX_ROLE_PRIVACY_OFFICER || role == NX_ROLE_SECURITY_OFFICER;
}

/* The free-text keys of each kind's body that a NX_REC_SEE_COUNTS reader
 * does not get (qa_review.h, capa.h); NULL-terminated. */
static const char *const qa_review_text[] = { "comment", NULL };
static const char *const capa_text[] = { "finding", "action", "resolution", NULL };

nx_record_sight nx_record_sight_for(const nx_record *r, nx_role role, const char *user,
                                    const char *team)
{
    int own = user && user[0] && (strcmp(r->author, user) == 0 || strcmp(r->owner, user) == 0);
    int my_team = team && team[0] && strcmp(r->team, team) == 0;
    if (role == NX_ROLE_AUDITOR)
        return NX_REC_SEE_FULL;
    switch (nx_record_kind_parse(r->kind)) {
    case NX_REC_QA_SAMPLE:
        /* the team's supervisor; never the sampled agent (a sample is not
         * announced to the person whose work it is) */
        return role == NX_ROLE_SUPERVISOR && my_team && !(user && strcmp(r->owner, user) == 0)
                   ? NX_REC_SEE_FULL
                   : NX_REC_SEE_NONE;
    case NX_REC_QA_REVIEW:
    case NX_REC_CAPA:
        /* the team's supervisor, and the agent the review or action is
         * about; operations counts them for the KPIs (every team) */
        if ((role == NX_ROLE_SUPERVISOR && my_team) || own)
            return NX_REC_SEE_FULL;
        return role == NX_ROLE_OPERATIONS ? NX_REC_SEE_COUNTS : NX_REC_SEE_NONE;
    case NX_REC_INCIDENT:
        /* the reporter and the officers who work incidents */
        return is_officer(role) || own ? NX_REC_SEE_FULL : NX_REC_SEE_NONE;
    case NX_REC_PATIENT_REQUEST:
        return is_officer(role) || (role == NX_ROLE_SUPERVISOR && my_team) || own
                   ? NX_REC_SEE_FULL
                   : NX_REC_SEE_NONE;
    case NX_REC_DISCLOSURE:
        /* the accounting of disclosures is the privacy officer's to give
         * (and the auditor's, above); the releasing agent keeps the entry
         * its own release wrote */
        return role == NX_ROLE_PRIVACY_OFFICER ? NX_REC_SEE_FULL : NX_REC_SEE_NONE;
    default:
        return NX_REC_SEE_NONE;
    }
}

int nx_record_visible(const nx_record *r, nx_role role, const char *user, const char *team)
{
    return nx_record_sight_for(r, role, user, team) != NX_REC_SEE_NONE;
}

int nx_record_redact(nx_record *r)
{
    const char *const *keys = NULL;
    switch (nx_record_kind_parse(r->kind)) {
    case NX_REC_QA_REVIEW:
        keys = qa_review_text;
        break;
    case NX_REC_CAPA:
        keys = capa_text;
        break;
    default:
        break;
    }
    json_error_t jerr;
    json_t *o = json_loads(r->body && r->body[0] ? r->body : "{}", JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(o)) {
        json_decref(o);
        nx_record_set_body(r, "{}");
        return -1;
    }
    int rc = 0;
    for (; keys && *keys && rc == 0; keys++)
        if (json_is_string(json_object_get(o, *keys)))
            rc = json_object_set_new(o, *keys, json_string(""));
    char *b = rc == 0 ? nx_json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(o);
    if (!b || nx_record_set_body(r, b) != 0)
        rc = -1;
    if (b) {
        sodium_memzero(b, strlen(b));
        free(b);
    }
    return rc;
}

/* Accounting entries are written by the hub as it merges a release; no
 * laptop writes or changes one. */
static int disclosure_check(const nx_record *prev, const nx_record *next, nx_role role,
                            const char *user, const char *team, char *err, size_t errlen)
{
    (void)prev, (void)role, (void)user, (void)team;
    return nx_err(err, errlen, "record %s: the accounting of disclosures is written by the hub "
                               "as it merges a release", next->id);
}

/* ---- checks ---------------------------------------------------------------------------- */

static const nx_record_check_fn kind_check[NX_REC_KIND_COUNT] = {
    [NX_REC_QA_SAMPLE] = nx_qa_sample_check,      /* domain/qa_review.h */
    [NX_REC_QA_REVIEW] = nx_qa_review_check,
    [NX_REC_CAPA] = nx_capa_check,                /* domain/capa.h */
    [NX_REC_INCIDENT] = nx_incident_check,          /* incident.c */
    [NX_REC_PATIENT_REQUEST] = nx_patreq_check,     /* patreq.c */
    [NX_REC_DISCLOSURE] = disclosure_check,
};

static int id_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= 40)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '-' || c == '_' || c == ':' || c == '.'))
            return 0;
    }
    return 1;
}

int nx_record_check(const nx_record *prev, const nx_record *next, nx_role role,
                    const char *user, const char *team, char *err, size_t errlen)
{
    int k = nx_record_kind_parse(next->kind);
    if (k < 0)
        return nx_err(err, errlen, "record: unknown kind");
    if (!id_ok(next->id))
        return nx_err(err, errlen, "record: the id must be 1-39 letters, digits, - _ : .");
    if (prev && strcmp(prev->kind, next->kind) != 0)
        return nx_err(err, errlen, "record %s: its kind cannot change", next->id);
    if (prev && strcmp(prev->author, next->author) != 0)
        return nx_err(err, errlen, "record %s: its author cannot change", next->id);
    if (prev && prev->created != next->created)
        return nx_err(err, errlen, "record %s: its creation time cannot change", next->id);
    if (!next->status[0])
        return nx_err(err, errlen, "record %s: a status is required", next->id);
    if (next->body && strlen(next->body) > NX_RECORD_BODY_MAX)
        return nx_err(err, errlen, "record %s: the body is over %d bytes", next->id,
                      NX_RECORD_BODY_MAX);
    if (next->due < 0 || next->created < 0)
        return nx_err(err, errlen, "record %s: a time is negative", next->id);
    if (prev && !nx_record_visible(prev, role, user, team))
        return nx_err(err, errlen, "record %s: not a record you may see", next->id);
    return kind_check[k](prev, next, role, user, team, err, errlen);
}
