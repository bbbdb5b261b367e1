/* core/profile — one user's profile on this laptop: the key file and the
 * encrypted cache beside it, opened and closed together. */
#ifndef NX_PROFILE_H
#define NX_PROFILE_H
#include "conf/conf.h"
#include "crypt/crypt.h"
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
} nx_profile;

/* Fills the paths from the configuration; opens nothing. */
int nx_profile_paths(nx_profile *p, const nx_conf *c, char *err, size_t errlen);

/* Creates the directory (0700), the key file and an empty migrated cache.
 * On success the profile is open. */
int nx_profile_create(nx_profile *p, const char *pass, size_t passlen,
                      nx_kdf_level kdf, const nx_profile_info *info,
                      char *err, size_t errlen);

/* Unwraps the key (a wrong passphrase is refused before SQLite is touched),
 * then opens the cache. */
int nx_profile_open(nx_profile *p, const char *pass, size_t passlen,
                    char *err, size_t errlen);

/* Authenticates every page, then PRAGMA integrity_check. 0 = sound. */
int nx_profile_verify(nx_profile *p, char *why, size_t whylen);

/* Closes, then deletes the key file, the cache and its journal: for a
 * profile whose creation failed half-way (nothing in it yet). */
void nx_profile_discard(nx_profile *p);

/* Closes the cache, unregisters the VFS, wipes the keys. Idempotent. */
void nx_profile_close(nx_profile *p);

#endif
