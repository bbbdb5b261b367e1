/* core/domain/item — one work item in memory: the common fields, and the
 * dictionary fields of its kind (patient fields included, since rules such
 * as "no SMS to a patient who asked for confidential communication" read
 * them). Values are held in canonical form; masked copies for a role are
 * made by the policy, never stored here. nx_item_free wipes the values. */
#ifndef NX_ITEM_H
#define NX_ITEM_H

#include <stdint.h>
#include "domain/dict.h"

#define NX_ID_MAX 64
/* The patient id of every item a role that only counts receives
 * (operations: hub/serve_item.c): no patient, not even a pseudonym. */
#define NX_PATIENT_WITHHELD "withheld"
#define NX_STATUS_MAX 32

typedef struct nx_item_value {
    const nx_field_def *def;
    char *value;               /* heap, NUL-terminated, "" when unset */
} nx_item_value;

typedef struct nx_item {
    const nx_dict *dict;
    char id[NX_ID_MAX];
    nx_kind kind;
    char client_id[NX_ID_MAX];
    char patient_id[NX_ID_MAX];
    char status[NX_STATUS_MAX];
    int priority;              /* 0 routine, 1 urgent */
    char assignee[NX_ID_MAX];
    char team[NX_ID_MAX];
    char linked_item[NX_ID_MAX];
    int64_t created, updated, due, follow_up, closed;   /* 0 = none */
    nx_item_value *vals;       /* one per dictionary field of this kind */
    size_t nvals;
} nx_item;

/* A blank item of kind k with every field of that kind present and empty. */
int  nx_item_init(nx_item *it, const nx_dict *d, nx_kind k);
void nx_item_free(nx_item *it);
/* "" when the field is unset or not of this kind. */
const char *nx_item_get(const nx_item *it, const char *field_id);
/* Stores value as given (callers validate with nx_dict_check first).
 * -1 when the field is not of this kind or out of memory. */
int  nx_item_set(nx_item *it, const char *field_id, const char *value);
/* 1 when a BOOL field holds "yes". */
int  nx_item_yes(const nx_item *it, const char *field_id);

#endif
