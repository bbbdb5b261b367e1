/* tui/history — an item's history (status changes, notes, outreach
 * attempts: who, when, what) as the role may see it. Notes are free text
 * and ruled on by the policy's "notes" pseudo-field: hidden leaves note
 * rows out, partial or reveal shows them masked. Until core/session has
 * this call (see the report of the terminal-client issue), the masking
 * lives here, over the store's history query. */
#ifndef NX_TUI_HISTORY_H
#define NX_TUI_HISTORY_H

#include <stdint.h>
#include "session/session.h"

typedef struct tui_history_row {
    int64_t at;
    char who[64];
    char what[16];           /* status, note, correction, attempt */
    char detail[NX_VALUE_MAX];
} tui_history_row;

typedef struct tui_history {
    tui_history_row *rows;
    int n, cap;
    int rejects;             /* rows that are changes the hub refused */
} tui_history;

/* Loads the item's history (oldest first). 0 or -1. */
int  tui_history_load(nx_session *s, const char *item_id, tui_history *h);
void tui_history_free(tui_history *h);   /* wipes */

#endif
