/* hub/patreq_effects — what a patient request changes on the hub once its
 * record merged (record_effects.c lists it; core/domain/patreq.h says
 * what a request is).
 *
 * The request must be about an item the hub holds, of the patient and
 * client its body names, and a new one about an item in the writer's
 * scope: a laptop cannot take a request in for a patient it does not
 * work (refused: the record is rolled back with the op).
 *
 * A restriction or confidential-communication request sets the patient's
 * flag (restriction / confidential_comm = yes) as if the writer had set
 * the field at the record's clock: the patient row, every item of the
 * patient given a new revision (so every laptop holding one pulls the
 * flag with it and its scheduling and ROI rules honour it), the field's
 * clock and a hub audit event. A later explicit change of the flag (a
 * field clock after the record's) is left alone: it decided after the
 * request. Setting a flag that is already yes changes nothing, so a
 * request's later changes (routing) cost nothing here.
 *
 * The flag is the safe side until the covered entity decides. When it
 * closes the request denied, or the patient withdraws it, the flag is
 * lifted (set back to no, the same way) — only when a patient request set
 * it (its field clock names a patient_request record: a flag an agent or
 * an import set is not the request's to lift) and no other request of
 * the patient's that sets the same flag still stands (open, or granted:
 * fulfilled or partly). */
#include "hub/serve.h"
#include "domain/patreq.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 1 when (ah, aid) is later than (bh, bid). */
static int later(nx_hlc ah, const char *aid, nx_hlc bh, const char *bid)
{
    return ah != bh ? ah > bh : strcmp(aid, bid) > 0;
}

/* Whether another patient request of the same patient (and client) that
 * sets flag still stands: not closed, or closed granted. */
typedef struct {
    const nx_record *self;
    const nx_patreq *p;
    const char *flag;
    int stands;
} others_ctx;

static int other_cb(void *arg, const nx_record *r, int64_t rev)
{
    (void)rev;
    others_ctx *c = arg;
    if (strcmp(r->id, c->self->id) == 0)
        return 0;
    nx_patreq *q = calloc(1, sizeof *q);
    char why[160];
    if (!q)
        return -1;
    if (nx_patreq_from_json(r->body, q, why, sizeof why) == 0 &&
        strcmp(q->patient_id, c->p->patient_id) == 0 &&
        strcmp(q->client_id, c->p->client_id) == 0) {
        const char *f = nx_patreq_flag(q->type);
        if (f && strcmp(f, c->flag) == 0 &&
            (strcmp(r->status, "closed") != 0 || strcmp(q->outcome, "fulfilled") == 0 ||
             strcmp(q->outcome, "partly") == 0))
            c->stands = 1;
    }
    nx_patreq_wipe(q);
    free(q);
    return c->stands;
}

/* Sets the patient's flag to value as of the record's clock, unless a
 * later change decided it. lift: only when a patient request is what set
 * it. 0 done or left alone, -1 on error. */
static int put_flag(nx_srv *s, nx_item *it, const nx_record *rec, const char *flag,
                    const char *value, int lift)
{
    if (strcmp(nx_item_get(it, flag), value) == 0)
        return 0;
    const nx_field_def *f = nx_dict_find(s->dict, flag);
    if (!f || f->home != NX_AT_PATIENT)
        return -1;
    char key[NX_ID_MAX + 16], cop[64] = "";
    srv_clock_key(it, f, key, sizeof key);
    nx_hlc ch = 0;
    int found = nx_hub_field_clock_get(s->h, key, flag, &ch, cop, sizeof cop);
    if (found < 0)
        return -1;
    if (found && !later(rec->hlc, rec->id, ch, cop))
        return 0;
    if (lift) {
        nx_record setter;
        int is_req = found ? nx_hub_record_get(s->h, cop, &setter) : 0;
        if (is_req < 0)
            return -1;
        if (is_req) {
            is_req = strcmp(setter.kind, "patient_request") == 0;
            nx_record_clear(&setter);
        }
        if (!is_req)
            return 0;
    }
    int64_t rev = 0;
    char why[160];
    snprintf(why, sizeof why, "%s by patient request %s",
             lift ? "lifted (denied or withdrawn)" : "set to yes", rec->id);
    if (srv_set_value(s, it, f, value, rec->updated, s->user) != 0 ||
        srv_touch_patient(s, it->patient_id) != 0 || nx_hub_item_rev(s->h, it->id, &rev) != 1 ||
        nx_hub_field_clock_set(s->h, key, flag, rec->hlc, rec->id) != 0 ||
        srv_field_rev_set(s, key, flag, rev) != 0 ||
        srv_audit(s, NX_HUB_ACT_PUSH, it->id, flag, why, 0) != 0)
        return -1;
    return 0;
}

int srv_patreq_effects(nx_srv *s, const nx_record *prev, const nx_record *next, char *err,
                       size_t errlen)
{
    nx_patreq *p = calloc(1, sizeof *p);
    if (!p)
        return -1;
    char why[200];
    int rc = 1;
    nx_item it;
    int found = 0;
    if (nx_patreq_from_json(next->body, p, why, sizeof why) != 0) {
        nx_err(err, errlen, "record %s: %s", next->id, why);   /* the check read it: not reached */
        goto out;
    }
    found = srv_token_ok(next->item_id) ? srv_item_load(s, next->item_id, &it) : 0;
    if (found < 0) {
        rc = -1;
        goto out;
    }
    if (!found) {
        nx_err(err, errlen, "record %s: the item it was taken in from is not on the hub",
               next->id);
        goto out;
    }
    if (strcmp(it.patient_id, p->patient_id) != 0 || strcmp(it.client_id, p->client_id) != 0) {
        nx_err(err, errlen, "record %s: item %s is not of the patient and client the request "
                            "names", next->id, it.id);
        goto out;
    }
    if (!prev && !srv_in_scope(s, it.assignee, it.team)) {
        nx_err(err, errlen, "record %s: item %s is not in your scope", next->id, it.id);
        goto out;
    }
    const char *flag = nx_patreq_flag(p->type);
    int refused = strcmp(next->status, "closed") == 0 &&
                  (strcmp(p->outcome, "denied") == 0 || strcmp(p->outcome, "withdrawn") == 0);
    if (!flag) {
        rc = 0;
    } else if (!refused) {
        rc = put_flag(s, &it, next, flag, "yes", 0);
    } else if (prev && strcmp(prev->status, "closed") == 0) {
        rc = 0;                       /* lifted when it closed, or left then */
    } else {
        others_ctx oc = { .self = next, .p = p, .flag = flag };
        rc = nx_hub_records_since(s->h, 0, "patient_request", other_cb, &oc);
        if (rc >= 0)
            rc = oc.stands ? 0 : put_flag(s, &it, next, flag, "no", 1);
    }
out:
    if (found > 0)
        nx_item_free(&it);
    nx_patreq_wipe(p);
    free(p);
    return rc;
}
