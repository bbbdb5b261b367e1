/* core/store — the only module that writes SQL. Owns the schema (numbered
 * migrations applied on open), the connection settings that keep plaintext
 * off the disk, and typed queries. */
#ifndef NX_STORE_H
#define NX_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>
#include "crypt/crypt.h"

/* The page cache the client really uses (PRAGMA cache_size, in KiB when
 * negative). The benchmark pins the same value. */
#define NX_STORE_CACHE_SIZE (-8192)
#define NX_STORE_PAGE_SIZE 4096
#define NX_STORE_BUSY_MS 5000
/* The most a persistent journal keeps after a commit (bytes): a round of
 * 1 000 changes in a 100 000-item cache journals ~12 MB. */
#define NX_STORE_JOURNAL_MAX (32 * 1024 * 1024)

typedef struct nx_store nx_store;

enum { NX_STORE_OPEN_EXISTING = 0, NX_STORE_CREATE = 1 };

/* Opens (or creates) the cache database at path through the encrypting VFS
 * instance. Applies nx_store_harden(), then migrations. On error returns -1,
 * err says why (never data). */
int  nx_store_open(const char *path, nx_cryptvfs *vfs, int mode,
                   nx_store **out, char *err, size_t errlen);
void nx_store_close(nx_store *s);

/* The connection settings every cache connection gets, also used by the
 * benchmark and tests on raw connections: reserve bytes (new file), page size,
 * temp_store=MEMORY, journal_mode=TRUNCATE, synchronous=FULL, mmap off,
 * cache_size, busy timeout, no ATTACH / VACUUM INTO (authorizer + limit). */
int  nx_store_harden(sqlite3 *db, char *err, size_t errlen);

/* PRAGMA integrity_check; 0 when "ok", else why (first problem). */
int  nx_store_integrity(nx_store *s, char *why, size_t whylen);
int  nx_store_schema_version(nx_store *s);

/* Profile metadata (key/value, inside the encrypted cache). */
int  nx_store_meta_set(nx_store *s, const char *key, const char *value);
/* Returns 1 found (copied), 0 absent, -1 error. */
int  nx_store_meta_get(nx_store *s, const char *key, char *out, size_t outlen);

/* Raw handle for the few callers below the store (tests, bench). */
sqlite3 *nx_store_db(nx_store *s);
const char *nx_store_errmsg(nx_store *s);

#endif
