/* core/crypt — the face of the crypto layer: guarded key memory, the key file
 * (vault) and the encrypting SQLite VFS. Nothing outside core/crypt calls
 * libsodium for keys or pages; callers see opaque handles. */
#ifndef NX_CRYPT_H
#define NX_CRYPT_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

#define NX_KEY_BYTES 32
#define NX_FILE_ID_BYTES 16
/* Per page: 24-byte XChaCha20 nonce + 16-byte Poly1305 tag. */
#define NX_RESERVE_BYTES 40

/* One-time process hardening: sodium_init, SQLite's zeroing allocator
 * (nx_zalloc_install), core dumps off (RLIMIT_CORE=0, PR_SET_DUMPABLE=0).
 * Call it before any sqlite3 function. Returns 0 on success; idempotent
 * (a later call returns the first one's result). -1 when a step failed,
 * e.g. SQLite had already been initialised (nx_zalloc_active() is then 0). */
int nx_crypt_init(void);

/* Makes SQLite's allocator zero every block it frees or moves
 * (SQLITE_CONFIG_MALLOC), so the page cache, decrypted rows and column
 * values leave nothing behind once the cache is closed. Must precede
 * sqlite3_initialize() (any sqlite3_open, sqlite3_vfs_register, ...).
 * 0 installed (also when it already was), -1 when SQLite is already
 * initialised with another allocator: too late, nothing changed. */
int nx_zalloc_install(void);
/* 1 when SQLite's allocations go through the zeroing allocator now. */
int nx_zalloc_active(void);

/* ---- guarded secrets ------------------------------------------------------
 * A secret is sodium_malloc'd (guard pages, mlock'd, canary) and wiped by
 * sodium_free. */
typedef struct nx_secret {
    unsigned char *bytes;
    size_t len;
} nx_secret;

int  nx_secret_alloc(nx_secret *s, size_t len);      /* 0 or -1 (ENOMEM) */
void nx_secret_free(nx_secret *s);                    /* wipes; idempotent */

/* ---- the encrypting VFS ---------------------------------------------------
 * One instance per data key, registered under a unique name (never the
 * default VFS). The key is copied into guarded memory; the caller may wipe
 * its copy. Pass the name to sqlite3_open_v2(). */
typedef struct nx_cryptvfs nx_cryptvfs;

/* base_vfs: name of the VFS underneath (NULL = "unix"); tests put a spy VFS
 * there. Returns NULL with err filled on failure. */
nx_cryptvfs *nx_cryptvfs_new(const unsigned char key[NX_KEY_BYTES],
                             const char *base_vfs, char *err, size_t errlen);
const char  *nx_cryptvfs_name(const nx_cryptvfs *v);
/* Unregisters and wipes. Every connection using it must be closed first. */
void         nx_cryptvfs_free(nx_cryptvfs *v);

/* After an integrity failure (bad tag, wrong reserve, odd size, ...) the
 * instance is poisoned: every later write through it fails, so nothing is
 * written after tampering is seen. failed_page is 0 when the failure is not
 * about one page (e.g. file size). Returns 1 if poisoned. */
int nx_cryptvfs_failure(const nx_cryptvfs *v, uint32_t *failed_page,
                        char *why, size_t whylen);

/* Authenticate every page of a database file on disk through this instance
 * (nexus verify). 0 = all pages sound; otherwise fills failure like above. */
int nx_cryptvfs_check_file(nx_cryptvfs *v, const char *db_path,
                           uint32_t *failed_page, char *why, size_t whylen);

/* Statistics for tests: how many pages encrypted so far (nonces drawn). */
uint64_t nx_cryptvfs_pages_sealed(const nx_cryptvfs *v);

/* ---- the key file (vault) ------------------------------------------------- */
typedef enum {
    NX_KDF_INTERACTIVE, NX_KDF_MODERATE, NX_KDF_SENSITIVE,
#ifdef NX_TEST_BUILD
    NX_KDF_TEST_ONLY,   /* minimum cost: only test builds know it */
#endif
} nx_kdf_level;
int nx_kdf_level_parse(const char *s, nx_kdf_level *out);

#define NX_NAME_MAX 64
typedef struct nx_profile_info {
    char user[NX_NAME_MAX];
    char role[NX_NAME_MAX];
    char team[NX_NAME_MAX];
    unsigned char device_id[16];
    int training;
    int64_t created;          /* unix seconds */
    int64_t passphrase_set;   /* unix seconds, for the 90-day rotation */
} nx_profile_info;

typedef struct nx_vault nx_vault;

/* Creates a new key file with a fresh random data key wrapped under the
 * passphrase. Fails if the file exists. */
int nx_vault_create(const char *path, const char *pass, size_t passlen,
                    nx_kdf_level kdf, const nx_profile_info *info,
                    nx_vault **out, char *err, size_t errlen);
/* Reads the key file, checks its structure, derives the wrapping key and
 * unwraps the data key. Wrong passphrase and tampering are both refused here,
 * before any database is touched. */
int nx_vault_open(const char *path, const char *pass, size_t passlen,
                  nx_vault **out, char *err, size_t errlen);
/* Reads only the authenticated-later public fields (user name for the lock
 * screen); does not need the passphrase and proves nothing. */
int nx_vault_peek(const char *path, nx_profile_info *info, char *err, size_t errlen);
/* Re-wraps the same data key under a new passphrase with a new salt;
 * atomic replace. The database is untouched. */
int nx_vault_rewrap(nx_vault *v, const char *newpass, size_t newlen,
                    nx_kdf_level kdf, char *err, size_t errlen);
const unsigned char *nx_vault_data_key(const nx_vault *v);
const nx_profile_info *nx_vault_info(const nx_vault *v);
void nx_vault_close(nx_vault *v);    /* wipes */

/* ---- the audit head -------------------------------------------------------
 * Cutting off the newest events of the audit chain breaks no link, so the
 * last event's (seq, hash) is also kept in the key file: a `head` line after
 * `wrap`, with a MAC (crypto_auth) over every byte of the file before it and
 * its own fields. The MAC key is a subkey of the data key, not of the
 * passphrase, so the head moves after each commit without an Argon2 run; a
 * changed head line is refused at open like any other changed byte, and a
 * key file without one is refused too (a strippable head would protect
 * nothing).
 *
 * The head is a lower bound: a crash between the cache's COMMIT and the key
 * file's rewrite leaves the chain longer than its head, which verify
 * accepts; a chain shorter than the head, or one whose event at head.seq
 * has another hash, is tampering. seq 0 = no event yet (hash all zero). */
#define NX_HEAD_HASH_BYTES 32
void nx_vault_head(const nx_vault *v, uint64_t *seq,
                   unsigned char hash[NX_HEAD_HASH_BYTES]);
/* Atomic rewrite of the key file with the new head; the passphrase is not
 * needed. Under a lock on the profile directory it first re-reads the file:
 * a newer authentic one (another nexus process changed the passphrase or
 * moved the head) is adopted rather than overwritten, and one that does not
 * authenticate is left as it is and refused. The head never moves back: a
 * lower seq (another process already recorded a later event) changes
 * nothing; the same seq with another hash is a fork and refused. */
int  nx_vault_set_head(nx_vault *v, uint64_t seq,
                       const unsigned char hash[NX_HEAD_HASH_BYTES],
                       char *err, size_t errlen);
/* The audit chain's MAC key: a crypto_kdf subkey of the data key, in guarded
 * memory (nx_secret_free it), so only a holder of the data key can extend
 * the chain or recompute it consistently. 0 or -1 (ENOMEM). */
int  nx_vault_audit_key(const nx_vault *v, nx_secret *out);

#endif
