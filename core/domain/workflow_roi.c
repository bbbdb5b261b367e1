/* Release of information's own rules (seed 000 §7.6, seed 004 §4,
 * REQUIREMENTS O1-O7): a valid authorization before any request and again
 * at each use, a revoked one stops everything at once, and a release that
 * must be accounted for has every element of its entry. */
#include "domain/workflow.h"
#include "domain/workflow_kinds.h"

#include <string.h>

#include "domain/disclosure.h"
#include "domain/validate.h"
#include "util/util.h"

/* seed 004 §4 "Elements for Authorization", in its order: the seven every
 * dictionary must carry, then the statements REQUIREMENTS O5 adds, checked
 * where the dictionary has a field for them. */
static const struct {
    const char *field, *missing;
} elements[] = {
    {"auth_has_description", "no description of the information"},
    {"auth_has_discloser", "no one named who may disclose"},
    {"auth_has_recipient", "no recipient named"},
    {"auth_has_purpose", "no purpose"},
    {"auth_has_expiry", "no expiry date or event"},
    {"auth_has_revocation_right", "no statement of the right to revoke"},
    {"auth_has_signature", "no signature"},
}, more[] = {
    {"auth_has_conditioning", "no statement on conditioning treatment or payment"},
    {"auth_has_redisclosure", "no re-disclosure warning"},
};

int nx_roi_auth_check(const nx_item *it, int64_t now, const char *tz, char *msg, size_t len)
{
    if (!it || it->kind != NX_KIND_ROI)
        return nx_err(msg, len, "authorization invalid: not a release of information");
    if (nx_item_yes(it, "auth_revoked"))
        return nx_err(msg, len, "authorization invalid: revoked");
    if (!*nx_item_get(it, "auth_ref"))
        return nx_err(msg, len, "authorization invalid: no reference to the signed authorization");
    for (size_t i = 0; i < sizeof elements / sizeof elements[0]; i++)
        if (!nx_item_yes(it, elements[i].field))
            return nx_err(msg, len, "authorization invalid: %s", elements[i].missing);
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
        if (nx_wf_has(it, more[i].field) && !nx_item_yes(it, more[i].field))
            return nx_err(msg, len, "authorization invalid: %s", more[i].missing);
    if (nx_item_yes(it, "auth_by_representative") &&
        !nx_item_yes(it, "auth_has_representative_authority"))
        return nx_err(msg, len,
                      "authorization invalid: no description of the representative's authority");
    if (nx_item_yes(it, "auth_combined"))
        return nx_err(msg, len, "authorization invalid: combined with another document");
    if (!*nx_item_get(it, "auth_date"))
        return nx_err(msg, len, "authorization invalid: signature not dated");
    const char *expiry = nx_item_get(it, "auth_expiry");
    if (!*expiry)
        return 0;   /* an expiry event, not a date */
    if (nx_valid_date(expiry))
        return nx_err(msg, len, "authorization invalid: expiry date unreadable");
    nx_wf_ctx c = {.now = now, .tz = tz, .verb = "check the authorization"};
    char today[16];
    if (nx_wf_today(&c, today, msg, len) != 0)
        return -1;
    if (strcmp(expiry, today) < 0)
        return nx_err(msg, len, "authorization invalid: expired");
    return 0;
}

/* O6: revocation blocks further use immediately, whatever step the item
 * is at; from blocked the item may still be closed (client notified,
 * copies purged), which is not a use. */
int nx_wf_roi_pre(const nx_item *it, const char *to, char *msg, size_t len)
{
    if (nx_item_yes(it, "auth_revoked") && strcmp(it->status, "blocked") != 0 &&
        strcmp(to, "blocked") != 0)
        return nx_err(msg, len, "authorization revoked: item blocked");
    return 0;
}

int nx_wf_roi_auth(const nx_item *it, const nx_wf_ctx *c, char *msg, size_t len)
{
    return nx_roi_auth_check(it, c->now, c->tz, msg, len);
}

/* The release is a use of the authorization (so it is checked again: it
 * may have expired since the request) and, for an accounted purpose, the
 * entry must be complete before the records leave. */
int nx_wf_roi_release(const nx_item *it, const nx_wf_ctx *c, char *msg, size_t len)
{
    if (nx_roi_auth_check(it, c->now, c->tz, msg, len) != 0)
        return -1;
    nx_disclosure d;
    int rc = nx_disclosure_from_item(it, c->now, &d, msg, len);
    nx_disclosure_wipe(&d);
    return rc < 0 ? -1 : 0;
}
