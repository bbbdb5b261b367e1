/* Incidents (incident.h): the report's body, its clocks and the rules of
 * the response. The check below is the one the laptop runs before it
 * writes and the hub runs again before it merges (record.c lists it in
 * kind_check[]), so a rule lives here once. */
#include "domain/incident.h"
#include "domain/recbody.h"
#include "util/util.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const nx_incident_type_ids[] = {
#define NX_INC_S_(id, name, label) name,
    NX_INCIDENT_TYPES(NX_INC_S_) NULL,
};
const char *const nx_incident_type_labels[] = {
#define NX_INC_L_(id, name, label) label,
    NX_INCIDENT_TYPES(NX_INC_L_) NULL,
};
const char *const nx_incident_info_ids[] = { NX_INCIDENT_INFO(NX_INC_S_) NULL };
const char *const nx_incident_info_labels[] = { NX_INCIDENT_INFO(NX_INC_L_) NULL };
const char *const nx_incident_step_ids[] = { NX_INCIDENT_STEPS(NX_INC_S_) NULL };
const char *const nx_incident_step_labels[] = { NX_INCIDENT_STEPS(NX_INC_L_) NULL };
#undef NX_INC_S_
#undef NX_INC_L_

const char *const nx_incident_severities[] = { "critical", "high", "medium", "low", "none",
                                               NULL };
const char *const nx_incident_notice_to[] = { "privacy-officer", "security-officer", "client",
                                              "covered-entity", "prime-vendor", "individuals",
                                              "hhs", "other", NULL };
const char *const nx_incident_notice_how[] = { "phone", "email", "letter", "fax", "portal",
                                               "in-person", NULL };

int nx_incident_list_index(const char *const *list, const char *id)
{
    for (int i = 0; id && list[i]; i++)
        if (strcmp(list[i], id) == 0)
            return i;
    return -1;
}

const char *nx_incident_step_label(const char *step)
{
    int i = nx_incident_list_index(nx_incident_step_ids, step);
    return i < 0 ? "?" : nx_incident_step_labels[i];
}

const char *nx_incident_next_step(const char *step)
{
    int i = nx_incident_list_index(nx_incident_step_ids, step);
    return i < 0 || i + 1 >= NX_INC_STEP_COUNT ? NULL : nx_incident_step_ids[i + 1];
}

int nx_incident_officer(nx_role role)
{
    return role == NX_ROLE_PRIVACY_OFFICER || role == NX_ROLE_SECURITY_OFFICER;
}

void nx_incident_init(nx_incident *inc)
{
    memset(inc, 0, sizeof *inc);
    inc->people_affected = -1;
}

void nx_incident_wipe(nx_incident *inc)
{
    sodium_memzero(inc, sizeof *inc);
}

/* ---- the body ------------------------------------------------------------------------ */

static const char *const body_keys[] = {
    "type", "occurred_at", "discovered_at", "description", "info", "info_other",
    "people_affected", "recipient", "mitigation", "client", "covered_entity", "prime_vendor",
    "severity", "assessment", "assessed_at", "assessed_by", "postmortem", "capa_id", "steps",
    "notifications", NULL,
};
static const char *const step_keys[] = { "step", "at", "by", NULL };
static const char *const notice_keys[] = { "to", "name", "at", "how", "by", "note", NULL };

#define W "incident"

static int read_info(json_t *o, nx_incident *inc, char *err, size_t errlen)
{
    json_t *a = json_object_get(o, "info");
    if (!a)
        return 0;
    if (!json_is_array(a))
        return nx_err(err, errlen, W ": \"info\" must be a list");
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) {
        int k = json_is_string(v) ? nx_incident_list_index(nx_incident_info_ids,
                                                            json_string_value(v))
                                  : -1;
        if (k < 0)
            return nx_err(err, errlen, W ": \"info\" item %zu is not a kind of information",
                          i + 1);
        inc->info |= 1u << k;
    }
    return 0;
}

static int read_steps(json_t *o, nx_incident *inc, char *err, size_t errlen)
{
    json_t *a = json_object_get(o, "steps");
    if (!a)
        return 0;
    if (!json_is_array(a) || json_array_size(a) > NX_INC_STEP_COUNT)
        return nx_err(err, errlen, W ": \"steps\" must be a list of at most %d",
                      NX_INC_STEP_COUNT);
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) {
        nx_incident_log *l = &inc->steps[i];
        if (!json_is_object(v))
            return nx_err(err, errlen, W ": \"steps\" item %zu is not an object", i + 1);
        if (rb_keys_known(v, W " step", step_keys, err, errlen) ||
            rb_choice(v, W " step", "step", nx_incident_step_ids, 0, l->step, sizeof l->step,
                      err, errlen) ||
            rb_time(v, W " step", "at", &l->at, err, errlen) ||
            rb_str(v, W " step", "by", l->by, sizeof l->by, err, errlen))
            return -1;
        if (!l->step[0])
            return nx_err(err, errlen, W ": \"steps\" item %zu has no step", i + 1);
        inc->nsteps = (int)i + 1;
    }
    return 0;
}

static int read_notices(json_t *o, nx_incident *inc, char *err, size_t errlen)
{
    json_t *a = json_object_get(o, "notifications");
    if (!a)
        return 0;
    if (!json_is_array(a) || json_array_size(a) > NX_INC_NOTICES_MAX)
        return nx_err(err, errlen, W ": \"notifications\" must be a list of at most %d",
                      NX_INC_NOTICES_MAX);
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) {
        nx_incident_notice *n = &inc->notices[i];
        if (!json_is_object(v))
            return nx_err(err, errlen, W ": \"notifications\" item %zu is not an object",
                          i + 1);
        if (rb_keys_known(v, W " notification", notice_keys, err, errlen) ||
            rb_choice(v, W " notification", "to", nx_incident_notice_to, 0, n->to,
                      sizeof n->to, err, errlen) ||
            rb_str(v, W " notification", "name", n->name, sizeof n->name, err, errlen) ||
            rb_time(v, W " notification", "at", &n->at, err, errlen) ||
            rb_choice(v, W " notification", "how", nx_incident_notice_how, 0, n->how,
                      sizeof n->how, err, errlen) ||
            rb_str(v, W " notification", "by", n->by, sizeof n->by, err, errlen) ||
            rb_str(v, W " notification", "note", n->note, sizeof n->note, err, errlen))
            return -1;
        if (!n->to[0] || !n->how[0] || !n->at)
            return nx_err(err, errlen, W ": notification %zu needs to whom, when and how",
                          i + 1);
        inc->nnotices = (int)i + 1;
    }
    return 0;
}

int nx_incident_from_json(const char *json, nx_incident *out, char *err, size_t errlen)
{
    nx_incident_init(out);
    json_error_t jerr;
    json_t *o = json && json[0] ? json_loads(json, JSON_REJECT_DUPLICATES, &jerr)
                                : json_object();
    int rc = -1;
    if (!o || !json_is_object(o)) {
        nx_err(err, errlen, W ": the body is not a JSON object");
        goto out;
    }
    if (rb_keys_known(o, W, body_keys, err, errlen) ||
        rb_choice(o, W, "type", nx_incident_type_ids, 1, out->type, sizeof out->type, err,
                  errlen) ||
        rb_time(o, W, "occurred_at", &out->occurred_at, err, errlen) ||
        rb_time(o, W, "discovered_at", &out->discovered_at, err, errlen) ||
        rb_str(o, W, "description", out->description, sizeof out->description, err, errlen) ||
        read_info(o, out, err, errlen) ||
        rb_str(o, W, "info_other", out->info_other, sizeof out->info_other, err, errlen) ||
        rb_int(o, W, "people_affected", &out->people_affected, -1, 100000000, err, errlen) ||
        rb_str(o, W, "recipient", out->recipient, sizeof out->recipient, err, errlen) ||
        rb_str(o, W, "mitigation", out->mitigation, sizeof out->mitigation, err, errlen) ||
        rb_str(o, W, "client", out->client, sizeof out->client, err, errlen) ||
        rb_str(o, W, "covered_entity", out->covered_entity, sizeof out->covered_entity, err,
               errlen) ||
        rb_str(o, W, "prime_vendor", out->prime_vendor, sizeof out->prime_vendor, err,
               errlen) ||
        rb_choice(o, W, "severity", nx_incident_severities, 1, out->severity,
                  sizeof out->severity, err, errlen) ||
        rb_str(o, W, "assessment", out->assessment, sizeof out->assessment, err, errlen) ||
        rb_time(o, W, "assessed_at", &out->assessed_at, err, errlen) ||
        rb_str(o, W, "assessed_by", out->assessed_by, sizeof out->assessed_by, err, errlen) ||
        rb_str(o, W, "postmortem", out->postmortem, sizeof out->postmortem, err, errlen) ||
        rb_str(o, W, "capa_id", out->capa_id, sizeof out->capa_id, err, errlen) ||
        read_steps(o, out, err, errlen) || read_notices(o, out, err, errlen))
        goto out;
    rc = 0;
out:
    json_decref(o);
    if (rc)
        nx_incident_wipe(out);
    return rc;
}

int nx_incident_to_json(const nx_incident *inc, char **out)
{
    *out = NULL;
    json_t *o = json_object(), *info = json_array(), *steps = json_array(),
           *notes = json_array();
    int bad = !o || !info || !steps || !notes;
    for (int i = 0; !bad && i < NX_INC_INFO_COUNT; i++)
        if (inc->info & (1u << i))
            bad = json_array_append_new(info, json_string(nx_incident_info_ids[i])) != 0;
    for (int i = 0; !bad && i < inc->nsteps; i++) {
        const nx_incident_log *l = &inc->steps[i];
        json_t *e = json_object();
        bad = !e || rb_put_str(e, "step", l->step) || rb_put_int(e, "at", l->at) ||
              rb_put_str(e, "by", l->by) || json_array_append_new(steps, e);
    }
    for (int i = 0; !bad && i < inc->nnotices; i++) {
        const nx_incident_notice *n = &inc->notices[i];
        json_t *e = json_object();
        bad = !e || rb_put_str(e, "to", n->to) || rb_put_str(e, "name", n->name) ||
              rb_put_int(e, "at", n->at) || rb_put_str(e, "how", n->how) ||
              rb_put_str(e, "by", n->by) || rb_put_str(e, "note", n->note) ||
              json_array_append_new(notes, e);
    }
    if (!bad)
        bad = rb_put_str(o, "type", inc->type) || rb_put_int(o, "occurred_at", inc->occurred_at) ||
              rb_put_int(o, "discovered_at", inc->discovered_at) ||
              rb_put_str(o, "description", inc->description) ||
              (inc->info && json_object_set(o, "info", info)) ||
              rb_put_str(o, "info_other", inc->info_other) ||
              json_object_set_new(o, "people_affected", json_integer(inc->people_affected)) ||
              rb_put_str(o, "recipient", inc->recipient) ||
              rb_put_str(o, "mitigation", inc->mitigation) ||
              rb_put_str(o, "client", inc->client) ||
              rb_put_str(o, "covered_entity", inc->covered_entity) ||
              rb_put_str(o, "prime_vendor", inc->prime_vendor) ||
              rb_put_str(o, "severity", inc->severity) ||
              rb_put_str(o, "assessment", inc->assessment) ||
              rb_put_int(o, "assessed_at", inc->assessed_at) ||
              rb_put_str(o, "assessed_by", inc->assessed_by) ||
              rb_put_str(o, "postmortem", inc->postmortem) ||
              rb_put_str(o, "capa_id", inc->capa_id) ||
              (inc->nsteps && json_object_set(o, "steps", steps)) ||
              (inc->nnotices && json_object_set(o, "notifications", notes));
    json_decref(info);
    json_decref(steps);
    json_decref(notes);
    if (bad) {
        json_decref(o);
        return -1;
    }
    return rb_dump(o, out);
}

int nx_incident_validate(const nx_incident *inc, char *err, size_t errlen)
{
    if (nx_incident_list_index(nx_incident_type_ids, inc->type) < 0)
        return nx_err(err, errlen, "choose the type of incident");
    if (!inc->discovered_at)
        return nx_err(err, errlen, "when was it discovered? (discovered at)");
    if (inc->occurred_at && inc->occurred_at > inc->discovered_at)
        return nx_err(err, errlen, "occurred at is after discovered at");
    if (!inc->description[0])
        return nx_err(err, errlen, "describe what happened (description)");
    if (inc->people_affected < -1)
        return nx_err(err, errlen, "people affected cannot be negative");
    return 0;
}

/* ---- the clocks ----------------------------------------------------------------------- */

nx_deadline_state nx_deadline_at(int64_t due, int64_t done, int64_t now)
{
    if (!due)
        return NX_DL_NONE;
    if (done)
        return done <= due ? NX_DL_MET : NX_DL_MET_LATE;
    return now <= due ? NX_DL_RUNNING : NX_DL_LATE;
}

int nx_deadline_is_late(nx_deadline_state st)
{
    return st == NX_DL_LATE || st == NX_DL_MET_LATE;
}

static void clock_of(int64_t from, int hours, int64_t done, int64_t now, nx_deadline *out)
{
    out->due = from ? from + (int64_t)hours * 3600 : 0;
    out->done = from ? done : 0;
    out->state = nx_deadline_at(out->due, out->done, now);
}

void nx_incident_clocks(const nx_incident *inc, int64_t filed_at, int64_t now,
                        nx_deadline *report, nx_deadline *assess)
{
    if (report)
        clock_of(inc->discovered_at, NX_INCIDENT_REPORT_HOURS, filed_at, now, report);
    if (assess)
        clock_of(inc->discovered_at, NX_INCIDENT_ASSESS_HOURS, inc->assessed_at, now, assess);
}

int64_t nx_incident_due(const nx_incident *inc, const char *status)
{
    if (!inc->discovered_at || inc->assessed_at || strcmp(status, "closed") == 0)
        return 0;
    return inc->discovered_at + (int64_t)NX_INCIDENT_ASSESS_HOURS * 3600;
}

/* ---- the rules ------------------------------------------------------------------------- */

static int same_log(const nx_incident_log *a, const nx_incident_log *b)
{
    return strcmp(a->step, b->step) == 0 && a->at == b->at && strcmp(a->by, b->by) == 0;
}

static int same_notice(const nx_incident_notice *a, const nx_incident_notice *b)
{
    return strcmp(a->to, b->to) == 0 && strcmp(a->name, b->name) == 0 && a->at == b->at &&
           strcmp(a->how, b->how) == 0 && strcmp(a->by, b->by) == 0 &&
           strcmp(a->note, b->note) == 0;
}

/* The officers' part is theirs alone: a reporter's correction leaves it. */
static int officer_part_same(const nx_incident *a, const nx_incident *b)
{
    if (strcmp(a->severity, b->severity) || strcmp(a->assessment, b->assessment) ||
        a->assessed_at != b->assessed_at || strcmp(a->assessed_by, b->assessed_by) ||
        strcmp(a->postmortem, b->postmortem) || strcmp(a->capa_id, b->capa_id) ||
        a->nsteps != b->nsteps || a->nnotices != b->nnotices)
        return 0;
    for (int i = 0; i < a->nsteps; i++)
        if (!same_log(&a->steps[i], &b->steps[i]))
            return 0;
    for (int i = 0; i < a->nnotices; i++)
        if (!same_notice(&a->notices[i], &b->notices[i]))
            return 0;
    return 1;
}

/* The logs only grow; what is added is the writer's. */
static int logs_grow(const nx_incident *prev, const nx_incident *next, const char *user,
                     const char *id, char *err, size_t errlen)
{
    if (next->nsteps < prev->nsteps || next->nnotices < prev->nnotices)
        return nx_err(err, errlen, "record %s: the incident's logs cannot lose entries", id);
    for (int i = 0; i < prev->nsteps; i++)
        if (!same_log(&prev->steps[i], &next->steps[i]))
            return nx_err(err, errlen, "record %s: the step log cannot be rewritten", id);
    for (int i = 0; i < prev->nnotices; i++)
        if (!same_notice(&prev->notices[i], &next->notices[i]))
            return nx_err(err, errlen, "record %s: the notifications log cannot be rewritten",
                          id);
    for (int i = prev->nnotices; i < next->nnotices; i++)
        if (strcmp(next->notices[i].by, user) != 0)
            return nx_err(err, errlen, "record %s: a notification is logged under the "
                                       "name of who logs it", id);
    return 0;
}

/* What a step needs before the response may leave it. */
static int may_leave(const nx_incident *inc, const char *step, const char *id, char *err,
                     size_t errlen)
{
    if (strcmp(step, "identify") == 0 &&
        (!inc->assessed_at || !inc->severity[0] || !inc->assessment[0]))
        return nx_err(err, errlen, "record %s: record the preliminary assessment (severity "
                                   "and assessment) before leaving Identify", id);
    if (strcmp(step, "notify") == 0 && inc->nnotices == 0)
        return nx_err(err, errlen, "record %s: log at least one notification (who was told, "
                                   "when, how) before leaving Notify", id);
    if (strcmp(step, "postmortem") == 0 && !inc->postmortem[0])
        return nx_err(err, errlen, "record %s: write the post-mortem (root cause, corrective "
                                   "action) before closing", id);
    return 0;
}

static int check_parsed(const nx_record *prev, const nx_incident *pi, const nx_record *next,
                        const nx_incident *ni, nx_role role, const char *user, char *err,
                        size_t errlen)
{
    const char *id = next->id;
    int step = nx_incident_list_index(nx_incident_step_ids, next->status);
    if (step < 0)
        return nx_err(err, errlen, "record %s: the status is not a step of the response", id);
    char why[160];
    if (nx_incident_validate(ni, why, sizeof why) != 0)
        return nx_err(err, errlen, "record %s: %s", id, why);
    if (next->due != nx_incident_due(ni, next->status))
        return nx_err(err, errlen, "record %s: due is not the incident's running deadline",
                      id);
    if (ni->assessed_at && (!ni->severity[0] || !ni->assessment[0]))
        return nx_err(err, errlen, "record %s: an assessment needs its severity and text", id);
    for (int i = 0; i < ni->nsteps; i++)
        if (i >= NX_INC_STEP_COUNT ||
            strcmp(ni->steps[i].step, nx_incident_step_ids[i]) != 0)
            return nx_err(err, errlen, "record %s: the step log is out of order", id);
    if (ni->nsteps != step + 1)
        return nx_err(err, errlen, "record %s: the step log does not end at the current step",
                      id);

    if (!prev) {
        if (role == NX_ROLE_AUDITOR)
            return nx_err(err, errlen, "record %s: auditors read; they do not file", id);
        if (step != NX_INC_STEP_REPORTED || next->owner[0])
            return nx_err(err, errlen, "record %s: a new incident is filed as reported, "
                                       "with no one handling it yet", id);
        nx_incident blank;
        nx_incident_init(&blank);
        blank.nsteps = ni->nsteps;
        memcpy(blank.steps, ni->steps, sizeof blank.steps);
        int clean = officer_part_same(&blank, ni);
        nx_incident_wipe(&blank);
        if (!clean)
            return nx_err(err, errlen, "record %s: a new report holds no assessment, "
                                       "notification or post-mortem", id);
        if (strcmp(ni->steps[0].by, user) != 0)
            return nx_err(err, errlen, "record %s: the report is logged under the name of "
                                       "who files it", id);
        return 0;
    }

    int pstep = nx_incident_list_index(nx_incident_step_ids, prev->status);
    if (pstep == NX_INC_STEP_CLOSED)
        return nx_err(err, errlen, "record %s: the incident is closed", id);
    if (pi->assessed_at && ni->assessed_at != pi->assessed_at)
        return nx_err(err, errlen, "record %s: the assessment's time cannot move", id);
    if (logs_grow(pi, ni, user, id, err, errlen) != 0)
        return -1;

    if (!nx_incident_officer(role)) {
        if (strcmp(prev->author, user) != 0)
            return nx_err(err, errlen, "record %s: only the reporter or an officer may "
                                       "change an incident", id);
        if (pstep != NX_INC_STEP_REPORTED || prev->owner[0])
            return nx_err(err, errlen, "record %s: an officer has taken the incident; "
                                       "the reporter can no longer change it", id);
        if (step != NX_INC_STEP_REPORTED || next->owner[0] || !officer_part_same(pi, ni))
            return nx_err(err, errlen, "record %s: only officers move the response or "
                                       "write its assessment and logs", id);
        return 0;
    }

    /* An officer: the same step or the next one, in order. */
    if (step != pstep && step != pstep + 1)
        return nx_err(err, errlen, "record %s: the response moves one step at a time "
                                   "(%s comes after %s)", id,
                      pstep + 1 < NX_INC_STEP_COUNT ? nx_incident_step_ids[pstep + 1] : "none",
                      prev->status);
    if (step != pstep) {
        if (may_leave(ni, prev->status, id, err, errlen) != 0)
            return -1;
        if (strcmp(ni->steps[step].by, user) != 0)
            return nx_err(err, errlen, "record %s: a step is logged under the name of who "
                                       "takes it", id);
        if (pstep == NX_INC_STEP_REPORTED && strcmp(next->owner, user) != 0)
            return nx_err(err, errlen, "record %s: the officer who takes an incident is "
                                       "its owner", id);
    }
    if (step != NX_INC_STEP_REPORTED && !next->owner[0])
        return nx_err(err, errlen, "record %s: an incident being worked has an owner", id);
    if (step == NX_INC_STEP_REPORTED && next->owner[0])
        return nx_err(err, errlen, "record %s: move it to Identify to take it", id);
    return 0;
}

int nx_incident_check(const nx_record *prev, const nx_record *next, nx_role role,
                      const char *user, const char *team, char *err, size_t errlen)
{
    (void)team;
    nx_incident *pi = calloc(1, sizeof *pi), *ni = calloc(1, sizeof *ni);
    int rc = -1;
    char why[200];
    if (!pi || !ni) {
        nx_err(err, errlen, "record %s: out of memory", next->id);
        goto out;
    }
    if (nx_incident_from_json(next->body, ni, why, sizeof why) != 0) {
        nx_err(err, errlen, "record %s: %s", next->id, why);
        goto out;
    }
    if (prev && nx_incident_from_json(prev->body, pi, why, sizeof why) != 0) {
        nx_err(err, errlen, "record %s: the stored incident is unreadable (%s)", next->id, why);
        goto out;
    }
    rc = check_parsed(prev, pi, next, ni, role, user, err, errlen);
out:
    if (pi)
        nx_incident_wipe(pi);
    if (ni)
        nx_incident_wipe(ni);
    free(pi);
    free(ni);
    return rc;
}
