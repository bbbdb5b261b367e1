/* One work item in memory. The fields of a kind come from the dictionary
 * the item was made with, so an item never carries a field its kind does
 * not have, and a field added to the dictionary appears here unasked. */
#include "domain/item.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/workflow.h"

static void wipe_value(nx_item_value *v)
{
    if (v->value) {
        sodium_memzero(v->value, strlen(v->value));
        free(v->value);
        v->value = NULL;
    }
}

/* The dictionary is walked directly rather than through nx_dict_fields_of
 * so the item needs no upper bound on the number of fields. */
int nx_item_init(nx_item *it, const nx_dict *d, nx_kind k)
{
    memset(it, 0, sizeof *it);
    if (!d || (unsigned)k >= NX_KIND_COUNT)
        return -1;
    size_t n = 0;
    for (size_t i = 0; i < d->n; i++)
        n += (d->fields[i].kinds & NX_KIND_BIT(k)) != 0;
    it->dict = d;
    it->kind = k;
    snprintf(it->status, sizeof it->status, "%s", nx_workflow_initial(k));
    if (n == 0)
        return 0;
    it->vals = calloc(n, sizeof *it->vals);
    if (!it->vals)
        return -1;
    for (size_t i = 0; i < d->n; i++) {
        if (!(d->fields[i].kinds & NX_KIND_BIT(k)))
            continue;
        nx_item_value *v = &it->vals[it->nvals++];
        v->def = &d->fields[i];
        v->value = calloc(1, 1);
        if (!v->value) {
            nx_item_free(it);
            return -1;
        }
    }
    return 0;
}

void nx_item_free(nx_item *it)
{
    if (!it)
        return;
    for (size_t i = 0; i < it->nvals; i++)
        wipe_value(&it->vals[i]);
    free(it->vals);
    /* The common fields name the patient and the client too. */
    sodium_memzero(it, sizeof *it);
}

static nx_item_value *find(const nx_item *it, const char *field_id)
{
    if (!it || !field_id)
        return NULL;
    for (size_t i = 0; i < it->nvals; i++)
        if (strcmp(it->vals[i].def->id, field_id) == 0)
            return &it->vals[i];
    return NULL;
}

const char *nx_item_get(const nx_item *it, const char *field_id)
{
    const nx_item_value *v = find(it, field_id);
    return v && v->value ? v->value : "";
}

int nx_item_set(nx_item *it, const char *field_id, const char *value)
{
    nx_item_value *v = find(it, field_id);
    if (!v)
        return -1;
    char *copy = strdup(value ? value : "");
    if (!copy)
        return -1;
    wipe_value(v);
    v->value = copy;
    return 0;
}

int nx_item_yes(const nx_item *it, const char *field_id)
{
    return strcmp(nx_item_get(it, field_id), "yes") == 0;
}
