/* core/crypt/aead — XChaCha20-Poly1305 (IETF), detached and in place: the
 * construction of libsodium's crypto_aead_xchacha20poly1305_ietf_*_detached,
 * byte for byte, computed faster where OpenSSL's ChaCha20-Poly1305 is there.
 *
 * XChaCha20-Poly1305 is HChaCha20(key, nonce[0..16)) as the subkey, then
 * ChaCha20-Poly1305-IETF under that subkey with the 12-byte nonce
 * 0x00000000 || nonce[16..24). libsodium 1.0.18 computes that at about
 * 1.2 GB/s here; OpenSSL 3's ChaCha20-Poly1305 (AVX-512/AVX2 assembly) at
 * about 4 GB/s. A handle uses OpenSSL for the ChaCha20-Poly1305 part after a
 * process-wide check that both give the same ciphertext and tag and open
 * each other's output; when the check fails, or OpenSSL cannot be set up,
 * every call is libsodium's own.
 *
 * Key handling: the caller's key (the VFS's page key, in sodium_malloc
 * memory) is only ever given to libsodium. OpenSSL sees the per-nonce
 * subkey, which opens that one page and no other; its context is cleansed
 * by nx_aead_free. The subkey's stack copy is wiped after each call.
 *
 * A handle is not shared between threads: the VFS keeps one per open file,
 * which SQLite uses from one connection at a time. */
#ifndef NX_AEAD_H
#define NX_AEAD_H

#include <stddef.h>

#define NX_AEAD_KEY 32
#define NX_AEAD_NONCE 24
#define NX_AEAD_TAG 16

typedef struct nx_aead nx_aead;

enum nx_aead_impl { NX_AEAD_AUTO, NX_AEAD_LIBSODIUM, NX_AEAD_OPENSSL };

/* NX_AEAD_AUTO: OpenSSL when it passed the check, else libsodium.
 * NX_AEAD_OPENSSL: NULL when OpenSSL cannot be used (tests compare both).
 * NULL also when out of memory. */
nx_aead *nx_aead_new(enum nx_aead_impl impl);
void     nx_aead_free(nx_aead *a);
/* "openssl" or "libsodium": which one computes ChaCha20-Poly1305. */
const char *nx_aead_name(const nx_aead *a);

/* Encrypts m[0..mlen) in place and writes the tag: 0. -1 when OpenSSL
 * failed part-way (not seen once the check passed): m is then neither
 * plaintext nor ciphertext and must not be written anywhere. */
int nx_aead_seal(nx_aead *a, unsigned char *m, size_t mlen, unsigned char tag[NX_AEAD_TAG],
                 const unsigned char *ad, size_t adlen,
                 const unsigned char nonce[NX_AEAD_NONCE],
                 const unsigned char key[NX_AEAD_KEY]);
/* Authenticates and decrypts c[0..clen) in place: 0, or -1 with c zeroed,
 * as libsodium leaves it. */
int nx_aead_open(nx_aead *a, unsigned char *c, size_t clen, const unsigned char tag[NX_AEAD_TAG],
                 const unsigned char *ad, size_t adlen,
                 const unsigned char nonce[NX_AEAD_NONCE],
                 const unsigned char key[NX_AEAD_KEY]);

#endif
