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
 * request's later changes (routing, closing) cost nothing here. */
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

static int set_flag(nx_srv *s, nx_item *it, const nx_record *rec, const char *flag)
{
    if (strcmp(nx_item_get(it, flag), "yes") == 0)
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
    int64_t rev = 0;
    char why[160];
    snprintf(why, sizeof why, "set to yes by patient request %s", rec->id);
    if (srv_set_value(s, it, f, "yes", rec->updated, s->user) != 0 ||
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
    rc = flag ? set_flag(s, &it, next, flag) : 0;
out:
    if (found > 0)
        nx_item_free(&it);
    nx_patreq_wipe(p);
    free(p);
    return rc;
}
