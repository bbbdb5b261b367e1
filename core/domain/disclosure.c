/* The accounting of disclosures: which purposes need an entry, and the
 * entry for one release. */
#include "domain/disclosure.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "util/util.h"

/* seed 004 §4.7 (no accounting) and §2 (minimum necessary does not apply)
 * per purpose. HHS and required-by-law disclosures are outside minimum
 * necessary but still accounted for: §4.7 does not exempt them. */
const nx_purpose nx_purposes[] = {
    {"treatment", "Treatment (to a provider)", 0, 0},
    {"payment", "Payment", 0, 1},
    {"operations", "Health care operations", 0, 1},
    {"patient", "To the patient", 0, 0},
    {"authorization", "Under the patient's authorization", 0, 0},
    {"legal", "Required by law (subpoena, court order)", 1, 0},
    {"hhs", "To HHS (compliance review)", 1, 0},
    {"public-health", "Public health", 1, 1},
    {"oversight", "Health oversight", 1, 1},
    {"research", "Research (no authorization)", 1, 1},
    {"other", "Other", 1, 1},
};
const size_t nx_npurposes = sizeof nx_purposes / sizeof nx_purposes[0];

const char *const nx_purpose_ids[] = {
    "treatment", "payment", "operations", "patient", "authorization", "legal",
    "hhs", "public-health", "oversight", "research", "other", NULL,
};

const nx_purpose *nx_purpose_find(const char *id)
{
    if (!id)
        return NULL;
    for (size_t i = 0; i < nx_npurposes; i++)
        if (strcmp(nx_purposes[i].id, id) == 0)
            return &nx_purposes[i];
    return NULL;
}

int nx_disclosure_required(const char *purpose)
{
    const nx_purpose *p = nx_purpose_find(purpose);
    return p ? p->accounted : 1;
}

int nx_disclosure_minimum_necessary(const char *purpose)
{
    const nx_purpose *p = nx_purpose_find(purpose);
    return p ? p->minimum_necessary : 1;
}

static const char *label_of(const nx_item *it, const char *field)
{
    for (size_t i = 0; i < it->nvals; i++)
        if (strcmp(it->vals[i].def->id, field) == 0)
            return it->vals[i].def->label;
    return field;
}

static int copy_field(const nx_item *it, const char *field, char *dst, size_t dstlen,
                      char *msg, size_t len)
{
    const char *v = nx_item_get(it, field);
    if (!*v)
        return nx_err(msg, len, "accounting of disclosures: %s not recorded",
                      label_of(it, field));
    if (strlen(v) >= dstlen)
        return nx_err(msg, len, "accounting of disclosures: %s is too long for an entry",
                      label_of(it, field));
    memcpy(dst, v, strlen(v) + 1);
    return 0;
}

int nx_disclosure_from_item(const nx_item *it, int64_t now, nx_disclosure *out,
                            char *msg, size_t len)
{
    memset(out, 0, sizeof *out);
    if (!it || it->kind != NX_KIND_ROI)
        return nx_err(msg, len,
                      "accounting of disclosures: only a release of information is disclosed");
    const char *purpose = nx_item_get(it, "auth_purpose");
    if (!*purpose)
        return nx_err(msg, len, "accounting of disclosures: %s not recorded",
                      label_of(it, "auth_purpose"));
    if (!nx_disclosure_required(purpose))
        return 0;
    out->when = now;
    snprintf(out->item_id, sizeof out->item_id, "%s", it->id);
    snprintf(out->client_id, sizeof out->client_id, "%s", it->client_id);
    snprintf(out->patient_id, sizeof out->patient_id, "%s", it->patient_id);
#define COPY(field, dst) copy_field(it, field, dst, sizeof dst, msg, len)
    int bad = COPY("recipient_name", out->recipient_name) ||
              COPY("recipient_address", out->recipient_address) ||
              COPY("auth_scope", out->description) || COPY("auth_purpose", out->purpose);
#undef COPY
    if (bad) {
        nx_disclosure_wipe(out);
        return -1;
    }
    /* The statement of purpose must inform the patient (§4.4.4): the
     * picklist's label says more than its id. */
    const nx_purpose *p = nx_purpose_find(purpose);
    if (p)
        snprintf(out->purpose, sizeof out->purpose, "%s", p->label);
    return 1;
}

void nx_disclosure_wipe(nx_disclosure *d)
{
    if (d)
        sodium_memzero(d, sizeof *d);
}
