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
        if (zn->tz && c->by_service_date)
            qs_sb_addf(b, "i.client_id IN (SELECT id FROM clients WHERE tz = :z%d) AND ", z);
        else if (zn->tz)
            qs_sb_addf(b, "i.scope_no IN (SELECT sc.no FROM item_scopes AS sc JOIN clients AS cl"
                          " ON cl.id = sc.client_id WHERE cl.tz = :z%d) AND ", z);
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

/* The time-bound count's statement: one covering index read whatever the
 * scope. items_q_status holds (kind, status, due_key, scope_no), so each
 * status counted is one range of due_key and the scope, the assignee
 * filter and the zones' clients are tested on its entries, as the scope's
 * number among those of the scopes that match (item_scopes, migration 19);
 * no table row is read. A laptop's cache holds its own scope and few
 * others, so the range read is the scope's. Service dates: items_q_visit
 * (covering too: it holds the client, team and assignee themselves). */
static int64_t count_bound(nx_store *s, const nx_qs_count_spec *c, const hits *open,
                           int64_t lo, int64_t hi)
{
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
        qs_sb_add(&b, "SELECT count(*) FROM items AS i INDEXED BY items_q_status WHERE i.kind_no = :kn"
                   " AND i.due_key >= :lo AND i.due_key < :hi");
    }
    qs_add_scope_tests(&b, !c->by_service_date, "", c->scope_assignee && *c->scope_assignee,
                       c->scope_team && *c->scope_team, c->assignee && *c->assignee);
    qs_sb_add(&b, " AND ");
    qs_add_in_list(&b, "i.status", "os", open);
    if (c->nzones)
        add_zones(&b, c);
    int64_t n = -1;
    sqlite3_stmt *st = NULL;
    if (!b.oom && sqlite3_prepare_v2(s->db, b.s, -1, &st, NULL) == SQLITE_OK) {
        char name[32];
        qs_bind_named_int(st, ":kn", nx_qs_kind_no(c->kind));
        qs_bind_named_text(st, ":sa", c->scope_assignee);
        qs_bind_named_text(st, ":stm", c->scope_team);
        qs_bind_named_text(st, ":fa", c->assignee);
        qs_bind_named_int(st, ":lo", lo);
        qs_bind_named_int(st, ":hi", hi);
        qs_bind_list(st, "os", open);
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
     * range of due_key in items_q_status; for service dates, a list of
     * dates in items_q_visit. */
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
    /* A scope that holds every item of the kind (a laptop's cache is
     * mostly its own scope, often only that) is tested on no entry: the
     * tally, kept in the same transactions as the items, says so exactly. */
    nx_qs_count_spec all = *c;
    int64_t n_all = qs_tally(s, c->kind, NULL, NULL, NULL, NULL, NULL);
    int64_t n_in = qs_tally(s, c->kind, c->scope_team, c->scope_assignee, c->assignee, NULL, NULL);
    if (n_all < 0 || n_in < 0) {
        qs_hits_free(&open);
        return -1;
    }
    if (n_in == n_all)
        all.scope_team = all.scope_assignee = all.assignee = NULL;
    int64_t n = count_bound(s, &all, &open, lo, hi);
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
