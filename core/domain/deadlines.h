/* core/domain/deadlines — the due and follow-up clocks of the SOPs, in the
 * client's time zone (seed 000 §7.3, §7.4, §6.15; REQUIREMENTS §2).
 *
 * Clocks stated in hours (72 h before the visit, follow up 72 h after
 * submission) are elapsed hours, so across a DST change the wall time of
 * the deadline shifts by the hour. Clocks stated in days (an appeal within
 * 180 days, routing within 2 business days) end at the end of a local day.
 *
 * Stored dates and times are the dictionary's: DATE "YYYY-MM-DD" and
 * DATETIME "YYYY-MM-DD HH:MM", both local to the client's zone. Errors:
 * -1 and a message in err naming the field or value that was wrong. */
#ifndef NX_DEADLINES_H
#define NX_DEADLINES_H

#include <stddef.h>
#include <stdint.h>

#include "domain/clock.h"
#include "domain/item.h"

#define NX_VERIFY_LEAD_DEFAULT 72   /* h before the visit: the SOP's "48-72 h" */
#define NX_VERIFY_LEAD_MIN 48
#define NX_VERIFY_LEAD_MAX 72
#define NX_PA_FOLLOW_UP_ROUTINE 72  /* h after submission */
#define NX_PA_FOLLOW_UP_URGENT 48
#define NX_ROUTING_BUSINESS_DAYS 2  /* patient requests to the client, §6.15 */

/* "YYYY-MM-DD HH:MM" (or a bare date, read as the start of that day) in
 * tz -> instant. */
int nx_local_parse(const char *tz, const char *text, int64_t *utc, char *err, size_t errlen);
/* instant -> "YYYY-MM-DD HH:MM" in tz (out: at least 17 bytes). */
int nx_local_format(const char *tz, int64_t utc, char *out, size_t outlen,
                    char *err, size_t errlen);

/* Eligibility must be verified lead_hours (48-72; 0 = the default 72)
 * before the visit: due = visit - lead. The visit is service_date; a bare
 * date counts from the start of that day, since the visit may be at any
 * hour of it and "at least 72 h before" must hold for all of them. */
int nx_elig_due(const char *tz, const char *service_date, int lead_hours, int64_t *due,
                char *err, size_t errlen);

/* How near the visit an eligibility item that is not yet verified is:
 * the SOP's fixed warnings at T-72 h and T-48 h, and overdue once the
 * visit's time has come. Independent of the client's lead, which sets the
 * due time (nx_elig_due) and so the queue order and the on-time KPI;
 * with a lead anywhere in 48-72 h, a risk level tied to it would make one
 * of the SOP's two warnings coincide with "due" and never show. Verified
 * and closed items, and items without a service date, are NONE. */
typedef enum {
    NX_ELIG_RISK_NONE, NX_ELIG_RISK_T72, NX_ELIG_RISK_T48, NX_ELIG_RISK_OVERDUE,
} nx_elig_risk;
int nx_elig_risk_of(const nx_item *it, int64_t now, const char *tz, nx_elig_risk *out,
                    char *err, size_t errlen);
const char *nx_elig_risk_name(nx_elig_risk r);   /* "none", "t72", "t48", "overdue" */

/* Prior auth: follow up after submission, 72 h routine or 48 h urgent
 * (priority 1), or payer_hours (1-720) when the payer has its own
 * timeline (0 = none). */
int nx_pa_follow_up(int64_t submitted, int priority, int payer_hours, int64_t *out,
                    char *err, size_t errlen);
/* The same from the item's submitted_at and priority. */
int nx_pa_follow_up_item(const nx_item *it, const char *tz, int payer_hours, int64_t *out,
                         char *err, size_t errlen);

/* Appeal deadline: the denial's local date + appeal_days (1-730) calendar
 * days, per the payer. date_out ("YYYY-MM-DD", at least 11 bytes) is what
 * the appeal_deadline field holds; *end (may be NULL) is the last second
 * of that local day, for the clock. */
int nx_pa_appeal_deadline(const char *tz, int64_t denied_at, int appeal_days,
                          char *date_out, size_t outlen, int64_t *end,
                          char *err, size_t errlen);

/* A patient's or data subject's request is routed to the client within 2
 * business days (weekends and the client's holidays skipped): the end of
 * the second business day after the day it came in. */
int nx_routing_due(const char *tz, const nx_holidays *h, int64_t received, int64_t *due,
                   char *err, size_t errlen);

#endif
