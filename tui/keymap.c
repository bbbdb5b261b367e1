/* tui/keymap — the .keys parser and the layered lookup. */
#include "tui/keymap.h"
#include "util/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const ctx_names[TUI_CTX_COUNT] = {
#define TUI_CTX_NAME_(id, name) name,
    TUI_CONTEXTS(TUI_CTX_NAME_)
#undef TUI_CTX_NAME_
};

const char *tui_ctx_name(tui_ctx c)
{
    return (unsigned)c < TUI_CTX_COUNT ? ctx_names[c] : "?";
}

static int ctx_parse(const char *s)
{
    for (int i = 0; i < TUI_CTX_COUNT; i++)
        if (strcmp(ctx_names[i], s) == 0)
            return i;
    return -1;
}

static int fail(char *err, size_t errlen, const char *name, int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int fail(char *err, size_t errlen, const char *name, int line, const char *fmt, ...)
{
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(err, errlen, "%s:%d: %s", name, line, what);
    return -1;
}

/* Sets (req != REQ_NONE) or removes the binding of key in ctx. */
static int bind_key(tui_keymap *km, tui_ctx ctx, tui_key key, int req)
{
    for (size_t i = 0; i < km->n[ctx]; i++)
        if (km->b[ctx][i].key == key) {
            if (req == REQ_NONE)
                km->b[ctx][i] = km->b[ctx][--km->n[ctx]];
            else
                km->b[ctx][i].req = req;
            return 0;
        }
    if (req == REQ_NONE)
        return 0;
    if (km->n[ctx] == km->cap[ctx]) {
        size_t cap = km->cap[ctx] ? km->cap[ctx] * 2 : 32;
        tui_binding *b = realloc(km->b[ctx], cap * sizeof *b);
        if (!b)
            return -1;
        km->b[ctx] = b;
        km->cap[ctx] = cap;
    }
    km->b[ctx][km->n[ctx]++] = (tui_binding){ key, req };
    return 0;
}

/* Splits one line into at most max blank-separated words. */
static int words(char *line, char **w, int max)
{
    int n = 0;
    for (char *save = NULL, *tok = strtok_r(line, " \t\r", &save); tok;
         tok = strtok_r(NULL, " \t\r", &save)) {
        if (n == max)
            return max + 1;
        w[n++] = tok;
    }
    return n;
}

static int parse_line(tui_keymap *km, char *line, const char *name, int ln,
                      char *err, size_t errlen)
{
    char *w[5];
    int n = words(line, w, 4);
    if (n == 0 || w[0][0] == '#')
        return 0;
    if (strcmp(w[0], "bind") != 0)
        return fail(err, errlen, name, ln, "unknown command '%s' (expected bind)", w[0]);
    if (n != 4)
        return fail(err, errlen, name, ln, "expected 'bind CONTEXT KEY REQUEST'");
    int ctx = ctx_parse(w[1]);
    if (ctx < 0)
        return fail(err, errlen, name, ln,
                    "unknown context '%s' (generic, dashboard, queue, form, help, lock, "
                    "conflicts)", w[1]);
    tui_key key;
    if (tui_key_parse(w[2], &key) != 0)
        return fail(err, errlen, name, ln, "unknown key '%s'", w[2]);
    int req = strcmp(w[3], "none") == 0 ? REQ_NONE : nx_request_parse(w[3]);
    if (req == REQ_NONE && strcmp(w[3], "none") != 0)
        return fail(err, errlen, name, ln, "unknown request '%s'", w[3]);
    if (bind_key(km, (tui_ctx)ctx, key, req) != 0)
        return fail(err, errlen, name, ln, "out of memory");
    return 0;
}

int tui_keymap_parse(tui_keymap *km, const char *text, const char *name,
                     char *err, size_t errlen)
{
    int ln = 0;
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        ln++;
        char line[512];
        if (len >= sizeof line)
            return fail(err, errlen, name, ln, "line too long");
        memcpy(line, p, len);
        line[len] = '\0';
        if (parse_line(km, line, name, ln, err, errlen) != 0)
            return -1;
        p += len + (nl ? 1 : 0);
    }
    return 0;
}

int tui_keymap_load(tui_keymap *km, const char *choice, char *err, size_t errlen)
{
    memset(km, 0, sizeof *km);
    if (tui_keymap_parse(km, nx_keymap_default, "keymaps/default.keys", err, errlen) != 0)
        goto fail;
    if (!choice || !*choice || strcmp(choice, "default") == 0) {
        snprintf(km->source, sizeof km->source, "default");
        return 0;
    }
    if (strcmp(choice, "vi") == 0) {
        snprintf(km->source, sizeof km->source, "vi");
        if (tui_keymap_parse(km, nx_keymap_vi, "keymaps/vi.keys", err, errlen) != 0)
            goto fail;
        return 0;
    }
    char *text = NULL;
    size_t len = 0;
    if (nx_read_file(choice, 1 << 20, &text, &len, err, errlen) != 0)
        goto fail;
    snprintf(km->source, sizeof km->source, "%s", choice);
    int rc = tui_keymap_parse(km, text, choice, err, errlen);
    free(text);
    if (rc == 0)
        return 0;
fail:
    tui_keymap_free(km);
    return -1;
}

void tui_keymap_free(tui_keymap *km)
{
    for (int i = 0; i < TUI_CTX_COUNT; i++) {
        free(km->b[i]);
        km->b[i] = NULL;
        km->n[i] = km->cap[i] = 0;
    }
}

int tui_keymap_get(const tui_keymap *km, tui_ctx ctx, tui_key key)
{
    for (size_t i = 0; i < km->n[ctx]; i++)
        if (km->b[ctx][i].key == key)
            return km->b[ctx][i].req;
    return REQ_NONE;
}

int tui_keymap_resolve(const tui_keymap *km, tui_ctx ctx, int text_entry, tui_key key)
{
    int req = tui_keymap_get(km, ctx, key);
    if (req != REQ_NONE || ctx == TUI_CTX_GENERIC)
        return req;
    if (text_entry && (tui_key_is_text(key) || tui_key_is_edit(key)))
        return REQ_NONE;
    return tui_keymap_get(km, TUI_CTX_GENERIC, key);
}

static void append_key(char *buf, size_t len, size_t *used, tui_key key)
{
    char name[32];
    tui_key_name(key, name, sizeof name);
    int w = snprintf(buf + *used, len - *used, "%s%s", *used ? ", " : "", name);
    if (w > 0 && (size_t)w < len - *used)
        *used += (size_t)w;
}

int tui_keymap_keys_for(const tui_keymap *km, tui_ctx ctx, int text_entry, int req,
                        char *buf, size_t len)
{
    size_t used = 0;
    int count = 0;
    if (len)
        buf[0] = '\0';
    /* Keys in file order are not kept; a stable order (by code) keeps the
     * help screen and its golden file from changing with binding order. */
    for (int pass = 0; pass < 2; pass++) {
        tui_ctx c = pass == 0 ? ctx : TUI_CTX_GENERIC;
        if (pass == 1 && ctx == TUI_CTX_GENERIC)
            break;
        tui_key keys[64];
        int nk = 0;
        for (size_t i = 0; i < km->n[c] && nk < 64; i++) {
            tui_key k = km->b[c][i].key;
            if (km->b[c][i].req != req)
                continue;
            if (pass == 1 && tui_keymap_resolve(km, ctx, text_entry, k) != req)
                continue;
            keys[nk++] = k;
        }
        for (int i = 1; i < nk; i++)
            for (int j = i; j > 0 && keys[j] < keys[j - 1]; j--) {
                tui_key t = keys[j];
                keys[j] = keys[j - 1];
                keys[j - 1] = t;
            }
        for (int i = 0; i < nk; i++) {
            append_key(buf, len, &used, keys[i]);
            count++;
        }
    }
    return count;
}

int tui_keymap_dump(const tui_keymap *km, char *buf, size_t len)
{
    size_t used = 0;
    if (len)
        buf[0] = '\0';
    for (int c = 0; c < TUI_CTX_COUNT; c++) {
        tui_binding sorted[256];
        size_t n = km->n[c] < 256 ? km->n[c] : 256;
        if (n)
            memcpy(sorted, km->b[c], n * sizeof *sorted);
        for (size_t i = 1; i < n; i++)
            for (size_t j = i; j > 0 && sorted[j].key < sorted[j - 1].key; j--) {
                tui_binding t = sorted[j];
                sorted[j] = sorted[j - 1];
                sorted[j - 1] = t;
            }
        for (size_t i = 0; i < n; i++) {
            char key[32];
            tui_key_name(sorted[i].key, key, sizeof key);
            int w = snprintf(buf + used, len - used, "bind %-9s %-11s %s\n", ctx_names[c], key,
                             nx_request_name(sorted[i].req));
            if (w < 0 || (size_t)w >= len - used)
                return -1;
            used += (size_t)w;
        }
    }
    return 0;
}
