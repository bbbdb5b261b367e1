/* The audit review's queries (audit_review.h): one filtered, paged list
 * over the laptop's chain, the devices' events and the hub's own chain
 * (hub_events, marked hub = 1), and the accounting of
 * disclosures of one patient. Empty criteria are written into the SQL as
 * "?N = '' OR ...", so one statement serves every filter. */
#include "store/audit_review.h"
#include "store/store_int.h"

#define EVENTS_UNION                                                                     \
    " FROM (SELECT 1 AS local, device, seq, at, user, role, action, item_id, field,"     \
    "   reason, outcome, 0 AS hub_seq, 0 AS hub FROM audit"                              \
    " UNION ALL SELECT 0, device, seq, at, user, role, action, item_id, field, reason,"  \
    "   outcome, hub_seq, 0 FROM device_events WHERE device <> ?1"                       \
    " UNION ALL SELECT 0, device, seq, at, user, role, action, item_id, field, reason,"  \
    "   outcome, 0, 1 FROM hub_events)"                                                  \
    " WHERE (?2 = '' OR user = ?2) AND (?3 = '' OR item_id = ?3)"                         \
    " AND (?4 = '' OR action = ?4) AND (?5 = 0 OR at >= ?5) AND (?6 = 0 OR at < ?6)"

static const char *nz(const char *s)
{
    return s ? s : "";
}

static const char *col_text(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    return t ? (const char *)t : "";
}

static int prepare(nx_store *s, const char *sql, const nx_review_filter *f, sqlite3_stmt **st)
{
    static const nx_review_filter none = { 0 };
    if (!f)
        f = &none;
    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(*st, 1, nz(f->own_device), -1, SQLITE_STATIC);
    sqlite3_bind_text(*st, 2, nz(f->user), -1, SQLITE_STATIC);
    sqlite3_bind_text(*st, 3, nz(f->item_id), -1, SQLITE_STATIC);
    sqlite3_bind_text(*st, 4, nz(f->action), -1, SQLITE_STATIC);
    sqlite3_bind_int64(*st, 5, f->from);
    sqlite3_bind_int64(*st, 6, f->to);
    return 0;
}

int nx_review_events(nx_store *s, const nx_review_filter *f, size_t offset, size_t limit,
                     nx_review_fn fn, void *ctx)
{
    sqlite3_stmt *st = NULL;
    if (prepare(s,
                "SELECT local, device, seq, at, user, role, action, item_id, field, reason,"
                " outcome, hub_seq, hub" EVENTS_UNION
                " ORDER BY at DESC, local DESC, hub DESC, device, seq DESC LIMIT ?7 OFFSET ?8",
                f, &st) != 0)
        return -1;
    sqlite3_bind_int64(st, 7, limit ? (sqlite3_int64)limit : -1);
    sqlite3_bind_int64(st, 8, (sqlite3_int64)offset);
    int rc, stop = 0;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        nx_review_row r = {
            .local = sqlite3_column_int(st, 0),
            .device = col_text(st, 1),
            .seq = sqlite3_column_int64(st, 2),
            .at = sqlite3_column_int64(st, 3),
            .user = col_text(st, 4),
            .role = col_text(st, 5),
            .action = col_text(st, 6),
            .item_id = col_text(st, 7),
            .field = col_text(st, 8),
            .reason = col_text(st, 9),
            .outcome = col_text(st, 10),
            .hub_seq = sqlite3_column_int64(st, 11),
            .hub = sqlite3_column_int(st, 12),
        };
        stop = fn(ctx, &r);
    }
    sqlite3_finalize(st);
    return stop ? stop : rc == SQLITE_DONE ? 0 : -1;
}

int64_t nx_review_count(nx_store *s, const nx_review_filter *f)
{
    sqlite3_stmt *st = NULL;
    if (prepare(s, "SELECT COUNT(*)" EVENTS_UNION, f, &st) != 0)
        return -1;
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return n;
}

int nx_review_disclosures(nx_store *s, const char *patient_id, nx_review_disclosure_fn fn,
                          void *ctx)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT at, item_id, recipient_name, recipient_address, description,"
                           " purpose, user, id FROM disclosures WHERE patient_id = ?1"
                           /* the privacy officer's copy of every laptop's
                            * entries: records the hub sent (kind disclosure) */
                           " UNION ALL SELECT created, item_id,"
                           " json_extract(body, '$.recipient_name'),"
                           " json_extract(body, '$.recipient_address'),"
                           " json_extract(body, '$.description'),"
                           " json_extract(body, '$.purpose'), author, 0 FROM records"
                           " WHERE kind = 'disclosure'"
                           " AND json_extract(body, '$.patient_id') = ?1"
                           " ORDER BY 1, 8",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, nz(patient_id), -1, SQLITE_STATIC);
    int rc, stop = 0;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        nx_review_disclosure d = {
            .at = sqlite3_column_int64(st, 0),
            .item_id = col_text(st, 1),
            .recipient_name = col_text(st, 2),
            .recipient_address = col_text(st, 3),
            .description = col_text(st, 4),
            .purpose = col_text(st, 5),
            .user = col_text(st, 6),
        };
        stop = fn(ctx, &d);
    }
    sqlite3_finalize(st);
    return stop ? stop : rc == SQLITE_DONE ? 0 : -1;
}

int64_t nx_review_disclosures_held(nx_store *s)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT (SELECT COUNT(*) FROM disclosures) + "
                           "(SELECT COUNT(*) FROM records WHERE kind = 'disclosure')", -1, &st,
                           NULL) !=
        SQLITE_OK)
        return -1;
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return n;
}
