/* core/domain/incident — privacy and security incidents (seed 000 §6.16,
 * §10 Incident Response SOP, App. B Incident Report Form; REQUIREMENTS §7):
 * what a report holds, its two clocks, the steps of the response and who
 * may do what. An incident is an oversight record of kind "incident"
 * (record.h); this module gives its body a shape and its kind its rules.
 *
 * The report (anyone files it, App. B): type, when it occurred and when it
 * was discovered, what happened, which information was involved (a
 * checklist), how many people, who received it, what was done at once,
 * and the client / covered entity / prime vendor. The reporter may correct
 * it until an officer takes it.
 *
 * The clocks (§10 "Report within 24h to PO; preliminary assessment within
 * 48h"; §4 "report incidents within 24 hours"): both run from the
 * discovery, in elapsed hours — a weekend or a holiday does not stop them,
 * so a discovery on Friday evening is due to the privacy officer on
 * Saturday evening. The report clock stops when the report is filed (on
 * the laptop: filed offline it waits encrypted in the outbox, but the form
 * is filled and the reporter has done their part); the assessment clock
 * stops when an officer records the preliminary assessment. The record's
 * `due` column is the next running deadline: the assessment's until it is
 * recorded, then none.
 *
 * The response (§10 Steps), moved by the privacy or security officer one
 * step at a time, in order:
 *   reported -> identify -> contain -> eradicate -> recover -> notify ->
 *   postmortem -> closed
 * "reported" is a report no officer has taken yet; taking it (the move to
 * identify) makes the officer its owner. Leaving identify needs the
 * preliminary assessment (severity, seed 003's scale, and its text);
 * leaving notify needs at least one entry in the notifications log (who
 * was told, when, how: the client communications log of §10's
 * artifacts); leaving postmortem needs the post-mortem (root cause and
 * the corrective action, a CAPA record's id where one was opened). Each
 * step entered is logged (the timeline artifact). A closed incident is
 * final. The log of steps and of notifications only grows.
 *
 * Body text may be PHI (a description naming a patient): an nx_incident
 * lives in memory that nx_incident_wipe clears. */
#ifndef NX_DOMAIN_INCIDENT_H
#define NX_DOMAIN_INCIDENT_H

#include <stddef.h>
#include <stdint.h>

#include "domain/record.h"
#include "domain/roles.h"

#define NX_INCIDENT_REPORT_HOURS 24   /* discovery -> report to the privacy officer */
#define NX_INCIDENT_ASSESS_HOURS 48   /* discovery -> preliminary assessment */

/* Types (App. B; §10 trigger examples): id, label. */
#define NX_INCIDENT_TYPES(X) \
    X(MISFAX, "mis-fax", "Mis-fax") \
    X(MISDIRECTED, "misdirected", "Misdirected email/SMS") \
    X(LOST_DEVICE, "lost-device", "Lost device") \
    X(SUSPICIOUS, "suspicious-access", "Suspicious access") \
    X(OTHER, "other", "Other")

/* Information involved (REQUIREMENTS §7): id, label. */
#define NX_INCIDENT_INFO(X) \
    X(NAME, "name", "Name") \
    X(SSN, "ssn", "SSN") \
    X(DOB, "dob", "Date of birth") \
    X(ADDRESS, "address", "Address") \
    X(ACCOUNT, "account", "Account or member number") \
    X(DIAGNOSIS, "diagnosis", "Diagnosis or treatment") \
    X(OTHER, "other", "Other")

/* The response's steps, in order (§10): id, label. */
#define NX_INCIDENT_STEPS(X) \
    X(REPORTED, "reported", "Reported") \
    X(IDENTIFY, "identify", "Identify") \
    X(CONTAIN, "contain", "Contain") \
    X(ERADICATE, "eradicate", "Eradicate") \
    X(RECOVER, "recover", "Recover") \
    X(NOTIFY, "notify", "Notify") \
    X(POSTMORTEM, "postmortem", "Post-mortem & CAPA") \
    X(CLOSED, "closed", "Closed")

typedef enum {
#define NX_INC_E_(id, name, label) NX_INC_TYPE_##id,
    NX_INCIDENT_TYPES(NX_INC_E_)
#undef NX_INC_E_
    NX_INC_TYPE_COUNT
} nx_incident_type;

typedef enum {
#define NX_INC_E_(id, name, label) NX_INC_INFO_##id,
    NX_INCIDENT_INFO(NX_INC_E_)
#undef NX_INC_E_
    NX_INC_INFO_COUNT
} nx_incident_info;

typedef enum {
#define NX_INC_E_(id, name, label) NX_INC_STEP_##id,
    NX_INCIDENT_STEPS(NX_INC_E_)
#undef NX_INC_E_
    NX_INC_STEP_COUNT
} nx_incident_step;

/* NULL-terminated lists of the ids (for a form's choices) and their
 * labels, in the order above. */
extern const char *const nx_incident_type_ids[];
extern const char *const nx_incident_type_labels[];
extern const char *const nx_incident_info_ids[];
extern const char *const nx_incident_info_labels[];
extern const char *const nx_incident_step_ids[];
extern const char *const nx_incident_step_labels[];
/* Severity (seed 003 §Evaluating and Responding to Security Incidents). */
extern const char *const nx_incident_severities[];   /* critical high medium low none */
/* The notifications log: to whom, and how. */
extern const char *const nx_incident_notice_to[];     /* privacy-officer security-officer
                                                       * client covered-entity prime-vendor
                                                       * individuals hhs other */
extern const char *const nx_incident_notice_how[];    /* phone email letter fax portal
                                                       * in-person */

/* Index in a NULL-terminated list, -1 when absent. */
int nx_incident_list_index(const char *const *list, const char *id);
/* The step's label ("Post-mortem & CAPA"); "?" for an unknown id. */
const char *nx_incident_step_label(const char *step);
/* The step after `step`, NULL after closed or for an unknown one. */
const char *nx_incident_next_step(const char *step);

#define NX_INC_DESC_MAX 800
#define NX_INC_MITIGATION_MAX 400
#define NX_INC_RECIPIENT_MAX 160
#define NX_INC_ASSESS_MAX 800
#define NX_INC_POSTMORTEM_MAX 800
#define NX_INC_NAME_MAX 120          /* client, covered entity, prime vendor */
#define NX_INC_NOTICES_MAX 12
#define NX_INC_NOTICE_NAME_MAX 80
#define NX_INC_NOTICE_NOTE_MAX 160

typedef struct nx_incident_log {
    char step[16];
    int64_t at;
    char by[64];
} nx_incident_log;

typedef struct nx_incident_notice {
    char to[24];                           /* nx_incident_notice_to */
    char name[NX_INC_NOTICE_NAME_MAX + 1]; /* who exactly ("Lakeside privacy office") */
    int64_t at;                            /* when they were told */
    char how[16];                          /* nx_incident_notice_how */
    char by[64];                           /* who logged it (the hub checks: the writer) */
    char note[NX_INC_NOTICE_NOTE_MAX + 1];
} nx_incident_notice;

typedef struct nx_incident {
    /* the report (App. B) */
    char type[24];
    int64_t occurred_at;                   /* 0 = not known */
    int64_t discovered_at;
    char description[NX_INC_DESC_MAX + 1];
    unsigned info;                         /* 1u << nx_incident_info */
    char info_other[NX_INC_NAME_MAX + 1];
    int people_affected;                   /* -1 = not known yet */
    char recipient[NX_INC_RECIPIENT_MAX + 1];   /* the unauthorized recipient */
    char mitigation[NX_INC_MITIGATION_MAX + 1];
    char client[NX_INC_NAME_MAX + 1];
    char covered_entity[NX_INC_NAME_MAX + 1];
    char prime_vendor[NX_INC_NAME_MAX + 1];
    /* the officers' part: from severity on (the session copies the
     * report's part as the block before it, so keep this order) */
    char severity[12];
    char assessment[NX_INC_ASSESS_MAX + 1];
    int64_t assessed_at;                   /* stops the 48 h clock; never moves after */
    char assessed_by[64];
    char postmortem[NX_INC_POSTMORTEM_MAX + 1];
    char capa_id[40];
    nx_incident_log steps[NX_INC_STEP_COUNT];
    int nsteps;
    nx_incident_notice notices[NX_INC_NOTICES_MAX];
    int nnotices;
} nx_incident;

/* An empty report: people_affected -1, everything else none. */
void nx_incident_init(nx_incident *inc);
void nx_incident_wipe(nx_incident *inc);

/* The record body (a JSON object) <-> the struct. Strict: unknown keys,
 * wrong types, text over its limit, an unknown type / info / step / how
 * are refused; a key left out keeps nx_incident_init's value. 0, or -1
 * with err naming the key (never a value). out JSON is heap: wipe, free. */
int nx_incident_from_json(const char *json, nx_incident *out, char *err, size_t errlen);
int nx_incident_to_json(const nx_incident *inc, char **out);

/* The report's own rules, whoever writes it: a known type, a discovery
 * time, occurred not after discovered, a description, people affected
 * >= -1. 0, or -1 with err naming the field. */
int nx_incident_validate(const nx_incident *inc, char *err, size_t errlen);

/* ---- the clocks ---------------------------------------------------------------- */

typedef enum {
    NX_DL_NONE,        /* no deadline (nothing to time) */
    NX_DL_RUNNING,     /* not done, not late yet */
    NX_DL_LATE,        /* not done, past due */
    NX_DL_MET,         /* done on time */
    NX_DL_MET_LATE,    /* done, after the deadline */
} nx_deadline_state;

typedef struct nx_deadline {
    int64_t due;       /* 0 = none */
    int64_t done;      /* 0 = not yet */
    nx_deadline_state state;
} nx_deadline;

/* The state of a deadline at `now`: done counts as on time up to and
 * including the due second. Pure: the screens, the lists and the tests
 * ask the same function. */
nx_deadline_state nx_deadline_at(int64_t due, int64_t done, int64_t now);
/* 1 for LATE and MET_LATE. */
int nx_deadline_is_late(nx_deadline_state st);

/* The report clock (discovery + 24 h; done = filed_at, 0 while the form
 * is still being filled) and the assessment clock (discovery + 48 h; done
 * = assessed_at). Without a discovery time both are NONE. */
void nx_incident_clocks(const nx_incident *inc, int64_t filed_at, int64_t now,
                        nx_deadline *report, nx_deadline *assess);
/* The record's due column: the assessment deadline while it is not
 * recorded and the incident is not closed, else 0. */
int64_t nx_incident_due(const nx_incident *inc, const char *status);

/* The kind's rules for record.c's kind_check[] (record.h's contract). */
int nx_incident_check(const nx_record *prev, const nx_record *next, nx_role role,
                      const char *user, const char *team, char *err, size_t errlen);

/* 1 for the roles that work incidents (privacy and security officers). */
int nx_incident_officer(nx_role role);

#endif
