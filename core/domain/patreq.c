/* Patient requests (patreq.h): the body, the two clocks in the client's
 * calendar, and the kind's rules, run by the laptop before it writes and
 * by the hub before it merges (record.c's kind_check[]). */
#include "domain/patreq.h"
#include "domain/deadlines.h"
#include "domain/recbody.h"
#include "util/util.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const nx_patreq_type_ids[] = {
#define NX_PR_S_(id, name, label, days, ext) name,
    NX_PATREQ_TYPES(NX_PR_S_) NULL,
#undef NX_PR_S_
};
const char *const nx_patreq_type_labels[] = {
#define NX_PR_L_(id, name, label, days, ext) label,
    NX_PATREQ_TYPES(NX_PR_L_) NULL,
#undef NX_PR_L_
};
static const int ce_days[] = {
#define NX_PR_D_(id, name, label, days, ext) days,
    NX_PATREQ_TYPES(NX_PR_D_)
#undef NX_PR_D_
};
static const int ext_days[] = {
#define NX_PR_X_(id, name, label, days, ext) ext,
    NX_PATREQ_TYPES(NX_PR_X_)
#undef NX_PR_X_
};

const char *const nx_patreq_channels[] = { "phone", "email", "mail", "fax", "portal",
                                           "in-person", NULL };
/* The scheduling form's methods (dict_fields.c identity_method), and what
 * a written or in-person request is checked by. */
const char *const nx_patreq_id_methods[] = { "dob-and-address", "dob-and-phone",
                                             "dob-and-member-id", "portal-login", "callback",
                                             "photo-id", "signature", "not-verified", NULL };
const char *const nx_patreq_route_to[] = { "client", "prime-vendor", NULL };
const char *const nx_patreq_outcomes[] = { "fulfilled", "partly", "denied", "withdrawn", NULL };
const char *const nx_patreq_statuses[] = { "received", "routed", "closed", NULL };

int nx_patreq_index(const char *const *list, const char *id)
{
    for (int i = 0; id && list[i]; i++)
        if (strcmp(list[i], id) == 0)
            return i;
    return -1;
}

const char *nx_patreq_type_label(const char *type)
{
    int i = nx_patreq_index(nx_patreq_type_ids, type);
    return i < 0 ? "?" : nx_patreq_type_labels[i];
}

int nx_patreq_ce_days(const char *type, int *ext)
{
    int i = nx_patreq_index(nx_patreq_type_ids, type);
    if (ext)
        *ext = i < 0 ? 0 : ext_days[i];
    return i < 0 ? -1 : ce_days[i];
}

const char *nx_patreq_flag(const char *type)
{
    int i = nx_patreq_index(nx_patreq_type_ids, type);
    return i == NX_PATREQ_RESTRICTION ? "restriction"
         : i == NX_PATREQ_CONFIDENTIAL ? "confidential_comm" : NULL;
}

void nx_patreq_init(nx_patreq *p)
{
    memset(p, 0, sizeof *p);
}

void nx_patreq_wipe(nx_patreq *p)
{
    sodium_memzero(p, sizeof *p);
}

/* ---- the body ------------------------------------------------------------------------- */

#define W "patient request"

static const char *const body_keys[] = {
    "type", "received_at", "channel", "id_method", "id_verified", "representative", "summary",
    "patient_id", "client_id", "tz", "routing_due", "ce_due", "routed_to", "routed_name", "routed_at", "routed_how",
    "routed_ref", "routed_by", "extended", "extension_reason", "outcome", "closed_at",
    "closed_by", "note", NULL,
};

int nx_patreq_from_json(const char *json, nx_patreq *out, char *err, size_t errlen)
{
    nx_patreq_init(out);
    json_error_t jerr;
    json_t *o = json && json[0] ? json_loads(json, JSON_REJECT_DUPLICATES, &jerr)
                                : json_object();
    int rc = -1;
    if (!o || !json_is_object(o)) {
        nx_err(err, errlen, W ": the body is not a JSON object");
        goto out;
    }
    if (rb_keys_known(o, W, body_keys, err, errlen) ||
        rb_choice(o, W, "type", nx_patreq_type_ids, 1, out->type, sizeof out->type, err,
                  errlen) ||
        rb_time(o, W, "received_at", &out->received_at, err, errlen) ||
        rb_choice(o, W, "channel", nx_patreq_channels, 1, out->channel, sizeof out->channel,
                  err, errlen) ||
        rb_choice(o, W, "id_method", nx_patreq_id_methods, 1, out->id_method,
                  sizeof out->id_method, err, errlen) ||
        rb_int(o, W, "id_verified", &out->id_verified, 0, 1, err, errlen) ||
        rb_int(o, W, "representative", &out->representative, 0, 1, err, errlen) ||
        rb_str(o, W, "summary", out->summary, sizeof out->summary, err, errlen) ||
        rb_str(o, W, "patient_id", out->patient_id, sizeof out->patient_id, err, errlen) ||
        rb_str(o, W, "client_id", out->client_id, sizeof out->client_id, err, errlen) ||
        rb_str(o, W, "tz", out->tz, sizeof out->tz, err, errlen) ||
        rb_time(o, W, "routing_due", &out->routing_due, err, errlen) ||
        rb_time(o, W, "ce_due", &out->ce_due, err, errlen) ||
        rb_choice(o, W, "routed_to", nx_patreq_route_to, 1, out->routed_to,
                  sizeof out->routed_to, err, errlen) ||
        rb_str(o, W, "routed_name", out->routed_name, sizeof out->routed_name, err, errlen) ||
        rb_time(o, W, "routed_at", &out->routed_at, err, errlen) ||
        rb_choice(o, W, "routed_how", nx_patreq_channels, 1, out->routed_how,
                  sizeof out->routed_how, err, errlen) ||
        rb_str(o, W, "routed_ref", out->routed_ref, sizeof out->routed_ref, err, errlen) ||
        rb_str(o, W, "routed_by", out->routed_by, sizeof out->routed_by, err, errlen) ||
        rb_int(o, W, "extended", &out->extended, 0, 1, err, errlen) ||
        rb_str(o, W, "extension_reason", out->extension_reason, sizeof out->extension_reason,
               err, errlen) ||
        rb_choice(o, W, "outcome", nx_patreq_outcomes, 1, out->outcome, sizeof out->outcome,
                  err, errlen) ||
        rb_time(o, W, "closed_at", &out->closed_at, err, errlen) ||
        rb_str(o, W, "closed_by", out->closed_by, sizeof out->closed_by, err, errlen) ||
        rb_str(o, W, "note", out->note, sizeof out->note, err, errlen))
        goto out;
    rc = 0;
out:
    json_decref(o);
    if (rc)
        nx_patreq_wipe(out);
    return rc;
}

int nx_patreq_to_json(const nx_patreq *p, char **out)
{
    *out = NULL;
    json_t *o = json_object();
    if (!o || rb_put_str(o, "type", p->type) || rb_put_int(o, "received_at", p->received_at) ||
        rb_put_str(o, "channel", p->channel) || rb_put_str(o, "id_method", p->id_method) ||
        rb_put_int(o, "id_verified", p->id_verified) ||
        rb_put_int(o, "representative", p->representative) ||
        rb_put_str(o, "summary", p->summary) || rb_put_str(o, "patient_id", p->patient_id) ||
        rb_put_str(o, "client_id", p->client_id) || rb_put_str(o, "tz", p->tz) ||
        rb_put_int(o, "routing_due", p->routing_due) || rb_put_int(o, "ce_due", p->ce_due) ||
        rb_put_str(o, "routed_to", p->routed_to) ||
        rb_put_str(o, "routed_name", p->routed_name) ||
        rb_put_int(o, "routed_at", p->routed_at) ||
        rb_put_str(o, "routed_how", p->routed_how) ||
        rb_put_str(o, "routed_ref", p->routed_ref) ||
        rb_put_str(o, "routed_by", p->routed_by) || rb_put_int(o, "extended", p->extended) ||
        rb_put_str(o, "extension_reason", p->extension_reason) ||
        rb_put_str(o, "outcome", p->outcome) || rb_put_int(o, "closed_at", p->closed_at) ||
        rb_put_str(o, "closed_by", p->closed_by) || rb_put_str(o, "note", p->note)) {
        json_decref(o);
        return -1;
    }
    return rb_dump(o, out);
}

int nx_patreq_validate(const nx_patreq *p, char *err, size_t errlen)
{
    if (nx_patreq_index(nx_patreq_type_ids, p->type) < 0)
        return nx_err(err, errlen, "choose the type of request");
    if (!p->received_at)
        return nx_err(err, errlen, "when did the request come in? (received at)");
    if (nx_patreq_index(nx_patreq_channels, p->channel) < 0)
        return nx_err(err, errlen, "choose the channel it came by");
    if (nx_patreq_index(nx_patreq_id_methods, p->id_method) < 0)
        return nx_err(err, errlen, "choose how the requester's identity was checked");
    if (strcmp(p->id_method, "not-verified") == 0 && p->id_verified)
        return nx_err(err, errlen, "identity verified, but the method says not verified");
    if (!p->patient_id[0] || !p->client_id[0])
        return nx_err(err, errlen, "a request is about the patient of a work item");
    return 0;
}

/* ---- the clocks -------------------------------------------------------------------------- */

int nx_patreq_routing_due(const char *tz, const nx_holidays *h, int64_t received,
                          int64_t *due, char *err, size_t errlen)
{
    return nx_routing_due(tz, h, received, due, err, errlen);
}

int nx_patreq_ce_due(const char *tz, const char *type, int64_t received, int extended,
                     int64_t *due, char *err, size_t errlen)
{
    int ext = 0, days = nx_patreq_ce_days(type, &ext);
    *due = 0;
    if (days < 0)
        return nx_err(err, errlen, "unknown type of request");
    if (days == 0 || !received)
        return 0;
    int64_t t, next;
    if (nx_clock_add_days(tz, received, days + (extended ? ext : 0), &t, err, errlen) != 0 ||
        nx_clock_day_bounds(tz, t, NULL, &next, err, errlen) != 0)
        return -1;
    *due = next - 1;
    return 0;
}

int nx_patreq_schedule(nx_patreq *p, const nx_holidays *h, char *err, size_t errlen)
{
    if (nx_clock_check_tz(p->tz, err, errlen) != 0)
        return -1;
    return nx_patreq_routing_due(p->tz, h, p->received_at, &p->routing_due, err, errlen) ||
                   nx_patreq_ce_due(p->tz, p->type, p->received_at, p->extended, &p->ce_due, err,
                                    errlen)
               ? -1
               : 0;
}

void nx_patreq_clocks_at(const nx_patreq *p, int64_t now, nx_patreq_clocks *out)
{
    out->routing.due = p->routing_due;
    out->routing.done = p->routed_at ? p->routed_at
                      : strcmp(p->outcome, "withdrawn") == 0 ? p->closed_at : 0;
    out->routing.state = nx_deadline_at(out->routing.due, out->routing.done, now);
    out->ce.due = p->ce_due;
    out->ce.done = p->ce_due ? p->closed_at : 0;
    out->ce.state = nx_deadline_at(out->ce.due, out->ce.done, now);
}

int64_t nx_patreq_due(const nx_patreq *p, const char *status)
{
    if (strcmp(status, "received") == 0)
        return p->routing_due;
    if (strcmp(status, "routed") == 0)
        return p->ce_due;
    return 0;
}

/* The deadlines the body holds are the ones its zone gives: the covered
 * entity's exactly (calendar days need no holidays); routing at or after
 * the one without holidays (a holiday only moves it later) and within
 * the longest run of holidays a calendar could add. */
static int schedule_ok(const nx_patreq *p, const char *id, char *err, size_t errlen)
{
    char why[160];
    int64_t plain = 0, ce = 0;
    if (nx_clock_check_tz(p->tz, why, sizeof why) != 0)
        return nx_err(err, errlen, "record %s: the client's zone is not a zone", id);
    if (nx_patreq_routing_due(p->tz, NULL, p->received_at, &plain, why, sizeof why) != 0 ||
        nx_patreq_ce_due(p->tz, p->type, p->received_at, p->extended, &ce, why,
                         sizeof why) != 0)
        return nx_err(err, errlen, "record %s: %s", id, why);
    if (p->ce_due != ce)
        return nx_err(err, errlen, "record %s: the covered entity's deadline is not the "
                                   "type's", id);
    if (p->routing_due < plain || p->routing_due > plain + 31LL * 86400)
        return nx_err(err, errlen, "record %s: the routing deadline is not 2 business days "
                                   "from receipt", id);
    return 0;
}

/* ---- the rules --------------------------------------------------------------------------- */

static int intake_same(const nx_patreq *a, const nx_patreq *b)
{
    return strcmp(a->type, b->type) == 0 && a->received_at == b->received_at &&
           strcmp(a->channel, b->channel) == 0 && strcmp(a->id_method, b->id_method) == 0 &&
           a->id_verified == b->id_verified && a->representative == b->representative &&
           strcmp(a->summary, b->summary) == 0 && a->routing_due == b->routing_due;
}

static int routing_same(const nx_patreq *a, const nx_patreq *b)
{
    return strcmp(a->routed_to, b->routed_to) == 0 &&
           strcmp(a->routed_name, b->routed_name) == 0 && a->routed_at == b->routed_at &&
           strcmp(a->routed_how, b->routed_how) == 0 &&
           strcmp(a->routed_ref, b->routed_ref) == 0 && strcmp(a->routed_by, b->routed_by) == 0;
}

static int routed_ok(const nx_patreq *p, const char *user, const char *id, char *err,
                     size_t errlen)
{
    if (!p->routed_to[0] || !p->routed_at || !p->routed_how[0])
        return nx_err(err, errlen, "record %s: routing needs to whom, when and how", id);
    if (p->routed_at < p->received_at)
        return nx_err(err, errlen, "record %s: routed before it was received", id);
    if (strcmp(p->routed_by, user) != 0)
        return nx_err(err, errlen, "record %s: routing is logged under the name of who "
                                   "routes it", id);
    return 0;
}

static int closed_ok(const nx_patreq *p, const char *user, const char *id, char *err,
                     size_t errlen)
{
    if (!p->outcome[0] || !p->closed_at)
        return nx_err(err, errlen, "record %s: closing needs the outcome and its time", id);
    if (p->closed_at < p->received_at)
        return nx_err(err, errlen, "record %s: closed before it was received", id);
    if (strcmp(p->closed_by, user) != 0)
        return nx_err(err, errlen, "record %s: closing is logged under the name of who "
                                   "closes it", id);
    return 0;
}

static int check_parsed(const nx_record *prev, const nx_patreq *pp, const nx_record *next,
                        const nx_patreq *np, nx_role role, const char *user, char *err,
                        size_t errlen)
{
    const char *id = next->id;
    if (role == NX_ROLE_AUDITOR || role == NX_ROLE_OPERATIONS)
        return nx_err(err, errlen, "record %s: the %s role does not take patient requests",
                      id, nx_role_name(role));
    int st = nx_patreq_index(nx_patreq_statuses, next->status);
    if (st < 0)
        return nx_err(err, errlen, "record %s: the status is not received, routed or closed",
                      id);
    char why[160];
    if (nx_patreq_validate(np, why, sizeof why) != 0)
        return nx_err(err, errlen, "record %s: %s", id, why);
    if (schedule_ok(np, id, err, errlen) != 0)
        return -1;
    if (next->due != nx_patreq_due(np, next->status))
        return nx_err(err, errlen, "record %s: due is not the request's running deadline", id);
    if (!next->item_id[0])
        return nx_err(err, errlen, "record %s: a request is taken in from a work item", id);
    if (np->extended) {
        int ext = 0;
        nx_patreq_ce_days(np->type, &ext);
        if (!ext)
            return nx_err(err, errlen, "record %s: this type of request has no extension", id);
        if (!np->extension_reason[0])
            return nx_err(err, errlen, "record %s: an extension needs its reason", id);
    }
    /* Routed or closed: the routing is logged, unless the requester
     * withdrew before it was routed. */
    int routed = np->routed_at || np->routed_to[0];
    if ((st == 1 || (st == 2 && (routed || strcmp(np->outcome, "withdrawn") != 0))) &&
        routed_ok(np, np->routed_by, id, err, errlen) != 0)
        return -1;
    if (st == 2 && closed_ok(np, np->closed_by, id, err, errlen) != 0)
        return -1;
    if (st == 0 && (np->routed_at || np->routed_to[0] || np->outcome[0] || np->extended))
        return nx_err(err, errlen, "record %s: a request just received is not routed, "
                                   "extended or closed yet", id);
    if (st == 1 && np->outcome[0])
        return nx_err(err, errlen, "record %s: an outcome closes the request", id);

    if (!prev)
        return st == 0 ? 0
                       : nx_err(err, errlen, "record %s: a new request is taken in as "
                                             "received", id);

    int pst = nx_patreq_index(nx_patreq_statuses, prev->status);
    if (pst == 2)
        return nx_err(err, errlen, "record %s: the request is closed", id);
    if (strcmp(prev->item_id, next->item_id) != 0 ||
        strcmp(pp->patient_id, np->patient_id) != 0 || strcmp(pp->client_id, np->client_id) ||
        strcmp(pp->tz, np->tz) != 0)
        return nx_err(err, errlen, "record %s: the item, patient and client of a request "
                                   "cannot change", id);
    if (pst >= 1 && !intake_same(pp, np))
        return nx_err(err, errlen, "record %s: the intake cannot change once routed", id);
    if (pp->extended && (!np->extended || strcmp(pp->extension_reason, np->extension_reason)))
        return nx_err(err, errlen, "record %s: an extension, once taken, stays", id);
    if (np->extended && !pp->extended && st != 1)
        return nx_err(err, errlen, "record %s: the extension is taken while the request is "
                                   "routed", id);
    if (st < pst)
        return nx_err(err, errlen, "record %s: a request does not go back to %s", id,
                      next->status);
    if (st == pst + 2 && strcmp(np->outcome, "withdrawn") != 0)
        return nx_err(err, errlen, "record %s: route the request before closing it (unless "
                                   "it was withdrawn)", id);
    if (st == 2 && pst == 0 && (np->routed_at || np->routed_to[0]))
        return nx_err(err, errlen, "record %s: a withdrawn request closes without routing", id);
    if (pst >= 1 && !routing_same(pp, np))
        return nx_err(err, errlen, "record %s: the routing, once logged, cannot change", id);
    if (st == 1 && pst == 0 && routed_ok(np, user, id, err, errlen) != 0)
        return -1;
    if (st == 2 && pst < 2 && closed_ok(np, user, id, err, errlen) != 0)
        return -1;
    return 0;
}

int nx_patreq_check(const nx_record *prev, const nx_record *next, nx_role role,
                    const char *user, const char *team, char *err, size_t errlen)
{
    (void)team;
    nx_patreq *pp = calloc(1, sizeof *pp), *np = calloc(1, sizeof *np);
    int rc = -1;
    char why[200];
    if (!pp || !np) {
        nx_err(err, errlen, "record %s: out of memory", next->id);
        goto out;
    }
    if (nx_patreq_from_json(next->body, np, why, sizeof why) != 0) {
        nx_err(err, errlen, "record %s: %s", next->id, why);
        goto out;
    }
    if (prev && nx_patreq_from_json(prev->body, pp, why, sizeof why) != 0) {
        nx_err(err, errlen, "record %s: the stored request is unreadable (%s)", next->id, why);
        goto out;
    }
    rc = check_parsed(prev, pp, next, np, role, user, err, errlen);
out:
    if (pp)
        nx_patreq_wipe(pp);
    if (np)
        nx_patreq_wipe(np);
    free(pp);
    free(np);
    return rc;
}
