/* core/domain/record — oversight records: what supervisors and officers
 * write about the work, as opposed to the work items themselves (issue 6).
 *
 *   kind             written by                 about                 status
 *   qa_sample        the hub (sampling rules)   a finished item       open | reviewed
 *   qa_review        a supervisor               a sampled item        pass | fail
 *   capa             a supervisor (owner acts)  a finding (any item)  open | in-progress | closed
 *   incident         anyone (officers work it)  an event, maybe item  a step of the response
 *   patient_request  an agent (intake)          a patient (item)      received | routed | closed
 *   disclosure       the hub, when it merges    a release (ROI item)  recorded
 *                    a release the accounting
 *                    needs (seed 004 §7.4)
 *
 * A record is a row of fixed columns, which the store indexes and the
 * screens and KPIs filter on, plus a JSON object (`body`) with the rest of
 * what its kind holds (a scorecard's checks, an incident's description...).
 * The columns are the same for every kind:
 *   id       uuid4, made by whoever creates the record (the hub for samples)
 *   item_id  the work item it is about, "" for none
 *   team     the team it belongs to (the item's, else the author's)
 *   author   who created it (the hub fills it from the authenticated user)
 *   owner    who must act next, or whose work it is: the sampled item's
 *            assignee, the CAPA's owner, the incident's handler; "" none
 *   status   the kind's state (table above)
 *   due      the next deadline (CAPA due date, the incident's or request's
 *            running clock), unix seconds, 0 = none
 *   created, updated  unix seconds; hlc  the last change's clock
 *
 * Records travel whole: a local change writes an op of kind `record`
 * (op.h: item = record id, field = record kind, value = nx_record_to_json)
 * in the transaction of the change and its audit event; the hub checks it
 * with nx_record_check, keeps the later by (hlc, op id) and sends the
 * stored record back in RECORD frames to every user nx_record_visible
 * allows. The body may hold PHI (an incident's description): like every
 * value, it lives only in the encrypted cache and store, and is wiped. */
#ifndef NX_DOMAIN_RECORD_H
#define NX_DOMAIN_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include "domain/roles.h"

#define NX_RECORD_KINDS(X) \
    X(QA_SAMPLE, "qa_sample") X(QA_REVIEW, "qa_review") X(CAPA, "capa") \
    X(INCIDENT, "incident") X(PATIENT_REQUEST, "patient_request") \
    X(DISCLOSURE, "disclosure")

typedef enum {
#define NX_RK_ENUM_(id, name) NX_REC_##id,
    NX_RECORD_KINDS(NX_RK_ENUM_)
#undef NX_RK_ENUM_
    NX_REC_KIND_COUNT
} nx_record_kind;

const char *nx_record_kind_name(nx_record_kind k);
int nx_record_kind_parse(const char *name);      /* -1 if unknown */

#define NX_RECORD_BODY_MAX 12000   /* bytes of JSON; the op's JSON fits a VALUE */

typedef struct nx_record {
    char id[40];
    char kind[24];
    char item_id[64];
    char team[64];
    char author[64];
    char owner[64];
    char status[32];
    int64_t due, created, updated;
    uint64_t hlc;
    char *body;        /* heap JSON object text, NULL = "{}"; PHI: nx_record_clear wipes */
} nx_record;

/* Wipes body and frees it, then zeroes the struct. */
void nx_record_clear(nx_record *r);
/* Deep copy (body duplicated). 0 or -1 (no memory). */
int  nx_record_copy(nx_record *dst, const nx_record *src);
/* Sets body to a copy of json (NULL = none). 0 or -1. */
int  nx_record_set_body(nx_record *r, const char *json);

/* The op's value: one JSON object with the columns a device may propose
 * (item_id, team, owner, status, due, created) and "body". The hub fills
 * id, kind (from the op), author, updated and hlc itself. out is heap
 * (wipe and free it); 0 or -1. */
int nx_record_to_json(const nx_record *r, char **out);
/* Parses an op value into r's proposed columns and body (id, kind left as
 * they are). Strict: an object with exactly those keys, strings and
 * integers of the right type and size, body an object of at most
 * NX_RECORD_BODY_MAX bytes. 0, or -1 with err (which never quotes a value). */
int nx_record_from_json(nx_record *r, const char *json, char *err, size_t errlen);

/* How much of a record a reader gets (the hub's pull and the client's
 * screens ask the same question). user/team: the reader's.
 *   NX_REC_SEE_FULL    the record as stored;
 *   NX_REC_SEE_COUNTS  its columns, and its body with every free-text
 *                      value blanked (nx_record_redact): operations reads
 *                      QA reviews and CAPAs of every team for the KPI
 *                      figures (QA pass rate, open CAPAs) — aggregates
 *                      only, never a finding, comment or resolution. */
typedef enum { NX_REC_SEE_NONE = 0, NX_REC_SEE_FULL = 1, NX_REC_SEE_COUNTS = 2 } nx_record_sight;
nx_record_sight nx_record_sight_for(const nx_record *r, nx_role role, const char *user,
                                    const char *team);
/* nx_record_sight_for != NX_REC_SEE_NONE. */
int nx_record_visible(const nx_record *r, nx_role role, const char *user, const char *team);
/* Blanks the free-text values of r's body ("" in place, so the kind's
 * strict body parser still reads it), for a reader who gets
 * NX_REC_SEE_COUNTS. The old body is wiped. 0, or -1 (out of memory or a
 * body that is not an object: then nothing may be sent). */
int nx_record_redact(nx_record *r);

/* Whether `user` (role, team) may write `next` over `prev` (NULL = a new
 * record): the kind's rules — who may create it, which status moves are
 * allowed, what the body must hold. Shared by the client (before writing)
 * and the hub (before merging: it never trusts the client's check).
 * 0 allowed, -1 with err (names the record id or a rule, never a value). */
int nx_record_check(const nx_record *prev, const nx_record *next, nx_role role,
                    const char *user, const char *team, char *err, size_t errlen);

/* A kind's own checks (each kind's module defines one; record.c's table
 * lists them). The generic part — kind known, id present, body an object
 * under the limit, columns in range, author kept — is done before. */
typedef int (*nx_record_check_fn)(const nx_record *prev, const nx_record *next, nx_role role,
                                  const char *user, const char *team, char *err,
                                  size_t errlen);

#endif
