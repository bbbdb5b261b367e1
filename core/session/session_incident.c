/* Incidents as a signed-in user files and works them (session_privacy.h).
 * Each call loads the record, changes its body the way the step says,
 * works out the running deadline again and saves it through
 * session_record — one transaction with its op and its audit event; the
 * kind's check (core/domain/incident.c) has the last word, here and on
 * the hub. The friendlier refusals below come first so a screen can say
 * what to do; they never allow what the check would refuse. */
#include "session/session_privacy.h"
#include "session/session_int.h"
#include "session/session_record.h"
#include "util/util.h"

#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void nx_incident_view_clear(nx_incident_view *v)
{
    nx_record_row_clear(&v->row);
    nx_incident_wipe(&v->inc);
    sodium_memzero(&v->line, sizeof v->line);
}

/* ---- the line a list shows ------------------------------------------------------------ */

static void fill_line(nx_session *s, const nx_record_row *row, const nx_incident *inc,
                      nx_incident_line *l)
{
    memset(l, 0, sizeof *l);
    const nx_record *r = &row->rec;
    snprintf(l->id, sizeof l->id, "%s", r->id);
    snprintf(l->status, sizeof l->status, "%s", r->status);
    snprintf(l->type, sizeof l->type, "%s", inc->type);
    snprintf(l->author, sizeof l->author, "%s", r->author);
    snprintf(l->owner, sizeof l->owner, "%s", r->owner);
    snprintf(l->item_id, sizeof l->item_id, "%s", r->item_id);
    snprintf(l->client, sizeof l->client, "%s", inc->client);
    snprintf(l->severity, sizeof l->severity, "%s", inc->severity);
    l->discovered_at = inc->discovered_at;
    l->filed_at = r->created;
    l->updated = r->updated;
    l->people_affected = inc->people_affected;
    l->notices = inc->nnotices;
    nx_incident_clocks(inc, r->created, nx_session_now(s), &l->report, &l->assess);
    if (strcmp(r->status, "closed") == 0) {
        /* A closed incident's clocks are history: a missing assessment
         * (impossible past Identify) would not be "running". */
        if (l->assess.state == NX_DL_RUNNING || l->assess.state == NX_DL_LATE)
            l->assess.state = NX_DL_NONE;
    }
    l->pending = row->op_id[0] != 0;
    l->refused = row->refused[0] != 0;
}

/* ---- load and save ------------------------------------------------------------------ */

/* The stored incident id into rec (a copy) and inc. 0, or -1 with err. */
static int inc_open(nx_session *s, const char *id, nx_record *rec, nx_incident *inc, char *err,
                    size_t errlen)
{
    nx_record_row row;
    int found = nx_session_record_get(s, id, &row, err, errlen);
    if (found <= 0)
        return found < 0 ? -1 : nx_err(err, errlen, "incident %s: not held here", id);
    int rc = -1;
    char why[200];
    if (strcmp(row.rec.kind, "incident") != 0)
        nx_err(err, errlen, "record %s: not an incident", id);
    else if (nx_incident_from_json(row.rec.body, inc, why, sizeof why) != 0)
        nx_err(err, errlen, "incident %s: the stored report is unreadable (%s)", id, why);
    else if (nx_record_copy(rec, &row.rec) != 0)
        nx_err(err, errlen, "out of memory");
    else
        rc = 0;
    nx_record_row_clear(&row);
    return rc;
}

static int inc_save(nx_session *s, nx_record *rec, const nx_incident *inc, char *err,
                    size_t errlen)
{
    char *json = NULL;
    if (nx_incident_to_json(inc, &json) != 0)
        return nx_err(err, errlen, "incident %s: the report cannot be written (text that is "
                                   "not UTF-8?)", rec->id[0] ? rec->id : "(new)");
    int rc = nx_record_set_body(rec, json);
    size_t n = strlen(json);
    if (n > NX_RECORD_BODY_MAX)
        rc = nx_err(err, errlen, "incident %s: the report is too long; shorten the texts",
                    rec->id[0] ? rec->id : "(new)");
    sodium_memzero(json, n);
    free(json);
    if (rc != 0)
        return err[0] ? -1 : nx_err(err, errlen, "out of memory");
    rec->due = nx_incident_due(inc, rec->status);
    return nx_session_record_save(s, rec, err, errlen);
}

typedef int (*inc_change_fn)(nx_session *s, nx_record *rec, nx_incident *inc, const void *arg,
                             char *err, size_t errlen);

/* Load, change, save: the pattern of every change below. */
static int inc_change(nx_session *s, const char *id, inc_change_fn fn, const void *arg,
                      char *err, size_t errlen)
{
    nx_incident *inc = calloc(1, sizeof *inc);
    nx_record rec = { 0 };
    if (!inc)
        return nx_err(err, errlen, "out of memory");
    int rc = inc_open(s, id, &rec, inc, err, errlen);
    if (rc == 0)
        rc = fn(s, &rec, inc, arg, err, errlen);
    if (rc == 0)
        rc = inc_save(s, &rec, inc, err, errlen);
    nx_record_clear(&rec);
    nx_incident_wipe(inc);
    free(inc);
    return rc;
}

/* The session's own sense check on what was typed: the domain's rules,
 * and nothing dated after now (a few minutes of clock skew allowed). */
static int report_ok(nx_session *s, const nx_incident *r, char *err, size_t errlen)
{
    if (nx_incident_validate(r, err, errlen) != 0)
        return -1;
    int64_t now = nx_session_now(s) + 300;
    if (r->discovered_at > now || r->occurred_at > now)
        return nx_err(err, errlen, "%s is in the future",
                      r->discovered_at > now ? "discovered at" : "occurred at");
    return 0;
}

static int officer_only(nx_session *s, const char *what, char *err, size_t errlen)
{
    if (nx_incident_officer(s->role))
        return 0;
    return nx_err(err, errlen, "Only the privacy and security officers %s.", what);
}

static int open_only(const nx_record *rec, char *err, size_t errlen)
{
    if (strcmp(rec->status, "closed") == 0)
        return nx_err(err, errlen, "incident %s: closed; nothing more is recorded", rec->id);
    return 0;
}

/* ---- filing ------------------------------------------------------------------------------ */

int nx_session_incident_prefill(nx_session *s, const char *item_id, int misfax,
                                nx_incident *inc, char *err, size_t errlen)
{
    nx_incident_init(inc);
    if (misfax)
        snprintf(inc->type, sizeof inc->type, "mis-fax");
    if (!item_id || !item_id[0])
        return 0;
    nx_item it;
    int found = sess_load(s, item_id, &it, err, errlen);
    if (found <= 0)
        return found < 0 ? -1 : nx_err(err, errlen, "item %s: not held here", item_id);
    int rc = 0;
    if (!sess_in_scope(s, &it)) {
        rc = nx_err(err, errlen, "item %s: not one of the items you work", item_id);
    } else {
        nx_client_rec c;
        if (nx_store_client_get(s->profile->store, it.client_id, &c) == 1 && c.name[0])
            snprintf(inc->client, sizeof inc->client, "%.*s", (int)sizeof inc->client - 1,
                     c.name);
        else
            snprintf(inc->client, sizeof inc->client, "%s", it.client_id);
    }
    nx_item_free(&it);
    return rc;
}

int nx_session_incident_file(nx_session *s, const nx_incident *report, const char *item_id,
                             char *id_out, char *err, size_t errlen)
{
    if (s->role == NX_ROLE_AUDITOR)
        return nx_err(err, errlen, "Auditors read incidents; they do not file them.");
    if (report_ok(s, report, err, errlen) != 0)
        return -1;
    nx_incident *inc = calloc(1, sizeof *inc);
    if (!inc)
        return nx_err(err, errlen, "out of memory");
    /* The report's part only: the officers' part starts empty. */
    nx_incident_init(inc);
    memcpy(inc, report, offsetof(nx_incident, severity));
    int64_t now = nx_session_now(s);
    inc->nsteps = 1;
    snprintf(inc->steps[0].step, sizeof inc->steps[0].step, "reported");
    inc->steps[0].at = now;
    snprintf(inc->steps[0].by, sizeof inc->steps[0].by, "%s", s->user);
    nx_record rec = { .created = now };
    snprintf(rec.kind, sizeof rec.kind, "incident");
    snprintf(rec.status, sizeof rec.status, "reported");
    snprintf(rec.item_id, sizeof rec.item_id, "%s", item_id ? item_id : "");
    int rc = inc_save(s, &rec, inc, err, errlen);
    if (rc == 0 && id_out)
        snprintf(id_out, 40, "%s", rec.id);
    nx_record_clear(&rec);
    nx_incident_wipe(inc);
    free(inc);
    return rc;
}

int nx_session_incident_get(nx_session *s, const char *id, nx_incident_view *out, char *err,
                            size_t errlen)
{
    memset(out, 0, sizeof *out);
    int found = nx_session_record_get(s, id, &out->row, err, errlen);
    if (found <= 0)
        return found;
    char why[200];
    if (strcmp(out->row.rec.kind, "incident") != 0) {
        nx_incident_view_clear(out);
        return 0;
    }
    if (nx_incident_from_json(out->row.rec.body, &out->inc, why, sizeof why) != 0) {
        nx_incident_view_clear(out);
        return nx_err(err, errlen, "incident %s: the stored report is unreadable (%s)", id,
                      why);
    }
    fill_line(s, &out->row, &out->inc, &out->line);
    return 1;
}

/* ---- changes ------------------------------------------------------------------------------ */

static int do_correct(nx_session *s, nx_record *rec, nx_incident *inc, const void *arg,
                      char *err, size_t errlen)
{
    const nx_incident *report = arg;
    if (open_only(rec, err, errlen) != 0)
        return -1;
    if (!nx_incident_officer(s->role)) {
        if (strcmp(rec->author, s->user) != 0)
            return nx_err(err, errlen, "incident %s: only its reporter or an officer may "
                                       "correct it", rec->id);
        if (strcmp(rec->status, "reported") != 0 || rec->owner[0])
            return nx_err(err, errlen, "incident %s: an officer has taken it; tell them "
                                       "what to correct", rec->id);
    }
    if (report_ok(s, report, err, errlen) != 0)
        return -1;
    memcpy(inc, report, offsetof(nx_incident, severity));
    return 0;
}

int nx_session_incident_correct(nx_session *s, const char *id, const nx_incident *report,
                                char *err, size_t errlen)
{
    return inc_change(s, id, do_correct, report, err, errlen);
}

typedef struct {
    const char *severity, *text;
} assess_arg;

static int do_assess(nx_session *s, nx_record *rec, nx_incident *inc, const void *arg,
                     char *err, size_t errlen)
{
    const assess_arg *a = arg;
    if (officer_only(s, "record the preliminary assessment", err, errlen) != 0 ||
        open_only(rec, err, errlen) != 0)
        return -1;
    if (nx_incident_list_index(nx_incident_severities, a->severity) < 0)
        return nx_err(err, errlen, "choose the severity (critical, high, medium, low, none)");
    if (!a->text || !a->text[0])
        return nx_err(err, errlen, "write the assessment");
    if (strlen(a->text) > NX_INC_ASSESS_MAX)
        return nx_err(err, errlen, "the assessment is over %d bytes", NX_INC_ASSESS_MAX);
    snprintf(inc->severity, sizeof inc->severity, "%s", a->severity);
    snprintf(inc->assessment, sizeof inc->assessment, "%s", a->text);
    if (!inc->assessed_at) {
        inc->assessed_at = nx_session_now(s);
        snprintf(inc->assessed_by, sizeof inc->assessed_by, "%s", s->user);
    }
    return 0;
}

int nx_session_incident_assess(nx_session *s, const char *id, const char *severity,
                               const char *text, char *err, size_t errlen)
{
    assess_arg a = { severity, text };
    return inc_change(s, id, do_assess, &a, err, errlen);
}

static int do_advance(nx_session *s, nx_record *rec, nx_incident *inc, const void *arg,
                      char *err, size_t errlen)
{
    char *step_out = (char *)arg;
    if (officer_only(s, "move an incident's steps", err, errlen) != 0 ||
        open_only(rec, err, errlen) != 0)
        return -1;
    const char *next = nx_incident_next_step(rec->status);
    if (!next || inc->nsteps >= NX_INC_STEP_COUNT)
        return nx_err(err, errlen, "incident %s: no further step", rec->id);
    /* What the step needs before it is left (the check says it too, with
     * the record's id; these say it in the screen's words). */
    if (strcmp(rec->status, "identify") == 0 && !inc->assessed_at)
        return nx_err(err, errlen, "Record the preliminary assessment (severity and text) "
                                   "before leaving Identify.");
    if (strcmp(rec->status, "notify") == 0 && !inc->nnotices)
        return nx_err(err, errlen, "Log at least one notification (who was told, when, how) "
                                   "before leaving Notify.");
    if (strcmp(rec->status, "postmortem") == 0 && !inc->postmortem[0])
        return nx_err(err, errlen, "Write the post-mortem (root cause, corrective action) "
                                   "before closing.");
    if (strcmp(rec->status, "reported") == 0)
        snprintf(rec->owner, sizeof rec->owner, "%s", s->user);
    nx_incident_log *l = &inc->steps[inc->nsteps++];
    snprintf(l->step, sizeof l->step, "%s", next);
    l->at = nx_session_now(s);
    snprintf(l->by, sizeof l->by, "%s", s->user);
    snprintf(rec->status, sizeof rec->status, "%s", next);
    if (step_out)
        snprintf(step_out, 16, "%s", next);
    return 0;
}

int nx_session_incident_advance(nx_session *s, const char *id, char *step_out, char *err,
                                size_t errlen)
{
    char step[16] = "";
    int rc = inc_change(s, id, do_advance, step, err, errlen);
    if (rc == 0 && step_out)
        snprintf(step_out, 16, "%s", step);
    return rc;
}

static int do_notify(nx_session *s, nx_record *rec, nx_incident *inc, const void *arg,
                     char *err, size_t errlen)
{
    const nx_incident_notice *n = arg;
    if (officer_only(s, "log notifications", err, errlen) != 0 ||
        open_only(rec, err, errlen) != 0)
        return -1;
    if (inc->nnotices >= NX_INC_NOTICES_MAX)
        return nx_err(err, errlen, "incident %s: the log holds %d notifications at most",
                      rec->id, NX_INC_NOTICES_MAX);
    if (nx_incident_list_index(nx_incident_notice_to, n->to) < 0)
        return nx_err(err, errlen, "choose whom you notified");
    if (nx_incident_list_index(nx_incident_notice_how, n->how) < 0)
        return nx_err(err, errlen, "choose how they were notified");
    nx_incident_notice *e = &inc->notices[inc->nnotices++];
    *e = *n;
    snprintf(e->by, sizeof e->by, "%s", s->user);
    if (!e->at)
        e->at = nx_session_now(s);
    if (e->at < inc->discovered_at)
        return nx_err(err, errlen, "a notification cannot come before the discovery");
    return 0;
}

int nx_session_incident_notify(nx_session *s, const char *id, const nx_incident_notice *n,
                               char *err, size_t errlen)
{
    return inc_change(s, id, do_notify, n, err, errlen);
}

typedef struct {
    const char *text, *capa;
} pm_arg;

static int do_postmortem(nx_session *s, nx_record *rec, nx_incident *inc, const void *arg,
                         char *err, size_t errlen)
{
    const pm_arg *a = arg;
    if (officer_only(s, "write the post-mortem", err, errlen) != 0 ||
        open_only(rec, err, errlen) != 0)
        return -1;
    if (!a->text || !a->text[0])
        return nx_err(err, errlen, "write the post-mortem");
    if (strlen(a->text) > NX_INC_POSTMORTEM_MAX)
        return nx_err(err, errlen, "the post-mortem is over %d bytes", NX_INC_POSTMORTEM_MAX);
    if (a->capa && strlen(a->capa) >= sizeof inc->capa_id)
        return nx_err(err, errlen, "the CAPA id is too long");
    snprintf(inc->postmortem, sizeof inc->postmortem, "%s", a->text);
    snprintf(inc->capa_id, sizeof inc->capa_id, "%s", a->capa ? a->capa : "");
    return 0;
}

int nx_session_incident_postmortem(nx_session *s, const char *id, const char *text,
                                   const char *capa_id, char *err, size_t errlen)
{
    pm_arg a = { text, capa_id };
    return inc_change(s, id, do_postmortem, &a, err, errlen);
}

/* ---- the list -------------------------------------------------------------------------- */

/* One line of the list: the body read (an unreadable one listed all the
 * same, so an officer sees it is there), then wiped. */
static int incident_line(nx_session *s, const nx_record_row *row, void *line)
{
    nx_incident *inc = calloc(1, sizeof *inc);
    char why[200];
    if (!inc)
        return -1;
    if (nx_incident_from_json(row->rec.body, inc, why, sizeof why) != 0)
        nx_incident_init(inc);
    fill_line(s, row, inc, line);
    nx_incident_wipe(inc);
    free(inc);
    return 0;
}

int nx_session_incident_lines(nx_session *s, int include_closed, nx_incident_line **out,
                              size_t *n, char *err, size_t errlen)
{
    nx_record_filter f = { .kind = "incident", .not_status = include_closed ? NULL : "closed" };
    void *v = NULL;
    int rc = nx_session_record_lines(s, &f, sizeof **out, incident_line, &v, n, err, errlen);
    *out = v;
    return rc;
}
