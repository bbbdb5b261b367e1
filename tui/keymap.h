/* tui/keymap — which key sends which request in which context, read from
 * .keys files: `bind CONTEXT KEY REQUEST`, '#' comments, blank lines.
 *
 * Lookups are layered: the screen's context first, then `generic`. In a
 * text-entry context (form, lock) a printable or line-editing key the
 * context itself does not bind goes to the text, so `j` types a j there
 * instead of moving down, and C-u clears the field even where a generic
 * binding gives C-u another meaning.
 *
 * keymaps/default.keys is compiled into the binary (build/gen/keymaps.c)
 * and always read first; `[ui] keymap` names what is layered over it:
 * `default` (nothing more), `vi` (keymaps/vi.keys, compiled in too) or a
 * path to the user's own file. `bind CTX KEY none` removes a binding. */
#ifndef NX_TUI_KEYMAP_H
#define NX_TUI_KEYMAP_H

#include <stddef.h>
#include "tui/keys.h"
#include "tui/request.h"

#define TUI_CONTEXTS(X) \
    X(GENERIC, "generic") \
    X(DASHBOARD, "dashboard") \
    X(QUEUE, "queue") \
    X(FORM, "form") \
    X(HELP, "help") \
    X(LOCK, "lock") \
    X(CONFLICTS, "conflicts") \
    X(KPI, "kpi") \
    X(AUDIT, "audit") \
    X(INCIDENTS, "incidents") \
    X(REQUESTS, "requests") \
    X(QA, "qa")

typedef enum {
#define TUI_CTX_ENUM_(id, name) TUI_CTX_##id,
    TUI_CONTEXTS(TUI_CTX_ENUM_)
#undef TUI_CTX_ENUM_
    TUI_CTX_COUNT
} tui_ctx;

const char *tui_ctx_name(tui_ctx c);

typedef struct tui_binding {
    tui_key key;
    int req;
} tui_binding;

typedef struct tui_keymap {
    tui_binding *b[TUI_CTX_COUNT];
    size_t n[TUI_CTX_COUNT], cap[TUI_CTX_COUNT];
    char source[256];             /* what was layered over the default */
} tui_keymap;

/* The compiled-in files (generated from keymaps/ by the Makefile). */
extern const char nx_keymap_default[];
extern const char nx_keymap_vi[];

/* Parses text (name stands for its file in messages) into km, over what
 * km holds. Errors: "name:line: problem", e.g.
 * "keymaps/x.keys:3: unknown request 'opne'". */
int  tui_keymap_parse(tui_keymap *km, const char *text, const char *name,
                      char *err, size_t errlen);
/* The default, then `choice` (default | vi | a path) over it. */
int  tui_keymap_load(tui_keymap *km, const char *choice, char *err, size_t errlen);
void tui_keymap_free(tui_keymap *km);

/* The request bound to key in ctx itself (no layering); REQ_NONE if none. */
int  tui_keymap_get(const tui_keymap *km, tui_ctx ctx, tui_key key);
/* The layered lookup described above. */
int  tui_keymap_resolve(const tui_keymap *km, tui_ctx ctx, int text_entry, tui_key key);
/* The keys that send req in ctx (as resolve sees them: the context's own,
 * then generic ones the context does not shadow), names joined by ", ";
 * returns how many. */
int  tui_keymap_keys_for(const tui_keymap *km, tui_ctx ctx, int text_entry, int req,
                         char *buf, size_t len);

/* Every binding as `bind CONTEXT KEY REQUEST` lines, by context then
 * key: what a golden test pins and the README's key table is made from. */
int  tui_keymap_dump(const tui_keymap *km, char *buf, size_t len);

#endif
