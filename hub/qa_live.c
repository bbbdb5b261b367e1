/* hub/qa_live.c — QA samples drawn live on the hub and stored as records,
 * the hub's half of shadowing, and the effects of merged QA reviews and
 * CAPAs (qa_live.h says when each happens and why). Item ids, user names,
 * statuses and times only: nothing here reads a field value. */
#include "hub/qa_live.h"
#include "domain/capa.h"
#include "domain/workflow.h"
#include "util/util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- putting a sample ------------------------------------------------------------------ */

typedef struct {
    const nx_qa_rule *r;
    const char *period;
    const char *item_id, *team, *owner, *who;
    int64_t at;
    const char *drawn;           /* "live" | "period-end" */
} sample_spec;

/* Puts the sample unless it is stored already. 1 new, 0 was there, -1. */
static int put_sample(nx_hub *h, const sample_spec *sp, int64_t now, nx_hlc hlc, char *err,
                      size_t errlen)
{
    char id[40];
    if (nx_qa_sample_id(sp->r->name, sp->period, sp->item_id, id) != 0)
        return nx_err(err, errlen, "QA: no sample id for item %s", sp->item_id);
    nx_record prev;
    int found = nx_hub_record_get(h, id, &prev);
    if (found < 0)
        return nx_err(err, errlen, "QA: cannot read sample %s: %s", id, nx_hub_errmsg(h));
    if (found) {
        nx_record_clear(&prev);
        return 0;
    }
    nx_qa_sample_info info;
    memset(&info, 0, sizeof info);
    snprintf(info.rule, sizeof info.rule, "%s", sp->r->name);
    snprintf(info.period, sizeof info.period, "%s", sp->period);
    snprintf(info.kind, sizeof info.kind, "%s", nx_kind_name(sp->r->kind));
    snprintf(info.completed_by, sizeof info.completed_by, "%s", sp->who ? sp->who : "");
    info.completed_at = sp->at;
    snprintf(info.drawn, sizeof info.drawn, "%s", sp->drawn);
    nx_record rec = { 0 };
    if (nx_qa_sample_body(&info, &rec.body) != 0)
        return nx_err(err, errlen, "QA: out of memory");
    snprintf(rec.id, sizeof rec.id, "%s", id);
    snprintf(rec.kind, sizeof rec.kind, "qa_sample");
    snprintf(rec.item_id, sizeof rec.item_id, "%s", sp->item_id);
    snprintf(rec.team, sizeof rec.team, "%s", sp->team);
    snprintf(rec.author, sizeof rec.author, "hub");
    snprintf(rec.owner, sizeof rec.owner, "%s", sp->owner && *sp->owner ? sp->owner : info.completed_by);
    snprintf(rec.status, sizeof rec.status, "open");
    rec.created = rec.updated = now;
    rec.hlc = hlc;
    int64_t rev = nx_hub_record_put(h, &rec, "");
    nx_record_clear(&rec);
    if (rev < 0)
        return nx_err(err, errlen, "QA: cannot store sample %s: %s", id, nx_hub_errmsg(h));
    char why[128];
    snprintf(why, sizeof why, "QA sample %s drawn (%s): rule %s period %s", id, sp->drawn,
             sp->r->name, sp->period);
    nx_hub_event ev = { .action = NX_HUB_ACT_QA_SAMPLE, .item = sp->item_id, .reason = why,
                        .at = now };
    return nx_hub_audit(h, &ev, err, errlen) == 0 ? 1 : -1;
}

/* ---- live: percentage rules --------------------------------------------------------------- */

int nx_hub_qa_step(nx_hub *h, const nx_item *it, int64_t at, const char *who, int64_t now,
                   nx_hlc hlc, int *sampled, char *err, size_t errlen)
{
    if (sampled)
        *sampled = 0;
    const nx_qa_rule *r;
    for (size_t i = 0; (r = nx_qa_rule_at(i)) != NULL; i++) {
        if (r->kind != it->kind || r->mode != NX_QA_PERCENT || !nx_qa_is_event(r, it->status))
            continue;
        char period[NX_QA_PERIOD_MAX];
        unsigned char seed[NX_QA_SEED_BYTES];
        if (nx_qa_period_of(r, at, period, sizeof period) != 0)
            return nx_err(err, errlen, "QA: no %s period for item %s", r->name, it->id);
        if (nx_hub_qa_seed_ensure(h, r, period, seed, err, errlen) < 0)
            return -1;
        int in = nx_qa_decide(seed, it->id, r->rate_ppm);
        sodium_memzero(seed, sizeof seed);
        if (!in)
            continue;
        sample_spec sp = { r, period, it->id, it->team, it->assignee, who, at, "live" };
        int put = put_sample(h, &sp, now, hlc, err, errlen);
        if (put < 0)
            return -1;
        if (put && sampled)
            *sampled = 1;
    }
    return 0;
}

/* ---- drawing a period ------------------------------------------------------------------------- */

typedef struct {
    char **ids;
    size_t n, cap;
} id_list;

static int collect(void *arg, const char *id)
{
    id_list *l = arg;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        char **p = realloc(l->ids, cap * sizeof *p);
        if (!p)
            return -1;
        l->ids = p;
        l->cap = cap;
    }
    if (!(l->ids[l->n] = strdup(id)))
        return -1;
    l->n++;
    return 0;
}

static void id_list_free(id_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->ids[i]);
    free(l->ids);
    memset(l, 0, sizeof *l);
}

/* The item's first event transition of rule r in [start, end): who and
 * when. 1 found, 0 none, -1. */
static int first_event(nx_hub *h, const nx_qa_rule *r, const char *item_id, int64_t start,
                       int64_t end, char *who, size_t wholen, int64_t *at)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(nx_hub_db(h),
                           "SELECT user, at, to_status FROM transitions WHERE item_id = ?1"
                           " AND at >= ?2 AND at < ?3 ORDER BY at, id",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, item_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, start);
    sqlite3_bind_int64(st, 3, end);
    int rc, found = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!nx_qa_is_event(r, (const char *)sqlite3_column_text(st, 2)))
            continue;
        const unsigned char *u = sqlite3_column_text(st, 0);
        snprintf(who, wholen, "%s", u ? (const char *)u : "");
        *at = sqlite3_column_int64(st, 1);
        found = 1;
        break;
    }
    sqlite3_finalize(st);
    return found || rc == SQLITE_DONE ? found : -1;
}

int nx_hub_qa_draw(nx_hub *h, const char *rule, const char *period, int64_t now, nx_hlc hlc,
                   size_t *put, char *err, size_t errlen)
{
    if (put)
        *put = 0;
    if (errlen)
        err[0] = '\0';
    const nx_qa_rule *r = nx_qa_rule_find(rule);
    int64_t start, end;
    if (!r || nx_qa_period_bounds(r, period, &start, &end) != 0)
        return nx_err(err, errlen, "QA: '%s' is not a period of rule '%s'", period ? period : "",
                      rule ? rule : "");
    if (r->mode == NX_QA_COUNT && end > now)
        return nx_err(err, errlen, "QA: period %s of rule %s has not ended: a fixed-count "
                                   "sample is drawn at the end of its period", period, r->name);
    id_list l = { 0 };
    int rc = nx_hub_qa_sample_in(h, r->name, period, NULL, collect, &l, NULL, err, errlen);
    if (rc != 0 && !err[0])
        nx_err(err, errlen, "QA: out of memory");
    for (size_t i = 0; rc == 0 && i < l.n; i++) {
        nx_item_rec it;
        char who[NX_NAME_MAX] = "";
        int64_t at = 0;
        if (nx_store_item_get(nx_hub_store(h), l.ids[i], &it) != 1 ||
            first_event(h, r, l.ids[i], start, end, who, sizeof who, &at) != 1) {
            rc = nx_err(err, errlen, "QA: cannot read item %s of the sample", l.ids[i]);
            break;
        }
        sample_spec sp = { r, period, it.id, it.team, it.assignee, who, at,
                           r->mode == NX_QA_COUNT ? "period-end" : "live" };
        int p = put_sample(h, &sp, now, hlc, err, errlen);
        if (p < 0)
            rc = -1;
        else if (p && put)
            (*put)++;
    }
    id_list_free(&l);
    return rc;
}

/* ---- end of period: fixed-count rules ------------------------------------------------------- */

static void drawn_key(const nx_qa_rule *r, const char *period, char *key, size_t len)
{
    snprintf(key, len, "qa_drawn:%s:%s", r->name, period);
}

int nx_hub_qa_due(nx_hub *h, int64_t now, int grace_hours, const nx_qa_rule **rule,
                  char period[NX_QA_PERIOD_MAX])
{
    const nx_qa_rule *r;
    int64_t grace = (int64_t)(grace_hours > 0 ? grace_hours : NX_HUB_GRACE_HOURS) * 3600;
    for (size_t i = 0; (r = nx_qa_rule_at(i)) != NULL; i++) {
        if (r->mode != NX_QA_COUNT)
            continue;
        char p[NX_QA_PERIOD_MAX];
        int64_t start, end, t = now;
        /* The two periods before the one holding now. */
        for (int back = 0; back < 3; back++) {
            if (nx_qa_period_of(r, t, p, sizeof p) != 0 ||
                nx_qa_period_bounds(r, p, &start, &end) != 0)
                return -1;
            t = start - 1;
            if (back == 0 || end + grace > now)
                continue;
            char key[64], v[32];
            drawn_key(r, p, key, sizeof key);
            int f = nx_store_meta_get(nx_hub_store(h), key, v, sizeof v);
            if (f < 0)
                return -1;
            if (f == 0) {
                *rule = r;
                snprintf(period, NX_QA_PERIOD_MAX, "%s", p);
                return 1;
            }
        }
    }
    return 0;
}

/* 1 when the period holds a candidate of the rule, 0, -1: an empty period
 * is marked without drawing a seed for it. Asked per event status through
 * transitions_status (to_status, at): the first session after a period's
 * end runs this before its first frame is answered, and a scan of every
 * transition by time was most of a cold hub's first 0.2 s. */
static int has_candidates(nx_hub *h, const nx_qa_rule *r, const char *period)
{
    int64_t start, end;
    if (nx_qa_period_bounds(r, period, &start, &end) != 0)
        return -1;
    const char *one[2] = { r->event_status, NULL };
    const char *const *events = one;
    if (!r->event_status) {
        const nx_wf_machine *m = nx_workflow_machine(r->kind);
        if (!m)
            return -1;
        events = m->statuses;
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(nx_hub_db(h),
                           "SELECT EXISTS (SELECT 1 FROM transitions AS t"
                           " INDEXED BY transitions_status JOIN items AS i ON i.id = t.item_id"
                           " WHERE t.to_status = ?4 AND t.at >= ?2 AND t.at < ?3 AND i.kind = ?1)",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, nx_kind_name(r->kind), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, start);
    sqlite3_bind_int64(st, 3, end);
    int found = 0, failed = 0;
    for (size_t i = 0; events[i] && !found && !failed; i++) {
        if (!nx_qa_is_event(r, events[i]))
            continue;
        sqlite3_bind_text(st, 4, events[i], -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            found = sqlite3_column_int(st, 0) != 0;
        else
            failed = 1;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return failed ? -1 : found;
}

int nx_hub_qa_draw_mark(nx_hub *h, const nx_qa_rule *rule, const char *period, int64_t now,
                        nx_hlc hlc, size_t *put, char *err, size_t errlen)
{
    if (put)
        *put = 0;
    int any = has_candidates(h, rule, period);
    if (any < 0)
        return nx_err(err, errlen, "QA: cannot read the transitions: %s", nx_hub_errmsg(h));
    if (any && nx_hub_qa_draw(h, rule->name, period, now, hlc, put, err, errlen) != 0)
        return -1;
    char key[64], v[32];
    drawn_key(rule, period, key, sizeof key);
    snprintf(v, sizeof v, "%lld", (long long)now);
    if (nx_store_meta_set(nx_hub_store(h), key, v) != 0)
        return nx_err(err, errlen, "QA: cannot mark %s drawn: %s", period, nx_hub_errmsg(h));
    return 0;
}

int nx_hub_qa_sampled(nx_hub *h, const char *item_id)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(nx_hub_db(h),
                           "SELECT 1 FROM records WHERE item_id = ?1 AND kind = 'qa_sample'"
                           " LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, item_id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* ---- the sync server's hooks ------------------------------------------------------------------ */

static nx_hlc srv_clock(nx_srv *s)
{
    return nx_hlc_tick(&s->hlc, nx_hlc_wall_ms());
}

int srv_qa_step(nx_srv *s, const nx_item *it, int64_t at, const char *who)
{
    /* A failure is the store's: the op fails with it (serve.c says nothing
     * on stderr, which sshd may log). */
    char err[NX_HUB_ERR_MAX] = "";
    return nx_hub_qa_step(s->h, it, at, who, srv_now(), srv_clock(s), NULL, err, sizeof err);
}

int srv_qa_round(nx_srv *s)
{
    int64_t now = srv_now();
    const nx_qa_rule *r;
    char period[NX_QA_PERIOD_MAX], err[NX_HUB_ERR_MAX] = "";
    int due;
    while ((due = nx_hub_qa_due(s->h, now, s->set.effective_grace_hours, &r, period)) == 1) {
        if (srv_tx(s) != 0 ||
            nx_hub_qa_draw_mark(s->h, r, period, now, srv_clock(s), NULL, err, sizeof err) != 0)
            return -1;
    }
    return due < 0 ? -1 : 0;
}

int srv_qa_shadow(nx_srv *s, const srv_op *op, const nx_item *it, srv_result *r)
{
    switch (op->kind) {
    case NX_OP_SET: case NX_OP_ADD: case NX_OP_STATUS:
    case NX_OP_NOTE: case NX_OP_ATTEMPT: case NX_OP_ATTACH:
        break;
    default:
        return 0;                 /* assign, resolve: the supervisor's own acts */
    }
    if (it->assignee[0] && strcmp(it->assignee, s->user) == 0)
        return 0;
    int sampled = nx_hub_qa_sampled(s->h, it->id);
    if (sampled <= 0)
        return sampled;
    snprintf(r->reason, sizeof r->reason,
             "item %s is under QA review: only its assignee changes it (nobody enters data "
             "under another user's id)", it->id);
    r->outcome = SRV_REJECTED;
    return 1;
}

int srv_qa_review_effect(nx_srv *s, const nx_record *prev, const nx_record *next, char *err,
                         size_t errlen)
{
    (void)prev;
    nx_qa_review_body b;
    nx_qa_sample_info info;
    nx_record sample;
    char why[160];
    if (nx_qa_review_parse(next->body, &b, why, sizeof why) != 0) {
        sodium_memzero(&b, sizeof b);
        nx_err(err, errlen, "record %s: %s", next->id, why);
        return 1;
    }
    char sample_id[40];
    snprintf(sample_id, sizeof sample_id, "%s", b.sample);
    sodium_memzero(&b, sizeof b);
    int found = nx_hub_record_get(s->h, sample_id, &sample);
    if (found < 0)
        return -1;
    int rc = 1;
    if (!found || strcmp(sample.kind, "qa_sample") != 0)
        nx_err(err, errlen, "record %s: no QA sample %s on the hub", next->id, sample_id);
    else if (strcmp(sample.status, "open") != 0)
        nx_err(err, errlen, "record %s: sample %s is already %s", next->id, sample_id,
               sample.status);
    else if (strcmp(sample.item_id, next->item_id) != 0 || strcmp(sample.team, next->team) != 0 ||
             strcmp(sample.owner, next->owner) != 0)
        nx_err(err, errlen, "record %s: the review's item, team or agent is not its sample's",
               next->id);
    else if (nx_qa_sample_parse(sample.body, &info, why, sizeof why) != 0)
        nx_err(err, errlen, "record %s: sample %s: %s", next->id, sample_id, why);
    else if (strcmp(info.completed_by, s->user) == 0)
        nx_err(err, errlen, "record %s: nobody reviews their own work", next->id);
    else {
        snprintf(sample.status, sizeof sample.status, "reviewed");
        sample.updated = next->updated;
        sample.hlc = next->hlc;
        rc = nx_hub_record_put(s->h, &sample, "") < 0 ? -1 : 0;
    }
    if (found)
        nx_record_clear(&sample);
    return rc;
}

int srv_capa_effect(nx_srv *s, const nx_record *prev, const nx_record *next, char *err,
                    size_t errlen)
{
    if (!prev || strcmp(prev->owner, next->owner) != 0) {
        nx_hub_user u;
        int f = srv_token_ok(next->owner) ? nx_hub_user_get(s->h, next->owner, &u) : 0;
        if (f < 0)
            return -1;
        if (!f || u.revoked_at) {
            nx_err(err, errlen, "record %s: the owner is not an active user", next->id);
            return 1;
        }
        if (s->role == NX_ROLE_SUPERVISOR && strcmp(u.team, next->team) != 0) {
            nx_err(err, errlen, "record %s: the owner %s is not in team %s", next->id,
                   next->owner, next->team);
            return 1;
        }
    }
    if (!prev && next->item_id[0]) {
        nx_item_rec it;
        int f = nx_store_item_get(nx_hub_store(s->h), next->item_id, &it);
        if (f < 0)
            return -1;
        if (!f || strcmp(it.team, next->team) != 0) {
            nx_err(err, errlen, "record %s: item %s is not of team %s", next->id,
                   next->item_id, next->team);
            return 1;
        }
    }
    return 0;
}

/* ---- nexus-hub qa draw ----------------------------------------------------------------------- */

int nx_hub_qa_draw_main(int argc, char **argv)
{
    static const char *const names[] = { "--store", "--key-file", "--rule", "--period" };
    enum { N = sizeof names / sizeof names[0] };
    const char *val[N] = { 0 };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *eq = strchr(a, '=');
        size_t nl = eq ? (size_t)(eq - a) : strlen(a);
        int k;
        for (k = 0; k < N; k++)
            if (strlen(names[k]) == nl && strncmp(names[k], a, nl) == 0)
                break;
        if (k == N || val[k] || (!eq && i + 1 >= argc)) {
            fprintf(stderr, "nexus-hub qa draw: usage: qa draw --store DIR --rule R --period P\n");
            return 2;
        }
        val[k] = eq ? eq + 1 : argv[++i];
    }
    if (!val[0] || !val[2] || !val[3]) {
        fprintf(stderr, "nexus-hub qa draw: --store, --rule and --period are required\n");
        return 2;
    }
    char err[NX_HUB_ERR_MAX] = "";
    nx_hub *h;
    if (nx_hub_open(val[0], val[1], &h, err, sizeof err) != 0) {
        fprintf(stderr, "nexus-hub qa draw: %s\n", err);
        return 1;
    }
    size_t put = 0;
    int64_t now = nx_now();
    nx_hlc clock = 0;
    int rc = nx_hub_begin(h);
    if (rc != 0)
        snprintf(err, sizeof err, "cannot start a transaction: %s", nx_hub_errmsg(h));
    else if ((rc = nx_hub_qa_draw(h, val[2], val[3], now, nx_hlc_tick(&clock, nx_hlc_wall_ms()),
                                  &put, err, sizeof err)) != 0)
        nx_hub_rollback(h);
    else if ((rc = nx_hub_commit(h)) != 0) {
        snprintf(err, sizeof err, "cannot commit: %s", nx_hub_errmsg(h));
        nx_hub_rollback(h);
    }
    nx_hub_close(h);
    if (rc != 0) {
        fprintf(stderr, "nexus-hub qa draw: %s\n", err);
        return 1;
    }
    printf("%zu new QA sample%s for %s %s\n", put, put == 1 ? "" : "s", val[2], val[3]);
    return 0;
}
