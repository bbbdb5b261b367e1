/* screens/audit_rows — the audit review's three lists as table row
 * sources: the events a page at a time from core (never the whole trail;
 * a page's reasons are wiped when the page moves; the hub's own chain's
 * lines say HUB in the device column), each chain, one patient's
 * accounting. How a cell reads is decided here; flags are
 * words as well as colours, so NO_COLOR and monochrome lose nothing. */
#include "screens/audit_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the events' source ---------------------------------------------------------------- */

static int ev_load(nx_audit_ev_src *e, int64_t off, int limit)
{
    nx_audit_rows_wipe(e->rows, (size_t)e->n);
    e->n = 0;
    if (off < 0)
        off = 0;
    e->off = off;
    if (limit <= 0 || !e->rows)
        return 0;
    size_t n = 0;
    char err[256];
    if (nx_session_audit_page(&e->a->session, e->f, (size_t)off, (size_t)limit, e->rows, &n,
                              err, sizeof err) != 0)
        return -1;
    e->n = (int)n;
    return e->n;
}

static int ev_first(void *ctx)
{
    nx_audit_ev_src *e = ctx;
    return ev_load(e, 0, e->page);
}

static int ev_last(void *ctx)
{
    nx_audit_ev_src *e = ctx;
    return ev_load(e, e->total - e->page, e->page);
}

static int ev_after(void *ctx, int i)
{
    nx_audit_ev_src *e = ctx;
    int64_t start = e->off + i + 1;
    if (start >= e->total)
        return 0;
    return ev_load(e, start, e->page);
}

static int ev_before(void *ctx, int i)
{
    nx_audit_ev_src *e = ctx;
    int64_t end = e->off + i;
    if (end <= 0)
        return 0;
    int64_t start = end - e->page < 0 ? 0 : end - e->page;
    return ev_load(e, start, (int)(end - start));
}

static int ev_from(void *ctx, int i)
{
    nx_audit_ev_src *e = ctx;
    int64_t start = e->off + i;
    if (start > e->total - e->page)
        start = e->total - e->page;
    return ev_load(e, start, e->page);
}

static const void *ev_row(void *ctx, int i)
{
    return &((nx_audit_ev_src *)ctx)->rows[i];
}

static int64_t ev_count(void *ctx, int *exact)
{
    nx_audit_ev_src *e = ctx;
    char err[256];
    *exact = 1;
    e->total = nx_session_audit_count(&e->a->session, e->f, err, sizeof err);
    return e->total;
}

static int ev_set_page(void *ctx, int rows)
{
    nx_audit_ev_src *e = ctx;
    nx_audit_view_row *r = calloc((size_t)rows, sizeof *r);
    if (!r)
        return -1;
    nx_audit_rows_wipe(e->rows, (size_t)e->n);
    free(e->rows);
    e->rows = r;
    e->n = 0;
    e->page = rows;
    return ev_from(e, 0);
}

/* "here" for this laptop's chain, "HUB" for the hub's own (whatever
 * device its event is about: the line below the table names it). */
static void device_short(const nx_audit_view_row *r, char *buf, size_t len)
{
    if (r->local)
        snprintf(buf, len, "here");
    else if (r->hub)
        snprintf(buf, len, "HUB");
    else
        snprintf(buf, len, "%.8s", r->device);
}

const tui_column nx_audit_ev_cols[E_NCOLS] = {
    [E_WHEN] = { "When", 12, 0, 0 },
    [E_DEVICE] = { "Device", 8, 0, 0 },
    [E_SEQ] = { "#", 4, 0, 1 },
    [E_USER] = { "User", 7, 1, 0 },
    [E_ACTION] = { "Action", 13, 0, 0 },
    [E_ITEM] = { "Item", 9, 2, 0 },
    [E_FIELD] = { "Field", 7, 1, 0 },
    [E_FLAG] = { "Flag", 11, 0, 0 },
};

static tui_elem mark_elem(nx_audit_mark m)
{
    return m == NX_AUDIT_MARK_REVEAL ? TUI_EL_REVEALED
         : m == NX_AUDIT_MARK_FAILED ? TUI_EL_ERROR : TUI_EL_NORMAL;
}

static tui_elem ev_cell(void *ctx, const void *row, int col, char *buf, size_t len)
{
    (void)ctx;
    const nx_audit_view_row *r = row;
    switch (col) {
    case E_WHEN:
        nx_scr_format_due(r->at, buf, len);
        return TUI_EL_NORMAL;
    case E_DEVICE:
        device_short(r, buf, len);
        return r->local ? TUI_EL_HINT : r->hub ? TUI_EL_INFO : TUI_EL_NORMAL;
    case E_SEQ:
        snprintf(buf, len, "%lld", (long long)r->seq);
        return TUI_EL_NORMAL;
    case E_USER:
        snprintf(buf, len, "%s", r->user);
        return TUI_EL_NORMAL;
    case E_ACTION:
        snprintf(buf, len, "%s", r->action);
        return mark_elem(r->mark);
    case E_ITEM:
        snprintf(buf, len, "%s", r->item_id[0] ? r->item_id : "-");
        return TUI_EL_NORMAL;
    case E_FIELD:
        snprintf(buf, len, "%s", r->field[0] ? r->field : "-");
        return TUI_EL_NORMAL;
    default:
        /* in words too: NO_COLOR and monochrome terminals lose nothing */
        if (r->mark == NX_AUDIT_MARK_REVEAL)
            snprintf(buf, len, "%s", strcmp(r->outcome, "failed") == 0 ? "REFUSED" : "BREAK-GLASS");
        else
            snprintf(buf, len, "%s", r->mark == NX_AUDIT_MARK_FAILED ? "FAILED" : "");
        return mark_elem(r->mark);
    }
}

const tui_rowsrc nx_audit_ev_ops = {
    .first = ev_first, .last = ev_last, .after = ev_after, .before = ev_before,
    .from = ev_from, .row = ev_row, .count = ev_count, .set_page = ev_set_page,
    .cell = ev_cell,
};

/* ---- chains ------------------------------------------------------------------------------ */

const tui_column nx_audit_chain_cols[C_NCOLS] = {
    [C_DEVICE] = { "Device", 20, 1, 0 },
    [C_EVENTS] = { "Events", 7, 0, 1 },
    [C_STATE] = { "Chain", 30, 3, 0 },
};

void nx_audit_chain_state(const nx_audit_chain_view *c, char *buf, size_t len)
{
    if (c->events == 0)
        snprintf(buf, len, "no events held");
    else if (!c->broken_at)
        snprintf(buf, len, "verified up to event %lld%s", (long long)c->verified_upto,
                 c->local ? " (every MAC recomputed)" : " (links)");
    else
        snprintf(buf, len, "BROKEN at event %lld, verified up to %lld: %s",
                 (long long)c->broken_at, (long long)c->verified_upto, c->why);
}

static tui_elem c_cell(void *ctx, const void *row, int col, char *buf, size_t len)
{
    (void)ctx;
    const nx_audit_chain_view *c = row;
    switch (col) {
    case C_DEVICE:
        if (c->hub)
            snprintf(buf, len, "the hub (its own chain)");
        else
            snprintf(buf, len, "%s%s", c->local ? "this laptop " : "", c->device);
        return TUI_EL_NORMAL;
    case C_EVENTS:
        snprintf(buf, len, "%lld", (long long)c->events);
        return TUI_EL_NORMAL;
    default:
        nx_audit_chain_state(c, buf, len);
        return c->broken_at ? TUI_EL_ERROR : TUI_EL_INFO;
    }
}

const tui_rowsrc nx_audit_chain_ops = {
    .first = tui_array_first, .last = tui_array_last, .after = tui_array_after,
    .before = tui_array_before, .from = tui_array_from, .row = tui_array_row,
    .count = tui_array_count, .set_page = tui_array_set_page, .cell = c_cell,
};

/* ---- the accounting ---------------------------------------------------------------------- */

const tui_column nx_audit_discl_cols[D_NCOLS] = {
    [D_WHEN] = { "When", 12, 0, 0 },
    [D_ITEM] = { "Item", 8, 1, 0 },
    [D_BY] = { "By", 6, 0, 0 },
    [D_RECIPIENT] = { "Recipient", 10, 2, 0 },
    [D_ADDRESS] = { "Address", 10, 2, 0 },
    [D_WHAT] = { "Released", 8, 2, 0 },
    [D_PURPOSE] = { "Purpose", 9, 0, 0 },
};

static tui_elem d_cell(void *ctx, const void *row, int col, char *buf, size_t len)
{
    (void)ctx;
    const nx_disclosure_view *d = row;
    const char *v;
    switch (col) {
    case D_WHEN:
        nx_scr_format_due(d->at, buf, len);
        return TUI_EL_NORMAL;
    case D_ITEM: v = d->item_id; break;
    case D_BY: v = d->user; break;
    case D_RECIPIENT: v = d->recipient; break;
    case D_ADDRESS: v = d->address; break;
    case D_WHAT: v = d->description; break;
    default: v = d->purpose; break;
    }
    snprintf(buf, len, "%s", v);
    return strstr(v, NX_MASK_BULLET) || strcmp(v, "(hidden)") == 0 ? TUI_EL_MASKED
                                                                    : TUI_EL_NORMAL;
}

const tui_rowsrc nx_audit_discl_ops = {
    .first = tui_array_first, .last = tui_array_last, .after = tui_array_after,
    .before = tui_array_before, .from = tui_array_from, .row = tui_array_row,
    .count = tui_array_count, .set_page = tui_array_set_page, .cell = d_cell,
};
