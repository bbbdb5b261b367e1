/* Typed rows for core/store's write and count queries. Strings are borrowed. */
#ifndef NX_STORE_ROWS_H
#define NX_STORE_ROWS_H
#include <stdint.h>
#include "store/store.h"

typedef struct {
    const char *id, *name, *tz, *escalation, *holidays;
} nx_client_row;

typedef struct {
    const char *id, *client_id, *family_name, *given_name, *dob, *phone, *email,
               *address, *mrn, *member_id, *payer, *confidential_comm, *restriction,
               *alt_phone;   /* flags: "yes" / "no" (NULL = "no") */
} nx_patient_row;

typedef struct {
    const char *id, *kind, *client_id, *patient_id, *status, *assignee, *team;
    int priority;
    int64_t created, updated, due, follow_up;   /* 0 = none for due/follow_up */
} nx_item_row;

int nx_store_begin(nx_store *s);      /* BEGIN IMMEDIATE */
int nx_store_commit(nx_store *s);
void nx_store_rollback(nx_store *s);

int nx_store_client_put(nx_store *s, const nx_client_row *r);
int nx_store_patient_put(nx_store *s, const nx_patient_row *r);
int nx_store_item_put(nx_store *s, const nx_item_row *r);
int nx_store_item_field_put(nx_store *s, const char *item_id, const char *field,
                            const char *value);
/* Counts; -1 on error. */
int64_t nx_store_count(nx_store *s, const char *table);

#endif
