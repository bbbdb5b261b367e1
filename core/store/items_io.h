/* core/store — reading and changing work items for the domain layer. The
 * store knows tables and columns, not the dictionary: fields come and go as
 * (field id, value) pairs, and patient fields map to the patients table's
 * columns through a fixed list. Callers wrap a change and its audit event
 * in one nx_store_begin/commit. */
#ifndef NX_STORE_ITEMS_IO_H
#define NX_STORE_ITEMS_IO_H
#include <stdint.h>
#include "store/store.h"

typedef struct nx_item_rec {
    char id[64], kind[32], client_id[64], patient_id[64], status[32];
    char assignee[64], team[64], linked_item[64];
    int priority;
    int64_t created, updated, due, follow_up, closed;   /* 0 = none */
} nx_item_rec;

typedef struct nx_client_rec {
    char id[64], name[128], tz[64], escalation[128], holidays[1024], consent_rules[256];
    int verify_lead_hours;
} nx_client_rec;

typedef struct nx_payer_rec {
    int followup_routine_hours, followup_urgent_hours, appeal_days;
} nx_payer_rec;

typedef int (*nx_store_kv_cb)(void *ctx, const char *field, const char *value);

/* 1 found, 0 no such item, -1 error. */
int nx_store_item_get(nx_store *s, const char *id, nx_item_rec *out);
int nx_store_client_get(nx_store *s, const char *id, nx_client_rec *out);
/* Defaults (72/48 h, 60 days) when the payer has no rule. */
int nx_store_payer_get(nx_store *s, const char *payer, nx_payer_rec *out);
int nx_store_payer_put(nx_store *s, const char *payer, const nx_payer_rec *r);

/* Calls cb for each stored kind field of the item / each patient column.
 * A non-zero return from cb stops the walk and is returned. */
int nx_store_item_fields(nx_store *s, const char *item_id, nx_store_kv_cb cb, void *ctx);
int nx_store_patient_fields(nx_store *s, const char *patient_id, nx_store_kv_cb cb, void *ctx);
/* 1 when field names a patients column this function may set. */
int nx_store_is_patient_field(const char *field);
int nx_store_patient_set(nx_store *s, const char *patient_id, const char *field,
                         const char *value);

/* Writes the common columns of an existing item (status included). */
int nx_store_item_update(nx_store *s, const nx_item_rec *r);
int nx_store_item_insert(nx_store *s, const nx_item_rec *r);

int nx_store_transition_add(nx_store *s, const char *item_id, int64_t at, const char *user,
                            const char *from, const char *to);
/* corrects: id of the note this one corrects, or 0. *out_id may be NULL. */
int nx_store_note_add(nx_store *s, const char *item_id, const char *author, int64_t at,
                      const char *body, int64_t corrects, int64_t *out_id);
int nx_store_attempt_add(nx_store *s, const char *item_id, int64_t at, const char *user,
                         const char *channel, const char *outcome, const char *next_action);
int nx_store_attachment_add(nx_store *s, const char *item_id, const char *ref,
                            const char *label, int64_t at, const char *user);

typedef struct nx_disclosure_rec {
    const char *item_id, *patient_id, *recipient_name, *recipient_address,
               *description, *purpose, *user;
    int64_t at;
} nx_disclosure_rec;
int nx_store_disclosure_add(nx_store *s, const nx_disclosure_rec *r);

/* Rows of the history tables, oldest first, as text for the form's history
 * pane: cb(ctx, at, who, what, detail). */
typedef int (*nx_store_history_cb)(void *ctx, int64_t at, const char *who,
                                   const char *what, const char *detail);
int nx_store_item_history(nx_store *s, const char *item_id, nx_store_history_cb cb, void *ctx);

#endif
