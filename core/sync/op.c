/* core/sync/op — small helpers for nx_op (op.h): the kind names used on
 * the wire and in the outbox, and the op's value, which is PHI and so is
 * wiped before it is freed. */
#include "sync/op.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static const char *const KIND_NAMES[NX_OP_KIND_COUNT] = {
#define OPK_NAME_(id, name) [NX_OP_##id] = name,
    NX_OP_KINDS(OPK_NAME_)
#undef OPK_NAME_
};

const char *nx_op_kind_name(nx_op_kind k)
{
    return (unsigned)k < NX_OP_KIND_COUNT ? KIND_NAMES[k] : NULL;
}

int nx_op_kind_parse(const char *name)
{
    if (!name)
        return -1;
    for (int k = 0; k < NX_OP_KIND_COUNT; k++)
        if (strcmp(KIND_NAMES[k], name) == 0)
            return k;
    return -1;
}

static void wipe_free(char *s)
{
    if (s) {
        sodium_memzero(s, strlen(s));
        free(s);
    }
}

int nx_op_set_value(nx_op *op, const char *v)
{
    char *copy = NULL;
    if (v) {
        size_t n = strlen(v);
        copy = malloc(n + 1);
        if (!copy)
            return -1;
        memcpy(copy, v, n + 1);
    }
    wipe_free(op->value);
    op->value = copy;
    return 0;
}

void nx_op_clear(nx_op *op)
{
    wipe_free(op->value);
    op->value = NULL;
}
