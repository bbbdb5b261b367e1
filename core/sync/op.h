/* core/sync/op — one change made on a device, as it travels to the hub.
 *
 * Every local change is an op, written to the outbox (core/store/outbox)
 * in the same transaction as the change and its audit event. The hub
 * re-checks each one (role, validators, workflow) and merges it:
 *
 *   kind     field            value                         merge on the hub
 *   set      field id         canonical value               last writer by (hlc, op id)
 *                                                           wins; the loser is kept as a
 *                                                           conflict record
 *   add      field id         signed decimal delta          added (units used)
 *   status   linked item id   new status                    applied only when the hub's
 *            created by the                                 status == expect, else it
 *            step, or empty                                 goes to the conflict inbox
 *   note     corrected op id  body                          appended
 *   attempt  -                channel \x1f outcome \x1f next appended
 *   attach   -                ref \x1f label                appended
 *   create   -                kind \x1f client id \x1f      created (the item id is the
 *                             patient id \x1f priority      op's item)
 *   assign   -                new assignee                  supervisor only; last writer
 *   resolve  conflict id      "apply" | "discard"           supervisor only
 *   record   record kind      nx_record_to_json (record.h)  checked by nx_record_check;
 *            (item = the                                    the later by (hlc, op id)
 *            record's id)                                   replaces the record
 *
 * The value is PHI: ops live only inside the encrypted cache (and the
 * hub's), and nx_op_clear wipes it. */
#ifndef NX_SYNC_OP_H
#define NX_SYNC_OP_H
#include <stddef.h>
#include <stdint.h>
#include "sync/hlc.h"

#define NX_OP_KINDS(X) \
    X(SET, "set") X(ADD, "add") X(STATUS, "status") X(NOTE, "note") \
    X(ATTEMPT, "attempt") X(ATTACH, "attach") X(CREATE, "create") \
    X(ASSIGN, "assign") X(RESOLVE, "resolve") X(RECORD, "record")

typedef enum {
#define NX_OPK_ENUM_(id, name) NX_OP_##id,
    NX_OP_KINDS(NX_OPK_ENUM_)
#undef NX_OPK_ENUM_
    NX_OP_KIND_COUNT
} nx_op_kind;

const char *nx_op_kind_name(nx_op_kind k);
int nx_op_kind_parse(const char *name);     /* -1 if unknown */

#define NX_OP_SEP "\x1f"                    /* between parts of a value */

typedef struct nx_op {
    char id[40];             /* uuid4 */
    char device[40];         /* hex device id */
    char user[64];
    nx_hlc hlc;
    nx_op_kind kind;
    char item[64];
    char field[64];          /* see the table above; "" when unused */
    char expect[32];         /* status ops: the status the device saw */
    char *value;             /* heap, NUL-terminated, may be NULL; PHI */
} nx_op;

/* Sets value to a copy of v (NULL = none). 0 or -1 (no memory). */
int  nx_op_set_value(nx_op *op, const char *v);
void nx_op_clear(nx_op *op);                /* wipes and frees value */

#endif
