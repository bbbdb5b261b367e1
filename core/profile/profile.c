#include "profile/profile.h"
#include "util/util.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int nx_profile_paths(nx_profile *p, const nx_conf *c, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    if (snprintf(p->dir, sizeof p->dir, "%s", c->cache_dir) >= (int)sizeof p->dir ||
        nx_path_join(p->keyfile, sizeof p->keyfile, p->dir, NX_KEYFILE_NAME) ||
        nx_path_join(p->cache, sizeof p->cache, p->dir, NX_CACHE_NAME))
        return nx_err(err, errlen, "%s: path too long", c->cache_dir);
    return 0;
}

static int open_cache(nx_profile *p, int mode, char *err, size_t errlen)
{
    if (nx_audit_ctx_init(&p->audit, p->vault, err, errlen))
        return -1;
    p->vfs = nx_cryptvfs_new(nx_vault_data_key(p->vault), NULL, err, errlen);
    if (!p->vfs)
        return -1;
    return nx_store_open(p->cache, p->vfs, mode, &p->store, err, errlen);
}

int nx_profile_audit_commit_head(nx_profile *p, char *err, size_t errlen)
{
    uint64_t seq, old_seq;
    unsigned char hash[NX_AUDIT_HASH_BYTES], old_hash[NX_AUDIT_HASH_BYTES];
    nx_vault_head(p->vault, &old_seq, old_hash);
    if (nx_audit_holds(p->store, old_seq, old_hash, err, errlen) ||
        nx_audit_head(p->store, &seq, hash, err, errlen))
        return -1;
    return nx_vault_set_head(p->vault, seq, hash, err, errlen);
}

int nx_profile_audit(nx_profile *p, const nx_audit_event *e, char *err, size_t errlen)
{
    if (nx_audit_log(p->store, &p->audit, e, err, errlen))
        return -1;
    return nx_profile_audit_commit_head(p, err, errlen) ? 1 : 0;
}

int nx_profile_create(nx_profile *p, const char *pass, size_t passlen,
                      nx_kdf_level kdf, const nx_profile_info *info,
                      char *err, size_t errlen)
{
    struct stat st;
    if (stat(p->keyfile, &st) == 0 || stat(p->cache, &st) == 0)
        return nx_err(err, errlen, "%s: a profile already exists here", p->dir);
    if (nx_mkdir_p(p->dir, err, errlen))
        return -1;
    if (nx_vault_create(p->keyfile, pass, passlen, kdf, info, &p->vault, err, errlen))
        return -1;
    /* The chain starts with the profile: every later event links back to
     * this one, and the key file's head is never at 0 once a profile
     * exists, so an emptied audit table is a failure, not a fresh start. */
    nx_audit_event init = { .action = NX_AUDIT_INIT };
    if (open_cache(p, NX_STORE_CREATE, err, errlen) ||
        nx_profile_audit(p, &init, err, errlen) != 0) {
        nx_profile_discard(p);
        return -1;
    }
    /* SQLite creates the file with the umask; the cache is 0600 whatever it is. */
    chmod(p->cache, 0600);
    return 0;
}

int nx_profile_open(nx_profile *p, const char *pass, size_t passlen,
                    char *err, size_t errlen)
{
    if (nx_vault_open(p->keyfile, pass, passlen, &p->vault, err, errlen))
        return -1;
    if (open_cache(p, NX_STORE_OPEN_EXISTING, err, errlen)) {
        nx_profile_close(p);
        return -1;
    }
    return 0;
}

int nx_profile_verify(nx_profile *p, uint64_t *events, char *why, size_t whylen)
{
    uint32_t page = 0;
    char detail[256];
    if (nx_cryptvfs_check_file(p->vfs, p->cache, &page, detail, sizeof detail) != 0) {
        if (page)
            return nx_err(why, whylen, "cache integrity check failed (page %u): %s", page, detail);
        return nx_err(why, whylen, "cache integrity check failed: %s", detail);
    }
    if (nx_store_integrity(p->store, why, whylen))
        return -1;
    uint64_t head_seq, bad;
    unsigned char head_hash[NX_HEAD_HASH_BYTES];
    nx_vault_head(p->vault, &head_seq, head_hash);
    return nx_audit_verify(p->store, &p->audit, head_seq, head_hash, events, &bad, why, whylen);
}

void nx_profile_close(nx_profile *p)
{
    nx_store_close(p->store);
    p->store = NULL;
    nx_cryptvfs_free(p->vfs);
    p->vfs = NULL;
    nx_vault_close(p->vault);
    p->vault = NULL;
    nx_audit_ctx_free(&p->audit);
    /* What the cache's last statements left in dead stack frames (a page
     * decrypted, a value bound) goes too: closing is how a lock starts. */
    nx_stack_scrub();
}

void nx_profile_discard(nx_profile *p)
{
    char journal[NX_PATH_MAX + 16];
    nx_profile_close(p);
    snprintf(journal, sizeof journal, "%s-journal", p->cache);
    unlink(p->cache);
    unlink(journal);
    unlink(p->keyfile);
}
