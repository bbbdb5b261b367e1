/* hub/pull_record — the oversight records a PULL brings (proto.h RECORD):
 * every record changed since the device's cursor, up to the pull's
 * snapshot, that nx_record_visible lets this user read (with the text
 * blanked for a reader who gets counts only). Decided inside
 * the round's write transaction (with a hub audit event naming how many
 * of which kinds went), streamed after the items. */
#include "hub/serve.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RECORD_FLUSH (256u * 1024)

typedef struct {
    pull_ctx *c;
    int64_t snap;
    unsigned kinds[NX_REC_KIND_COUNT];
} plan_ctx;

static int plan_cb(void *arg, const nx_record *r, int64_t rev)
{
    plan_ctx *p = arg;
    pull_ctx *c = p->c;
    nx_srv *s = c->s;
    if (rev > p->snap || !nx_record_visible(r, s->role, s->user, s->team))
        return 0;
    if (c->nrec == c->caprec) {
        size_t nc = c->caprec ? c->caprec * 2 : 32;
        void *q = realloc(c->rec, nc * sizeof *c->rec);
        if (!q)
            return -1;
        c->rec = q;
        c->caprec = nc;
    }
    snprintf(c->rec[c->nrec++], sizeof c->rec[0], "%s", r->id);
    int k = nx_record_kind_parse(r->kind);
    if (k >= 0)
        p->kinds[k]++;
    return 0;
}

int srv_pull_records_plan(pull_ctx *c, uint64_t from, int64_t snap)
{
    plan_ctx p = { .c = c, .snap = snap };
    if (nx_hub_records_since(c->s->h, (int64_t)from, NULL, plan_cb, &p) != 0)
        return -1;
    if (!c->nrec)
        return 0;
    char why[NX_AUDIT_REASON_MAX];
    size_t n = (size_t)snprintf(why, sizeof why, "pull: %zu records sent:", c->nrec);
    for (int k = 0; k < NX_REC_KIND_COUNT && n < sizeof why; k++)
        if (p.kinds[k])
            n += (size_t)snprintf(why + n, sizeof why - n, " %s %u",
                                  nx_record_kind_name((nx_record_kind)k), p.kinds[k]);
    return srv_audit(c->s, NX_HUB_ACT_SEND, NULL, NULL, why, 0);
}

int srv_pull_records_stream(pull_ctx *c)
{
    nx_srv *s = c->s;
    for (size_t i = 0; i < c->nrec; i++) {
        nx_record r;
        int found = nx_hub_record_get(s->h, c->rec[i], &r);
        if (found < 0)
            return -1;
        if (!found)
            continue;
        /* operations gets QA reviews and CAPAs without their text */
        if (nx_record_sight_for(&r, s->role, s->user, s->team) == NX_REC_SEE_COUNTS &&
            nx_record_redact(&r) != 0) {
            nx_record_clear(&r);
            return -1;
        }
        nx_wbuf *b = &s->out;
        nx_msg_begin(b, NX_MSG_RECORD);
        nx_msg_str(b, NX_TAG_ITEM, r.id);
        nx_msg_str(b, NX_TAG_KIND, r.kind);
        nx_msg_str(b, NX_TAG_STATUS, r.status);
        nx_msg_i64(b, NX_TAG_CREATED, r.created);
        nx_msg_i64(b, NX_TAG_UPDATED, r.updated);
        nx_msg_u64(b, NX_TAG_HLC, r.hlc);
        if (r.item_id[0])
            nx_msg_str(b, NX_TAG_LINKED, r.item_id);
        if (r.team[0])
            nx_msg_str(b, NX_TAG_TEAM, r.team);
        if (r.author[0])
            nx_msg_str(b, NX_TAG_USER, r.author);
        if (r.owner[0])
            nx_msg_str(b, NX_TAG_ASSIGNEE, r.owner);
        if (r.due)
            nx_msg_i64(b, NX_TAG_DUE, r.due);
        nx_msg_str(b, NX_TAG_VALUE, r.body ? r.body : "{}");
        nx_msg_end(b);
        nx_record_clear(&r);
        if (s->out.len >= RECORD_FLUSH && srv_flush(s) != 0)
            return -2;
    }
    return 0;
}
