/* hub/store_int.h — private to the hub's store modules (hub/store*.c,
 * keyfile.c, haudit.c, admin*.c, import.c, export.c, seed.c): the context's
 * layout, the cached prepared statements and the key file. Not for serve.c:
 * it goes through hub.h. */
#ifndef NX_HUB_STORE_INT_H
#define NX_HUB_STORE_INT_H
#include "hub/hub.h"

#define NX_HUB_STMT_CACHE 128

struct nx_hub {
    char dir[NX_HUB_PATH_MAX];        /* absolute */
    char key_file[NX_HUB_PATH_MAX];   /* absolute */
    int key_file_explicit;            /* --key-file was given */
    nx_secret key;                    /* the hub key (32 bytes, guarded) */
    nx_cryptvfs *vfs;
    nx_store *store;
    nx_audit_ctx audit;               /* key: subkey of the hub key; device "hub" */
    char admin[NX_NAME_MAX];          /* OS account running the command */
    struct { const char *sql; sqlite3_stmt *st; } stmts[NX_HUB_STMT_CACHE];
};

/* A cached prepared statement for a static SQL string (compared by
 * pointer, so pass the same static array each time), reset and with its
 * bindings cleared. NULL on error. */
sqlite3_stmt *nx_hub_stmt(nx_hub *h, const char *sql);
/* Steps a write statement once: 0 when SQLITE_DONE, else -1. Resets it. */
int nx_hub_step_done(sqlite3_stmt *st);
/* Copies a text column ("" for NULL). */
void nx_hub_col(char *out, size_t outlen, sqlite3_stmt *st, int col);
/* Binds text, NULL as ''. */
void nx_hub_bind(sqlite3_stmt *st, int idx, const char *s);

/* ---- key file (keyfile.c) ---- */
/* Writes a new random key to path (O_CREAT|O_EXCL, 0600). key gets it. */
int nx_hub_key_create(const char *path, nx_secret *key, char *err, size_t errlen);
/* Reads and checks the key file into guarded memory. */
int nx_hub_key_read(const char *path, nx_secret *key, char *err, size_t errlen);
/* A 32-byte subkey of the hub key for purpose id (1 VFS, 2 audit). */
int nx_hub_subkey(const nx_secret *key, uint64_t id, nx_secret *out);
enum { NX_HUB_SUBKEY_VFS = 1, NX_HUB_SUBKEY_AUDIT = 2 };

/* ---- bulk writes (store.c): import and seed write 100 000 items in one
 * transaction; a page cache that holds them all keeps SQLite from
 * spilling (encrypting, writing, journalling) pages in the middle. begin
 * = BEGIN IMMEDIATE with the large cache; end restores the cache size
 * (call it after commit or rollback). ---- */
int  nx_hub_bulk_begin(nx_hub *h);
void nx_hub_bulk_end(nx_hub *h);

/* ---- settings (store.c) ---- */
int nx_hub_setting_set(nx_hub *h, const char *key, const char *value);

/* ---- JSON (import.c): jansson allocates through a wiping allocator ---- */
void nx_hub_json_init(void);

/* ---- users (store_users.c) ---- */
int nx_hub_user_insert(nx_hub *h, const nx_hub_user *u);
int nx_hub_user_set_revoked(nx_hub *h, const char *name, int64_t at);
int nx_hub_device_set_revoked(nx_hub *h, const char *id, int64_t at);
/* Tokens for names and ids: 1..63 bytes of a-z A-Z 0-9 . _ - (and ':'
 * for ids), first a letter or digit. */
int nx_hub_name_ok(const char *s);

#endif
