/* core/profile/guard — what protects a profile while nobody is at the
 * keyboard: the unlock back-off that survives a restart, the passphrase's
 * age (seed 001 §4.8: change every 90 days, reminder from 5 days before),
 * and encrypted drafts of unsaved forms so a lock, crash or power loss
 * loses at most the last few seconds of typing. */
#ifndef NX_GUARD_H
#define NX_GUARD_H

#include <stddef.h>
#include <stdint.h>
#include "profile/profile.h"

/* ---- unlock back-off --------------------------------------------------------
 * Kept in a small file beside the key file (the cache is closed while
 * locked, and the count must survive a restart): failed attempts since the
 * last good unlock and their times, written atomically (0600) before the
 * result is shown, read-modify-write under the same directory lock as the
 * key file, so two nexus processes do not lose each other's failures.
 *
 * What it cannot do: it is a plain file the user owns, not authenticated
 * (nothing can be, while the key is locked away). Deleting it, or putting
 * back an older copy, resets the back-off; a changed clock shortens or
 * lengthens the wait. It slows a person guessing at the lock screen and
 * makes the guesses visible in the audit at the next unlock; it is no
 * defence against someone who copies the key file and guesses offline.
 * There the brake is the passphrase KDF (Argon2id, seconds and hundreds of
 * MiB per guess, crypt/vault.c), and the passphrase rules.
 *
 * A file that does not parse fails closed: it counts as the cap, from the
 * time it was last written, and the next settle records that attempts of
 * unknown number and time were lost. */
#define NX_GUARD_FILE "nexus.unlock"
#define NX_BACKOFF_CAP_SECONDS 300
#define NX_BACKOFF_KEEP 32          /* failure times kept (the most recent) */
/* The smallest count whose wait is the cap (2^9 = 512 > 300): what a
 * damaged file counts as. */
#define NX_BACKOFF_CAP_FAILURES 10

typedef struct nx_backoff {
    int failures;             /* since the last successful unlock */
    int64_t last_failure;     /* unix seconds (a damaged file: its mtime) */
    int64_t times[NX_BACKOFF_KEEP];   /* the most recent failures, oldest first */
    int ntimes;               /* min(failures, NX_BACKOFF_KEEP) unless damaged */
    int damaged;              /* the file was (or had been) unreadable: failures unknown */
    char id[40];              /* random id of this record, so a settle is applied once */
} nx_backoff;

/* Reads the file (missing = no failures, returns 0). A damaged file counts
 * as the cap (fail closed): b->damaged is set, err says so, returns 1. */
int nx_backoff_load(const nx_profile *p, nx_backoff *b, char *err, size_t errlen);
/* Seconds the user must still wait before the next attempt at now:
 * 0 after no failures, then 1, 2, 4, ... capped at NX_BACKOFF_CAP_SECONDS,
 * counted from the last failure. Never more than that step's delay: a
 * clock set back by less than the delay waits the delay, further back no
 * wait at all (a lock screen polling this must not be shut out for as long
 * as the clock moved). */
int64_t nx_backoff_wait(const nx_backoff *b, int64_t now);
/* Records a failure at now (written before the result is shown,
 * atomically, under the directory lock). 0 or -1 with err. */
int nx_backoff_fail(const nx_profile *p, int64_t now, char *err, size_t errlen);
/* After a good unlock, with the cache open, before the login/unlock event:
 * writes one unlock-failed event (outcome failed, at = its time) per
 * recorded failure, plus one event whose reason says how many more there
 * were when times were not kept (more than NX_BACKOFF_KEEP, or a damaged
 * file), in ONE transaction that also notes the record's id in the cache's
 * meta table (a crash before the file is removed does not write them
 * twice); moves the key file's head; then removes the file, unless another
 * process recorded a failure meanwhile (kept for the next settle).
 * 0 done (also when there was nothing); 1 events committed but the head or
 * the file could not be updated (err says why; nothing is lost, and nothing
 * will be written twice); -1 nothing written (err). */
int nx_backoff_settle(nx_profile *p, char *err, size_t errlen);

/* ---- passphrase age ------------------------------------------------------------ */
typedef enum { NX_PASS_OK, NX_PASS_REMIND, NX_PASS_EXPIRED } nx_pass_age;
#define NX_PASS_MAX_DAYS 90
#define NX_PASS_REMIND_DAYS 5
/* From the key file's passphrase_set (nx_vault_info after unlock, or
 * nx_vault_peek for the lock screen). REMIND from 5 days before the 90
 * days are up (seed 001 §4.8: "reminded that passwords shall become
 * obsolete within five days"), EXPIRED once they are (age >= 90 days: the
 * unlock leads straight to the change). days_left (may be NULL): whole days
 * until it must change, rounded down, negative when past (90 days and one
 * second old: -1). */
nx_pass_age nx_passphrase_age(const nx_profile_info *info, int64_t now, int *days_left);

/* ---- drafts ------------------------------------------------------------------------
 * Unsaved form values of one item, inside the encrypted cache only (values
 * are PHI; nothing is audited: a draft changes no record). The cache must
 * be open. A draft belongs to an existing item and is deleted with it. */
typedef struct nx_draft_field {
    const char *field;
    const char *value;
} nx_draft_field;

/* Replaces the item's whole draft with these n fields (n = 0 discards it),
 * saved_at = now, in one transaction: after a crash the draft is the old
 * one or the new one, never a mix. Field ids are dictionary ids (tokens of
 * at most 63 bytes); values may be empty (a field the user cleared). */
int nx_draft_save(nx_profile *p, const char *item_id, const nx_draft_field *f, size_t n,
                  int64_t now, char *err, size_t errlen);
/* cb for each drafted field, in field-id order; value is valid only during
 * the call (SQLite's memory, zeroed when freed): copy it into the form and
 * wipe that copy when done. A non-zero return from cb stops and fails (-1).
 * Returns how many, 0 = no draft, -1 error. */
int nx_draft_load(nx_profile *p, const char *item_id,
                  int (*cb)(void *ctx, const char *field, const char *value), void *ctx,
                  char *err, size_t errlen);
int nx_draft_discard(nx_profile *p, const char *item_id, char *err, size_t errlen);
/* The same for the forms that are no item's (the incident report, a
 * patient request's intake), in a table of their own (there is no item
 * for the draft to go with), under a form key made like an id: "inc:new",
 * "inc:RECORD-ID", "pr:ITEM-ID". */
int nx_form_draft_save(nx_profile *p, const char *key, const nx_draft_field *f, size_t n,
                       int64_t now, char *err, size_t errlen);
int nx_form_draft_load(nx_profile *p, const char *key,
                       int (*cb)(void *ctx, const char *field, const char *value), void *ctx,
                       char *err, size_t errlen);
int nx_form_draft_discard(nx_profile *p, const char *key, char *err, size_t errlen);
/* Item ids with a draft, newest first (for "you have unsaved work"):
 * fills at most max, returns how many it filled, -1 error. */
int nx_draft_list(nx_profile *p, char ids[][64], int max, char *err, size_t errlen);

#endif
