/* hub/merge_append — the ops that add rather than replace: a note (or a
 * correction of one, named by the op id of the note it corrects), an
 * outreach attempt, an attachment reference, and a new item. Each is
 * checked as the client's session checks it (role, text limits, the
 * scheduling channel rule, references as short tokens, the client and the
 * patient known to the hub) and appended with the op's time, under the
 * session's user. The caller (serve_op.c) records the op and audits it. */
#include "hub/serve.h"
#include "domain/workflow.h"
#include "store/items_io.h"
#include "store/rows.h"
#include "util/util.h"

#include <sodium.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void reject(srv_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void reject(srv_result *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->reason, sizeof r->reason, fmt, ap);
    va_end(ap);
    r->outcome = SRV_REJECTED;
}

static const char *fid(const char *field)
{
    return srv_token_ok(field) ? field : "(not an id)";
}

/* ---- note, attempt, attach ------------------------------------------------------------ */

static int text_ok(const char *v, size_t min, size_t max, int newlines)
{
    size_t n = strlen(v);
    if (n < min || n > max)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if ((c < 0x20 && !(newlines && c == '\n')) || c == 0x7f)
            return 0;
    }
    return 1;
}

/* Splits value on NX_OP_SEP into at most max parts (pointers into buf). */
static size_t split(const char *value, char *buf, size_t buflen, const char **parts, size_t max)
{
    snprintf(buf, buflen, "%s", value);
    size_t n = 0;
    char *p = buf;
    for (;;) {
        if (n == max)
            return max + 1;
        parts[n++] = p;
        char *sep = strchr(p, NX_OP_SEP[0]);
        if (!sep)
            return n;
        *sep = '\0';
        p = sep + 1;
    }
}

int srv_merge_note(nx_srv *s, const srv_op *op, nx_item *it, srv_result *r)
{
    if (!nx_policy_allows(s->policy, s->role, NX_ACTION_NOTE)) {
        reject(r, "notes: the %s role may not write notes", s->role_name);
        return 0;
    }
    if (!text_ok(op->value, 1, 4000, 1)) {
        reject(r, "notes: a note is 1 to 4000 characters without control characters");
        return 0;
    }
    int64_t corrects = 0;
    if (op->field[0]) {
        int found = srv_token_ok(op->field) ? srv_note_by_op(s, op->field, it->id, &corrects) : 0;
        if (found < 0)
            return -1;
        if (found == 0) {
            reject(r, "notes: the note it corrects (op %s) is not on this item", fid(op->field));
            return 0;
        }
    }
    int64_t note_id = 0;
    if (nx_store_note_add(nx_hub_store(s->h), it->id, s->user, srv_op_time(s, op), op->value,
                          corrects, &note_id) != 0 ||
        srv_note_op_set(s, note_id, op->id) != 0 || srv_touch(s, it->id) != 0)
        return -1;
    r->outcome = SRV_APPLIED;
    r->audit_field = "notes";
    return 0;
}

int srv_merge_attempt(nx_srv *s, const srv_op *op, nx_item *it, srv_result *r)
{
    if (!nx_policy_allows(s->policy, s->role, NX_ACTION_NOTE) &&
        !nx_policy_allows(s->policy, s->role, NX_ACTION_EDIT)) {
        reject(r, "attempts: the %s role may not log attempts", s->role_name);
        return 0;
    }
    char buf[NX_VALUE_MAX * 2], msg[NX_MSG_MAX];
    const char *p[3] = { "", "", "" };
    size_t n = split(op->value, buf, sizeof buf, p, 3);
    int rc = 0;
    if (n < 2 || n > 3 || !text_ok(p[0], 1, 32, 0) || !text_ok(p[1], 1, 200, 0) ||
        !text_ok(n == 3 ? p[2] : "", 0, 200, 0)) {
        reject(r, "attempts: an attempt is channel, outcome and next action, one line each");
        goto out;
    }
    if (it->kind == NX_KIND_SCHEDULING && nx_sched_channel_check(it, p[0], msg, sizeof msg) != 0) {
        reject(r, "attempts: %s", msg);
        goto out;
    }
    if (nx_store_attempt_add(nx_hub_store(s->h), it->id, srv_op_time(s, op), s->user, p[0], p[1],
                             n == 3 ? p[2] : "") != 0 ||
        srv_touch(s, it->id) != 0) {
        rc = -1;
        goto out;
    }
    r->outcome = SRV_APPLIED;
    r->audit_field = "attempts";
out:
    sodium_memzero(buf, sizeof buf);
    return rc;
}

static int ref_ok(const char *ref)
{
    size_t n = strlen(ref);
    if (n == 0 || n > 128)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = ref[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == ':' || c == '/'))
            return 0;
    }
    return 1;
}

int srv_merge_attach(nx_srv *s, const srv_op *op, nx_item *it, srv_result *r)
{
    if (!nx_policy_allows(s->policy, s->role, NX_ACTION_EDIT)) {
        reject(r, "attachments: the %s role may not add attachments", s->role_name);
        return 0;
    }
    char buf[NX_VALUE_MAX * 2];
    const char *p[2] = { "", "" };
    size_t n = split(op->value, buf, sizeof buf, p, 2);
    int rc = 0;
    if (n < 1 || n > 2 || !ref_ok(p[0]) || !text_ok(n == 2 ? p[1] : "", 0, 80, 0)) {
        reject(r, "attachments: a reference is 1 to 128 of letters, digits and - _ . : /, "
                  "its label one line of at most 80");
        goto out;
    }
    if (nx_store_attachment_add(nx_hub_store(s->h), it->id, p[0], n == 2 ? p[1] : "",
                                srv_op_time(s, op), s->user) != 0 ||
        srv_touch(s, it->id) != 0) {
        rc = -1;
        goto out;
    }
    r->outcome = SRV_APPLIED;
    r->audit_field = "attachments";
out:
    sodium_memzero(buf, sizeof buf);
    return rc;
}

/* ---- create ---------------------------------------------------------------------------- */

/* 1 when the patient exists under the client, 0 not, -1 store. */
static int patient_of_client(nx_srv *s, const char *patient, const char *client)
{
    static const char sql[] = "SELECT client_id = ?2 FROM patients WHERE id = ?1";
    sqlite3_stmt *st = srv_stmt(s, sql);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, patient, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, client, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st), v = 0;
    if (rc == SQLITE_ROW)
        v = sqlite3_column_int(st, 0) != 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? v : rc == SQLITE_DONE ? 0 : -1;
}

int srv_merge_create(nx_srv *s, const srv_op *op, srv_result *r)
{
    if (!nx_policy_allows(s->policy, s->role, NX_ACTION_CREATE)) {
        reject(r, "the %s role may not create items", s->role_name);
        return 0;
    }
    nx_item_rec existing;
    int found = nx_store_item_get(nx_hub_store(s->h), op->item, &existing);
    if (found < 0)
        return -1;
    if (found) {
        reject(r, "item %s already exists", op->item);
        return 0;
    }
    char buf[512];
    const char *p[4] = { "", "", "", "" };
    size_t n = strlen(op->value) < 400 ? split(op->value, buf, sizeof buf, p, 4) : 0;
    int kind = n >= 3 && n <= 4 ? nx_kind_parse(p[0]) : -1;
    const char *prio = n == 4 ? p[3] : "";
    if (kind < 0 || !srv_token_ok(p[1]) || !srv_token_ok(p[2]) ||
        !(strcmp(prio, "") == 0 || strcmp(prio, "0") == 0 || strcmp(prio, "1") == 0 ||
          strcmp(prio, "routine") == 0 || strcmp(prio, "urgent") == 0)) {
        reject(r, "create: the value is kind, client id, patient id and priority");
        return 0;
    }
    nx_client_rec c;
    found = nx_store_client_get(nx_hub_store(s->h), p[1], &c);
    if (found < 0)
        return -1;
    if (!found) {
        reject(r, "create: client %s is not on the hub", p[1]);
        return 0;
    }
    found = patient_of_client(s, p[2], p[1]);
    if (found < 0)
        return -1;
    if (!found) {
        reject(r, "create: patient %s is not a patient of client %s", p[2], p[1]);
        return 0;
    }
    nx_item it;
    if (nx_item_init(&it, s->dict, (nx_kind)kind) != 0)
        return -1;
    int64_t at = srv_op_time(s, op);
    snprintf(it.id, sizeof it.id, "%.63s", op->item);
    snprintf(it.client_id, sizeof it.client_id, "%s", p[1]);
    snprintf(it.patient_id, sizeof it.patient_id, "%s", p[2]);
    snprintf(it.assignee, sizeof it.assignee, "%s", s->user);
    snprintf(it.team, sizeof it.team, "%s", s->team);
    snprintf(it.status, sizeof it.status, "%s", nx_workflow_initial((nx_kind)kind));
    it.priority = strcmp(prio, "1") == 0 || strcmp(prio, "urgent") == 0;
    it.created = it.updated = at;
    int rc = 0;
    const nx_field_def *pf = nx_dict_find(s->dict, "priority");
    if ((pf && (pf->kinds & NX_KIND_BIT(it.kind)) &&
         nx_item_set(&it, "priority", it.priority ? "urgent" : "routine") != 0) ||
        srv_item_store(s, &it, 1, 1) != 0 || srv_touch(s, it.id) != 0)
        rc = -1;
    else
        r->outcome = SRV_APPLIED;
    nx_item_free(&it);
    return rc;
}
