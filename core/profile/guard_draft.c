/* Drafts of unsaved forms, inside the encrypted cache. */
#include "profile/guard.h"
#include "store/draft_store.h"
#include "store/rows.h"
#include "util/util.h"

#include <stdio.h>
#include <string.h>

/* Ids are tokens, as the audit wants them: a value passed where an id
 * belongs (a name typed into the wrong place) is refused. */
static int id_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n >= 64)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '-'))
            return 0;
    }
    return 1;
}

static int open_store(nx_profile *p, const char *key, char *err, size_t errlen)
{
    if (!p->store)
        return nx_err(err, errlen, "drafts: the cache is not open");
    if (!id_ok(key))
        return nx_err(err, errlen, "drafts: not an item id or form key");
    return 0;
}

static int save(nx_profile *p, nx_draft_of of, const char *key, const nx_draft_field *f,
                size_t n, int64_t now, char *err, size_t errlen)
{
    if (open_store(p, key, err, errlen))
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!id_ok(f[i].field))
            return nx_err(err, errlen, "drafts: field %zu is not a field id", i + 1);
    if (nx_store_begin(p->store) != 0)
        return nx_err(err, errlen, "cannot keep the draft: %s", nx_store_errmsg(p->store));
    int rc = nx_store_draft_clear(p->store, of, key);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = nx_store_draft_put(p->store, of, key, f[i].field, f[i].value, now);
    if (rc != 0) {
        /* The message names no value; an unknown item is the usual cause. */
        nx_err(err, errlen, "cannot keep the draft of %s %s: %s",
               of == NX_DRAFT_ITEM ? "item" : "form", key, nx_store_errmsg(p->store));
        nx_store_rollback(p->store);
        return -1;
    }
    if (nx_store_commit(p->store) != 0) {
        nx_err(err, errlen, "cannot keep the draft: %s", nx_store_errmsg(p->store));
        nx_store_rollback(p->store);
        return -1;
    }
    return 0;
}

static int load(nx_profile *p, nx_draft_of of, const char *key,
                int (*cb)(void *ctx, const char *field, const char *value), void *ctx,
                char *err, size_t errlen)
{
    if (open_store(p, key, err, errlen))
        return -1;
    int count = 0;
    int rc = nx_store_draft_fields(p->store, of, key, cb, ctx, &count);
    if (rc < 0)
        return nx_err(err, errlen, "cannot read the draft: %s", nx_store_errmsg(p->store));
    if (rc > 0)
        return nx_err(err, errlen, "the draft of %s was not taken in whole", key);
    return count;
}

int nx_draft_save(nx_profile *p, const char *item_id, const nx_draft_field *f, size_t n,
                  int64_t now, char *err, size_t errlen)
{
    return save(p, NX_DRAFT_ITEM, item_id, f, n, now, err, errlen);
}

int nx_draft_load(nx_profile *p, const char *item_id,
                  int (*cb)(void *ctx, const char *field, const char *value), void *ctx,
                  char *err, size_t errlen)
{
    return load(p, NX_DRAFT_ITEM, item_id, cb, ctx, err, errlen);
}

int nx_draft_discard(nx_profile *p, const char *item_id, char *err, size_t errlen)
{
    return nx_draft_save(p, item_id, NULL, 0, 0, err, errlen);
}

int nx_form_draft_save(nx_profile *p, const char *key, const nx_draft_field *f, size_t n,
                       int64_t now, char *err, size_t errlen)
{
    return save(p, NX_DRAFT_FORM, key, f, n, now, err, errlen);
}

int nx_form_draft_load(nx_profile *p, const char *key,
                       int (*cb)(void *ctx, const char *field, const char *value), void *ctx,
                       char *err, size_t errlen)
{
    return load(p, NX_DRAFT_FORM, key, cb, ctx, err, errlen);
}

int nx_form_draft_discard(nx_profile *p, const char *key, char *err, size_t errlen)
{
    return nx_form_draft_save(p, key, NULL, 0, 0, err, errlen);
}

typedef struct {
    char (*ids)[64];
    int max, n;
} list_ctx;

static int take_id(void *ctx, const char *item_id, int64_t saved_at)
{
    (void)saved_at;
    list_ctx *l = ctx;
    if (l->n == l->max)
        return 1;
    snprintf(l->ids[l->n++], 64, "%s", item_id);
    return 0;
}

int nx_draft_list(nx_profile *p, char ids[][64], int max, char *err, size_t errlen)
{
    if (!p->store)
        return nx_err(err, errlen, "drafts: the cache is not open");
    list_ctx l = { ids, max < 0 ? 0 : max, 0 };
    if (nx_store_draft_items(p->store, take_id, &l) < 0)
        return nx_err(err, errlen, "cannot list drafts: %s", nx_store_errmsg(p->store));
    return l.n;
}
