/* core/domain/patreq — patients' and data subjects' requests that reach an
 * agent (seed 000 §6.15, §6.19; REQUIREMENTS §8). Nexus does not fulfil
 * them: it takes them in, routes them to the client (or the prime vendor,
 * when Nexus works as a subcontractor) and follows the covered entity's
 * own deadline. A request is an oversight record of kind
 * "patient_request" (record.h) about one work item's patient; this module
 * gives its body a shape, its clocks and its kind's rules.
 *
 *   received -> routed -> closed
 *
 * The clocks:
 * - routing: "routed to the client (or primary vendor) within 2 business
 *   days" (§6.15), in the client's calendar — its time zone, weekends and
 *   holidays (clock.h nx_clock_add_business_days: the end of the second
 *   business day after the day it came in);
 * - the covered entity's deadline, in calendar days from the day it came
 *   in, to the end of that local day: access 30 (+30 once, seed 001-W
 *   "must not exceed an additional 30 days"), amendment 60 (+30, "not
 *   more than one 30-day extension"), restriction 30 (001-W: "no later
 *   than 30 days after receipt"; no extension), accounting of disclosures
 *   60 (+30, REQUIREMENTS §2), complaint 30 (001-W: a letter is due when
 *   the response takes longer; no extension); confidential communications
 *   have none in the seeds (the covered entity accommodates "reasonable
 *   requests"), so no clock.
 * The record's due column is the next running deadline: routing while
 * received, the covered entity's while routed, none once closed.
 *
 * A restriction or a confidential-communication request sets the
 * patient's flag (restriction / confidential_comm = yes) the moment it is
 * taken in: the scheduling and ROI items of that patient honour it from
 * then on (no SMS or email; a warning before disclosing) — the flag is the
 * safe side until the covered entity decides. Closed denied or withdrawn,
 * the hub lifts it again (hub/patreq_effects.c) when a request set it and
 * no other request for the same flag still stands; granted, it stays.
 *
 * The body may hold PHI (what the patient asked): wiped by
 * nx_patreq_wipe. */
#ifndef NX_DOMAIN_PATREQ_H
#define NX_DOMAIN_PATREQ_H

#include <stddef.h>
#include <stdint.h>

#include "domain/clock.h"
#include "domain/incident.h"   /* nx_deadline */
#include "domain/record.h"
#include "domain/roles.h"

/* id, label, covered entity's days (0 = none), extension days (0 = none). */
#define NX_PATREQ_TYPES(X) \
    X(ACCESS, "access", "Access to records", 30, 30) \
    X(AMENDMENT, "amendment", "Amendment", 60, 30) \
    X(RESTRICTION, "restriction", "Restriction", 30, 0) \
    X(CONFIDENTIAL, "confidential-comm", "Confidential communications", 0, 0) \
    X(ACCOUNTING, "accounting", "Accounting of disclosures", 60, 30) \
    X(COMPLAINT, "complaint", "Complaint", 30, 0)

typedef enum {
#define NX_PR_E_(id, name, label, days, ext) NX_PATREQ_##id,
    NX_PATREQ_TYPES(NX_PR_E_)
#undef NX_PR_E_
    NX_PATREQ_TYPE_COUNT
} nx_patreq_type;

/* NULL-terminated lists, in the order above. */
extern const char *const nx_patreq_type_ids[];
extern const char *const nx_patreq_type_labels[];
extern const char *const nx_patreq_channels[];      /* phone email mail fax portal in-person */
extern const char *const nx_patreq_id_methods[];    /* how identity was checked */
extern const char *const nx_patreq_route_to[];      /* client prime-vendor */
extern const char *const nx_patreq_outcomes[];      /* fulfilled partly denied withdrawn */
extern const char *const nx_patreq_statuses[];      /* received routed closed */

/* Index of id in a NULL-terminated list, -1 when absent. */
int nx_patreq_index(const char *const *list, const char *id);
const char *nx_patreq_type_label(const char *type);   /* "?" when unknown */
/* The covered entity's days and extension days of a type (0 = none);
 * -1 for an unknown type. */
int nx_patreq_ce_days(const char *type, int *ext_days);
/* The patient flag a type sets: "restriction", "confidential_comm", or
 * NULL. */
const char *nx_patreq_flag(const char *type);

#define NX_PR_SUMMARY_MAX 400
#define NX_PR_NAME_MAX 120
#define NX_PR_REF_MAX 80
#define NX_PR_REASON_MAX 200
#define NX_PR_NOTE_MAX 400

typedef struct nx_patreq {
    /* intake */
    char type[24];
    int64_t received_at;
    char channel[16];
    char id_method[24];
    int id_verified;                      /* 1: the identity check passed */
    int representative;                   /* 1: asked by a personal representative */
    char summary[NX_PR_SUMMARY_MAX + 1];  /* what was asked, in the requester's terms */
    char patient_id[64];                  /* the item's patient (the session fills it) */
    char client_id[64];                   /* the item's client */
    char tz[64];                          /* the client's zone (the session fills it) */
    int64_t routing_due;                  /* nx_patreq_schedule */
    int64_t ce_due;                       /* 0 = none for this type */
    /* routing (§6.15) */
    char routed_to[16];                   /* client | prime-vendor */
    char routed_name[NX_PR_NAME_MAX + 1]; /* whom exactly (the client's privacy office) */
    int64_t routed_at;
    char routed_how[16];                  /* one of the channels */
    char routed_ref[NX_PR_REF_MAX + 1];   /* confirmation, ticket or fax log number */
    char routed_by[64];
    /* the covered entity's answer */
    int extended;                         /* the one extension the type allows, taken */
    char extension_reason[NX_PR_REASON_MAX + 1];
    char outcome[16];
    int64_t closed_at;
    char closed_by[64];
    char note[NX_PR_NOTE_MAX + 1];
} nx_patreq;

void nx_patreq_init(nx_patreq *p);
void nx_patreq_wipe(nx_patreq *p);

/* Body <-> struct; strict like incident.h's. */
int nx_patreq_from_json(const char *json, nx_patreq *out, char *err, size_t errlen);
int nx_patreq_to_json(const nx_patreq *p, char **out);

/* The intake's own rules: a known type, channel and identity method, a
 * received time, the patient and the client. 0 or -1 with err. */
int nx_patreq_validate(const nx_patreq *p, char *err, size_t errlen);

/* ---- the clocks (in the client's calendar) ------------------------------------- */

/* The end of the 2nd business day after the local day received falls on. */
int nx_patreq_routing_due(const char *tz, const nx_holidays *h, int64_t received,
                          int64_t *due, char *err, size_t errlen);
/* The covered entity's deadline: the end of the local day `days` (+ the
 * extension when extended) calendar days after the day received; 0 for a
 * type without one. */
int nx_patreq_ce_due(const char *tz, const char *type, int64_t received, int extended,
                     int64_t *due, char *err, size_t errlen);
/* Works both out into p (routing_due, ce_due) from p->tz, the client's
 * holidays h (may be NULL), type, received_at and extended: at intake and
 * when the extension is taken. The body keeps them, so every laptop that
 * reads the request shows the same clocks without holding the client's
 * calendar. 0 or -1 with err (an unknown zone). */
int nx_patreq_schedule(nx_patreq *p, const nx_holidays *h, char *err, size_t errlen);

typedef struct nx_patreq_clocks {
    nx_deadline routing;        /* done = routed_at (or closed_at when withdrawn) */
    nx_deadline ce;             /* done = closed_at */
} nx_patreq_clocks;

/* Both clocks at now, from the body's deadlines. Pure. */
void nx_patreq_clocks_at(const nx_patreq *p, int64_t now, nx_patreq_clocks *out);
/* The record's due column for status: routing_due while received, ce_due
 * while routed, 0 once closed. */
int64_t nx_patreq_due(const nx_patreq *p, const char *status);

/* The kind's rules for record.c's kind_check[]. */
int nx_patreq_check(const nx_record *prev, const nx_record *next, nx_role role,
                    const char *user, const char *team, char *err, size_t errlen);

#endif
