/* Session lifetime, transactions with their audit events and sync ops,
 * loading items. */
#include "session/session_int.h"
#include "session/training.h"
#include "domain/workflow.h"
#include "util/util.h"
#include "store/sync_store.h"
#include "sync/hlc.h"
#include "util/uuid.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t nx_session_now(const nx_session *s)
{
    return s->clock ? s->clock(s->clock_ctx) : nx_now();
}

int sess_begin(nx_session *s, char *err, size_t errlen)
{
    if (nx_store_begin(s->profile->store) != 0)
        return nx_err(err, errlen, "cannot start a change: %s", nx_store_errmsg(s->profile->store));
    return 0;
}

void sess_rollback(nx_session *s)
{
    nx_store_rollback(s->profile->store);
}

int sess_event(nx_session *s, const nx_audit_event *e, char *err, size_t errlen)
{
    nx_audit_event ev = *e;
    if (!ev.at)
        ev.at = nx_session_now(s);
    return nx_audit_append(s->profile->store, &s->profile->audit, &ev, err, errlen);
}

int sess_commit(nx_session *s, const nx_audit_event *e, char *err, size_t errlen)
{
    if (sess_event(s, e, err, errlen) != 0) {
        sess_rollback(s);
        return -1;
    }
    if (nx_store_commit(s->profile->store) != 0) {
        nx_err(err, errlen, "cannot save: %s", nx_store_errmsg(s->profile->store));
        sess_rollback(s);
        return -1;
    }
    /* The change is committed; a head that lags is caught up by the next
     * commit and accepted by verify (it is a lower bound). */
    char herr[256];
    (void)nx_profile_audit_commit_head(s->profile, herr, sizeof herr);
    return 0;
}

int sess_op(nx_session *s, nx_op_kind kind, const char *item, const char *field,
            const char *const *parts, size_t nparts, const char *expect, char op_id[40],
            char *err, size_t errlen)
{
    if (op_id)
        op_id[0] = '\0';
    if (s->outbox_off)
        return 0;
    size_t len = 1;
    for (size_t i = 0; i < nparts; i++)
        len += strlen(parts[i] ? parts[i] : "") + 1;
    char *value = NULL;
    if (nparts) {
        value = malloc(len);
        if (!value)
            return nx_err(err, errlen, "out of memory");
        value[0] = '\0';
        for (size_t i = 0; i < nparts; i++) {
            if (i)
                strcat(value, NX_OP_SEP);
            strcat(value, parts[i] ? parts[i] : "");
        }
    }
    int64_t now = nx_session_now(s);
    /* A pinned clock (tests) pins the HLC's wall time too. */
    int64_t ms = s->clock ? now * 1000 : nx_hlc_wall_ms();
    int rc = nx_outbox_add(s->profile->store, kind, item, field, value, expect, now, ms, op_id);
    if (value) {
        sodium_memzero(value, len);
        free(value);
    }
    if (rc != 0)
        return nx_err(err, errlen, "item %s: cannot queue the change for sync", item);
    return 0;
}

void sess_refused(nx_session *s, nx_audit_action a, const char *item, const char *field)
{
    nx_audit_event e = { .action = a, .outcome = NX_AUDIT_OUTCOME_FAILED, .item_id = item,
                         .field = field, .at = nx_session_now(s) };
    char err[256];
    (void)nx_profile_audit(s->profile, &e, err, sizeof err);
}

int nx_session_start(nx_session *s, nx_profile *p, const nx_dict *dict,
                     const char *policy_path, char *err, size_t errlen)
{
    nx_clock_fn clock = s->clock;
    void *clock_ctx = s->clock_ctx;
    int outbox_off = s->outbox_off;
    memset(s, 0, sizeof *s);
    s->clock = clock;
    s->clock_ctx = clock_ctx;
    s->outbox_off = outbox_off;
    s->profile = p;
    s->dict = dict;
    const nx_profile_info *info = nx_vault_info(p->vault);
    int role = nx_role_parse(info->role);
    if (role < 0)
        return nx_err(err, errlen, "the profile's role '%s' is not a role", info->role);
    s->role = (nx_role)role;
    snprintf(s->user, sizeof s->user, "%s", info->user);
    snprintf(s->team, sizeof s->team, "%s", info->team);
    char path[4096];
    if (!policy_path) {
        if (nx_path_join(path, sizeof path, nx_assets_dir(), "policy.txt"))
            return nx_err(err, errlen, "assets path too long");
        policy_path = path;
    }
    if (nx_policy_load(policy_path, dict, &s->policy, err, errlen) != 0)
        return -1;
    nx_audit_event e = { .action = NX_AUDIT_LOGIN, .at = nx_session_now(s) };
    if (nx_profile_audit(s->profile, &e, err, errlen) < 0) {
        nx_policy_free(s->policy);
        s->policy = NULL;
        return -1;
    }
    return 0;
}

void nx_session_end(nx_session *s)
{
    if (!s->policy)
        return;
    nx_audit_event e = { .action = NX_AUDIT_LOGOUT, .at = nx_session_now(s) };
    char err[256];
    (void)nx_profile_audit(s->profile, &e, err, sizeof err);
    nx_policy_free(s->policy);
    s->policy = NULL;
}

void sess_client_tz(nx_session *s, const char *client_id, char *tz, size_t len)
{
    nx_client_rec c;
    if (nx_store_client_get(s->profile->store, client_id, &c) == 1 && c.tz[0])
        snprintf(tz, len, "%s", c.tz);
    else
        snprintf(tz, len, "UTC");
}

static int load_kv(void *ctx, const char *field, const char *value)
{
    nx_item *it = ctx;
    const nx_field_def *f = nx_dict_find(it->dict, field);
    if (f && (f->kinds & NX_KIND_BIT(it->kind)))
        return nx_item_set(it, field, value) == 0 ? 0 : -1;
    return 0;   /* a field this dictionary does not know: keep the item usable */
}

int sess_load(nx_session *s, const char *id, nx_item *it, char *err, size_t errlen)
{
    nx_item_rec r;
    int found = nx_store_item_get(s->profile->store, id, &r);
    if (found <= 0)
        return found < 0 ? nx_err(err, errlen, "item %s: cannot read it", id) : 0;
    int k = nx_kind_parse(r.kind);
    if (k < 0 || nx_item_init(it, s->dict, (nx_kind)k) != 0)
        return nx_err(err, errlen, "item %s: unknown kind", id);
    snprintf(it->id, sizeof it->id, "%s", r.id);
    snprintf(it->client_id, sizeof it->client_id, "%s", r.client_id);
    snprintf(it->patient_id, sizeof it->patient_id, "%s", r.patient_id);
    snprintf(it->status, sizeof it->status, "%s", r.status);
    snprintf(it->assignee, sizeof it->assignee, "%s", r.assignee);
    snprintf(it->team, sizeof it->team, "%s", r.team);
    snprintf(it->linked_item, sizeof it->linked_item, "%s", r.linked_item);
    it->priority = r.priority;
    it->created = r.created;
    it->updated = r.updated;
    it->due = r.due;
    it->follow_up = r.follow_up;
    it->closed = r.closed;
    /* Item-column fields the dictionary describes (priority) are filled
     * from the row, so the form shows and edits them like any field. */
    const nx_field_def *pf = nx_dict_find(s->dict, "priority");
    if (pf && (pf->kinds & NX_KIND_BIT(it->kind)) &&
        nx_item_set(it, "priority", r.priority ? "urgent" : "routine") != 0) {
        nx_item_free(it);
        return nx_err(err, errlen, "out of memory");
    }
    if (nx_store_patient_fields(s->profile->store, r.patient_id, load_kv, it) != 0 ||
        nx_store_item_fields(s->profile->store, id, load_kv, it) != 0) {
        nx_item_free(it);
        return nx_err(err, errlen, "item %s: cannot read its fields", id);
    }
    return 1;
}

static void rec_of(const nx_item *it, nx_item_rec *r)
{
    memset(r, 0, sizeof *r);
    snprintf(r->id, sizeof r->id, "%s", it->id);
    snprintf(r->kind, sizeof r->kind, "%s", nx_kind_name(it->kind));
    snprintf(r->client_id, sizeof r->client_id, "%s", it->client_id);
    snprintf(r->patient_id, sizeof r->patient_id, "%s", it->patient_id);
    snprintf(r->status, sizeof r->status, "%s", it->status);
    snprintf(r->assignee, sizeof r->assignee, "%s", it->assignee);
    snprintf(r->team, sizeof r->team, "%s", it->team);
    snprintf(r->linked_item, sizeof r->linked_item, "%s", it->linked_item);
    r->priority = it->priority;
    r->created = it->created;
    r->updated = it->updated;
    r->due = it->due;
    r->follow_up = it->follow_up;
    r->closed = it->closed;
}

int sess_store_item(nx_session *s, const nx_item *it, int insert)
{
    nx_item_rec r;
    rec_of(it, &r);
    if ((insert ? nx_store_item_insert : nx_store_item_update)(s->profile->store, &r) != 0)
        return -1;
    for (size_t i = 0; i < it->nvals; i++) {
        const nx_field_def *f = it->vals[i].def;
        if (f->home != NX_AT_FIELD || (insert && !it->vals[i].value[0]))
            continue;
        if (nx_store_item_field_put(s->profile->store, it->id, f->id, it->vals[i].value) != 0)
            return -1;
    }
    return 0;
}

int sess_in_scope(const nx_session *s, const nx_item *it)
{
    switch (nx_policy_scope(s->policy, s->role)) {
    case NX_SCOPE_ALL: return 1;
    case NX_SCOPE_TEAM: return strcmp(it->team, s->team) == 0;
    case NX_SCOPE_OWN: return strcmp(it->assignee, s->user) == 0;
    default: return 0;
    }
}

int nx_session_create(nx_session *s, nx_kind k, const char *client_id, const char *patient_id,
                      int priority, char id_out[NX_ID_MAX], char *err, size_t errlen)
{
    if (!nx_policy_allows(s->policy, s->role, NX_ACTION_CREATE)) {
        sess_refused(s, NX_AUDIT_CREATE, NULL, NULL);
        return nx_err(err, errlen, "your role (%s) may not create items", nx_role_name(s->role));
    }
    nx_item it;
    if (nx_item_init(&it, s->dict, k) != 0)
        return nx_err(err, errlen, "out of memory");
    char id[NX_UUID_LEN + 1];
    nx_uuid4(id);
    snprintf(it.id, sizeof it.id, "%s", id);
    snprintf(it.client_id, sizeof it.client_id, "%s", client_id);
    snprintf(it.patient_id, sizeof it.patient_id, "%s", patient_id);
    snprintf(it.assignee, sizeof it.assignee, "%s", s->user);
    snprintf(it.team, sizeof it.team, "%s", s->team);
    it.priority = priority ? 1 : 0;
    it.created = it.updated = nx_session_now(s);
    int rc = -1;
    if (sess_begin(s, err, errlen) == 0) {
        char prio[2] = { it.priority ? '1' : '0', '\0' };
        const char *parts[] = { nx_kind_name(k), client_id, patient_id, prio };
        if (sess_store_item(s, &it, 1) != 0) {
            nx_err(err, errlen, "cannot create the item (unknown client or patient?)");
            sess_rollback(s);
        } else if (sess_op(s, NX_OP_CREATE, it.id, NULL, parts, 4, NULL, NULL, err, errlen) != 0) {
            sess_rollback(s);
        } else {
            nx_audit_event e = { .action = NX_AUDIT_CREATE, .item_id = it.id };
            rc = sess_commit(s, &e, err, errlen);
        }
    }
    if (rc == 0)
        snprintf(id_out, NX_ID_MAX, "%s", it.id);
    nx_item_free(&it);
    return rc;
}

int nx_session_open(nx_session *s, const char *id, nx_item *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!nx_policy_allows(s->policy, s->role, NX_ACTION_VIEW)) {
        sess_refused(s, NX_AUDIT_VIEW, id, NULL);
        return nx_err(err, errlen, "your role (%s) may not open items", nx_role_name(s->role));
    }
    int found = sess_load(s, id, out, err, errlen);
    if (found <= 0)
        return found < 0 ? -1 : nx_err(err, errlen, "item %s: not in this cache", id);
    if (!sess_in_scope(s, out)) {
        nx_item_free(out);
        sess_refused(s, NX_AUDIT_VIEW, id, NULL);
        return nx_err(err, errlen, "item %s: not assigned to you or your team", id);
    }
    nx_audit_event e = { .action = NX_AUDIT_VIEW, .item_id = id, .at = nx_session_now(s) };
    if (nx_profile_audit(s->profile, &e, err, errlen) < 0) {
        /* No access without audit (seed 003). */
        nx_item_free(out);
        return -1;
    }
    return 0;
}
