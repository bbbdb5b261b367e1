/* screens/audit_int.h — private to the audit review (audit.c draws and
 * handles keys; audit_rows.c holds its three lists' row sources). */
#ifndef NX_SCREENS_AUDIT_INT_H
#define NX_SCREENS_AUDIT_INT_H

#include "screens/screens.h"
#include "session/session_oversight.h"
#include "tui/table.h"

/* The events, a page at a time (the table's source). */
typedef struct nx_audit_ev_src {
    tui_app *a;
    const nx_audit_filter *f;
    nx_audit_view_row *rows;   /* room for `page` rows */
    int page, n;
    int64_t off, total;
} nx_audit_ev_src;

enum { E_WHEN, E_DEVICE, E_SEQ, E_USER, E_ACTION, E_ITEM, E_FIELD, E_FLAG, E_NCOLS };
extern const tui_column nx_audit_ev_cols[E_NCOLS];
extern const tui_rowsrc nx_audit_ev_ops;        /* ctx: nx_audit_ev_src */

/* Each device's chain (an array of nx_audit_chain_view). */
enum { C_DEVICE, C_EVENTS, C_STATE, C_NCOLS };
extern const tui_column nx_audit_chain_cols[C_NCOLS];
extern const tui_rowsrc nx_audit_chain_ops;     /* ctx: tui_array_src */
/* "verified up to event N (...)" / "BROKEN at event N, ...: why" */
void nx_audit_chain_state(const nx_audit_chain_view *c, char *buf, size_t len);

/* One patient's accounting (an array of nx_disclosure_view). */
enum { D_WHEN, D_ITEM, D_BY, D_RECIPIENT, D_ADDRESS, D_WHAT, D_PURPOSE, D_NCOLS };
extern const tui_column nx_audit_discl_cols[D_NCOLS];
extern const tui_rowsrc nx_audit_discl_ops;     /* ctx: tui_array_src */

#endif
