/* The dashboard's counts (queue_store.h: nx_qs_count_items): items due
 * in a window, overdue or at risk, per kind and scope, from the indexes
 * that cover them, and the clients' time zones. */
#include "store/queue_store_int.h"
#include "util/util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- dashboard counts -------------------------------------------------------------- */

/* The per-zone conditions: "(clients of zone z AND <its window>) OR ...". */
static void add_zones(sb *b, const nx_qs_count_spec *c)
{
    qs_sb_add(b, " AND (");
    for (int z = 0; z < c->nzones; z++) {
        const nx_qs_zone *zn = &c->zones[z];
        qs_sb_add(b, z ? " OR (" : "(");
        if (zn->tz)
            qs_sb_addf(b, "i.client_id IN (SELECT id FROM clients WHERE tz = :z%d) AND ", z);
        if (c->by_service_date) {
            qs_sb_add(b, "i.service_date IN (");
            for (int d = 0; zn->dates[d]; d++)
                qs_sb_addf(b, "%s:d%d_%d", d ? ", " : "", z, d);
            qs_sb_add(b, zn->dates[0] ? ")" : "NULL)");
        } else {
            qs_sb_addf(b, "i.due_key >= :lo%d AND i.due_key < :hi%d", z, z);
        }
        qs_sb_add(b, ")");
    }
    qs_sb_add(b, ")");
}

/* The time-bound count's statement. how: COUNT_SCOPED as the spec says;
 * COUNT_UNSCOPED without the own scope (items_q_status covers every
 * condition: no table row is read); COUNT_OUTSIDE only the rows of the
 * assignees in out (the own scope's complement: few, read from the
 * table). */
enum { COUNT_SCOPED, COUNT_UNSCOPED, COUNT_OUTSIDE };

static int64_t count_bound(nx_store *s, const nx_qs_count_spec *c, const hits *open,
                           const hits *out, int how, int64_t lo, int64_t hi)
{
    int own = c->scope_assignee && *c->scope_assignee && how == COUNT_SCOPED;
    sb b = {0};
    if (c->by_service_date) {
        qs_sb_add(&b, "SELECT count(*) FROM items AS i INDEXED BY items_q_visit WHERE i.kind_no = :kn"
                   " AND i.service_date IS NOT NULL AND i.service_date IN (");
        int k = 0;
        for (int z = 0; z < c->nzones; z++)
            for (int d = 0; c->zones[z].dates[d]; d++)
                qs_sb_addf(&b, "%s:d%d_%d", k++ ? ", " : "", z, d);
        qs_sb_add(&b, k ? ")" : "NULL)");
    } else {
        /* items_assignee has due, not due_key: the same for a bounded range */
        int by_assignee = own || how == COUNT_OUTSIDE;
        qs_sb_addf(&b, "SELECT count(*) FROM items AS i INDEXED BY %s WHERE i.kind_no = :kn%s",
                by_assignee ? "items_assignee" : c->scope_team && *c->scope_team ? "items_q_team"
                : "items_q_status", by_assignee ? " AND i.due >= :lo AND i.due < :hi"
                                                : " AND i.due_key >= :lo AND i.due_key < :hi");
    }
    if (own)
        qs_sb_add(&b, " AND i.assignee = :sa");
    if (how == COUNT_OUTSIDE) {
        qs_sb_add(&b, " AND ");
        qs_add_in_list(&b, "i.assignee", "xs", out);
    }
    if (c->scope_team && *c->scope_team)
        qs_sb_add(&b, " AND i.team = :stm");
    if (c->assignee && *c->assignee)
        qs_sb_add(&b, " AND i.assignee = :fa");
    qs_sb_add(&b, " AND ");
    qs_add_in_list(&b, "i.status", "os", open);
    if (c->nzones)
        add_zones(&b, c);
    int64_t n = -1;
    sqlite3_stmt *st = NULL;
    if (!b.oom && sqlite3_prepare_v2(s->db, b.s, -1, &st, NULL) == SQLITE_OK) {
        char name[32];
        qs_bind_named_text(st, ":kind", c->kind);
        qs_bind_named_int(st, ":kn", nx_qs_kind_no(c->kind));
        qs_bind_named_text(st, ":sa", c->scope_assignee);
        qs_bind_named_text(st, ":stm", c->scope_team);
        qs_bind_named_text(st, ":fa", c->assignee);
        qs_bind_named_int(st, ":lo", lo);
        qs_bind_named_int(st, ":hi", hi);
        qs_bind_list(st, "os", open);
        if (out)
            qs_bind_list(st, "xs", out);
        for (int z = 0; z < c->nzones; z++) {
            snprintf(name, sizeof name, ":z%d", z);
            qs_bind_named_text(st, name, c->zones[z].tz);
            snprintf(name, sizeof name, ":lo%d", z);
            qs_bind_named_int(st, name, c->zones[z].due_lo);
            snprintf(name, sizeof name, ":hi%d", z);
            qs_bind_named_int(st, name, c->zones[z].due_hi);
            for (int d = 0; c->zones[z].dates[d]; d++) {
                snprintf(name, sizeof name, ":d%d_%d", z, d);
                qs_bind_named_text(st, name, c->zones[z].dates[d]);
            }
        }
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    free(b.s);
    return n;
}

int64_t nx_qs_count_items(nx_store *s, const nx_qs_count_spec *c)
{
    if (!c->due_range && !c->nzones)
        return qs_tally(s, c->kind, c->scope_team, c->scope_assignee, c->assignee, NULL, c->excluded);
    /* Time-bound: an IN list of the statuses counted, so that each is a
     * range of due_key in the scope's covering index; for service dates,
     * a list of dates in items_q_visit (covering too). */
    hits open = {0};
    if (qs_present_statuses(s, c->kind, c->excluded, &open) != 0)
        return -1;
    if (!open.n) {
        qs_hits_free(&open);
        return 0;
    }
    int64_t lo = c->due_lo, hi = c->due_hi;
    for (int z = 0; z < c->nzones && !c->by_service_date; z++) {
        if (z == 0 || c->zones[z].due_lo < lo)
            lo = c->zones[z].due_lo;
        if (z == 0 || c->zones[z].due_hi > hi)
            hi = c->zones[z].due_hi;
    }
    /* The own scope: items_assignee has no status, so each entry in the
     * range would cost a table row (a dashboard of 100 000 items: tens of
     * thousands). An agent's laptop holds the agent's items and few
     * others: all of them are counted from items_q_status, and the few
     * others' rows taken away. */
    int64_t n = -1;
    int own = c->scope_assignee && *c->scope_assignee;
    if (own && !c->by_service_date && !(c->scope_team && *c->scope_team) &&
        !(c->assignee && *c->assignee)) {
        hits out = {0};
        int64_t out_n = 0;
        int r = qs_outside_of(s, c->kind, c->scope_assignee, NULL, &out, &out_n);
        if (r > 0 && (out_n == 0 || out.n > 0)) {
            int64_t all = count_bound(s, c, &open, NULL, COUNT_UNSCOPED, lo, hi);
            int64_t others = out.n ? count_bound(s, c, &open, &out, COUNT_OUTSIDE, lo, hi) : 0;
            n = all < 0 || others < 0 ? -1 : all - others;
        } else if (r >= 0) {
            /* too many others: each entry of the scope is read */
            n = count_bound(s, c, &open, NULL, COUNT_SCOPED, lo, hi);
        }
        qs_hits_free(&out);
        qs_hits_free(&open);
        return n;
    }
    n = count_bound(s, c, &open, NULL, COUNT_SCOPED, lo, hi);
    qs_hits_free(&open);
    return n;
}

int nx_qs_client_zones(nx_store *s, char (*tz)[64], int max)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT DISTINCT tz FROM clients ORDER BY tz", -1, &st, NULL))
        return -1;
    int n = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n < max)
            qs_copy_str(tz[n], sizeof tz[n], qs_col_text(st, 0));
        n++;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? n : -1;
}
