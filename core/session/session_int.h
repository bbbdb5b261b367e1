/* Private to core/session. */
#ifndef NX_SESSION_INT_H
#define NX_SESSION_INT_H
#include "session/session.h"
#include "domain/audit.h"
#include "store/items_io.h"
#include "store/rows.h"
#include "sync/op.h"

/* BEGIN IMMEDIATE; -1 with err when the store is busy or broken. */
int  sess_begin(nx_session *s, char *err, size_t errlen);
/* Appends the event, COMMITs and moves the key file's head. On any
 * failure: ROLLBACK, -1, err. */
int  sess_commit(nx_session *s, const nx_audit_event *e, char *err, size_t errlen);
void sess_rollback(nx_session *s);
/* Appends an extra event inside the open transaction. */
int  sess_event(nx_session *s, const nx_audit_event *e, char *err, size_t errlen);
/* Records a refused attempt (outcome failed) in its own transaction. */
void sess_refused(nx_session *s, nx_audit_action a, const char *item, const char *field);

/* The item's client time zone into tz ("UTC" when unknown). */
void sess_client_tz(nx_session *s, const char *client_id, char *tz, size_t len);
/* Loads item id into it (no audit, no scope check). 1 found, 0 none, -1. */
int  sess_load(nx_session *s, const char *id, nx_item *it, char *err, size_t errlen);
/* Writes the item's common columns and every kind field it holds. */
int  sess_store_item(nx_session *s, const nx_item *it, int insert);
int  sess_in_scope(const nx_session *s, const nx_item *it);

/* Writes the change's sync op to the outbox inside the open transaction
 * (nothing when s->outbox_off). parts are joined with NX_OP_SEP into the
 * value (the joined copy is wiped). op_id (may be NULL) gets the op's id,
 * "" when none was written. 0, or -1 with err (the caller rolls back). */
int  sess_op(nx_session *s, nx_op_kind kind, const char *item, const char *field,
             const char *const *parts, size_t nparts, const char *expect, char op_id[40],
             char *err, size_t errlen);

/* Re-routing (session_super.c), shared by nx_session_assign and the
 * re-routing of a whole queue (session_reroute.c) so both write exactly
 * the same thing per item. sess_may_assign: a supervisor whose policy
 * allows assign. sess_user_id_ok: a user id as the hub names users
 * (letters, digits, . _ : -; 1..63). sess_assign_write, inside an open
 * transaction: the item's new assignee `to` (and updated time), its
 * assign op and, with_event, its assign audit event (sess_assign_event);
 * on failure the caller's item is as it was and the caller rolls back. */
int  sess_may_assign(const nx_session *s);
int  sess_user_id_ok(const char *u);
int  sess_assign_write(nx_session *s, nx_item *it, const char *to, int with_event, char *err,
                       size_t errlen);
nx_audit_event sess_assign_event(const nx_item *it);

#endif
