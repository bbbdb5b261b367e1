/* The history queries behind the KPIs. Each "first transition to X"
 * condition is written as NOT EXISTS an earlier one (ties broken by row
 * id), so an item is counted once even if a status was reached twice —
 * the ROI correction loop reaches requested and received again, and a
 * merge of two devices' histories could repeat a row. */
#include "store/kpi_store.h"
#include "store/store_int.h"

#define DECISIONS "('approved','partially-approved','denied')"
#define APPEAL_OUTCOMES "('appeal-won','appeal-lost')"

/* ?3 team, ?4 agent: "" matches every one. */
#define SCOPE_ITEM " AND (?3='' OR i.team=?3) AND (?4='' OR i.assignee=?4)"

/* d is the item's first transition into the set: no earlier one (or an
 * equal time with a lower id) into the same set. */
#define FIRST_INTO(set)                                                                  \
    " AND NOT EXISTS (SELECT 1 FROM transitions e WHERE e.item_id=d.item_id"             \
    "   AND e.to_status IN " set " AND (e.at<d.at OR (e.at=d.at AND e.id<d.id)))"

/* Transitions d of items i of one kind into a set of statuses, in the
 * period (?1, ?2) and scope. */
#define EVENTS(kind, set)                                                                \
    " FROM transitions d JOIN items i ON i.id=d.item_id"                                 \
    " JOIN clients c ON c.id=i.client_id"                                                \
    " WHERE d.to_status IN " set " AND d.at>=?1 AND d.at<?2 AND i.kind='" kind "'"       \
    SCOPE_ITEM FIRST_INTO(set)

static const char *nz(const char *s)
{
    return s ? s : "";
}

static int prepare(nx_store *s, const char *sql, const nx_kpi_scope *sc, sqlite3_stmt **st)
{
    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(*st, 1, sc->start);
    sqlite3_bind_int64(*st, 2, sc->end);
    sqlite3_bind_text(*st, 3, nz(sc->team), -1, SQLITE_STATIC);
    sqlite3_bind_text(*st, 4, nz(sc->agent), -1, SQLITE_STATIC);
    return 0;
}

static const char *col_text(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    return t ? (const char *)t : "";
}

static int64_t col_time(sqlite3_stmt *st, int col)
{
    return sqlite3_column_type(st, col) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, col);
}

/* Steps st to the end, calling row(st) for each row; finalizes. */
static int walk(sqlite3_stmt *st, int (*row)(sqlite3_stmt *st, void *arg), void *arg)
{
    int rc, stop = 0;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW)
        stop = row(st, arg);
    sqlite3_finalize(st);
    return stop ? stop : rc == SQLITE_DONE ? 0 : -1;
}

/* One row of two counts. */
static int two_counts(nx_store *s, const char *sql, const nx_kpi_scope *sc, int64_t *a,
                      int64_t *b)
{
    sqlite3_stmt *st = NULL;
    *a = *b = 0;
    if (prepare(s, sql, sc, &st) != 0)
        return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *a = sqlite3_column_int64(st, 0);
        *b = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : -1;
}

int nx_kpi_store_read_begin(nx_store *s, int *began)
{
    *began = 0;
    if (!sqlite3_get_autocommit(s->db))
        return 0;
    if (sqlite3_exec(s->db, "BEGIN DEFERRED", NULL, NULL, NULL) != SQLITE_OK)
        return -1;
    *began = 1;
    return 0;
}

void nx_kpi_store_read_end(nx_store *s, int began)
{
    /* Nothing was written: COMMIT only releases the read lock. */
    if (began)
        (void)sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
}

/* ---- prior authorization ------------------------------------------------ */

struct pa_walk {
    nx_kpi_pa_cb cb;
    void *ctx;
};

static int pa_row(sqlite3_stmt *st, void *arg)
{
    struct pa_walk *w = arg;
    nx_kpi_pa_row r = {
        .decision = col_text(st, 0),
        .decided = col_time(st, 1),
        .submitted = col_time(st, 2),
        .submitted_at = col_text(st, 3),
        .tz = col_text(st, 4),
    };
    return w->cb(w->ctx, &r);
}

int nx_kpi_store_pa_decisions(nx_store *s, const nx_kpi_scope *sc, nx_kpi_pa_cb cb, void *ctx)
{
    sqlite3_stmt *st = NULL;
    if (prepare(s,
                "SELECT d.to_status, d.at,"
                " (SELECT MIN(t.at) FROM transitions t"
                "   WHERE t.item_id=d.item_id AND t.to_status='submitted'),"
                " (SELECT f.value FROM item_fields f"
                "   WHERE f.item_id=d.item_id AND f.field='submitted_at'),"
                " c.tz" EVENTS("prior-auth", DECISIONS) " ORDER BY d.at, d.id",
                sc, &st) != 0)
        return -1;
    struct pa_walk w = { cb, ctx };
    return walk(st, pa_row, &w);
}

int nx_kpi_store_pa_appeals(nx_store *s, const nx_kpi_scope *sc, int64_t *won, int64_t *lost)
{
    return two_counts(s,
                      "SELECT COALESCE(SUM(d.to_status='appeal-won'),0),"
                      " COALESCE(SUM(d.to_status='appeal-lost'),0)"
                      EVENTS("prior-auth", APPEAL_OUTCOMES),
                      sc, won, lost);
}

/* ---- eligibility -------------------------------------------------------- */

struct elig_walk {
    nx_kpi_elig_cb cb;
    void *ctx;
};

static int elig_row(sqlite3_stmt *st, void *arg)
{
    struct elig_walk *w = arg;
    nx_kpi_elig_row r = {
        .service_date = col_text(st, 0),
        .tz = col_text(st, 1),
        .verified = col_time(st, 2),
    };
    return w->cb(w->ctx, &r);
}

int nx_kpi_store_elig_visits(nx_store *s, const nx_kpi_scope *sc, const char *lo_date,
                             const char *hi_date, nx_kpi_elig_cb cb, void *ctx)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
            "SELECT f.value, c.tz,"
            " (SELECT MIN(t.at) FROM transitions t"
            "   WHERE t.item_id=i.id AND t.to_status='verified')"
            " FROM items i JOIN item_fields f ON f.item_id=i.id AND f.field='service_date'"
            " JOIN clients c ON c.id=i.client_id"
            " WHERE i.kind='eligibility' AND substr(f.value,1,10) BETWEEN ?1 AND ?2"
            SCOPE_ITEM " ORDER BY i.rowid",
            -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, lo_date, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, hi_date, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, nz(sc->team), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, nz(sc->agent), -1, SQLITE_STATIC);
    struct elig_walk w = { cb, ctx };
    return walk(st, elig_row, &w);
}

/* ---- release of information --------------------------------------------- */

struct roi_walk {
    nx_kpi_roi_cb cb;
    void *ctx;
};

static int roi_row(sqlite3_stmt *st, void *arg)
{
    struct roi_walk *w = arg;
    nx_kpi_roi_row r = {
        .received = col_time(st, 0),
        .requested = col_time(st, 1),
        .request_sent_at = col_text(st, 2),
        .tz = col_text(st, 3),
    };
    return w->cb(w->ctx, &r);
}

int nx_kpi_store_roi_retrievals(nx_store *s, const nx_kpi_scope *sc, nx_kpi_roi_cb cb,
                                void *ctx)
{
    sqlite3_stmt *st = NULL;
    if (prepare(s,
                "SELECT d.at,"
                " (SELECT MIN(t.at) FROM transitions t"
                "   WHERE t.item_id=d.item_id AND t.to_status='requested'),"
                " (SELECT f.value FROM item_fields f"
                "   WHERE f.item_id=d.item_id AND f.field='request_sent_at'),"
                " c.tz" EVENTS("roi", "('received')") " ORDER BY d.at, d.id",
                sc, &st) != 0)
        return -1;
    struct roi_walk w = { cb, ctx };
    return walk(st, roi_row, &w);
}

int nx_kpi_store_roi_first_pass(nx_store *s, const nx_kpi_scope *sc, int64_t *released,
                                int64_t *first_pass)
{
    return two_counts(s,
                      "SELECT COUNT(*), COALESCE(SUM(EXISTS(SELECT 1 FROM item_fields f"
                      "   WHERE f.item_id=d.item_id AND f.field='complete_first_pass'"
                      "   AND f.value='yes')),0)"
                      EVENTS("roi", "('released')"),
                      sc, released, first_pass);
}

/* ---- scheduling --------------------------------------------------------- */

struct outcome_walk {
    nx_kpi_outcome_cb cb;
    void *ctx;
};

static int outcome_row(sqlite3_stmt *st, void *arg)
{
    struct outcome_walk *w = arg;
    return w->cb(w->ctx, col_text(st, 0), sqlite3_column_int64(st, 1));
}

int nx_kpi_store_sched_outcomes(nx_store *s, const nx_kpi_scope *sc, nx_kpi_outcome_cb cb,
                                void *ctx)
{
    sqlite3_stmt *st = NULL;
    if (prepare(s,
                "SELECT lower(trim(a.outcome)) AS o, COUNT(*) AS n"
                " FROM attempts a JOIN items i ON i.id=a.item_id"
                " WHERE i.kind='scheduling' AND a.at>=?1 AND a.at<?2"
                " AND (?3='' OR i.team=?3) AND (?4='' OR a.user=?4)"
                " GROUP BY o ORDER BY n DESC, o",
                sc, &st) != 0)
        return -1;
    struct outcome_walk w = { cb, ctx };
    return walk(st, outcome_row, &w);
}

/* ---- oversight records -------------------------------------------------- */

#define SCOPE_RECORD " AND (?3='' OR r.team=?3) AND (?4='' OR r.owner=?4)"

int nx_kpi_store_qa_reviews(nx_store *s, const nx_kpi_scope *sc, int64_t *pass, int64_t *fail)
{
    return two_counts(s,
                      "SELECT COALESCE(SUM(r.status='pass'),0), COALESCE(SUM(r.status='fail'),0)"
                      " FROM records r WHERE r.kind='qa_review'"
                      " AND r.created>=?1 AND r.created<?2" SCOPE_RECORD,
                      sc, pass, fail);
}

int nx_kpi_store_capas_open(nx_store *s, const nx_kpi_scope *sc, int64_t at, int64_t *open,
                            int64_t *overdue)
{
    /* ?1 and ?2 both hold `at`: prepare() binds the period there. */
    nx_kpi_scope at_sc = *sc;
    at_sc.start = at;
    at_sc.end = at;
    return two_counts(s,
                      "SELECT COUNT(*), COALESCE(SUM(r.due>0 AND r.due<?1),0)"
                      " FROM records r WHERE r.kind='capa' AND r.created<?1"
                      " AND (r.status<>'closed' OR r.updated>?2)" SCOPE_RECORD,
                      &at_sc, open, overdue);
}

struct pair_walk {
    nx_kpi_pair_cb cb;
    void *ctx;
};

static int pair_row(sqlite3_stmt *st, void *arg)
{
    struct pair_walk *w = arg;
    return w->cb(w->ctx, col_text(st, 0), col_text(st, 1));
}

int nx_kpi_store_scopes(nx_store *s, const char *team, nx_kpi_pair_cb cb, void *ctx)
{
    sqlite3_stmt *st = NULL;
    /* Each team once with agent "", then its agents. */
    if (sqlite3_prepare_v2(s->db,
            "WITH p(team, agent) AS ("
            "  SELECT team, assignee FROM items"
            "  UNION SELECT i.team, a.user FROM attempts a JOIN items i ON i.id=a.item_id"
            "  UNION SELECT team, owner FROM records WHERE kind IN ('qa_review','capa'))"
            " SELECT team, '' FROM p WHERE team<>'' AND (?1='' OR team=?1)"
            " UNION SELECT team, agent FROM p WHERE team<>'' AND (?1='' OR team=?1)"
            "   AND agent<>''"
            " ORDER BY 1, 2",
            -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, nz(team), -1, SQLITE_STATIC);
    struct pair_walk w = { cb, ctx };
    return walk(st, pair_row, &w);
}
