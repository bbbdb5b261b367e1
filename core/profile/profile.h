/* core/profile — one user's profile on this laptop: the key file and the
 * encrypted cache beside it, opened and closed together. */
#ifndef NX_PROFILE_H
#define NX_PROFILE_H
#include "conf/conf.h"
#include "crypt/crypt.h"
#include "domain/audit.h"
#include "store/store.h"

#define NX_KEYFILE_NAME "nexus.key"
#define NX_CACHE_NAME "cache.db"

typedef struct nx_profile {
    char dir[NX_PATH_MAX];
    char keyfile[NX_PATH_MAX];
    char cache[NX_PATH_MAX];
    nx_vault *vault;
    nx_cryptvfs *vfs;
    nx_store *store;
    nx_audit_ctx audit;       /* who this profile's events are from, and K */
} nx_profile;

/* Fills the paths from the configuration; opens nothing. */
int nx_profile_paths(nx_profile *p, const nx_conf *c, char *err, size_t errlen);

/* Creates the directory (0700), the key file and an empty migrated cache
 * whose audit chain starts with an `init` event, recorded in the key file's
 * head. On success the profile is open. */
int nx_profile_create(nx_profile *p, const char *pass, size_t passlen,
                      nx_kdf_level kdf, const nx_profile_info *info,
                      char *err, size_t errlen);

/* Unwraps the key (a wrong passphrase is refused before SQLite is touched),
 * then opens the cache. */
int nx_profile_open(nx_profile *p, const char *pass, size_t passlen,
                    char *err, size_t errlen);

/* Authenticates every page, then PRAGMA integrity_check, then walks the
 * audit chain against the key file's head (nx_audit_verify). 0 = sound,
 * *events = the chain's length. Writes nothing: a check must not change
 * what it examines, and it shows no record. */
int nx_profile_verify(nx_profile *p, uint64_t *events, char *why, size_t whylen);

/* Records one event that changes no data (login, view, lock, ...) in its own
 * transaction, then moves the key file's head to it. -1: nothing recorded,
 * the caller must not go on (no access without audit). 0: recorded and
 * head moved. 1: recorded, but the head could not be written (err says
 * why); the chain stays valid and the next head update catches up. */
int nx_profile_audit(nx_profile *p, const nx_audit_event *e, char *err, size_t errlen);

/* After the COMMIT of a transaction that appended events (nx_audit_append):
 * copies the chain's last (seq, hash) into the key file's head. A crash
 * before it leaves the head behind the chain, which verify accepts. */
int nx_profile_audit_commit_head(nx_profile *p, char *err, size_t errlen);

/* Closes, then deletes the key file, the cache and its journal: for a
 * profile whose creation failed half-way (nothing in it yet). */
void nx_profile_discard(nx_profile *p);

/* Closes the cache, unregisters the VFS, wipes the keys. Idempotent. */
void nx_profile_close(nx_profile *p);

#endif
