/* tui/request — every user action, listed once. From this list come the
 * request enum (above KEY_MAX, so a request never collides with a curses
 * key code), the name table the keymap parser reads, the help screen and
 * the README's key table (tig's REQ_ macro). */
#ifndef NX_REQUEST_H
#define NX_REQUEST_H

#define NX_REQUESTS(REQ_) \
    /* moving in lists */ \
    REQ_(MOVE_UP,         "move-up",         "Move up one row") \
    REQ_(MOVE_DOWN,       "move-down",       "Move down one row") \
    REQ_(PAGE_UP,         "page-up",         "Move up one page") \
    REQ_(PAGE_DOWN,       "page-down",       "Move down one page") \
    REQ_(MOVE_FIRST,      "move-first",      "Go to the first row") \
    REQ_(MOVE_LAST,       "move-last",       "Go to the last row") \
    REQ_(OPEN,            "open",            "Open the selected row") \
    REQ_(NEW_ITEM,        "new-item",        "Create a new item in this queue") \
    REQ_(SEARCH,          "search",          "Search within the items you may see") \
    REQ_(SORT,            "sort",            "Sort by the next column") \
    REQ_(SORT_REVERSE,    "sort-reverse",    "Reverse the sort order") \
    REQ_(FILTER,          "filter",          "Filter by status, assignee or overdue") \
    REQ_(ASSIGN,          "assign",          "Re-route the item (supervisors)") \
    REQ_(REROUTE_AGENT,   "reroute-agent",   "Re-route all of an agent's open items") \
    REQ_(BACK,            "back",            "Go back (on the dashboard: quit)") \
    REQ_(HELP,            "help",            "Show the keys of this screen") \
    REQ_(SYNC_NOW,        "sync-now",        "Sync with the hub now") \
    /* queues and oversight screens */ \
    REQ_(VIEW_SCHEDULING, "view-scheduling", "Open the scheduling queue") \
    REQ_(VIEW_ELIGIBILITY,"view-eligibility","Open the eligibility queue") \
    REQ_(VIEW_PRIOR_AUTH, "view-prior-auth", "Open the prior-authorization queue") \
    REQ_(VIEW_ROI,        "view-roi",        "Open the release-of-information queue") \
    REQ_(VIEW_QA,         "view-qa",         "Open QA review: the team's sampled work (supervisors)") \
    REQ_(VIEW_CAPA,       "view-capa",       "Open the corrective actions (CAPA) you may see") \
    REQ_(QA_SCORE,        "score",           "QA: score the sampled item (the scorecard)") \
    REQ_(VIEW_KPI,        "view-kpi",        "Open the KPI screen") \
    REQ_(VIEW_AUDIT,      "view-audit",      "Open the audit review") \
    REQ_(VIEW_SYNC,       "view-sync",       "Open sync status and conflicts") \
    REQ_(VIEW_CONFLICTS,  "view-conflicts",  "Open the conflict inbox (supervisors)") \
    /* the KPI screen */ \
    REQ_(KPI_WEEK,        "kpi-week",        "KPIs: this week, last week and the last 8 weeks") \
    REQ_(KPI_MONTH,       "kpi-month",       "KPIs: this month, last month and the last 8 months") \
    REQ_(KPI_NEXT_SCOPE,  "next-scope",      "KPIs of the next team or agent") \
    REQ_(KPI_PREV_SCOPE,  "prev-scope",      "KPIs of the previous team or agent") \
    /* the audit review */ \
    REQ_(AUDIT_USER,      "filter-user",     "Audit review: one user's events (empty: all)") \
    REQ_(AUDIT_ITEM,      "filter-item",     "Audit review: one item's events (empty: all)") \
    REQ_(AUDIT_ACTION,    "filter-action",   "Audit review: one action's events (empty: all)") \
    REQ_(AUDIT_TIME,      "filter-time",     "Audit review: a day, a range of days, or the last hours or days") \
    REQ_(AUDIT_CLEAR,     "filter-clear",    "Audit review: clear every filter") \
    REQ_(AUDIT_CHAINS,    "chains",          "Audit review: each device's audit chain (or back to the events)") \
    REQ_(AUDIT_DISCLOSURES,"disclosures",    "Audit review: the accounting of disclosures of one patient (audited)") \
    /* incidents and patient requests */ \
    REQ_(VIEW_INCIDENTS,  "view-incidents",  "Open the incidents (officers: every one; others: their own reports)") \
    REQ_(VIEW_REQUESTS,   "view-requests",   "Open the patient requests you may see, with their clocks") \
    REQ_(MISFAX,          "report-misfax",   "Report a mis-fax of this item (a pre-filled incident)") \
    REQ_(PATIENT_REQUEST, "patient-request", "Take in a request from this item's patient (access, restriction...)") \
    REQ_(SHOW_CLOSED,     "show-closed",     "Show or hide the closed ones") \
    REQ_(INC_ASSESS,      "assess",          "Incident: record the preliminary assessment (officers)") \
    REQ_(INC_NOTIFY,      "log-notification","Incident: log who was notified, when and how (officers)") \
    REQ_(INC_POSTMORTEM,  "post-mortem",     "Incident: write the post-mortem and the CAPA (officers)") \
    REQ_(INC_CORRECT,     "correct-report",  "Incident: correct the report (its reporter until an officer takes it)") \
    REQ_(PR_ROUTE,        "route-request",   "Patient request: log its routing to the client or prime vendor") \
    REQ_(PR_EXTEND,       "extend-request",  "Patient request: the covered entity took its extension") \
    REQ_(PR_CLOSE,        "close-request",   "Patient request: the covered entity's answer (closes it)") \
    /* the conflict inbox */ \
    REQ_(APPLY_CONFLICT,  "apply-conflict",  "Apply the selected conflict's change (asks first)") \
    REQ_(DISCARD_CONFLICT,"discard-conflict","Discard the selected conflict (asks first)") \
    /* forms */ \
    REQ_(NEXT_FIELD,      "next-field",      "Go to the next field") \
    REQ_(PREV_FIELD,      "prev-field",      "Go to the previous field") \
    REQ_(SAVE,            "save",            "Save the form") \
    REQ_(REVEAL,          "reveal",          "Reveal the masked field (asks a reason; audited)") \
    REQ_(CANCEL,          "cancel",          "Leave the form (asks if there are unsaved changes)") \
    REQ_(STATUS_STEP,     "status-step",     "Take the next workflow step") \
    REQ_(ADD_NOTE,        "add-note",        "Append a note") \
    REQ_(HISTORY,         "history",         "Show or hide the item's history") \
    /* the lock and unlock screens */ \
    REQ_(UNLOCK,          "unlock",          "Unlock with the passphrase typed") \
    REQ_(PASSPHRASE,      "change-passphrase", "Change your passphrase") \
    /* everywhere */ \
    REQ_(LOCK,            "lock",            "Lock now") \
    REQ_(BLANK,           "blank-screen",    "Blank the screen for privacy (any key returns)") \
    REQ_(INCIDENT,        "report-incident", "Report a privacy or security incident") \
    REQ_(REDRAW,          "redraw",          "Redraw the screen") \
    REQ_(QUIT,            "quit",            "Quit Nexus")

/* Request ids start above every key code the keymap stores (characters up
 * to U+10FFFF and curses function keys offset by TUI_KEY_FN, see
 * tui/keys.h), so a value is never both a key and a request. */
#define NX_REQ_BASE 0x400000

enum nx_request {
    REQ_NONE = NX_REQ_BASE,   /* no binding: the key is text, or nothing */
#define NX_REQ_ENUM_(id, name, help) REQ_##id,
    NX_REQUESTS(NX_REQ_ENUM_)
#undef NX_REQ_ENUM_
    REQ_END
};
#define NX_REQ_COUNT (REQ_END - REQ_NONE - 1)

/* "move-down" -> REQ_MOVE_DOWN; REQ_NONE when the name is not a request. */
int nx_request_parse(const char *name);
const char *nx_request_name(int req);   /* NULL if req is not a request */
const char *nx_request_help(int req);

#endif
