/* The audit review's model (session_oversight.h): the events of this
 * laptop's chain, of every device the hub sent and of the hub's own
 * chain, filtered and paged;
 * each chain's state; the accounting of disclosures of one patient. Read
 * only, except the `view` events that record the review itself. */
#include "session/session_oversight.h"
#include "session/session_int.h"
#include "domain/deadlines.h"
#include "store/audit_review.h"
#include "store/audit_store.h"
#include "store/device_events.h"
#include "store/hub_events.h"
#include "util/util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIELD_AUDIT "audit"
#define FIELD_DISCLOSURES "disclosures"

static int may_audit(nx_session *s, const char *item, const char *field, char *err,
                     size_t errlen)
{
    if (nx_policy_allows(s->policy, s->role, NX_ACTION_AUDIT))
        return 0;
    sess_refused(s, NX_AUDIT_VIEW, item, field);
    return nx_err(err, errlen, "the audit review is for the privacy and security officers "
                  "and auditors; your role (%s) may not open it", nx_role_name(s->role));
}

/* A view event, before what it records is shown (no access without audit). */
static int log_view(nx_session *s, const char *item, const char *field, char *err,
                    size_t errlen)
{
    nx_audit_event e = { .action = NX_AUDIT_VIEW, .item_id = item, .field = field,
                         .at = nx_session_now(s) };
    return nx_profile_audit(s->profile, &e, err, errlen) < 0 ? -1 : 0;
}

int nx_session_audit_open(nx_session *s, char *err, size_t errlen)
{
    if (may_audit(s, NULL, FIELD_AUDIT, err, errlen) != 0)
        return -1;
    return log_view(s, NULL, FIELD_AUDIT, err, errlen);
}

nx_audit_mark nx_audit_review_mark(const char *action, const char *outcome)
{
    if (action && strcmp(action, nx_audit_action_name(NX_AUDIT_REVEAL)) == 0)
        return NX_AUDIT_MARK_REVEAL;
    if ((outcome && strcmp(outcome, nx_audit_outcome_name(NX_AUDIT_OUTCOME_FAILED)) == 0) ||
        (action && strcmp(action, nx_audit_action_name(NX_AUDIT_UNLOCK_FAILED)) == 0))
        return NX_AUDIT_MARK_FAILED;
    return NX_AUDIT_MARK_NONE;
}

/* ---- time ranges --------------------------------------------------------------------- */

static int parse_day(const char *tz, const char *text, size_t len, int64_t *start,
                     int64_t *next)
{
    char day[11];
    if (len != 10)
        return -1;
    memcpy(day, text, 10);
    day[10] = '\0';
    for (int i = 0; i < 10; i++)
        if ((i == 4 || i == 7) ? day[i] != '-' : (day[i] < '0' || day[i] > '9'))
            return -1;
    if (nx_local_parse(tz, day, start, NULL, 0) != 0)
        return -1;
    return nx_clock_day_bounds(tz, *start, NULL, next, NULL, 0);
}

int nx_audit_parse_range(const char *text, const char *tz, int64_t now, int64_t *from,
                         int64_t *to, char *err, size_t errlen)
{
    if (!tz || !*tz)
        tz = "UTC";
    *from = *to = 0;
    while (*text == ' ')
        text++;
    size_t len = strlen(text);
    while (len && text[len - 1] == ' ')
        len--;
    if (len == 0)
        return 0;
    static const char *const usage =
        "time: a day (2026-03-01), a range of days (2026-03-01..2026-03-02), or the last "
        "hours or days (24h, 7d)";
    char unit = text[len - 1];
    if ((unit == 'h' || unit == 'd') && len >= 2 && len <= 6) {
        int64_t n = 0;
        for (size_t i = 0; i + 1 < len; i++) {
            if (text[i] < '0' || text[i] > '9')
                return nx_err(err, errlen, "%s", usage);
            n = n * 10 + (text[i] - '0');
        }
        if (n <= 0)
            return nx_err(err, errlen, "%s", usage);
        *from = now - n * (unit == 'h' ? 3600 : 86400);
        return 0;
    }
    const char *dots = strstr(text, "..");
    int64_t a0, a1, b0, b1;
    if (!dots) {
        if (parse_day(tz, text, len, &a0, &a1) != 0)
            return nx_err(err, errlen, "%s", usage);
        *from = a0;
        *to = a1;
        return 0;
    }
    size_t la = (size_t)(dots - text);
    if (dots + 2 > text + len || parse_day(tz, text, la, &a0, &a1) != 0 ||
        parse_day(tz, dots + 2, len - la - 2, &b0, &b1) != 0)
        return nx_err(err, errlen, "%s", usage);
    if (b1 <= a0)
        return nx_err(err, errlen, "time: the second day comes before the first");
    *from = a0;
    *to = b1;
    return 0;
}

/* ---- events ------------------------------------------------------------------------------- */

static void to_store_filter(const nx_session *s, const nx_audit_filter *f, nx_review_filter *out)
{
    memset(out, 0, sizeof *out);
    out->own_device = s->profile->audit.device;
    if (f) {
        out->user = f->user;
        out->item_id = f->item;
        out->action = f->action;
        out->from = f->from;
        out->to = f->to;
    }
}

int64_t nx_session_audit_count(nx_session *s, const nx_audit_filter *f, char *err,
                               size_t errlen)
{
    if (!nx_policy_allows(s->policy, s->role, NX_ACTION_AUDIT))
        return nx_err(err, errlen, "your role may not read the audit trail");
    nx_review_filter rf;
    to_store_filter(s, f, &rf);
    int64_t n = nx_review_count(s->profile->store, &rf);
    if (n < 0)
        nx_err(err, errlen, "audit review: cannot count the events (%s)",
               nx_store_errmsg(s->profile->store));
    return n;
}

typedef struct {
    nx_audit_view_row *out;
    size_t max, n;
} page_ctx;

static int page_row(void *ctx, const nx_review_row *r)
{
    page_ctx *p = ctx;
    if (p->n == p->max)
        return 1;
    nx_audit_view_row *o = &p->out[p->n++];
    memset(o, 0, sizeof *o);
    o->local = r->local;
    o->hub = r->hub;
    o->seq = r->seq;
    o->at = r->at;
    o->hub_seq = r->hub_seq;
    snprintf(o->device, sizeof o->device, "%s", r->device);
    snprintf(o->user, sizeof o->user, "%s", r->user);
    snprintf(o->role, sizeof o->role, "%s", r->role);
    snprintf(o->action, sizeof o->action, "%s", r->action);
    snprintf(o->outcome, sizeof o->outcome, "%s", r->outcome);
    snprintf(o->item_id, sizeof o->item_id, "%s", r->item_id);
    snprintf(o->field, sizeof o->field, "%s", r->field);
    snprintf(o->reason, sizeof o->reason, "%s", r->reason);
    o->mark = nx_audit_review_mark(r->action, r->outcome);
    return 0;
}

int nx_session_audit_page(nx_session *s, const nx_audit_filter *f, size_t offset, size_t max,
                          nx_audit_view_row *out, size_t *n, char *err, size_t errlen)
{
    *n = 0;
    if (!nx_policy_allows(s->policy, s->role, NX_ACTION_AUDIT))
        return nx_err(err, errlen, "your role may not read the audit trail");
    if (max == 0)
        return 0;
    nx_review_filter rf;
    to_store_filter(s, f, &rf);
    page_ctx p = { out, max, 0 };
    int rc = nx_review_events(s->profile->store, &rf, offset, max, page_row, &p);
    *n = p.n;
    if (rc < 0) {
        nx_audit_rows_wipe(out, p.n);
        *n = 0;
        return nx_err(err, errlen, "audit review: cannot read the events (%s)",
                      nx_store_errmsg(s->profile->store));
    }
    return 0;
}

void nx_audit_rows_wipe(nx_audit_view_row *rows, size_t n)
{
    if (rows && n)
        sodium_memzero(rows, n * sizeof rows[0]);
}

/* ---- chains ------------------------------------------------------------------------------- */

typedef struct {
    nx_audit_chain_view *v;
    size_t n, cap;
    const char *own;
} chain_list;

static nx_audit_chain_view *chain_add(chain_list *l)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        nx_audit_chain_view *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return NULL;
        l->v = v;
        l->cap = cap;
    }
    nx_audit_chain_view *c = &l->v[l->n++];
    memset(c, 0, sizeof *c);
    return c;
}

static int device_cb(void *arg, const char *device, int64_t events, int64_t last_at)
{
    (void)events;
    (void)last_at;
    chain_list *l = arg;
    if (strcmp(device, l->own) == 0)
        return 0;   /* this laptop's: its own chain is walked with the key */
    nx_audit_chain_view *c = chain_add(l);
    if (!c)
        return 1;
    snprintf(c->device, sizeof c->device, "%s", device);
    return 0;
}

int nx_session_audit_chains(nx_session *s, nx_audit_chain_view **out, size_t *n, char *err,
                            size_t errlen)
{
    *out = NULL;
    *n = 0;
    if (!nx_policy_allows(s->policy, s->role, NX_ACTION_AUDIT))
        return nx_err(err, errlen, "your role may not read the audit trail");
    nx_store *st = s->profile->store;
    chain_list l = { .own = s->profile->audit.device };
    nx_audit_chain_view *me = chain_add(&l);
    if (!me)
        return nx_err(err, errlen, "out of memory");
    me->local = 1;
    snprintf(me->device, sizeof me->device, "%s", s->profile->audit.device);
    uint64_t head_seq = 0, events = 0, bad = 0;
    unsigned char head_hash[NX_HEAD_HASH_BYTES];
    nx_vault_head(s->profile->vault, &head_seq, head_hash);
    char why[256] = "";
    if (nx_audit_verify(st, &s->profile->audit, head_seq, head_hash, &events, &bad, why,
                        sizeof why) != 0) {
        me->broken_at = bad ? (int64_t)bad : 1;
        me->breaks = 1;
        snprintf(me->why, sizeof me->why, "%s", why);
    }
    me->verified_upto = (int64_t)events;
    int64_t total = nx_store_audit_count(st);
    me->events = total > 0 ? total : (int64_t)events;
    sodium_memzero(head_hash, sizeof head_hash);

    /* The hub's own chain: links only (its MACs need the hub's key). */
    nx_audit_chain_view *hub = chain_add(&l);
    nx_devev_chain hc;
    if (!hub) {
        free(l.v);
        return nx_err(err, errlen, "out of memory");
    }
    if (nx_hubev_chain_check(st, &hc) != 0) {
        free(l.v);
        return nx_err(err, errlen, "audit review: cannot check the hub's chain");
    }
    hub->hub = 1;
    snprintf(hub->device, sizeof hub->device, "hub");
    hub->events = hc.events;
    hub->verified_upto = hc.verified_upto;
    hub->broken_at = hc.broken_at;
    hub->breaks = hc.breaks;
    if (hc.broken_at)
        snprintf(hub->why, sizeof hub->why, "%s", nx_chain_why_text(hc.why));
    size_t first_device = l.n;

    int rc = nx_devev_devices(st, device_cb, &l);
    if (rc != 0) {
        free(l.v);
        return nx_err(err, errlen, rc > 0 ? "out of memory"
                                          : "audit review: cannot list the devices");
    }
    for (size_t i = first_device; i < l.n; i++) {
        nx_audit_chain_view *c = &l.v[i];
        nx_devev_chain ch;
        if (nx_devev_chain_check(st, c->device, &ch) != 0) {
            free(l.v);
            return nx_err(err, errlen, "audit review: cannot check device %.16s's chain",
                          c->device);
        }
        c->events = ch.events;
        c->verified_upto = ch.verified_upto;
        c->broken_at = ch.broken_at;
        c->breaks = ch.breaks;
        if (ch.broken_at)
            snprintf(c->why, sizeof c->why, "%s", nx_chain_why_text(ch.why));
    }
    *out = l.v;
    *n = l.n;
    return 0;
}

/* ---- the accounting of disclosures ------------------------------------------------------- */

typedef struct {
    nx_session *s;
    nx_disclosure_view *v;
    size_t n, cap;
    const nx_field_def *f_name, *f_addr, *f_desc, *f_purpose;
} discl_list;

static void shown(const nx_session *s, const nx_field_def *f, const char *value, char *out,
                  size_t outlen)
{
    if (!f || nx_mask(s->policy, s->role, f, value, NX_MASK_SHOW, out, outlen) ==
                  NX_LEVEL_HIDDEN)
        snprintf(out, outlen, "(hidden)");
}

static int discl_row(void *ctx, const nx_review_disclosure *d)
{
    discl_list *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        nx_disclosure_view *v = calloc(cap, sizeof *v);
        if (!v)
            return 1;
        if (l->n)
            memcpy(v, l->v, l->n * sizeof *v);
        nx_disclosure_views_free(l->v, l->n);
        l->v = v;
        l->cap = cap;
    }
    nx_disclosure_view *o = &l->v[l->n++];
    o->at = d->at;
    snprintf(o->item_id, sizeof o->item_id, "%s", d->item_id);
    snprintf(o->user, sizeof o->user, "%s", d->user);
    shown(l->s, l->f_name, d->recipient_name, o->recipient, sizeof o->recipient);
    shown(l->s, l->f_addr, d->recipient_address, o->address, sizeof o->address);
    shown(l->s, l->f_desc, d->description, o->description, sizeof o->description);
    shown(l->s, l->f_purpose, d->purpose, o->purpose, sizeof o->purpose);
    return 0;
}

int nx_session_disclosures(nx_session *s, const char *patient_id, nx_disclosure_view **out,
                           size_t *n, int64_t *held, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    *held = 0;
    if (!patient_id || !nx_audit_token_ok(patient_id, NX_AUDIT_ID_MAX))
        return nx_err(err, errlen, "accounting of disclosures: give a patient id (letters, "
                      "digits, . _ : -)");
    if (may_audit(s, patient_id, FIELD_DISCLOSURES, err, errlen) != 0)
        return -1;
    if (log_view(s, patient_id, FIELD_DISCLOSURES, err, errlen) != 0)
        return -1;
    nx_store *st = s->profile->store;
    discl_list l = { .s = s,
                     .f_name = nx_dict_find(s->dict, "recipient_name"),
                     .f_addr = nx_dict_find(s->dict, "recipient_address"),
                     .f_desc = nx_dict_find(s->dict, "auth_scope"),
                     .f_purpose = nx_dict_find(s->dict, "auth_purpose") };
    int rc = nx_review_disclosures(st, patient_id, discl_row, &l);
    if (rc != 0) {
        nx_disclosure_views_free(l.v, l.n);
        if (rc > 0)
            return nx_err(err, errlen, "out of memory");
        return nx_err(err, errlen, "accounting of disclosures: cannot read patient %s's "
                      "entries", patient_id);
    }
    int64_t h = nx_review_disclosures_held(st);
    *held = h > 0 ? h : 0;
    *out = l.v;
    *n = l.n;
    return 0;
}

void nx_disclosure_views_free(nx_disclosure_view *v, size_t n)
{
    if (!v)
        return;
    sodium_memzero(v, n * sizeof v[0]);
    free(v);
}
