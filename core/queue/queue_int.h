/* Private to core/queue (and its tests and benchmark). */
#ifndef NX_QUEUE_INT_H
#define NX_QUEUE_INT_H
#include "queue/queue.h"
#include "store/queue_store.h"

#define NX_QUEUE_RISK_MEMO 16

struct nx_queue {
    nx_session *s;
    nx_kind kind;
    nx_scope scope;
    nx_queue_sort sort;
    int descending;
    nx_queue_filter filter;
    int driver_cap, filter_cap, merge_cap;   /* 0 = the store's defaults */
    /* what the role sees */
    const nx_field_def *f_family, *f_given, *f_payer;
    int patient_full, payer_shown, payer_full;
    const char *finals[NX_QS_FINALS_MAX + 1];
    /* the page, and the buffer the next one is read into */
    int page_rows, n;
    nx_queue_row *page, *spare;
    nx_qs *qs;                        /* NULL until the first page after a change */
    /* eligibility risk: a scratch item for nx_elig_risk_of, and the answers
     * of this page per (zone, service date, status) */
    nx_item risk_item;
    int has_risk_item;
    struct {
        char tz[64], date[16], status[32];
        int at_risk;
    } risk_memo[NX_QUEUE_RISK_MEMO];
    int risk_memo_n;
    char err[256];
};

/* The kind's final statuses (the workflow's), NULL-ended; out has room
 * for NX_QS_FINALS_MAX + 1. */
void nx_queue_finals(nx_kind k, const char **out);
/* 1 when an eligibility item in this status with this service date, of a
 * client in zone tz, is at T-72 or T-48 at now (nx_elig_risk_of). */
int nx_queue_at_risk(nx_queue *q, const char *status, const char *service_date,
                     const char *tz, int64_t now);

/* Tests and the benchmark: the store's three thresholds (queue_store.h;
 * 0 = default), so that each way of reading a page can be forced, and the
 * way the current plan reads (NX_QS_PLAN_*, -1 before the first page). */
void nx_queue_tune(nx_queue *q, int driver_cap, int filter_cap, int merge_cap);
/* 1 when a filtered walk of the due order tests its candidates in each of
 * the merge's ranges (nx_qs_merge_inside), 0 if not, -1 before a page. */
int  nx_queue_merge_inside(nx_queue *q);
int  nx_queue_plan(nx_queue *q);
/* 1 when the count of a search reads index entries only (nx_qs_exact_count),
 * -1 before the first page. */
int  nx_queue_exact_count(nx_queue *q);

#endif
