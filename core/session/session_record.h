/* core/session — oversight records as a signed-in user writes and reads
 * them (what a record is: core/domain/record.h). Screens call these; the
 * rules (who may write which kind, which status moves) are the kind's, in
 * core/domain, checked here before writing and again by the hub. */
#ifndef NX_SESSION_RECORD_H
#define NX_SESSION_RECORD_H
#include "domain/record.h"
#include "session/session.h"
#include "store/record_store.h"

/* Saves r: a new record when none with r->id is in the cache (an empty id
 * gets a new uuid, written back to r->id), else a change of the stored
 * one. The session fills author (new: the user; a change keeps the
 * stored author), created (new and 0: now; a change keeps the stored
 * one), updated (now), team (when empty: the item's, else the user's).
 * Then nx_record_check (the kind's rules) against the stored row, and
 * ONE transaction: the row, its `record` op for the hub, and a `record`
 * audit event (item = r->item_id, field = the kind). err names the record
 * id or the rule broken, never a value. 0 or -1. */
int nx_session_record_save(nx_session *s, nx_record *r, char *err, size_t errlen);

/* The same, and within(ctx, ...) runs inside that transaction after the
 * row and its op are written: what the record changes on this laptop at
 * the same moment (a patient request sets the patient's flag, so it holds
 * offline too). Its non-zero return (err filled) rolls everything back. */
typedef int (*nx_record_within_fn)(void *ctx, nx_session *s, const nx_record *r, char *err,
                                   size_t errlen);
int nx_session_record_save_with(nx_session *s, nx_record *r, nx_record_within_fn within,
                                void *ctx, char *err, size_t errlen);

/* The row with this id if the user may see it (nx_record_visible):
 * 1 found (clear out), 0 none or not visible, -1 with err. */
int nx_session_record_get(nx_session *s, const char *id, nx_record_row *out, char *err,
                          size_t errlen);

/* The rows of the filter the user may see, in the store's order
 * (nx_record_scan). 0, fn's non-zero return, or -1 with err. */
int nx_session_record_scan(nx_session *s, const nx_record_filter *f, nx_record_fn fn,
                           void *ctx, char *err, size_t errlen);

/* How many rows of the filter the user may see; -1 on error. */
int64_t nx_session_record_count(nx_session *s, const nx_record_filter *f);

/* A list screen's lines: the rows of the filter the user may see, each
 * made into one line of line_size bytes by fill (which reads the body it
 * needs and wipes it; -1 = out of memory). *out is malloc'd (free()), *n
 * lines. 0, or -1 with err. */
typedef int (*nx_record_line_fn)(nx_session *s, const nx_record_row *row, void *line);
int nx_session_record_lines(nx_session *s, const nx_record_filter *f, size_t line_size,
                            nx_record_line_fn fill, void **out, size_t *n, char *err,
                            size_t errlen);

#endif
