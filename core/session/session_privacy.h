/* core/session — incidents and patient requests as a signed-in user files
 * and works them (issue 6; what they are: core/domain/incident.h,
 * core/domain/patreq.h). Screens call these and never the store: each
 * change is one oversight record saved through session_record (the row,
 * its `record` op for the hub and a `record` audit event in one
 * transaction), so a report filed offline waits encrypted in the outbox
 * and goes with the next sync. The rules are the kinds' own (the same
 * check the hub runs again); the messages name the record or the rule,
 * never a value.
 *
 * session_incident.c: anyone files (F8); the reporter corrects until an
 * officer takes it; privacy and security officers take it, record the
 * preliminary assessment, move it step by step, log notifications and
 * write the post-mortem.
 * session_patreq.c: an agent (or a supervisor, or an officer) takes a
 * request in from a work item — the item's patient and client; routes it;
 * records the covered entity's extension and outcome. A restriction or
 * confidential-communication request sets the patient's flag in the same
 * transaction (the hub sets it too when the record reaches it). */
#ifndef NX_SESSION_PRIVACY_H
#define NX_SESSION_PRIVACY_H

#include <stddef.h>
#include <stdint.h>

#include "domain/incident.h"
#include "domain/patreq.h"
#include "session/session.h"
#include "session/session_oversight.h"
#include "store/record_store.h"

/* Incident times are typed and read in the laptop's zone
 * (nx_session_local_zone, session_oversight.h): an incident may concern
 * no client, so it has no client's zone. */

/* ---- incidents (session_incident.c) --------------------------------------------- */

/* One incident as a list shows it: no description, nothing about a
 * patient. */
typedef struct nx_incident_line {
    char id[40];
    char status[32];
    char type[24];
    char author[64];
    char owner[64];
    char item_id[64];
    char client[NX_INC_NAME_MAX + 1];
    char severity[12];
    int64_t discovered_at, filed_at, updated;
    int people_affected;
    int notices;
    nx_deadline report, assess;
    int pending;                /* a change here waits for the hub */
    int refused;                /* the hub refused the last change made here */
} nx_incident_line;

/* An incident opened: the record (columns, sync state) and its body. PHI:
 * nx_incident_view_clear wipes it. */
typedef struct nx_incident_view {
    nx_record_row row;
    nx_incident inc;
    nx_incident_line line;
} nx_incident_view;
void nx_incident_view_clear(nx_incident_view *v);

/* A report about a work item starts with the item's client (its name)
 * and, for a mis-fax, the type. The item must be one the user may work
 * (scope). inc is initialised here. 0, or -1 with err. */
int nx_session_incident_prefill(nx_session *s, const char *item_id, int misfax,
                                nx_incident *inc, char *err, size_t errlen);

/* Files a new report (status reported, the step log's first entry the
 * user's, due the assessment deadline). item_id: the item it is about, ""
 * none. id_out (40 bytes, may be NULL) gets the record id. 0 or -1. */
int nx_session_incident_file(nx_session *s, const nx_incident *inc, const char *item_id,
                             char *id_out, char *err, size_t errlen);

/* 1 found (clear it), 0 none or not visible, -1 with err. */
int nx_session_incident_get(nx_session *s, const char *id, nx_incident_view *out, char *err,
                            size_t errlen);

/* The report's part (type, times, description, information, people,
 * recipient, mitigation, client, covered entity, prime vendor) replaced by
 * report's: the reporter before an officer takes it, or an officer. */
int nx_session_incident_correct(nx_session *s, const char *id, const nx_incident *report,
                                char *err, size_t errlen);
/* The preliminary assessment (officers): severity and text; the first
 * one stops the 48 h clock (assessed_at = now), a later one revises the
 * text and severity only. */
int nx_session_incident_assess(nx_session *s, const char *id, const char *severity,
                               const char *text, char *err, size_t errlen);
/* The next step (officers). Taking a reported incident makes the user its
 * owner. step_out (16 bytes, may be NULL) gets the step now. */
int nx_session_incident_advance(nx_session *s, const char *id, char *step_out, char *err,
                                size_t errlen);
/* Appends to the notifications log (officers); n->by is set to the user
 * and n->at, when 0, to now. */
int nx_session_incident_notify(nx_session *s, const char *id, const nx_incident_notice *n,
                               char *err, size_t errlen);
/* The post-mortem and the CAPA record's id ("" none) (officers). */
int nx_session_incident_postmortem(nx_session *s, const char *id, const char *text,
                                   const char *capa_id, char *err, size_t errlen);

/* The incidents the user may see, open ones (include_closed 0) or all,
 * by running deadline then filing. *out (free()) and *n. 0 or -1. */
int nx_session_incident_lines(nx_session *s, int include_closed, nx_incident_line **out,
                              size_t *n, char *err, size_t errlen);

/* ---- patient requests (session_patreq.c) ------------------------------------------ */

typedef struct nx_patreq_line {
    char id[40];
    char status[32];
    char type[24];
    char item_id[64];
    char author[64];
    char client_id[64];
    char tz[64];                /* the client's zone: the request's times are its */
    int64_t received_at;
    nx_patreq_clocks clk;
    int pending, refused;
} nx_patreq_line;

typedef struct nx_patreq_view {
    nx_record_row row;
    nx_patreq pr;
    nx_patreq_line line;
} nx_patreq_view;
void nx_patreq_view_clear(nx_patreq_view *v);

/* A request taken in from item_id starts with the item's patient and
 * client, the client's zone, received now. The item must be in scope.
 * 0 or -1 with err. */
int nx_session_patreq_prefill(nx_session *s, const char *item_id, nx_patreq *p, char *err,
                              size_t errlen);

/* Takes a request in: patient, client and zone from the item (whatever p
 * says), both deadlines worked out in the client's calendar (its holidays
 * from the cache), status received. A restriction or confidential-
 * communication request sets the patient's flag to yes in the same
 * transaction, with an `update` audit event on the item. id_out (40
 * bytes, may be NULL). 0 or -1. */
int nx_session_patreq_take(nx_session *s, const char *item_id, const nx_patreq *p,
                           char *id_out, char *err, size_t errlen);

/* What take would write for p from item_id, without writing anything:
 * p's patient, client, zone and both deadlines filled in the client's
 * calendar (for the form's clocks while it is typed). 0 or -1. */
int nx_session_patreq_preview(nx_session *s, const char *item_id, nx_patreq *p, char *err,
                              size_t errlen);

int nx_session_patreq_get(nx_session *s, const char *id, nx_patreq_view *out, char *err,
                          size_t errlen);

/* Routed to the client or the prime vendor: to ("client" /
 * "prime-vendor"), whom exactly, how (a channel), the confirmation or
 * ticket reference; at 0 = now. */
int nx_session_patreq_route(nx_session *s, const char *id, const char *to, const char *name,
                            const char *how, const char *ref, int64_t at, char *err,
                            size_t errlen);
/* The covered entity took its one extension (the type must allow one). */
int nx_session_patreq_extend(nx_session *s, const char *id, const char *reason, char *err,
                             size_t errlen);
/* The covered entity answered (or the requester withdrew): outcome, a
 * note ("" none). */
int nx_session_patreq_close(nx_session *s, const char *id, const char *outcome,
                            const char *note, char *err, size_t errlen);

/* The requests the user may see, open (include_closed 0) or all; item_id
 * non-empty: that item's only. Ordered by running deadline. 0 or -1. */
int nx_session_patreq_lines(nx_session *s, int include_closed, const char *item_id,
                            nx_patreq_line **out, size_t *n, char *err, size_t errlen);

#endif
