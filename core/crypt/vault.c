/* The key file: a random data key wrapped (XChaCha20-Poly1305) under a key
 * that Argon2id derives from the passphrase. Every field before the `wrap`
 * line is the associated data of the wrap, so a changed byte anywhere is
 * refused, and the KDF parameters are bounded before the KDF runs so a
 * tampered file cannot make us allocate gigabytes.
 *
 * After `wrap` comes the audit head (crypt.h): `head <seq> <hash> <mac>`,
 * the MAC over every byte before it plus `head <seq> <hash>`, under a
 * subkey of the data key. It is checked once the data key is unwrapped. */
#include "crypt/crypt.h"
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define KF_MAGIC "nexus-keyfile 1\n"
#define KF_MAX 4096
#define WRAP_NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define WRAP_TAG crypto_aead_xchacha20poly1305_ietf_ABYTES
#define HEAD_HASH NX_HEAD_HASH_BYTES
#define HEAD_MAC crypto_auth_BYTES
/* crypto_kdf subkeys of the data key for the audit (the VFS has its own
 * context, so no subkey is shared with page encryption). */
#define AUDIT_KDF_CONTEXT "nxaudit_"
#define SUBKEY_AUDIT_CHAIN 1
#define SUBKEY_KEYFILE_HEAD 2

_Static_assert(crypto_kdf_KEYBYTES == NX_KEY_BYTES, "the data key is a kdf master key");
_Static_assert(crypto_auth_KEYBYTES == NX_KEY_BYTES, "head MAC key size");
_Static_assert(crypto_generichash_KEYBYTES == NX_KEY_BYTES, "audit chain key size");

/* Release builds refuse a key file weaker than "interactive"; test builds
 * also accept the minimum so tamper tests can run hundreds of unlocks. */
#ifdef NX_TEST_BUILD
#define KDF_MEM_FLOOR crypto_pwhash_MEMLIMIT_MIN
#else
#define KDF_MEM_FLOOR crypto_pwhash_MEMLIMIT_INTERACTIVE
#endif

struct nx_vault {
    char path[4096];
    nx_secret data_key;
    nx_profile_info info;
    unsigned long long ops;
    size_t mem;
    /* The file up to and including `wrap`, as last read or written: the
     * head line is re-signed after it, so moving the head never needs the
     * passphrase. Not secret (the data key in it is wrapped). */
    char body[KF_MAX];
    size_t body_len;
    uint64_t head_seq;
    unsigned char head_hash[HEAD_HASH];
};

int nx_kdf_level_parse(const char *s, nx_kdf_level *out)
{
    if (strcmp(s, "interactive") == 0) *out = NX_KDF_INTERACTIVE;
    else if (strcmp(s, "moderate") == 0) *out = NX_KDF_MODERATE;
    else if (strcmp(s, "sensitive") == 0) *out = NX_KDF_SENSITIVE;
    else return -1;
    return 0;
}

static void kdf_limits(nx_kdf_level l, unsigned long long *ops, size_t *mem)
{
    switch (l) {
    case NX_KDF_INTERACTIVE:
        *ops = crypto_pwhash_OPSLIMIT_INTERACTIVE; *mem = crypto_pwhash_MEMLIMIT_INTERACTIVE; break;
    case NX_KDF_SENSITIVE:
        *ops = crypto_pwhash_OPSLIMIT_SENSITIVE; *mem = crypto_pwhash_MEMLIMIT_SENSITIVE; break;
#ifdef NX_TEST_BUILD
    case NX_KDF_TEST_ONLY:
        *ops = crypto_pwhash_OPSLIMIT_MIN; *mem = crypto_pwhash_MEMLIMIT_MIN; break;
#endif
    default:
        *ops = crypto_pwhash_OPSLIMIT_MODERATE; *mem = crypto_pwhash_MEMLIMIT_MODERATE; break;
    }
}

static int name_ok(const char *s, int allow_empty)
{
    size_t n = strlen(s);
    if (n == 0)
        return allow_empty;
    if (n >= NX_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
            return 0;
    }
    return 1;
}

/* The associated data: every line before `wrap`, byte for byte. */
static int format_header(char *buf, size_t len, const nx_profile_info *in,
                         unsigned long long ops, size_t mem, const unsigned char *salt)
{
    char salthex[2 * crypto_pwhash_SALTBYTES + 1], devhex[33];
    nx_hex_encode(salt, crypto_pwhash_SALTBYTES, salthex);
    nx_hex_encode(in->device_id, sizeof in->device_id, devhex);
    int n = snprintf(buf, len,
                     KF_MAGIC
                     "kdf argon2id13 %llu %zu\n"
                     "salt %s\n"
                     "device %s\n"
                     "user %s\n"
                     "role %s\n"
                     "team %s\n"
                     "training %d\n"
                     "created %" PRId64 "\n"
                     "passphrase-set %" PRId64 "\n",
                     ops, mem, salthex, devhex, in->user, in->role,
                     in->team[0] ? in->team : "-", in->training ? 1 : 0,
                     in->created, in->passphrase_set);
    return (n < 0 || (size_t)n >= len) ? -1 : n;
}

static int derive_kek(nx_secret *kek, const char *pass, size_t passlen,
                      const unsigned char *salt, unsigned long long ops, size_t mem,
                      char *err, size_t errlen)
{
    if (nx_secret_alloc(kek, NX_KEY_BYTES) != 0)
        return nx_err(err, errlen, "out of secure memory");
    if (crypto_pwhash(kek->bytes, NX_KEY_BYTES, pass, passlen, salt, ops, mem,
                      crypto_pwhash_ALG_ARGON2ID13) != 0) {
        nx_secret_free(kek);
        return nx_err(err, errlen, "key derivation failed (out of memory?)");
    }
    return 0;
}

static int subkey(const unsigned char *data_key, uint64_t id, nx_secret *out)
{
    if (nx_secret_alloc(out, NX_KEY_BYTES) != 0)
        return -1;
    crypto_kdf_derive_from_key(out->bytes, NX_KEY_BYTES, id, AUDIT_KDF_CONTEXT, data_key);
    return 0;
}

static int head_mac(const unsigned char *data_key, const char *msg, size_t len,
                    unsigned char mac[HEAD_MAC])
{
    nx_secret k = {0};
    if (subkey(data_key, SUBKEY_KEYFILE_HEAD, &k) != 0)
        return -1;
    crypto_auth(mac, (const unsigned char *)msg, len, k.bytes);
    nx_secret_free(&k);
    return 0;
}

/* body + "head <seq> <hash> <mac>\n" written atomically; on success the
 * vault holds that body and head. */
static int write_with_head(nx_vault *v, const char *body, size_t body_len, uint64_t seq,
                           const unsigned char hash[HEAD_HASH], char *err, size_t errlen)
{
    char buf[KF_MAX], hhex[2 * HEAD_HASH + 1], mhex[2 * HEAD_MAC + 1];
    unsigned char mac[HEAD_MAC];
    if (body_len >= sizeof buf)
        return nx_err(err, errlen, "key file too long");
    memcpy(buf, body, body_len);
    nx_hex_encode(hash, HEAD_HASH, hhex);
    int n = snprintf(buf + body_len, sizeof buf - body_len, "head %" PRIu64 " %s", seq, hhex);
    if (n < 0 || (size_t)n + 2 * HEAD_MAC + 2 >= sizeof buf - body_len)
        return nx_err(err, errlen, "key file too long");
    size_t len = body_len + (size_t)n;
    if (head_mac(v->data_key.bytes, buf, len, mac) != 0)
        return nx_err(err, errlen, "out of secure memory");
    nx_hex_encode(mac, HEAD_MAC, mhex);
    len += (size_t)snprintf(buf + len, sizeof buf - len, " %s\n", mhex);
    if (nx_write_atomic(v->path, buf, len, err, errlen) != 0)
        return -1;
    if (body != v->body)
        memcpy(v->body, body, body_len);
    v->body_len = body_len;
    v->head_seq = seq;
    memmove(v->head_hash, hash, HEAD_HASH);   /* hash may be v->head_hash itself */
    return 0;
}

static int write_keyfile(nx_vault *v, const char *pass, size_t passlen,
                         nx_kdf_level kdf, int must_not_exist, char *err, size_t errlen)
{
    unsigned char salt[crypto_pwhash_SALTBYTES], nonce[WRAP_NONCE];
    unsigned char wrapped[NX_KEY_BYTES + WRAP_TAG];
    char buf[KF_MAX];
    randombytes_buf(salt, sizeof salt);
    randombytes_buf(nonce, sizeof nonce);
    kdf_limits(kdf, &v->ops, &v->mem);

    int hlen = format_header(buf, sizeof buf, &v->info, v->ops, v->mem, salt);
    if (hlen < 0)
        return nx_err(err, errlen, "key file fields too long");
    nx_secret kek = {0};
    if (derive_kek(&kek, pass, passlen, salt, v->ops, v->mem, err, errlen))
        return -1;
    unsigned long long wlen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(wrapped, &wlen, v->data_key.bytes, NX_KEY_BYTES,
                                               (unsigned char *)buf, (unsigned long long)hlen,
                                               NULL, nonce, kek.bytes);
    nx_secret_free(&kek);

    char nhex[2 * WRAP_NONCE + 1], whex[2 * sizeof wrapped + 1];
    nx_hex_encode(nonce, sizeof nonce, nhex);
    nx_hex_encode(wrapped, sizeof wrapped, whex);
    int n = snprintf(buf + hlen, sizeof buf - (size_t)hlen, "wrap %s %s\n", nhex, whex);
    if (n < 0 || (size_t)n >= sizeof buf - (size_t)hlen)
        return nx_err(err, errlen, "key file too long");
    struct stat st;
    if (must_not_exist && stat(v->path, &st) == 0)
        return nx_err(err, errlen, "%s: a key file already exists", v->path);
    /* The body is adopted only once written: a rewrap that failed must not
     * reach the disk later through a head update. */
    return write_with_head(v, buf, (size_t)hlen + (size_t)n, v->head_seq, v->head_hash,
                           err, errlen);
}

int nx_vault_create(const char *path, const char *pass, size_t passlen,
                    nx_kdf_level kdf, const nx_profile_info *info,
                    nx_vault **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!name_ok(info->user, 0) || !name_ok(info->role, 0) || !name_ok(info->team, 1))
        return nx_err(err, errlen, "user, role and team may use only a-z, 0-9, '-', '_', '.' (at most %d)",
                      NX_NAME_MAX - 1);
    nx_vault *v = calloc(1, sizeof *v);
    if (!v)
        return nx_err(err, errlen, "out of memory");
    snprintf(v->path, sizeof v->path, "%s", path);
    v->info = *info;
    if (nx_secret_alloc(&v->data_key, NX_KEY_BYTES) != 0) {
        free(v);
        return nx_err(err, errlen, "out of secure memory");
    }
    randombytes_buf(v->data_key.bytes, NX_KEY_BYTES);
    if (write_keyfile(v, pass, passlen, kdf, 1, err, errlen) != 0) {
        nx_vault_close(v);
        return -1;
    }
    *out = v;
    return 0;
}

/* Strict line parser: each line in order, exact keyword, nothing extra. */
typedef struct {
    const char *p, *end;
    int line;
} cursor;

static int next_line(cursor *c, const char *key, char *val, size_t vlen)
{
    c->line++;
    size_t klen = strlen(key);
    const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
    if (!nl || (size_t)(nl - c->p) <= klen + 1 || strncmp(c->p, key, klen) != 0 || c->p[klen] != ' ')
        return -1;
    size_t n = (size_t)(nl - c->p) - klen - 1;
    if (n >= vlen || memchr(c->p + klen + 1, '\0', n))
        return -1;
    memcpy(val, c->p + klen + 1, n);
    val[n] = '\0';
    c->p = nl + 1;
    return 0;
}

static int parse_i64(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || end == s || v < 0)
        return -1;
    *out = v;
    return 0;
}

typedef struct {
    nx_profile_info info;
    unsigned long long ops;
    size_t mem;
    unsigned char salt[crypto_pwhash_SALTBYTES];
    unsigned char nonce[WRAP_NONCE];
    unsigned char wrapped[NX_KEY_BYTES + WRAP_TAG];
    size_t ad_len;
    size_t body_len;          /* through the `wrap` line */
    size_t mac_len;           /* bytes the head MAC covers */
    uint64_t head_seq;
    unsigned char head_hash[HEAD_HASH];
    unsigned char head_mac[HEAD_MAC];
} parsed_keyfile;

/* "<seq> <hash> <mac>": seq in plain decimal, both hex fields lowercase, so
 * one head has exactly one spelling. Returns the length of "<seq> <hash>"
 * (what the MAC covers of this value) or -1. */
static int parse_head(const char *v, parsed_keyfile *k)
{
    static const char hex[] = "0123456789abcdef";
    size_t nd = strspn(v, "0123456789");
    if (nd == 0 || nd > 20 || (nd > 1 && v[0] == '0') || v[nd] != ' ')
        return -1;
    errno = 0;
    char *end;
    unsigned long long seq = strtoull(v, &end, 10);
    if (errno || end != v + nd)
        return -1;
    const char *h = v + nd + 1, *m = h + 2 * HEAD_HASH + 1;
    char hh[2 * HEAD_HASH + 1];
    if (strlen(h) != 2 * HEAD_HASH + 1 + 2 * HEAD_MAC || h[2 * HEAD_HASH] != ' ' ||
        strspn(h, hex) != 2 * HEAD_HASH || strspn(m, hex) != 2 * HEAD_MAC)
        return -1;
    memcpy(hh, h, 2 * HEAD_HASH);
    hh[2 * HEAD_HASH] = '\0';
    if (nx_hex_decode(hh, k->head_hash, HEAD_HASH) || nx_hex_decode(m, k->head_mac, HEAD_MAC))
        return -1;
    k->head_seq = seq;
    return (int)(nd + 1 + 2 * HEAD_HASH);
}

static int parse_keyfile(const char *buf, size_t len, parsed_keyfile *k,
                         const char *path, char *err, size_t errlen)
{
    memset(k, 0, sizeof *k);
    cursor c = { buf, buf + len, 1 };
    char v[256];
    int64_t n;
    if (len < strlen(KF_MAGIC) || memcmp(buf, KF_MAGIC, strlen(KF_MAGIC)) != 0)
        return nx_err(err, errlen, "%s:1: not a nexus key file", path);
    c.p += strlen(KF_MAGIC);
#define BAD(what) return nx_err(err, errlen, "%s:%d: key file damaged: %s", path, c.line, what)
    if (next_line(&c, "kdf", v, sizeof v)) BAD("expected 'kdf'");
    unsigned long long ops; size_t mem; char extra;
    if (sscanf(v, "argon2id13 %llu %zu%c", &ops, &mem, &extra) != 2) BAD("bad kdf parameters");
    /* Bounds before running the KDF: interactive..sensitive with headroom. */
    if (ops < crypto_pwhash_OPSLIMIT_MIN || ops > 16 ||
        mem < KDF_MEM_FLOOR || mem > crypto_pwhash_MEMLIMIT_SENSITIVE)
        BAD("kdf parameters out of range");
    k->ops = ops; k->mem = mem;
    if (next_line(&c, "salt", v, sizeof v) || nx_hex_decode(v, k->salt, sizeof k->salt)) BAD("bad salt");
    if (next_line(&c, "device", v, sizeof v) ||
        nx_hex_decode(v, k->info.device_id, sizeof k->info.device_id)) BAD("bad device id");
    if (next_line(&c, "user", v, sizeof v) || !name_ok(v, 0)) BAD("bad user");
    snprintf(k->info.user, sizeof k->info.user, "%.63s", v);
    if (next_line(&c, "role", v, sizeof v) || !name_ok(v, 0)) BAD("bad role");
    snprintf(k->info.role, sizeof k->info.role, "%.63s", v);
    if (next_line(&c, "team", v, sizeof v) || (strcmp(v, "-") != 0 && !name_ok(v, 0))) BAD("bad team");
    snprintf(k->info.team, sizeof k->info.team, "%.63s", strcmp(v, "-") ? v : "");
    if (next_line(&c, "training", v, sizeof v) || (strcmp(v, "0") && strcmp(v, "1"))) BAD("bad training flag");
    k->info.training = v[0] == '1';
    if (next_line(&c, "created", v, sizeof v) || parse_i64(v, &n)) BAD("bad creation time");
    k->info.created = n;
    if (next_line(&c, "passphrase-set", v, sizeof v) || parse_i64(v, &n)) BAD("bad passphrase time");
    k->info.passphrase_set = n;
    k->ad_len = (size_t)(c.p - buf);
    if (next_line(&c, "wrap", v, sizeof v)) BAD("expected 'wrap'");
    if (strlen(v) != 2 * WRAP_NONCE + 1 + 2 * sizeof k->wrapped || v[2 * WRAP_NONCE] != ' ')
        BAD("bad wrapped key");
    v[2 * WRAP_NONCE] = '\0';
    if (nx_hex_decode(v, k->nonce, WRAP_NONCE) ||
        nx_hex_decode(v + 2 * WRAP_NONCE + 1, k->wrapped, sizeof k->wrapped)) BAD("bad wrapped key");
    k->body_len = (size_t)(c.p - buf);
    if (next_line(&c, "head", v, sizeof v)) BAD("expected 'head' (the audit head)");
    int covered = parse_head(v, k);
    if (covered < 0) BAD("bad audit head");
    k->mac_len = k->body_len + strlen("head ") + (size_t)covered;
    if (c.p != c.end) BAD("unexpected data after the audit head");
#undef BAD
    return 0;
}

static int read_parsed(const char *path, parsed_keyfile *k, char **raw, char *err, size_t errlen)
{
    size_t len = 0;
    if (nx_read_file(path, KF_MAX, raw, &len, err, errlen) != 0)
        return -1;
    if (parse_keyfile(*raw, len, k, path, err, errlen) != 0) {
        free(*raw);
        *raw = NULL;
        return -1;
    }
    return 0;
}

static int head_authentic(const unsigned char *data_key, const char *raw, const parsed_keyfile *k)
{
    nx_secret key = {0};
    if (subkey(data_key, SUBKEY_KEYFILE_HEAD, &key) != 0)
        return 0;
    int ok = crypto_auth_verify(k->head_mac, (const unsigned char *)raw, k->mac_len,
                                key.bytes) == 0;
    nx_secret_free(&key);
    return ok;
}

int nx_vault_peek(const char *path, nx_profile_info *info, char *err, size_t errlen)
{
    parsed_keyfile k;
    char *raw = NULL;
    if (read_parsed(path, &k, &raw, err, errlen) != 0)
        return -1;
    *info = k.info;
    free(raw);
    return 0;
}

int nx_vault_open(const char *path, const char *pass, size_t passlen,
                  nx_vault **out, char *err, size_t errlen)
{
    *out = NULL;
    parsed_keyfile k;
    char *raw = NULL;
    if (read_parsed(path, &k, &raw, err, errlen) != 0)
        return -1;
    nx_vault *v = calloc(1, sizeof *v);
    nx_secret kek = {0};
    if (!v) {
        free(raw);
        return nx_err(err, errlen, "out of memory");
    }
    snprintf(v->path, sizeof v->path, "%s", path);
    v->info = k.info;
    v->ops = k.ops;
    v->mem = k.mem;
    int rc = -1;
    if (nx_secret_alloc(&v->data_key, NX_KEY_BYTES) != 0) {
        nx_err(err, errlen, "out of secure memory");
    } else if (derive_kek(&kek, pass, passlen, k.salt, k.ops, k.mem, err, errlen) == 0) {
        unsigned long long dlen = 0;
        if (crypto_aead_xchacha20poly1305_ietf_decrypt(v->data_key.bytes, &dlen, NULL,
                k.wrapped, sizeof k.wrapped, (unsigned char *)raw, k.ad_len,
                k.nonce, kek.bytes) != 0 || dlen != NX_KEY_BYTES)
            nx_err(err, errlen, "wrong passphrase (or the key file %s was modified)", path);
        else if (!head_authentic(v->data_key.bytes, raw, &k))
            nx_err(err, errlen, "the key file %s was modified: its audit head does not "
                   "authenticate", path);
        else
            rc = 0;
        nx_secret_free(&kek);
    }
    if (rc == 0) {
        memcpy(v->body, raw, k.body_len);
        v->body_len = k.body_len;
        v->head_seq = k.head_seq;
        memcpy(v->head_hash, k.head_hash, HEAD_HASH);
    }
    sodium_memzero(&k, sizeof k);
    free(raw);
    if (rc != 0) {
        nx_vault_close(v);
        return -1;
    }
    *out = v;
    return 0;
}

/* Cooperating nexus processes (the TUI moving the head, `nexus passwd`)
 * serialise their read-modify-write of the key file on the profile
 * directory: the file itself is replaced by rename, so it cannot hold the
 * lock. Returns the locked descriptor or -1. */
static int lock_dir_of(const char *path, char *err, size_t errlen)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else
        snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return nx_err(err, errlen, "%s: %s", dir, strerror(errno));
    while (flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            int e = errno;
            close(fd);
            return nx_err(err, errlen, "%s: cannot lock: %s", dir, strerror(e));
        }
    }
    return fd;
}

/* Re-reads the key file on disk. One whose head authenticates under our
 * data key was written by a holder of that key (another nexus process):
 * its head is adopted when later than ours, and, with adopt_body, its body
 * too (a passphrase changed meanwhile must not be undone by our rewrite).
 * One that does not authenticate was modified by someone else: refused, and
 * left on disk for the next open to report. */
static int sync_with_disk(nx_vault *v, int adopt_body, char *err, size_t errlen)
{
    parsed_keyfile k;
    char *raw = NULL;
    if (read_parsed(v->path, &k, &raw, err, errlen) != 0)
        return -1;
    int rc = 0;
    if (!head_authentic(v->data_key.bytes, raw, &k)) {
        rc = nx_err(err, errlen, "the key file %s was modified while in use: its audit head "
                    "does not authenticate; not overwritten", v->path);
    } else if (k.head_seq == v->head_seq &&
               sodium_memcmp(k.head_hash, v->head_hash, HEAD_HASH) != 0) {
        rc = nx_err(err, errlen, "the key file %s records another event %" PRIu64
                    " than this process did: the audit chain forked", v->path, k.head_seq);
    } else {
        if (k.head_seq > v->head_seq) {
            v->head_seq = k.head_seq;
            memcpy(v->head_hash, k.head_hash, HEAD_HASH);
        }
        if (adopt_body && (k.body_len != v->body_len || memcmp(raw, v->body, k.body_len) != 0)) {
            memcpy(v->body, raw, k.body_len);
            v->body_len = k.body_len;
            v->info = k.info;
            v->ops = k.ops;
            v->mem = k.mem;
        }
    }
    sodium_memzero(&k, sizeof k);
    free(raw);
    return rc;
}

int nx_vault_rewrap(nx_vault *v, const char *newpass, size_t newlen,
                    nx_kdf_level kdf, char *err, size_t errlen)
{
    int lock = lock_dir_of(v->path, err, errlen);
    if (lock < 0)
        return -1;
    /* The head may have moved since this vault was opened (the TUI running
     * beside `nexus passwd`); the new file carries the latest one. */
    if (sync_with_disk(v, 0, err, errlen) != 0) {
        close(lock);
        return -1;
    }
    nx_profile_info saved = v->info;
    v->info.passphrase_set = nx_now();
    int rc = write_keyfile(v, newpass, newlen, kdf, 0, err, errlen);
    if (rc != 0)
        v->info = saved;
    close(lock);
    return rc;
}

void nx_vault_head(const nx_vault *v, uint64_t *seq, unsigned char hash[HEAD_HASH])
{
    *seq = v->head_seq;
    memcpy(hash, v->head_hash, HEAD_HASH);
}

int nx_vault_set_head(nx_vault *v, uint64_t seq, const unsigned char hash[HEAD_HASH],
                      char *err, size_t errlen)
{
    int lock = lock_dir_of(v->path, err, errlen);
    if (lock < 0)
        return -1;
    int rc = sync_with_disk(v, 1, err, errlen);
    if (rc == 0 && seq == v->head_seq && sodium_memcmp(hash, v->head_hash, HEAD_HASH) != 0)
        rc = nx_err(err, errlen, "the key file %s records another event %" PRIu64
                    " than the cache: the audit chain forked", v->path, seq);
    else if (rc == 0 && seq > v->head_seq)
        rc = write_with_head(v, v->body, v->body_len, seq, hash, err, errlen);
    close(lock);
    return rc;
}

int nx_vault_audit_key(const nx_vault *v, nx_secret *out)
{
    return subkey(v->data_key.bytes, SUBKEY_AUDIT_CHAIN, out);
}

const unsigned char *nx_vault_data_key(const nx_vault *v) { return v->data_key.bytes; }
const nx_profile_info *nx_vault_info(const nx_vault *v) { return &v->info; }

void nx_vault_close(nx_vault *v)
{
    if (!v)
        return;
    nx_secret_free(&v->data_key);
    sodium_memzero(v, sizeof *v);
    free(v);
}
