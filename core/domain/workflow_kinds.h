/* core/domain/workflow_kinds — private to the workflow module: the guards
 * and hooks the tables in workflow_rules.c name, written in the per-kind
 * files (workflow_sched.c, workflow_roi.c). Nothing outside
 * core/domain/workflow*.c includes this. */
#ifndef NX_WORKFLOW_KINDS_H
#define NX_WORKFLOW_KINDS_H

#include "domain/workflow.h"

/* The dictionary's label of a field of the item (the id if it has none). */
const char *nx_wf_label(const nx_item *it, const char *field);
/* 1 if the item's dictionary gives its kind this field. */
int nx_wf_has(const nx_item *it, const char *field);
/* Today's local date in c->tz as "YYYY-MM-DD". */
int nx_wf_today(const nx_wf_ctx *c, char out[16], char *msg, size_t len);

/* scheduling */
int nx_wf_sched_edit(const nx_item *it, const char *field, const char *value, char *msg,
                     size_t len);

/* roi */
int nx_wf_roi_pre(const nx_item *it, const char *to, char *msg, size_t len);
int nx_wf_roi_auth(const nx_item *it, const nx_wf_ctx *c, char *msg, size_t len);
int nx_wf_roi_release(const nx_item *it, const nx_wf_ctx *c, char *msg, size_t len);

#endif
