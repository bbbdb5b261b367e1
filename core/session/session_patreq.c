/* Patient requests as a signed-in user takes them in, routes them and
 * follows the covered entity's answer (session_privacy.h). The intake
 * reads the item's patient, client and the client's calendar from the
 * cache; the deadlines worked out here travel in the record's body. A
 * restriction or confidential-communication request sets the patient's
 * flag inside the transaction that saves the request, so the scheduling
 * and ROI rules honour it on this laptop at once, offline included; the
 * hub does the same when the record reaches it (hub/patreq_effects.c) and
 * every laptop holding the patient's items gets the flag with them. */
#include "session/session_privacy.h"
#include "session/session_int.h"
#include "session/session_record.h"
#include "util/util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void nx_patreq_view_clear(nx_patreq_view *v)
{
    nx_record_row_clear(&v->row);
    nx_patreq_wipe(&v->pr);
    sodium_memzero(&v->line, sizeof v->line);
}

static void fill_line(nx_session *s, const nx_record_row *row, const nx_patreq *p,
                      nx_patreq_line *l)
{
    memset(l, 0, sizeof *l);
    const nx_record *r = &row->rec;
    snprintf(l->id, sizeof l->id, "%s", r->id);
    snprintf(l->status, sizeof l->status, "%s", r->status);
    snprintf(l->type, sizeof l->type, "%s", p->type);
    snprintf(l->item_id, sizeof l->item_id, "%s", r->item_id);
    snprintf(l->author, sizeof l->author, "%s", r->author);
    snprintf(l->client_id, sizeof l->client_id, "%s", p->client_id);
    snprintf(l->tz, sizeof l->tz, "%s", p->tz[0] ? p->tz : "UTC");
    l->received_at = p->received_at;
    nx_patreq_clocks_at(p, nx_session_now(s), &l->clk);
    l->pending = row->op_id[0] != 0;
    l->refused = row->refused[0] != 0;
}

/* The item in scope, loaded (free it). 0 or -1 with err. */
static int load_item(nx_session *s, const char *item_id, nx_item *it, char *err, size_t errlen)
{
    if (!item_id || !item_id[0])
        return nx_err(err, errlen, "A patient request is taken in from a work item.");
    int found = sess_load(s, item_id, it, err, errlen);
    if (found <= 0)
        return found < 0 ? -1 : nx_err(err, errlen, "item %s: not held here", item_id);
    if (!sess_in_scope(s, it)) {
        nx_item_free(it);
        return nx_err(err, errlen, "item %s: not one of the items you work", item_id);
    }
    if (!it->patient_id[0]) {
        nx_item_free(it);
        return nx_err(err, errlen, "item %s: it has no patient", item_id);
    }
    return 0;
}

static int may_take(nx_session *s, char *err, size_t errlen)
{
    if (s->role == NX_ROLE_AUDITOR || s->role == NX_ROLE_OPERATIONS)
        return nx_err(err, errlen, "The %s role does not take patient requests in.",
                      nx_role_name(s->role));
    return 0;
}

int nx_session_patreq_prefill(nx_session *s, const char *item_id, nx_patreq *p, char *err,
                              size_t errlen)
{
    nx_patreq_init(p);
    if (may_take(s, err, errlen) != 0)
        return -1;
    nx_item it;
    if (load_item(s, item_id, &it, err, errlen) != 0)
        return -1;
    snprintf(p->patient_id, sizeof p->patient_id, "%s", it.patient_id);
    snprintf(p->client_id, sizeof p->client_id, "%s", it.client_id);
    sess_client_tz(s, it.client_id, p->tz, sizeof p->tz);
    p->received_at = nx_session_now(s);
    nx_item_free(&it);
    return 0;
}

/* ---- saving -------------------------------------------------------------------------------- */

typedef struct {
    const char *flag;         /* the patient column to set, or NULL */
    const char *patient_id;
} flag_ctx;

/* Inside the save's transaction: the patient's flag and its audit event. */
static int set_flag(void *ctx, nx_session *s, const nx_record *r, char *err, size_t errlen)
{
    const flag_ctx *f = ctx;
    if (!f->flag)
        return 0;
    if (nx_store_patient_set(s->profile->store, f->patient_id, f->flag, "yes") != 0)
        return nx_err(err, errlen, "item %s: cannot set the patient's %s flag", r->item_id,
                      f->flag);
    nx_audit_event e = { .action = NX_AUDIT_UPDATE, .item_id = r->item_id, .field = f->flag };
    return sess_event(s, &e, err, errlen);
}

static int pr_save(nx_session *s, nx_record *rec, const nx_patreq *p, const flag_ctx *flag,
                   char *err, size_t errlen)
{
    char *json = NULL;
    if (nx_patreq_to_json(p, &json) != 0)
        return nx_err(err, errlen, "request %s: it cannot be written (text that is not "
                                   "UTF-8?)", rec->id[0] ? rec->id : "(new)");
    size_t n = strlen(json);
    int rc = nx_record_set_body(rec, json);
    sodium_memzero(json, n);
    free(json);
    if (rc != 0)
        return nx_err(err, errlen, "out of memory");
    rec->due = nx_patreq_due(p, rec->status);
    return nx_session_record_save_with(s, rec, flag && flag->flag ? set_flag : NULL,
                                       (void *)flag, err, errlen);
}

/* p's intake part from in, its patient, client and zone from the item,
 * its deadlines in the client's calendar. 0 or -1 with err. */
static int from_item(nx_session *s, const nx_item *it, const nx_patreq *in, nx_patreq *p,
                     char *err, size_t errlen)
{
    nx_patreq_init(p);
    snprintf(p->type, sizeof p->type, "%s", in->type);
    p->received_at = in->received_at ? in->received_at : nx_session_now(s);
    snprintf(p->channel, sizeof p->channel, "%s", in->channel);
    snprintf(p->id_method, sizeof p->id_method, "%s", in->id_method);
    p->id_verified = in->id_verified;
    p->representative = in->representative;
    snprintf(p->summary, sizeof p->summary, "%s", in->summary);
    snprintf(p->note, sizeof p->note, "%s", in->note);
    snprintf(p->patient_id, sizeof p->patient_id, "%s", it->patient_id);
    snprintf(p->client_id, sizeof p->client_id, "%s", it->client_id);
    sess_client_tz(s, it->client_id, p->tz, sizeof p->tz);
    if (p->received_at > nx_session_now(s) + 300)
        return nx_err(err, errlen, "received at is in the future");
    if (nx_patreq_validate(p, err, errlen) != 0)
        return -1;
    nx_client_rec c;
    nx_holidays h = { 0 };
    char why[200];
    if (nx_store_client_get(s->profile->store, it->client_id, &c) == 1 &&
        nx_holidays_parse(c.holidays, &h, why, sizeof why) != 0)
        return nx_err(err, errlen, "client %s: its holidays cannot be read (%s)", it->client_id,
                      why);
    if (nx_patreq_schedule(p, &h, why, sizeof why) != 0)
        return nx_err(err, errlen, "client %s: %s", it->client_id, why);
    return 0;
}

int nx_session_patreq_preview(nx_session *s, const char *item_id, nx_patreq *p, char *err,
                              size_t errlen)
{
    nx_item it;
    if (load_item(s, item_id, &it, err, errlen) != 0)
        return -1;
    nx_patreq in = *p;
    int rc = from_item(s, &it, &in, p, err, errlen);
    nx_patreq_wipe(&in);
    nx_item_free(&it);
    return rc;
}

int nx_session_patreq_take(nx_session *s, const char *item_id, const nx_patreq *in,
                           char *id_out, char *err, size_t errlen)
{
    if (may_take(s, err, errlen) != 0)
        return -1;
    nx_item it;
    if (load_item(s, item_id, &it, err, errlen) != 0)
        return -1;
    nx_patreq *p = calloc(1, sizeof *p);
    nx_record rec = { 0 };
    int rc = -1;
    if (!p) {
        nx_err(err, errlen, "out of memory");
        goto out;
    }
    if (from_item(s, &it, in, p, err, errlen) != 0)
        goto out;
    snprintf(rec.kind, sizeof rec.kind, "patient_request");
    snprintf(rec.status, sizeof rec.status, "received");
    snprintf(rec.item_id, sizeof rec.item_id, "%s", it.id);
    flag_ctx f = { nx_patreq_flag(p->type), it.patient_id };
    rc = pr_save(s, &rec, p, &f, err, errlen);
    if (rc == 0 && id_out)
        snprintf(id_out, 40, "%s", rec.id);
out:
    nx_item_free(&it);
    nx_record_clear(&rec);
    if (p)
        nx_patreq_wipe(p);
    free(p);
    return rc;
}

int nx_session_patreq_get(nx_session *s, const char *id, nx_patreq_view *out, char *err,
                          size_t errlen)
{
    memset(out, 0, sizeof *out);
    int found = nx_session_record_get(s, id, &out->row, err, errlen);
    if (found <= 0)
        return found;
    char why[200];
    if (strcmp(out->row.rec.kind, "patient_request") != 0) {
        nx_patreq_view_clear(out);
        return 0;
    }
    if (nx_patreq_from_json(out->row.rec.body, &out->pr, why, sizeof why) != 0) {
        nx_patreq_view_clear(out);
        return nx_err(err, errlen, "request %s: it is unreadable (%s)", id, why);
    }
    fill_line(s, &out->row, &out->pr, &out->line);
    return 1;
}

/* ---- changes ---------------------------------------------------------------------------- */

typedef int (*pr_change_fn)(nx_session *s, nx_record *rec, nx_patreq *p, const void *arg,
                            char *err, size_t errlen);

static int pr_change(nx_session *s, const char *id, pr_change_fn fn, const void *arg,
                     char *err, size_t errlen)
{
    nx_patreq_view *v = calloc(1, sizeof *v);
    nx_record rec = { 0 };
    if (!v)
        return nx_err(err, errlen, "out of memory");
    int rc = nx_session_patreq_get(s, id, v, err, errlen);
    if (rc == 0)
        rc = nx_err(err, errlen, "request %s: not held here", id);
    if (rc == 1)
        rc = nx_record_copy(&rec, &v->row.rec) == 0 ? 0 : nx_err(err, errlen, "out of memory");
    if (rc == 0 && strcmp(rec.status, "closed") == 0)
        rc = nx_err(err, errlen, "request %s: closed; nothing more is recorded", id);
    if (rc == 0)
        rc = fn(s, &rec, &v->pr, arg, err, errlen);
    if (rc == 0)
        rc = pr_save(s, &rec, &v->pr, NULL, err, errlen);
    nx_record_clear(&rec);
    nx_patreq_view_clear(v);
    free(v);
    return rc;
}

typedef struct {
    const char *to, *name, *how, *ref;
    int64_t at;
} route_arg;

static int do_route(nx_session *s, nx_record *rec, nx_patreq *p, const void *arg, char *err,
                    size_t errlen)
{
    const route_arg *a = arg;
    if (strcmp(rec->status, "received") != 0)
        return nx_err(err, errlen, "request %s: routed already", rec->id);
    if (nx_patreq_index(nx_patreq_route_to, a->to) < 0)
        return nx_err(err, errlen, "route it to the client or to the prime vendor");
    if (nx_patreq_index(nx_patreq_channels, a->how) < 0)
        return nx_err(err, errlen, "choose how it was sent");
    if ((a->name && strlen(a->name) > NX_PR_NAME_MAX) || (a->ref && strlen(a->ref) > NX_PR_REF_MAX))
        return nx_err(err, errlen, "the recipient or the reference is too long");
    int64_t at = a->at ? a->at : nx_session_now(s);
    if (at < p->received_at)
        return nx_err(err, errlen, "routed at is before the request came in");
    snprintf(p->routed_to, sizeof p->routed_to, "%s", a->to);
    snprintf(p->routed_name, sizeof p->routed_name, "%s", a->name ? a->name : "");
    snprintf(p->routed_how, sizeof p->routed_how, "%s", a->how);
    snprintf(p->routed_ref, sizeof p->routed_ref, "%s", a->ref ? a->ref : "");
    snprintf(p->routed_by, sizeof p->routed_by, "%s", s->user);
    p->routed_at = at;
    snprintf(rec->status, sizeof rec->status, "routed");
    return 0;
}

int nx_session_patreq_route(nx_session *s, const char *id, const char *to, const char *name,
                            const char *how, const char *ref, int64_t at, char *err,
                            size_t errlen)
{
    route_arg a = { to, name, how, ref, at };
    return pr_change(s, id, do_route, &a, err, errlen);
}

static int do_extend(nx_session *s, nx_record *rec, nx_patreq *p, const void *arg, char *err,
                     size_t errlen)
{
    (void)s;
    const char *reason = arg;
    int ext = 0;
    nx_patreq_ce_days(p->type, &ext);
    if (!ext)
        return nx_err(err, errlen, "request %s: a %s request has no extension", rec->id,
                      nx_patreq_type_label(p->type));
    if (strcmp(rec->status, "routed") != 0)
        return nx_err(err, errlen, "request %s: route it first; the covered entity takes "
                                   "the extension", rec->id);
    if (p->extended)
        return nx_err(err, errlen, "request %s: the one extension is taken already", rec->id);
    if (!reason || !reason[0] || strlen(reason) > NX_PR_REASON_MAX)
        return nx_err(err, errlen, "give the covered entity's reason for the extension "
                                   "(at most %d bytes)", NX_PR_REASON_MAX);
    p->extended = 1;
    snprintf(p->extension_reason, sizeof p->extension_reason, "%s", reason);
    char why[200];
    if (nx_patreq_ce_due(p->tz, p->type, p->received_at, 1, &p->ce_due, why, sizeof why) != 0)
        return nx_err(err, errlen, "request %s: %s", rec->id, why);
    return 0;
}

int nx_session_patreq_extend(nx_session *s, const char *id, const char *reason, char *err,
                             size_t errlen)
{
    return pr_change(s, id, do_extend, reason, err, errlen);
}

typedef struct {
    const char *outcome, *note;
} close_arg;

static int do_close(nx_session *s, nx_record *rec, nx_patreq *p, const void *arg, char *err,
                    size_t errlen)
{
    const close_arg *a = arg;
    if (nx_patreq_index(nx_patreq_outcomes, a->outcome) < 0)
        return nx_err(err, errlen, "choose the outcome (fulfilled, partly, denied, withdrawn)");
    if (strcmp(rec->status, "received") == 0 && strcmp(a->outcome, "withdrawn") != 0)
        return nx_err(err, errlen, "request %s: route it before closing it (unless it was "
                                   "withdrawn)", rec->id);
    if (a->note && strlen(a->note) > NX_PR_NOTE_MAX)
        return nx_err(err, errlen, "the note is over %d bytes", NX_PR_NOTE_MAX);
    snprintf(p->outcome, sizeof p->outcome, "%s", a->outcome);
    if (a->note && a->note[0])
        snprintf(p->note, sizeof p->note, "%s", a->note);
    p->closed_at = nx_session_now(s);
    snprintf(p->closed_by, sizeof p->closed_by, "%s", s->user);
    snprintf(rec->status, sizeof rec->status, "closed");
    return 0;
}

int nx_session_patreq_close(nx_session *s, const char *id, const char *outcome,
                            const char *note, char *err, size_t errlen)
{
    close_arg a = { outcome, note };
    return pr_change(s, id, do_close, &a, err, errlen);
}

/* ---- the list ------------------------------------------------------------------------------ */

/* One line of the list: the body read (an unreadable one listed all the
 * same), then wiped. */
static int patreq_line(nx_session *s, const nx_record_row *row, void *line)
{
    nx_patreq *p = calloc(1, sizeof *p);
    char why[200];
    if (!p)
        return -1;
    if (nx_patreq_from_json(row->rec.body, p, why, sizeof why) != 0)
        nx_patreq_init(p);
    fill_line(s, row, p, line);
    nx_patreq_wipe(p);
    free(p);
    return 0;
}

int nx_session_patreq_lines(nx_session *s, int include_closed, const char *item_id,
                            nx_patreq_line **out, size_t *n, char *err, size_t errlen)
{
    nx_record_filter f = { .kind = "patient_request",
                           .item_id = item_id && item_id[0] ? item_id : NULL,
                           .not_status = include_closed ? NULL : "closed" };
    void *v = NULL;
    int rc = nx_session_record_lines(s, &f, sizeof **out, patreq_line, &v, n, err, errlen);
    *out = v;
    return rc;
}
