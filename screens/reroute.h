/* screens/reroute — re-routing a whole agent's queue from the queue
 * screen (`M`, supervisors; core/session/session_reroute.h): asks whose
 * items (the selected row's assignee offered), then to whom (user ids,
 * comma-separated), then y/n naming the count; the status line says how
 * many went to whom. The queue embeds one nx_reroute_flow and calls
 * nx_reroute_start; the flow refreshes the queue's table when items
 * moved. */
#ifndef NX_SCREENS_REROUTE_H
#define NX_SCREENS_REROUTE_H
#include "screens/screens.h"
#include "session/session_reroute.h"
#include "tui/table.h"

/* What a role other than supervisor is told, by `a` and `M` alike. */
#define NX_SCR_REROUTE_REFUSED "Only a supervisor re-routes items."

typedef struct nx_reroute_flow {
    nx_kind kind;
    tui_table *table;               /* refreshed after a move */
    char from[NX_NAME_MAX];
    int count;                      /* what the confirmation named */
    char targets[NX_REROUTE_TARGETS_MAX][NX_NAME_MAX];
    size_t ntargets;
} nx_reroute_flow;

/* Starts the flow for a queue of kind; assignee: the selected row's (may
 * be NULL or ""). Non-supervisors get the `a` key's refusal. */
void nx_reroute_start(nx_reroute_flow *f, tui_app *a, nx_kind kind, tui_table *table,
                      const char *assignee);

#endif
