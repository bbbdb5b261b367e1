/* hub/disclosure_record — the accounting of disclosures for the privacy
 * officer's laptop (seed 004 §7.4; core/domain/record.h kind
 * "disclosure"). The hub writes an accounting entry into its disclosures
 * table when it merges a release that needs one (merge_step.c); the same
 * entry goes out as an oversight record, so the officer's audit review can
 * give the accounting of one patient (core/store/audit_review.c) without
 * holding the item or the patient. The body is PHI (recipient, address,
 * what was released): only the privacy officer and the auditor are sent it
 * (nx_record_visible). Entries from before this record existed were copied
 * by hub migration 5. */
#include "hub/serve.h"
#include "util/jsonz.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int srv_disclosure_record(nx_srv *s, const nx_item *it, const nx_disclosure_rec *d,
                          int64_t entry_id)
{
    nx_record r = { .created = d->at, .updated = d->at };
    snprintf(r.id, sizeof r.id, "disc-%lld", (long long)entry_id);
    snprintf(r.kind, sizeof r.kind, "disclosure");
    snprintf(r.item_id, sizeof r.item_id, "%s", it->id);
    snprintf(r.team, sizeof r.team, "%s", it->team);
    snprintf(r.author, sizeof r.author, "%s", d->user);
    snprintf(r.status, sizeof r.status, "recorded");
    r.hlc = s->hlc;
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "patient_id", d->patient_id,
                          "recipient_name", d->recipient_name, "recipient_address",
                          d->recipient_address, "description", d->description, "purpose",
                          d->purpose);
    char *body = o ? nx_json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(o);
    int rc = -1;
    if (body && nx_record_set_body(&r, body) == 0)
        rc = nx_hub_record_put(s->h, &r, "") < 0 ? -1 : 0;
    if (body) {
        sodium_memzero(body, strlen(body));
        free(body);
    }
    nx_record_clear(&r);
    return rc;
}
