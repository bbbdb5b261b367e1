/* core/domain/disclosure — the accounting of disclosures (seed 004 §7.4,
 * REQUIREMENTS L10-L12, M6).
 *
 * The purpose an agent picks for a release decides two things: whether the
 * release is written to the accounting (seed 004 §4.7 exempts treatment,
 * payment and operations, disclosures to the individual and those under
 * an authorization) and whether minimum necessary applies (seed 004 §2: it
 * does not to treatment disclosures to a provider, to the individual,
 * under an authorization, to HHS, or where law requires the disclosure).
 * The picklist's ids are the choices of the roi item's auth_purpose field.
 *
 * A purpose the list does not know is accounted for: a missing entry is a
 * compliance failure, an extra one is not. */
#ifndef NX_DISCLOSURE_H
#define NX_DISCLOSURE_H

#include <stddef.h>
#include <stdint.h>

#include "domain/item.h"

typedef struct nx_purpose {
    const char *id;            /* "treatment", "legal", ... */
    const char *label;         /* as the picklist shows it */
    int accounted;             /* 1: the release needs an accounting entry */
    int minimum_necessary;     /* 1: release only the minimum necessary */
} nx_purpose;

extern const nx_purpose nx_purposes[];
extern const size_t nx_npurposes;
/* The ids, NULL-terminated: usable as a CHOICE field's choices. */
extern const char *const nx_purpose_ids[];

const nx_purpose *nx_purpose_find(const char *id);   /* NULL if unknown */
/* 1 if a release for this purpose must be written to the accounting. */
int nx_disclosure_required(const char *purpose);
/* 1 if minimum necessary applies (unknown purposes: 1). */
int nx_disclosure_minimum_necessary(const char *purpose);

/* One entry of the accounting: seed 004 §4.4's four elements, plus the
 * ids that tie it to the item, the patient and the client. */
#define NX_DISCLOSURE_TEXT 512
typedef struct nx_disclosure {
    int64_t when;
    char item_id[NX_ID_MAX], client_id[NX_ID_MAX], patient_id[NX_ID_MAX];
    char recipient_name[NX_DISCLOSURE_TEXT];
    char recipient_address[NX_DISCLOSURE_TEXT];
    char description[NX_DISCLOSURE_TEXT];    /* the authorization's scope */
    char purpose[NX_DISCLOSURE_TEXT];
} nx_disclosure;

/* The entry for releasing an roi item at now: 1 and out filled when the
 * purpose (auth_purpose) needs one; 0 when it is exempt (out zeroed); -1
 * and msg when an element of the entry is missing ("accounting of
 * disclosures: Recipient address not recorded") or a value is longer
 * than an entry holds. */
int nx_disclosure_from_item(const nx_item *it, int64_t now, nx_disclosure *out,
                            char *msg, size_t len);
/* The entry names a recipient and describes PHI: wipe it when done. */
void nx_disclosure_wipe(nx_disclosure *d);

#endif
