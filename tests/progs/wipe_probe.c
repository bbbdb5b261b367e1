/* tests/progs — wipe_probe: the client's lock, without the screen, for the
 * memory scan of tests/unit/test_wipe.c (issue 4: "after the lock, a scan
 * of the client's memory finds none of the patient names that were on the
 * screen"; DESIGN security invariant 3).
 *
 * A separate program, not a fork of the test: a forked child would start
 * with a copy of everything the test holds, the names it searches for
 * included. Here the names reach this process only by being decrypted out
 * of the cache, as in the client.
 *
 *   wipe_probe PROFILE_DIR ITEM_ID...
 *   environment: NX_WIPE_PASS (the passphrase)
 *
 * 1. unlocks the profile, starts a session, opens every item (nx_session_open
 *    loads the patient's names), builds its form (what a screen draws), keeps
 *    a draft of each form and reads it back, as the form screen would on a
 *    lock and on the unlock after it, and edits one name; then stops itself
 *    (SIGSTOP): the test
 *    scans, and must find the names and the data key (its positive control);
 * 2. on SIGCONT locks: frees forms and items with their wiping functions,
 *    ends the session, closes the profile; stops itself again: the test
 *    scans, and must find nothing;
 * 3. on SIGCONT exits 0.
 * Exit 2: set-up failed, 3: a step failed (the message names no value). */
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "domain/dict.h"
#include "profile/guard.h"
#include "profile/profile.h"
#include "session/session.h"

#define MAX_ITEMS 64

static int fail(int code, const char *what, const char *err)
{
    fprintf(stderr, "wipe_probe: %s: %s\n", what, err);
    return code;
}

typedef struct {
    nx_form *form;
    size_t restored;
} restore_ctx;

/* What the form screen does with a draft: copy each value back into its
 * field (the copy is wiped with the form). */
static int restore(void *ctx, const char *field, const char *value)
{
    restore_ctx *r = ctx;
    for (size_t i = 0; i < r->form->n; i++)
        if (strcmp(r->form->fields[i].def->id, field) == 0) {
            snprintf(r->form->fields[i].shown, sizeof r->form->fields[i].shown, "%s", value);
            r->restored++;
        }
    return 0;
}

static int keep_draft(nx_profile *p, const nx_item *it, nx_form *f, char *err, size_t errlen)
{
    nx_draft_field d[2];
    size_t n = 0;
    for (size_t i = 0; i < f->n && n < 2; i++)
        if (f->fields[i].editable &&
            (strcmp(f->fields[i].def->id, "family_name") == 0 ||
             strcmp(f->fields[i].def->id, "given_name") == 0))
            d[n++] = (nx_draft_field){ f->fields[i].def->id, f->fields[i].shown };
    if (nx_draft_save(p, it->id, d, n, 1780300800, err, errlen) != 0)
        return -1;
    restore_ctx r = { f, 0 };
    if (nx_draft_load(p, it->id, restore, &r, err, errlen) != (int)n || r.restored != n) {
        snprintf(err, errlen, "the draft did not come back whole");
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (nx_crypt_init() != 0)
        return fail(2, "nx_crypt_init", "failed");
    const char *pass = getenv("NX_WIPE_PASS");
    if (argc < 3 || argc - 2 > MAX_ITEMS || !pass)
        return fail(2, "usage", "wipe_probe PROFILE_DIR ITEM_ID... (NX_WIPE_PASS set)");
    static nx_item items[MAX_ITEMS];
    static nx_form forms[MAX_ITEMS];
    int nitems = argc - 2;

    nx_conf c;
    nx_conf_defaults(&c);
    snprintf(c.cache_dir, sizeof c.cache_dir, "%s", argv[1]);
    nx_profile prof;
    nx_session sess;
    memset(&sess, 0, sizeof sess);
    char err[512] = "";
    if (nx_profile_paths(&prof, &c, err, sizeof err) != 0 ||
        nx_profile_open(&prof, pass, strlen(pass), err, sizeof err) != 0)
        return fail(2, "unlock", err);
    if (nx_backoff_settle(&prof, err, sizeof err) != 0 ||
        nx_session_start(&sess, &prof, nx_dict_default(), NULL, err, sizeof err) != 0)
        return fail(2, "session", err);

    for (int i = 0; i < nitems; i++) {
        if (nx_session_open(&sess, argv[2 + i], &items[i], err, sizeof err) != 0)
            return fail(3, "open", err);
        if (nx_session_form(&sess, &items[i], NULL, &forms[i], err, sizeof err) != 0)
            return fail(3, "form", err);
        if (keep_draft(&prof, &items[i], &forms[i], err, sizeof err) != 0)
            return fail(3, "draft", err);
    }
    /* An edit: the first patient's family name gets one more letter, so
     * the old value passes through the edit path (kept for a rollback,
     * checked, canonicalised) and the new one still holds the name. */
    char edited[256];
    snprintf(edited, sizeof edited, "%sQ", nx_item_get(&items[0], "family_name"));
    int rc = nx_session_set(&sess, &items[0], "family_name", edited, err, sizeof err);
    sodium_memzero(edited, sizeof edited);
    if (rc != 0)
        return fail(3, "edit", err);
    raise(SIGSTOP);   /* scan 1: everything on screen is in memory */

    /* The lock, as the client does it. */
    for (int i = 0; i < nitems; i++) {
        nx_form_free(&forms[i]);
        nx_item_free(&items[i]);
    }
    nx_session_end(&sess);
    nx_profile_close(&prof);
    raise(SIGSTOP);   /* scan 2: nothing of it is left */
    return 0;
}
