/* The KPI screen's model (session_oversight.h): which scopes a role may
 * pick, the trend of one scope, and whether the role's cache holds what
 * each figure is computed from. The figures themselves are
 * core/domain/kpi's; nothing here is a patient or an item. */
#include "session/session_oversight.h"
#include "domain/clock.h"
#include "domain/record.h"
#include "store/kpi_store.h"
#include "store/sync_store.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- scopes --------------------------------------------------------------------------- */

typedef struct {
    nx_kpi_scope_opt *v;
    size_t n, cap;
} scope_list;

static int scope_add(scope_list *l, const char *team, const char *agent)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        nx_kpi_scope_opt *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    nx_kpi_scope_opt *o = &l->v[l->n++];
    snprintf(o->team, sizeof o->team, "%s", team);
    snprintf(o->agent, sizeof o->agent, "%s", agent);
    return 0;
}

static int pair_cb(void *ctx, const char *team, const char *agent)
{
    return scope_add(ctx, team, agent) != 0 ? 1 : 0;
}

static int may_see_kpis(nx_session *s, char *err, size_t errlen)
{
    if (!nx_policy_allows(s->policy, s->role, NX_ACTION_KPI))
        return nx_err(err, errlen, "KPIs are for supervisors and operations; your role (%s) "
                      "may not see them", nx_role_name(s->role));
    if (s->role == NX_ROLE_SUPERVISOR && !s->team[0])
        return nx_err(err, errlen, "KPIs: your profile names no team");
    return 0;
}

int nx_session_kpi_scopes(nx_session *s, nx_kpi_scope_opt **out, size_t *n, char *err,
                          size_t errlen)
{
    *out = NULL;
    *n = 0;
    if (may_see_kpis(s, err, errlen) != 0)
        return -1;
    scope_list l = { 0 };
    int own_team = s->role == NX_ROLE_SUPERVISOR;
    int rc = own_team ? scope_add(&l, s->team, "") : scope_add(&l, "", "");
    if (rc == 0) {
        rc = nx_kpi_store_scopes(s->profile->store, own_team ? s->team : "", pair_cb, &l);
        if (rc < 0)
            nx_err(err, errlen, "KPIs: cannot read the teams (%s)",
                   nx_store_errmsg(s->profile->store));
        else if (rc > 0)
            nx_err(err, errlen, "KPIs: out of memory");
    } else {
        nx_err(err, errlen, "KPIs: out of memory");
    }
    if (rc != 0) {
        free(l.v);
        return -1;
    }
    /* The supervisor's own team came first by hand; the store lists it
     * again (agent "") when it holds anything of it. */
    if (own_team && l.n > 1 && !l.v[1].agent[0]) {
        memmove(&l.v[1], &l.v[2], (l.n - 2) * sizeof l.v[0]);
        l.n--;
    }
    *out = l.v;
    *n = l.n;
    return 0;
}

/* ---- the zone -------------------------------------------------------------------------- */

void nx_session_local_zone(char *tz, size_t len)
{
    const char *env = getenv("TZ");
    if (env && *env == ':')
        env++;
    if (env && *env && nx_clock_check_tz(env, NULL, 0) == 0) {
        snprintf(tz, len, "%s", env);
        return;
    }
    char link[512];
    ssize_t k = readlink("/etc/localtime", link, sizeof link - 1);
    if (k > 0) {
        link[k] = '\0';
        const char *z = strstr(link, "zoneinfo/");
        if (z && nx_clock_check_tz(z + 9, NULL, 0) == 0) {
            snprintf(tz, len, "%s", z + 9);
            return;
        }
    }
    snprintf(tz, len, "UTC");
}

/* ---- the trend -------------------------------------------------------------------------- */

int nx_session_kpi(nx_session *s, const nx_kpi_scope_opt *scope, nx_kpi_unit unit,
                   const char *tz, nx_kpi_view *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (may_see_kpis(s, err, errlen) != 0)
        return -1;
    const char *team = scope ? scope->team : "";
    const char *agent = scope ? scope->agent : "";
    if (s->role == NX_ROLE_SUPERVISOR && strcmp(team, s->team) != 0)
        return nx_err(err, errlen, "KPIs: a supervisor sees their own team's (%s)", s->team);
    out->unit = unit;
    nx_sync_state ss;
    memset(&ss, 0, sizeof ss);
    nx_conf c;
    nx_conf_defaults(&c);
    out->keep_days = nx_sync_state_load(s->profile->store, &ss) == 0 && ss.keep_days > 0
                         ? ss.keep_days : c.keep_closed_days;
    out->held_from = nx_session_now(s) - (int64_t)out->keep_days * 86400;
    if (tz && *tz)
        snprintf(out->tz, sizeof out->tz, "%s", tz);
    else
        nx_session_local_zone(out->tz, sizeof out->tz);
    return nx_kpi_trend(s->profile->store, out->tz, nx_session_now(s), unit, NX_KPI_TREND,
                        team, agent, out->periods, out->k, err, errlen);
}

/* ---- what the cache holds --------------------------------------------------------------- */

/* What each figure is computed from beyond statuses and attempts, which
 * every role with items holds: a field it cannot do without, a field it
 * falls back on for items imported past a step, or a kind of record. */
static const struct {
    const char *needs;          /* field the figure cannot do without */
    const char *fallback;       /* field used for items imported past a step */
    int record;                 /* nx_record_kind, -1 none */
} inputs[NX_KPI_COUNT] = {
    [NX_KPI_PA_APPROVAL] = { NULL, NULL, -1 },
    [NX_KPI_PA_TURNAROUND] = { NULL, "submitted_at", -1 },
    [NX_KPI_PA_APPEAL_WIN] = { NULL, NULL, -1 },
    [NX_KPI_ELIG_72H] = { "service_date", NULL, -1 },
    [NX_KPI_ELIG_48H] = { "service_date", NULL, -1 },
    [NX_KPI_ROI_RETRIEVAL] = { NULL, "request_sent_at", -1 },
    [NX_KPI_ROI_FIRST_PASS] = { "complete_first_pass", NULL, -1 },
    [NX_KPI_SCHED_OUTCOMES] = { NULL, NULL, -1 },
    [NX_KPI_QA_PASS] = { NULL, NULL, NX_REC_QA_REVIEW },
    [NX_KPI_CAPA_OPEN] = { NULL, NULL, NX_REC_CAPA },
};

/* A value the KPIs read must be held in full (reveal level is held in
 * full in the cache; partial is only its masked form). */
static int field_held(const nx_session *s, const char *id)
{
    const nx_field_def *f = nx_dict_find(s->dict, id);
    return f && nx_policy_level(s->policy, s->role, f) >= NX_LEVEL_REVEAL;
}

nx_kpi_held_level nx_session_kpi_held(const nx_session *s, nx_kpi_id id, char *why,
                                      size_t whylen)
{
    if (why && whylen)
        why[0] = '\0';
    if ((unsigned)id >= NX_KPI_COUNT)
        return NX_KPI_NOT_HELD;
    if (nx_policy_scope(s->policy, s->role) == NX_SCOPE_NONE) {
        nx_err(why, whylen, "your role holds no items");
        return NX_KPI_NOT_HELD;
    }
    if (inputs[id].record >= 0) {
        /* The hub sends a record to whom nx_record_visible allows: ask it
         * about one of the user's own team that is not the user's own. */
        nx_record r;
        memset(&r, 0, sizeof r);
        snprintf(r.kind, sizeof r.kind, "%s", nx_record_kind_name(inputs[id].record));
        snprintf(r.team, sizeof r.team, "%s", s->team);
        if (!nx_record_visible(&r, s->role, s->user, s->team)) {
            nx_err(why, whylen, "not for your role: the hub does not send %s records to %s",
                   r.kind, nx_role_name(s->role));
            return NX_KPI_NOT_HELD;
        }
        return NX_KPI_HELD;
    }
    if (inputs[id].needs && !field_held(s, inputs[id].needs)) {
        nx_err(why, whylen, "not for your role: computed from the field %s, which the hub "
               "does not send to %s", inputs[id].needs, nx_role_name(s->role));
        return NX_KPI_NOT_HELD;
    }
    if (inputs[id].fallback && !field_held(s, inputs[id].fallback)) {
        nx_err(why, whylen, "in part: items imported past that step are left out (the field "
               "%s is not sent to %s)", inputs[id].fallback, nx_role_name(s->role));
        return NX_KPI_PART_HELD;
    }
    return NX_KPI_HELD;
}
