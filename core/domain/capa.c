/* core/domain/capa.c — the CAPA lifecycle as record rules (capa.h says
 * who may do what and why), its body, and the overdue test the dashboard
 * counts with. */
#include "domain/capa.h"
#include "domain/clock.h"
#include "util/jsonz.h"
#include "util/util.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the body ------------------------------------------------------------------------- */

int nx_capa_body_json(const nx_capa_body *in, char **json)
{
    *json = NULL;
    json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "finding", in->finding, "action", in->action,
                          "review", in->review, "resolution", in->resolution);
    if (!o)
        return -1;
    *json = nx_json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    return *json ? 0 : -1;
}

static int take(json_t *o, const char *key, char *out, size_t len, char *err, size_t errlen)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v) || json_string_length(v) >= len ||
        strlen(json_string_value(v)) != json_string_length(v))
        return nx_err(err, errlen, "\"%s\" must be text of at most %zu bytes", key, len - 1);
    snprintf(out, len, "%s", json_string_value(v));
    return 0;
}

int nx_capa_body_parse(const char *json, nx_capa_body *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    json_error_t jerr;
    json_t *o = json ? json_loads(json, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    int rc = -1;
    if (!json_is_object(o) || json_object_size(o) != 4) {
        nx_err(err, errlen, "a CAPA's body has exactly finding, action, review, resolution");
        goto out;
    }
    if (take(o, "finding", out->finding, sizeof out->finding, err, errlen) ||
        take(o, "action", out->action, sizeof out->action, err, errlen) ||
        take(o, "review", out->review, sizeof out->review, err, errlen) ||
        take(o, "resolution", out->resolution, sizeof out->resolution, err, errlen))
        goto out;
    rc = 0;
out:
    json_decref(o);
    return rc;
}

/* ---- states ------------------------------------------------------------------------------ */

int nx_capa_status_ok(const char *status)
{
    return status && (strcmp(status, "open") == 0 || strcmp(status, "in-progress") == 0 ||
                      strcmp(status, "closed") == 0);
}

int nx_capa_overdue(const nx_record *r, int64_t now)
{
    return r->due > 0 && now >= r->due && strcmp(r->status, "closed") != 0;
}

int nx_capa_manager(nx_role role, const char *user_team, const char *capa_team)
{
    if (role == NX_ROLE_PRIVACY_OFFICER || role == NX_ROLE_SECURITY_OFFICER)
        return 1;
    return role == NX_ROLE_SUPERVISOR && user_team && *user_team && capa_team &&
           strcmp(user_team, capa_team) == 0;
}

int nx_capa_due_parse(const char *tz, const char *date, int64_t *due, char *err, size_t errlen)
{
    int y, m, d, used = 0;
    if (!date || strlen(date) != 10 || sscanf(date, "%4d-%2d-%2d%n", &y, &m, &d, &used) != 3 ||
        used != 10 || date[4] != '-' || date[7] != '-')
        return nx_err(err, errlen, "a due date is written YYYY-MM-DD");
    if (m < 1 || m > 12 || d < 1 || d > 31 || y < 2000 || y > 2200)
        return nx_err(err, errlen, "not a date of the calendar");
    int64_t days = nx_days_from_civil(y, m, d);
    if (nx_days_from_civil(y, m, 1) + d - 1 != days ||
        (m < 12 ? nx_days_from_civil(y, m + 1, 1) : nx_days_from_civil(y + 1, 1, 1)) <= days)
        return nx_err(err, errlen, "not a date of the calendar");
    int64_t noon, next;
    char why[128];
    if (nx_clock_from_local(tz, y, m, d, 12, 0, &noon, why, sizeof why) != 0 ||
        nx_clock_day_bounds(tz, noon, NULL, &next, why, sizeof why) != 0)
        return nx_err(err, errlen, "cannot place the date in the time zone: %s", why);
    *due = next;
    return 0;
}

/* ---- the rule ------------------------------------------------------------------------------- */

static int has_text(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\n' && *s != '\t')
            return 1;
    return 0;
}

/* The move prev -> next of status for a manager. */
static int manager_move(const char *from, const char *to)
{
    if (strcmp(from, to) == 0)
        return 1;
    if (strcmp(from, "open") == 0)
        return strcmp(to, "in-progress") == 0 || strcmp(to, "closed") == 0;
    if (strcmp(from, "in-progress") == 0)
        return strcmp(to, "closed") == 0 || strcmp(to, "open") == 0;
    return strcmp(to, "in-progress") == 0;   /* closed: reopened */
}

static int check_new(const nx_record *next, const nx_capa_body *b, nx_role role,
                     const char *team, char *err, size_t errlen)
{
    if (!nx_capa_manager(role, team, next->team))
        return nx_err(err, errlen, "record %s: a supervisor of team %s or an officer opens "
                                   "corrective actions", next->id, next->team);
    if (strcmp(next->status, "open") != 0)
        return nx_err(err, errlen, "record %s: a corrective action starts open", next->id);
    if (!next->owner[0])
        return nx_err(err, errlen, "record %s: a corrective action needs an owner", next->id);
    if (next->due <= 0)
        return nx_err(err, errlen, "record %s: a corrective action needs a due date", next->id);
    if (next->created > 0 && next->due <= next->created)
        return nx_err(err, errlen, "record %s: the due date must be after today", next->id);
    if (!has_text(b->finding) || !has_text(b->action))
        return nx_err(err, errlen, "record %s: a corrective action says what was found and "
                                   "what is to be done", next->id);
    return 0;
}

static int check_change(const nx_record *prev, const nx_capa_body *pb, const nx_record *next,
                        const nx_capa_body *b, nx_role role, const char *user,
                        const char *team, char *err, size_t errlen)
{
    if (strcmp(prev->team, next->team) != 0 || strcmp(prev->item_id, next->item_id) != 0 ||
        strcmp(pb->finding, b->finding) != 0 || strcmp(pb->review, b->review) != 0)
        return nx_err(err, errlen, "record %s: a corrective action keeps its team, item, "
                                   "finding and review", next->id);
    int manager = nx_capa_manager(role, team, prev->team);
    int owner = user && *user && strcmp(prev->owner, user) == 0;
    if (!manager && !owner)
        return nx_err(err, errlen, "record %s: only its owner, a supervisor of its team or an "
                                   "officer changes a corrective action", next->id);
    if (!manager) {
        if (strcmp(prev->owner, next->owner) != 0 || prev->due != next->due ||
            strcmp(pb->action, b->action) != 0)
            return nx_err(err, errlen, "record %s: the owner records progress and the "
                                       "resolution; owner, due date and action are the "
                                       "supervisor's", next->id);
        if (strcmp(prev->status, next->status) != 0 &&
            !(strcmp(prev->status, "open") == 0 && strcmp(next->status, "in-progress") == 0))
            return nx_err(err, errlen, "record %s: the owner may take it in hand (in-progress); "
                                       "a supervisor closes it", next->id);
    } else {
        if (!next->owner[0] || next->due <= 0)
            return nx_err(err, errlen, "record %s: a corrective action keeps an owner and a due "
                                       "date", next->id);
        if (!has_text(b->action))
            return nx_err(err, errlen, "record %s: a corrective action says what is to be done",
                          next->id);
        if (!manager_move(prev->status, next->status))
            return nx_err(err, errlen, "record %s: a corrective action cannot go from %s to %s",
                          next->id, prev->status, next->status);
    }
    if (strcmp(next->status, "closed") == 0 && !has_text(b->resolution))
        return nx_err(err, errlen, "record %s: closing needs the resolution: what was done",
                      next->id);
    return 0;
}

int nx_capa_check(const nx_record *prev, const nx_record *next, nx_role role, const char *user,
                  const char *team, char *err, size_t errlen)
{
    if (!nx_capa_status_ok(next->status))
        return nx_err(err, errlen, "record %s: a corrective action is open, in-progress or "
                                   "closed", next->id);
    nx_capa_body b, pb;
    char why[160];
    int rc = -1;
    memset(&pb, 0, sizeof pb);
    if (nx_capa_body_parse(next->body, &b, why, sizeof why) != 0) {
        nx_err(err, errlen, "record %s: %s", next->id, why);
        goto out;
    }
    if (prev && nx_capa_body_parse(prev->body, &pb, why, sizeof why) != 0) {
        nx_err(err, errlen, "record %s: the stored body does not parse (%s)", next->id, why);
        goto out;
    }
    rc = prev ? check_change(prev, &pb, next, &b, role, user, team, err, errlen)
              : check_new(next, &b, role, team, err, errlen);
out:
    sodium_memzero(&b, sizeof b);
    sodium_memzero(&pb, sizeof pb);
    return rc;
}
