/* hub/pull — the answer to PULL: what changed since the client's cursor,
 * only what this user may see and, of each item, only what this role may
 * hold (DESIGN invariant 4: a hidden field never leaves the hub).
 *
 * Two phases. In the round's write transaction (so the ops just merged and
 * the snapshot agree): take the revision snapshot, walk the changed items in
 * restoration order (open by due time, then recently closed; never the
 * archive: nx_hub_items_since), sort them into "send" and, for items this
 * device holds but may no longer see, "drop" (reassigned, role, closed),
 * update what the device holds, audit what is sent; commit. Then stream:
 * CLIENT records, one ITEM per item read back in short read transactions
 * (so other sessions are not locked out while a slow client reads 100 000
 * items), DROPs, for an oversight role the devices' audit events, END
 * with the snapshot as the new cursor.
 *
 * What an ITEM carries is serve_item.c's; the audit events pull_audit.c's. */
#include "hub/serve.h"
#include "util/util.h"

#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- phase 1: decide ----------------------------------------------------------------- */

static int push_send(pull_ctx *c, const nx_item_rec *it, int64_t row)
{
    if (c->nsend == c->capsend) {
        size_t nc = c->capsend ? c->capsend * 2 : 256;
        void *p = realloc(c->send, nc * sizeof *c->send);
        if (!p)
            return -1;
        c->send = p;
        c->capsend = nc;
    }
    pull_item *p = &c->send[c->nsend++];
    size_t ni = strnlen(it->id, sizeof p->id - 1);
    size_t nc = strnlen(it->client_id, sizeof p->client - 1);
    memcpy(p->id, it->id, ni);
    p->id[ni] = '\0';
    memcpy(p->client, it->client_id, nc);
    p->client[nc] = '\0';
    p->row = row;
    int k = nx_kind_parse(it->kind);
    if (k >= 0)
        c->kinds_sent[k] = 1;
    return 0;
}

static int push_drop(pull_ctx *c, const char *id, const char *reason)
{
    for (size_t i = 0; i < c->ndrop; i++)
        if (strcmp(c->drop[i].id, id) == 0)
            return 0;
    if (c->ndrop == c->capdrop) {
        size_t nc = c->capdrop ? c->capdrop * 2 : 16;
        void *p = realloc(c->drop, nc * sizeof *c->drop);
        if (!p)
            return -1;
        c->drop = p;
        c->capdrop = nc;
    }
    snprintf(c->drop[c->ndrop].id, sizeof c->drop[c->ndrop].id, "%s", id);
    c->drop[c->ndrop++].reason = reason;
    return 0;
}

int srv_pull_visible(const pull_ctx *c, const nx_item_rec *it)
{
    return (c->may_view || c->counts_only) && nx_kind_parse(it->kind) >= 0 &&
           srv_in_scope(c->s, it->assignee, it->team);
}

static int walk_cb(void *arg, const nx_item_rec *it, int64_t rev, int64_t row)
{
    (void)rev;
    pull_ctx *c = arg;
    if (srv_pull_visible(c, it))
        return push_send(c, it, row) == 0 ? 0 : -1;
    int held = nx_hub_device_item_has(c->s->h, c->s->device, it->id);
    if (held < 0)
        return -1;
    if (held)
        return push_drop(c, it->id,
                         c->role_changed || !(c->may_view || c->counts_only) ? "role"
                                                                             : "reassigned");
    return 0;
}

/* ---- QA samples outlive the archive for their reviewers -------------------------------
 * A supervisor shadows a sampled item as it was completed (issue 6), but
 * a fixed-count rule draws at the end of its period (ROI: monthly), when
 * most of its items closed more than keep_closed_days ago and left the
 * laptop. So an item with an open sample the user may see stays on (or
 * comes back to) the reviewer's laptop until the review is written; then
 * the laptop's own purge lets it go (core/store/sync_store.c). */

static int sampled_cb(void *arg, const nx_record *r, int64_t rev)
{
    (void)rev;
    pull_ctx *c = arg;
    nx_srv *s = c->s;
    if (!r->item_id[0] || !nx_record_visible(r, s->role, s->user, s->team))
        return 0;
    if (c->nsampled == c->capsampled) {
        size_t nc = c->capsampled ? c->capsampled * 2 : 16;
        void *p = realloc(c->sampled, nc * sizeof *c->sampled);
        if (!p)
            return -1;
        c->sampled = p;
        c->capsampled = nc;
    }
    snprintf(c->sampled[c->nsampled++], NX_ID_MAX, "%s", r->item_id);
    return 0;
}

/* The items of the open samples this user may see (a supervisor's). */
static int sampled_items(pull_ctx *c)
{
    if (c->s->role != NX_ROLE_SUPERVISOR)
        return 0;
    /* open samples only, from the index: a supervisor polls every minute */
    return nx_hub_records_in(c->s->h, "qa_sample", "open", sampled_cb, c) == 0 ? 0 : -1;
}

static int is_sampled(const pull_ctx *c, const char *id)
{
    for (size_t i = 0; i < c->nsampled; i++)
        if (strcmp(c->sampled[i], id) == 0)
            return 1;
    return 0;
}

/* Sampled items gone to the archive that the device does not hold: sent. */
static int send_sampled(pull_ctx *c)
{
    for (size_t i = 0; i < c->nsampled; i++) {
        const char *id = c->sampled[i];
        int archived = nx_hub_item_archived(c->s->h, id, c->now);
        int held = archived == 1 ? nx_hub_device_item_has(c->s->h, c->s->device, id) : 1;
        if (archived < 0 || held < 0)
            return -1;
        if (held)
            continue;
        nx_item it;
        int found = srv_item_load(c->s, id, &it);
        if (found < 0)
            return -1;
        if (!found)
            continue;
        nx_item_rec r;
        memset(&r, 0, sizeof r);
        snprintf(r.id, sizeof r.id, "%s", it.id);
        snprintf(r.kind, sizeof r.kind, "%s", nx_kind_name(it.kind));
        snprintf(r.client_id, sizeof r.client_id, "%s", it.client_id);
        snprintf(r.assignee, sizeof r.assignee, "%s", it.assignee);
        snprintf(r.team, sizeof r.team, "%s", it.team);
        nx_item_free(&it);
        if (srv_pull_visible(c, &r) && push_send(c, &r, 0) != 0)
            return -1;
    }
    return 0;
}

static int expired_cb(void *arg, const char *id)
{
    pull_ctx *c = arg;
    if (is_sampled(c, id))
        return 0;                      /* kept for its review */
    return push_drop(c, id, "closed") == 0 ? 0 : -1;
}

static int held_cb(void *arg, const char *id)
{
    return push_drop(arg, id, "role") == 0 ? 0 : -1;
}

static int cmp_kf(const void *a, const void *b)
{
    return strcmp(((const kind_field *)a)->f->id, ((const kind_field *)b)->f->id);
}

static void kind_tables(pull_ctx *c)
{
    const nx_srv *s = c->s;
    for (int k = 0; k < NX_KIND_COUNT; k++) {
        const nx_field_def *defs[128];
        size_t n = nx_dict_fields_of(s->dict, (nx_kind)k, defs, 128);
        if (n > 128)
            n = 128;
        c->nkf[k] = 0;
        for (size_t i = 0; i < n; i++) {
            nx_level lv = nx_policy_level(s->policy, s->role, defs[i]);
            if (lv == NX_LEVEL_HIDDEN)
                continue;
            c->kf[k][c->nkf[k]].f = defs[i];
            c->kf[k][c->nkf[k]++].level = lv;
        }
        qsort(c->kf[k], c->nkf[k], sizeof c->kf[k][0], cmp_kf);
    }
    c->notes_def = nx_dict_find(s->dict, "notes");
    c->notes_level = c->notes_def ? nx_policy_level(s->policy, s->role, c->notes_def)
                                  : NX_LEVEL_HIDDEN;
}

const kind_field *srv_pull_field(const pull_ctx *c, int kind, const char *id)
{
    size_t lo = 0, hi = c->nkf[kind];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int d = strcmp(id, c->kf[kind][mid].f->id);
        if (d == 0)
            return &c->kf[kind][mid];
        if (d < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* The hub audit of what is sent: counts, and which fields (ids), in as
 * many events as the list needs. */
static int audit_send(pull_ctx *c, uint64_t from, int64_t snap)
{
    nx_srv *s = c->s;
    char why[NX_AUDIT_REASON_MAX];
    snprintf(why, sizeof why, "pull: cursor %llu -> %lld%s; %zu items sent, %zu dropped",
             (unsigned long long)from, (long long)snap, c->role_changed ? " (role changed: from 0)" : "",
             c->nsend, c->ndrop);
    if (srv_audit(s, NX_HUB_ACT_SEND, NULL, NULL, why, 0) != 0)
        return -1;
    if (!c->nsend)
        return 0;
    /* Union of the fields held for the kinds sent, in dictionary order. */
    char list[NX_AUDIT_REASON_MAX];
    size_t len = 0;
    int part = 1;
    for (size_t i = 0; i < s->dict->n; i++) {
        const nx_field_def *f = &s->dict->fields[i];
        int any = 0;
        nx_level lv = NX_LEVEL_HIDDEN;
        for (int k = 0; k < NX_KIND_COUNT && !any; k++)
            if (c->kinds_sent[k] && (f->kinds & NX_KIND_BIT(k)) && srv_pull_field(c, k, f->id)) {
                any = 1;
                lv = srv_pull_field(c, k, f->id)->level;
            }
        if (!any)
            continue;
        char one[96];
        int n = snprintf(one, sizeof one, "%s%s%s", len ? "," : "", f->id,
                         lv == NX_LEVEL_PARTIAL ? "(masked)" : "");
        if (len + (size_t)n + 24 >= sizeof list) {
            snprintf(why, sizeof why, "fields sent (%d): %.460s", part++, list);
            if (srv_audit(s, NX_HUB_ACT_SEND, NULL, NULL, why, 0) != 0)
                return -1;
            len = 0;
            n = snprintf(one, sizeof one, "%s%s", f->id, lv == NX_LEVEL_PARTIAL ? "(masked)" : "");
        }
        memcpy(list + len, one, (size_t)n + 1);
        len += (size_t)n;
    }
    if (len) {
        snprintf(why, sizeof why, "fields sent (%d): %.460s", part, list);
        if (srv_audit(s, NX_HUB_ACT_SEND, NULL, NULL, why, 0) != 0)
            return -1;
    }
    return 0;
}

/* What the device holds from now on, recorded before each item goes out
 * (a crash then leaves the hub believing the device holds more, never
 * less: a later pull drops what it should not keep). A first pull of
 * 100 000 items does not record them all while the laptop waits for its
 * first item: the first HELD_FIRST with the round's audit, then, as the
 * stream reaches them, HELD_GROWTH times as many as are held (at most
 * HELD_STEP more), each in a commit of its own, while the laptop applies
 * the ones already sent (recording an item takes the hub ~1 us, applying
 * it the laptop ~20; a step of 32 768 pauses the hub ~40 ms, about what
 * the pipes and the SSH window hold). Few commits (five for 100 000), each
 * in id order (the table's), so that the rows go in page after page
 * instead of each into a page of its own. */
#define HELD_FIRST 2048
#define HELD_GROWTH 8
#define HELD_STEP 32768

static int cmp_id(const void *a, const void *b)
{
    return strcmp((*(const pull_item *const *)a)->id, (*(const pull_item *const *)b)->id);
}

static int record_held(pull_ctx *c, size_t from, size_t to)
{
    size_t n = to - from;
    if (!n)
        return 0;
    const pull_item **byid = malloc(n * sizeof *byid);
    const char **ids = malloc(n * sizeof *ids);
    int rc = -1;
    if (byid && ids) {
        for (size_t i = 0; i < n; i++)
            byid[i] = &c->send[from + i];
        qsort(byid, n, sizeof *byid, cmp_id);
        for (size_t i = 0; i < n; i++)
            ids[i] = byid[i]->id;
        rc = nx_hub_device_items_add(c->s->h, c->s->device, ids, n);
    }
    free(ids);
    free(byid);
    return rc;
}

int srv_pull_hold(pull_ctx *c, size_t n)
{
    if (n <= c->held)
        return 0;
    size_t upto = c->held > SIZE_MAX / HELD_GROWTH ? SIZE_MAX : c->held * HELD_GROWTH;
    if (upto - c->held > HELD_STEP)
        upto = c->held + HELD_STEP;
    if (upto < n)
        upto = n;
    if (upto > c->nsend)
        upto = c->nsend;
    nx_srv *s = c->s;
    int own = !s->in_tx;
    if (own && srv_tx(s) != 0)
        return -1;
    if (record_held(c, c->held, upto) != 0 || (own && srv_tx_commit(s) != 0)) {
        if (own)
            srv_tx_rollback(s);
        return -1;
    }
    c->held = upto;
    return 0;
}

/* ---- the PULL ----------------------------------------------------------------------------- */

static void end_frame(nx_srv *s, uint64_t cursor, uint64_t count, const pull_ctx *c)
{
    nx_wbuf *b = &s->out;
    nx_msg_begin(b, NX_MSG_END);
    nx_msg_u64(b, NX_TAG_CURSOR, cursor);
    nx_msg_i64(b, NX_TAG_TIME, srv_now());
    nx_msg_u64(b, NX_TAG_HLC, nx_hlc_tick(&s->hlc, nx_hlc_wall_ms()));
    nx_msg_u64(b, NX_TAG_COUNT, count);
    srv_pull_audit_end(c, b);
    nx_msg_end(b);
}

static void free_ctx(pull_ctx *c)
{
    free(c->send);
    free(c->drop);
    free(c->rec);
    free(c->sampled);
    free(c);
}

int srv_on_pull(nx_srv *s, const nx_msg *m)
{
    uint64_t cursor = 0, hlc = 0;
    nx_msg_get_u64(m, NX_TAG_CURSOR, &cursor);
    nx_msg_get_u64(m, NX_TAG_HLC, &hlc);
    if (hlc && NX_HLC_MS(hlc) <= nx_hlc_wall_ms() + SRV_MAX_AHEAD_MS)
        nx_hlc_recv(&s->hlc, hlc, nx_hlc_wall_ms());
    if (srv_tx(s) != 0)
        return -1;
    if (s->revoked) {
        /* Nothing more for a revoked user or device: its pending audit
         * events were taken, its ops refused. */
        if (srv_tx_commit(s) != 0)
            return -1;
        end_frame(s, cursor, 0, NULL);
        (void)srv_flush(s);
        return 0;
    }
    pull_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    c->s = s;
    c->now = srv_now();
    c->may_view = nx_policy_allows(s->policy, s->role, NX_ACTION_VIEW) &&
                  nx_policy_scope(s->policy, s->role) != NX_SCOPE_NONE;
    c->counts_only = !c->may_view && nx_policy_allows(s->policy, s->role, NX_ACTION_KPI) &&
                     nx_policy_scope(s->policy, s->role) != NX_SCOPE_NONE;
    kind_tables(c);

    /* Role or team changed since the device last pulled: start over. */
    char was[160], now_role[160];
    snprintf(now_role, sizeof now_role, "%s/%s", s->role_name, s->team);
    int rc = -1;
    uint64_t from = cursor, count = 0;
    if (srv_device_role_get(s, was, sizeof was) != 0)
        goto out;
    if (strcmp(was, now_role) != 0) {
        c->role_changed = was[0] != '\0' || cursor != 0;
        from = 0;
        if (srv_device_role_set(s, now_role) != 0)
            goto out;
    }
    int64_t snap = nx_hub_rev(s->h);
    if (snap < 0)
        goto out;
    nx_scope scope = nx_policy_scope(s->policy, s->role);
    if ((c->may_view || c->counts_only) && from > 0 &&
        (scope == NX_SCOPE_TEAM || scope == NX_SCOPE_OWN)) {
        /* Only this user's changes and the device's own (drops): not
         * every change the firm made since the cursor. */
        if (nx_hub_items_changed(s->h, (int64_t)from, c->now,
                                 scope == NX_SCOPE_TEAM ? NX_HUB_BY_TEAM : NX_HUB_BY_ASSIGNEE,
                                 scope == NX_SCOPE_TEAM ? s->team : s->user, s->device, walk_cb,
                                 c) != 0)
            goto out;
    } else if (c->may_view || c->counts_only) {
        if (nx_hub_items_since(s->h, (int64_t)from, c->now, NULL, walk_cb, c) != 0)
            goto out;
    } else if (nx_hub_device_items_each(s->h, s->device, held_cb, c) != 0) {
        goto out;
    }
    /* Items that went to the archive while held (time moves them there,
     * not a revision): those closed between the archive line of the
     * device's last pull and today's. The first time, every held item is
     * looked at. */
    int64_t cut = c->now - (int64_t)(s->set.keep_closed_days > 0 ? s->set.keep_closed_days
                                                                  : NX_HUB_KEEP_CLOSED_DAYS) * 86400,
            prev = 0;
    int known = srv_archive_cut_get(s, &prev);
    if (known < 0)
        goto out;
    if (sampled_items(c) != 0)
        goto out;
    if (!known || from == 0) {
        if (nx_hub_device_items_expired(s->h, s->device, c->now, expired_cb, c) != 0)
            goto out;
    } else if (cut > prev && srv_archived_since(s, prev - 1, cut - 1, expired_cb, c) != 0) {
        goto out;
    }
    /* Persisted hourly: the range above is indexed, a wider one costs
     * nothing, and a round with nothing to do then writes nothing. */
    if (send_sampled(c) != 0)
        goto out;
    if ((cut - prev >= 3600 || c->ndrop) && srv_archive_cut_set(s, cut) != 0)
        goto out;
    if (srv_pull_hold(c, c->nsend < HELD_FIRST ? c->nsend : HELD_FIRST) != 0)
        goto out;
    for (size_t i = 0; i < c->ndrop; i++)
        if (nx_hub_device_item_forget(s->h, s->device, c->drop[i].id) != 0)
            goto out;
    /* Every round that moved something is audited here; an idle round
     * (nothing pushed, sent or dropped) is counted in the session's end
     * event only, so that a kept-open connection polling every minute does
     * not write (and fsync) the store each time. */
    int idle = c->nsend == 0 && c->ndrop == 0 && s->round_ops == 0 && s->round_audit == 0;
    if (srv_pull_records_plan(c, from, snap) != 0)
        goto out;
    if ((!idle && audit_send(c, cursor, snap) != 0) || srv_pull_audit_plan(c, m) != 0 ||
        srv_tx_commit(s) != 0)
        goto out;
    /* Committed: the RESULTs queued before this PULL may go out now. */
    if (srv_flush(s) != 0) {
        rc = 0;
        goto out;
    }
    if (srv_pull_clients(c) != 0)
        goto out;
    for (size_t i = 0; i < c->ndrop; i++) {
        nx_msg_begin(&s->out, NX_MSG_DROP);
        nx_msg_str(&s->out, NX_TAG_ITEM, c->drop[i].id);
        nx_msg_str(&s->out, NX_TAG_REASON, c->drop[i].reason);
        nx_msg_end(&s->out);
    }
    int sr = srv_pull_stream(c, &count);
    if (sr == 0)
        sr = srv_pull_records_stream(c);
    if (sr == 0)
        sr = srv_pull_audit_stream(c);
    if (sr == -2) {
        rc = 0;                        /* the client went away */
        goto out;
    }
    if (sr != 0)
        goto out;
    end_frame(s, (uint64_t)snap, count, c);
    s->cursor = (uint64_t)snap;
    s->st.items += count;
    s->st.drops += c->ndrop;
    (void)srv_flush(s);
    rc = 0;
out:
    free_ctx(c);
    return rc;
}
