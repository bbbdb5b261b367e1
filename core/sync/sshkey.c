/* core/sync/sshkey — the laptop's SSH identity, kept inside the encrypted
 * cache (meta key 'ssh_identity', OpenSSH private key text without a
 * passphrase: the cache's encryption is its protection). A stolen laptop
 * cannot sync without the passphrase, and no key file sits in ~/.ssh.
 *
 * The key is made with libsodium and written in OpenSSH's format here, in
 * guarded memory (sodium_malloc: locked, wiped on free); the copies we
 * give out live there too. Only the transport hands the text to libssh,
 * for the handshake (see transport_ssh.c). */
#include "sync/transport.h"
#include "store/store.h"
#include "crypt/crypt.h"

#include <libssh/libssh.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define META_KEY "ssh_identity"
#define PEM_MAX 8192

int nx_sync_key_private(struct nx_store *s, char **pem, char *err, size_t errlen)
{
    *pem = sodium_malloc(PEM_MAX);
    if (!*pem) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int r = nx_store_meta_get(s, META_KEY, *pem, PEM_MAX);
    if (r == 1 && strlen(*pem) + 1 < PEM_MAX)
        return 0;
    snprintf(err, errlen, r == 0 ? "this profile has no SSH identity yet (run `nexus key`)"
                          : r < 0 ? "cannot read the SSH identity from the cache"
                                  : "the SSH identity in the cache is too long");
    nx_sync_key_free(*pem);
    *pem = NULL;
    return -1;
}

void nx_sync_key_free(char *pem)
{
    sodium_free(pem);   /* wipes; NULL is fine */
}

/* ---- the OpenSSH private key format (PROTOCOL.key), for ed25519 ----------
 * Written here rather than by ssh_pki_export_privkey_base64, which returns
 * the text in malloc'd memory (and reads past its buffer under ASan's
 * strict string checks): every byte of the key stays in guarded memory. */
typedef struct { unsigned char *p; size_t len, cap; } wbuf;

static void put_u32(wbuf *b, uint32_t v)
{
    if (b->len + 4 <= b->cap) {
        b->p[b->len] = (unsigned char)(v >> 24);
        b->p[b->len + 1] = (unsigned char)(v >> 16);
        b->p[b->len + 2] = (unsigned char)(v >> 8);
        b->p[b->len + 3] = (unsigned char)v;
    }
    b->len += 4;
}

static void put_raw(wbuf *b, const void *p, size_t n)
{
    if (b->len + n <= b->cap)
        memcpy(b->p + b->len, p, n);
    b->len += n;
}

static void put_str(wbuf *b, const void *p, size_t n)
{
    put_u32(b, (uint32_t)n);
    put_raw(b, p, n);
}

#define KEYTYPE "ssh-ed25519"

/* A new ed25519 key as OpenSSH private key text (no passphrase) in
 * pem->bytes (NUL-terminated). 0 or -1. */
static int new_key_pem(nx_secret *pem)
{
    nx_secret sk = {0}, blob = {0}, b64 = {0};
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    int rc = -1;
    if (nx_secret_alloc(&sk, crypto_sign_SECRETKEYBYTES) || nx_secret_alloc(&blob, 1024))
        goto out;
    crypto_sign_keypair(pk, sk.bytes);   /* sk = seed || pk, as OpenSSH keeps it */
    wbuf b = { blob.bytes, 0, blob.len };
    put_raw(&b, "openssh-key-v1", 15);   /* with its NUL */
    put_str(&b, "none", 4);              /* cipher */
    put_str(&b, "none", 4);              /* kdf */
    put_str(&b, "", 0);                  /* kdf options */
    put_u32(&b, 1);                      /* one key */
    put_u32(&b, 4 + (uint32_t)strlen(KEYTYPE) + 4 + crypto_sign_PUBLICKEYBYTES);
    put_str(&b, KEYTYPE, strlen(KEYTYPE));
    put_str(&b, pk, sizeof pk);
    /* the private section, padded to the cipher block size (8 for none) */
    size_t priv = 8 + (4 + strlen(KEYTYPE)) + (4 + sizeof pk) + (4 + sk.len) + 4;
    size_t pad = (8 - priv % 8) % 8;
    put_u32(&b, (uint32_t)(priv + pad));
    uint32_t check;
    randombytes_buf(&check, sizeof check);
    put_u32(&b, check);
    put_u32(&b, check);
    put_str(&b, KEYTYPE, strlen(KEYTYPE));
    put_str(&b, pk, sizeof pk);
    put_str(&b, sk.bytes, sk.len);
    put_str(&b, "", 0);                  /* comment */
    for (size_t i = 1; i <= pad; i++) {
        unsigned char c = (unsigned char)i;
        put_raw(&b, &c, 1);
    }
    if (b.len > b.cap)
        goto out;
    size_t b64len = sodium_base64_ENCODED_LEN(b.len, sodium_base64_VARIANT_ORIGINAL);
    if (nx_secret_alloc(&b64, b64len))
        goto out;
    sodium_bin2base64((char *)b64.bytes, b64len, blob.bytes, b.len,
                      sodium_base64_VARIANT_ORIGINAL);
    static const char head[] = "-----BEGIN OPENSSH PRIVATE KEY-----\n";
    static const char foot[] = "-----END OPENSSH PRIVATE KEY-----\n";
    size_t n = strlen((char *)b64.bytes);
    if (nx_secret_alloc(pem, sizeof head + n + n / 70 + 2 + sizeof foot))
        goto out;
    wbuf t = { pem->bytes, 0, pem->len };
    put_raw(&t, head, sizeof head - 1);
    for (size_t off = 0; off < n; off += 70) {   /* lines of 70, as ssh-keygen */
        put_raw(&t, b64.bytes + off, n - off < 70 ? n - off : 70);
        put_raw(&t, "\n", 1);
    }
    put_raw(&t, foot, sizeof foot);      /* with its NUL */
    rc = t.len <= t.cap ? 0 : -1;
    if (rc)
        nx_secret_free(pem);
out:
    nx_secret_free(&sk);
    nx_secret_free(&blob);
    nx_secret_free(&b64);
    return rc;
}

int nx_sync_key_ensure(struct nx_store *s, char *err, size_t errlen)
{
    char *have = sodium_malloc(PEM_MAX);
    if (!have) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int r = nx_store_meta_get(s, META_KEY, have, PEM_MAX);
    nx_sync_key_free(have);
    if (r == 1)
        return 0;
    if (r < 0) {
        snprintf(err, errlen, "cannot read the SSH identity from the cache");
        return -1;
    }
    nx_secret pem = {0};
    if (new_key_pem(&pem)) {
        snprintf(err, errlen, "cannot generate an SSH key");
        return -1;
    }
    int rc = nx_store_meta_set(s, META_KEY, (const char *)pem.bytes);
    nx_secret_free(&pem);
    if (rc) {
        snprintf(err, errlen, "cannot store the SSH identity in the cache");
        return -1;
    }
    return 0;
}

int nx_sync_key_public(struct nx_store *s, const char *comment, char *out, size_t outlen,
                       char *err, size_t errlen)
{
    char *pem = NULL;
    if (nx_sync_key_private(s, &pem, err, errlen))
        return -1;
    ssh_key key = NULL;
    char *b64 = NULL;
    int rc = -1;
    if (ssh_pki_import_privkey_base64(pem, NULL, NULL, NULL, &key) != SSH_OK) {
        snprintf(err, errlen, "the SSH identity in the cache is unreadable");
        goto out;
    }
    if (ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK || !b64) {
        snprintf(err, errlen, "cannot export the SSH public key");
        goto out;
    }
    const char *type = ssh_key_type_to_char(ssh_key_type(key));
    int n = snprintf(out, outlen, "%s %s%s%s", type ? type : "ssh-ed25519", b64,
                     comment && *comment ? " " : "", comment ? comment : "");
    if (n < 0 || (size_t)n >= outlen) {
        snprintf(err, errlen, "the public key line does not fit");
        goto out;
    }
    rc = 0;
out:
    ssh_string_free_char(b64);   /* public: nothing to wipe */
    ssh_key_free(key);
    nx_sync_key_free(pem);
    return rc;
}
