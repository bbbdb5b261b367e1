/* The client's side of RECORD frames (proto.h): an oversight record as the
 * hub stores it, checked and written to the cache (core/store/
 * record_store.h). The hub already decided the user may hold it; the
 * client checks the shape (ids, kind, a JSON object body within the
 * limit) and refuses the frame otherwise, naming the record id at most. */
#include "sync/client_int.h"
#include "domain/record.h"
#include "store/record_store.h"
#include "util/util.h"

#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static int opt_str(const nx_msg *m, nx_tag tag, char *out, size_t len)
{
    out[0] = '\0';
    return nx_msg_get_str(m, tag, out, len) < 0 ? -1 : 0;
}

/* Copies VALUE into r->body after checking it is one JSON object. */
static int take_body(const nx_msg *m, nx_record *r)
{
    const nx_field_ref *v = nx_msg_get(m, NX_TAG_VALUE);
    if (!v)
        return nx_record_set_body(r, "{}");
    if (v->len > NX_RECORD_BODY_MAX)
        return -1;
    json_error_t jerr;
    json_t *o = json_loadb((const char *)v->p, v->len, JSON_REJECT_DUPLICATES, &jerr);
    int ok = o && json_is_object(o);
    json_decref(o);
    if (!ok)
        return -1;
    char *b = malloc(v->len + 1);
    if (!b)
        return -1;
    memcpy(b, v->p, v->len);
    b[v->len] = '\0';
    int rc = nx_record_set_body(r, b);
    sodium_memzero(b, v->len);
    free(b);
    return rc;
}

nx_sync_code nx_pull_record(nx_store *st, const nx_msg *m, char *err, size_t errlen)
{
    nx_record r = { 0 };
    nx_sync_code c = NX_SYNC_PROTOCOL;
    uint64_t hlc = 0;
    if (opt_str(m, NX_TAG_ITEM, r.id, sizeof r.id) || !nx_sync_token_ok(r.id) ||
        strlen(r.id) >= sizeof r.id) {
        nx_err(err, errlen, "the hub sent a record whose id is not a plain id");
        goto out;
    }
    if (opt_str(m, NX_TAG_KIND, r.kind, sizeof r.kind) || nx_record_kind_parse(r.kind) < 0 ||
        opt_str(m, NX_TAG_STATUS, r.status, sizeof r.status) || !r.status[0] ||
        opt_str(m, NX_TAG_LINKED, r.item_id, sizeof r.item_id) ||
        (r.item_id[0] && !nx_sync_token_ok(r.item_id)) ||
        opt_str(m, NX_TAG_TEAM, r.team, sizeof r.team) ||
        opt_str(m, NX_TAG_USER, r.author, sizeof r.author) ||
        opt_str(m, NX_TAG_ASSIGNEE, r.owner, sizeof r.owner)) {
        nx_err(err, errlen, "record %s: the hub sent it malformed", r.id);
        goto out;
    }
    nx_msg_get_i64(m, NX_TAG_CREATED, &r.created);
    nx_msg_get_i64(m, NX_TAG_UPDATED, &r.updated);
    nx_msg_get_i64(m, NX_TAG_DUE, &r.due);
    nx_msg_get_u64(m, NX_TAG_HLC, &hlc);
    r.hlc = hlc;
    if (r.created < 0 || r.updated < 0 || r.due < 0 || take_body(m, &r) != 0) {
        nx_err(err, errlen, "record %s: the hub sent it malformed", r.id);
        goto out;
    }
    if (nx_record_apply(st, &r) < 0) {
        nx_err(err, errlen, "record %s: cannot write it to the cache", r.id);
        c = NX_SYNC_ERROR;
        goto out;
    }
    c = NX_SYNC_OK;
out:
    nx_record_clear(&r);
    return c;
}
