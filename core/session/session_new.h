/* core/session/session_new — a new work item, as the new-item form makes
 * it: the clients of the cache to choose from, the patients of one client
 * found by the start of a name (masked for the role, searched only where
 * the role sees names in full), every problem of the request at its
 * field, and the item made through nx_session_create (the item, its
 * `create` audit event and its sync op in one transaction).
 *
 * Only an existing patient can be chosen: the sync op `create` carries
 * the kind, the client, the patient's id and the priority (core/sync/
 * op.h), and the hub refuses a patient it does not hold, so a patient
 * typed in here could never reach it. New patients come from the client's
 * records through the hub's import. */
#ifndef NX_SESSION_NEW_H
#define NX_SESSION_NEW_H

#include "session/session.h"

/* The request's parts, in the form's order. */
typedef enum {
    NX_NEW_KIND, NX_NEW_CLIENT, NX_NEW_PATIENT, NX_NEW_PRIORITY, NX_NEW_NFIELDS
} nx_new_field;

typedef struct nx_new_request {
    int kind;                       /* an nx_kind; -1 = not chosen */
    char client_id[NX_ID_MAX];      /* "" = not chosen */
    char patient_id[NX_ID_MAX];     /* "" = not chosen */
    int priority;                   /* 0 routine, 1 urgent */
} nx_new_request;

#define NX_NEW_MSG_MAX 160
/* Problems found, one message per part ("" = fine), never a value. */
typedef struct nx_new_problems {
    char msg[NX_NEW_NFIELDS][NX_NEW_MSG_MAX];
    int n;                          /* how many parts have one */
    int first;                      /* the first such part, -1 = none */
} nx_new_problems;

/* 1 when the role may create items (the policy's `create`). */
int nx_new_allowed(const nx_session *s);

typedef struct nx_new_client {
    char id[NX_ID_MAX];
    char name[128];
} nx_new_client;

/* The clients of the cache by name: up to max into out; returns how many
 * there are, or -1 (err) for a role that may not create or a store error. */
int nx_new_clients(nx_session *s, nx_new_client *out, int max, char *err, size_t errlen);

#define NX_NEW_NAME_MAX 256
typedef struct nx_new_patient {
    char id[NX_ID_MAX];
    char name[NX_NEW_NAME_MAX];     /* "Family, Given" as the role sees it */
    char born[32];                  /* date of birth as the role sees it; "" hidden */
} nx_new_patient;

/* The patients of client_id whose name begins with text (blanks around it
 * ignored; "" = all): "family, given" or "given family", letters matching
 * in either case in any script (store/textfold.h), as the queue search
 * finds names. Up to max into out, by family then given name; returns how
 * many match, or -1 (err): a role that may not create, or that does not
 * see both names in full (a search on a masked name would tell what the
 * mask hides), text longer than 127 bytes or not UTF-8, a store error.
 * out holds names: wipe it (nx_new_patients_wipe). */
int  nx_new_patients(nx_session *s, const char *client_id, const char *text,
                     nx_new_patient *out, int max, char *err, size_t errlen);
/* One patient by id, shown as above; 1 found, 0 none, -1 error. */
int  nx_new_patient_get(nx_session *s, const char *patient_id, nx_new_patient *out,
                        char *err, size_t errlen);
void nx_new_patients_wipe(nx_new_patient *p, int n);

/* Checks every part of r (kind chosen; client in the cache; patient
 * chosen, in the cache and of that client; priority 0 or 1). Returns how
 * many parts have a problem (p says which and why), or -1 (err) when the
 * role may not create or the store cannot be read. */
int nx_new_check(nx_session *s, const nx_new_request *r, nx_new_problems *p, char *err,
                 size_t errlen);

/* Checks r (as nx_new_check) and, when every part is good, makes the item
 * with nx_session_create: assigned to the user, in the user's team, in the
 * kind's first status. 0 and id_out; 1 when some part has a problem (p);
 * -1 with err otherwise (refused, store). */
int nx_new_item(nx_session *s, const nx_new_request *r, nx_new_problems *p,
                char id_out[NX_ID_MAX], char *err, size_t errlen);

#endif
