/* The laptop's SSH identity inside the encrypted cache: generated once,
 * the same public line every time, a private key libssh accepts and sshd
 * lets in; never in the cache file's bytes. And `nexus init` / `nexus key`
 * printing it, or the public half of a `[sync] identity` file. */
#include <criterion/criterion.h>
#include <libssh/libssh.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "profile/profile.h"
#include "sync/transport.h"
#include "tests/helpers/run.h"
#include "tests/helpers/sshd.h"
#include "util/util.h"

static nx_profile prof;
static char dir[1024];
static nx_sshd sshd;

static void setup(void)
{
    cr_assert_eq(nx_crypt_init(), 0);
    nx_t_tmpdir(dir, sizeof dir, "sshkey");
    cr_assert(dir[0]);
}

static void teardown(void)
{
    nx_profile_close(&prof);
    nx_sshd_stop(&sshd);
}

TestSuite(sshkey, .init = setup, .fini = teardown, .timeout = 120);

static void make_profile(void)
{
    nx_conf c;
    nx_conf_defaults(&c);
    snprintf(c.cache_dir, sizeof c.cache_dir, "%s/profile", dir);
    char err[512] = "";
    cr_assert_eq(nx_profile_paths(&prof, &c, err, sizeof err), 0, "%s", err);
    nx_profile_info info = {0};
    snprintf(info.user, sizeof info.user, "alice");
    snprintf(info.role, sizeof info.role, "scheduling");
    info.created = info.passphrase_set = 1780300800;
    cr_assert_eq(nx_profile_create(&prof, "Pass-word-1", 11, NX_KDF_TEST_ONLY, &info, err,
                                   sizeof err), 0, "%s", err);
}

static void reopen(void)
{
    char err[512] = "";
    nx_profile_close(&prof);
    cr_assert_eq(nx_profile_open(&prof, "Pass-word-1", 11, err, sizeof err), 0, "%s", err);
}

static int file_contains(const char *path, const void *needle, size_t nlen)
{
    char *buf = NULL, err[256];
    size_t len = 0;
    if (nx_read_file(path, 1 << 28, &buf, &len, err, sizeof err))
        return 0;
    int found = memmem(buf, len, needle, nlen) != NULL;
    free(buf);
    return found;
}

Test(sshkey, ensure_public_private_round_trip)
{
    make_profile();
    char err[512] = "", pub1[2048], pub2[2048];
    char *pem = NULL;
    /* nothing before ensure */
    cr_assert_eq(nx_sync_key_private(prof.store, &pem, err, sizeof err), -1);
    cr_assert_null(pem);
    cr_assert_eq(nx_sync_key_public(prof.store, "c", pub1, sizeof pub1, err, sizeof err), -1);

    cr_assert_eq(nx_sync_key_ensure(prof.store, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_sync_key_public(prof.store, "alice@0123abcd", pub1, sizeof pub1, err,
                                    sizeof err), 0, "%s", err);
    cr_assert(strncmp(pub1, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5", 32) == 0, "%s", pub1);
    size_t n = strlen(pub1);
    cr_assert(n > 15 && strcmp(pub1 + n - 15, " alice@0123abcd") == 0, "%s", pub1);
    cr_assert_null(strchr(pub1, '\n'));

    /* ensure again, and after reopening: the same key */
    cr_assert_eq(nx_sync_key_ensure(prof.store, err, sizeof err), 0, "%s", err);
    reopen();
    cr_assert_eq(nx_sync_key_ensure(prof.store, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_sync_key_public(prof.store, "alice@0123abcd", pub2, sizeof pub2, err,
                                    sizeof err), 0, "%s", err);
    cr_assert_str_eq(pub1, pub2);

    /* the private text is an OpenSSH key whose public half is that line */
    cr_assert_eq(nx_sync_key_private(prof.store, &pem, err, sizeof err), 0, "%s", err);
    cr_assert(strncmp(pem, "-----BEGIN OPENSSH PRIVATE KEY-----", 35) == 0);
    ssh_key key = NULL;
    char *b64 = NULL;
    cr_assert_eq(ssh_pki_import_privkey_base64(pem, NULL, NULL, NULL, &key), SSH_OK);
    cr_assert_eq(ssh_key_type(key), SSH_KEYTYPE_ED25519);
    cr_assert_eq(ssh_key_is_private(key), 1);
    cr_assert_eq(ssh_pki_export_pubkey_base64(key, &b64), SSH_OK);
    cr_assert(strstr(pub1, b64), "%s / %s", pub1, b64);
    ssh_string_free_char(b64);
    ssh_key_free(key);
    /* and OpenSSH itself reads it (a test-only copy in the temp dir) */
    char copy[1200];
    snprintf(copy, sizeof copy, "%s/id_copy", dir);
    FILE *f = fopen(copy, "w");
    cr_assert_not_null(f);
    fchmod(fileno(f), 0600);
    fputs(pem, f);
    fclose(f);
    const char *argv[] = { "/usr/bin/ssh-keygen", "-y", "-f", copy, NULL };
    nx_t_result *r = calloc(1, sizeof *r);
    cr_assert_eq(nx_t_run(argv, NULL, NULL, r), 0);
    cr_assert_eq(r->status, 0, "%s", r->err);
    r->out[strcspn(r->out, "\n")] = '\0';
    cr_assert(strncmp(pub1, r->out, strlen(r->out)) == 0, "%s\nvs %s", pub1, r->out);
    free(r);
    unlink(copy);
    nx_sync_key_free(pem);
    nx_sync_key_free(NULL);

    /* no comment: type and key only */
    cr_assert_eq(nx_sync_key_public(prof.store, NULL, pub2, sizeof pub2, err, sizeof err), 0);
    cr_assert(strncmp(pub1, pub2, strlen(pub2)) == 0 && pub1[strlen(pub2)] == ' ');
    /* a buffer too small is an error, not a cut line */
    cr_assert_eq(nx_sync_key_public(prof.store, "x", pub2, 40, err, sizeof err), -1);
}

/* The cache is encrypted, which is the key's protection: no part of it
 * (nor of the public key, which the private encoding holds) reaches the
 * file. */
Test(sshkey, key_stays_inside_the_encrypted_cache)
{
    make_profile();
    char err[512] = "", pub[2048];
    char *pem = NULL;
    cr_assert_eq(nx_sync_key_ensure(prof.store, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_sync_key_public(prof.store, NULL, pub, sizeof pub, err, sizeof err), 0);
    cr_assert_eq(nx_sync_key_private(prof.store, &pem, err, sizeof err), 0, "%s", err);
    /* needles: the header, the public key's base64, every 24 characters
     * of the private key's base64 and every 16 bytes of what it encodes */
    struct { unsigned char b[32]; size_t n; } needles[128];
    int nn = 0;
#define NEEDLE(p, len) do { memcpy(needles[nn].b, (p), (len)); needles[nn++].n = (len); } while (0)
    NEEDLE("OPENSSH PRIVATE KEY", 19);
    NEEDLE(strchr(pub, ' ') + 1, 24);
    const char *body = strchr(pem, '\n') + 1, *end = strstr(body, "-----END");
    cr_assert_not_null(end);
    for (const char *l = body; l < end; l += strcspn(l, "\n") + 1)
        for (size_t off = 0; off + 24 <= strcspn(l, "\n") && nn < 64; off += 24)
            NEEDLE(l + off, 24);
    unsigned char bin[1024];
    size_t binlen = 0;
    cr_assert_eq(sodium_base642bin(bin, sizeof bin, body, (size_t)(end - body), "\n", &binlen,
                                   NULL, sodium_base64_VARIANT_ORIGINAL), 0);
    for (size_t off = 0; off + 16 <= binlen && nn < 128; off += 16)
        NEEDLE(bin + off, 16);
    sodium_memzero(bin, sizeof bin);
    /* the search finds the text needles where they are (a plaintext copy) */
    char plain[1200];
    snprintf(plain, sizeof plain, "%s/plain-copy", dir);
    FILE *f = fopen(plain, "w");
    cr_assert_not_null(f);
    fputs(pem, f);
    fclose(f);
    cr_assert(file_contains(plain, needles[0].b, needles[0].n));
    cr_assert(file_contains(plain, needles[3].b, needles[3].n));
    unlink(plain);
    nx_sync_key_free(pem);
    cr_assert_gt(nn, 20);
    nx_profile_close(&prof);
    char journal[4200];
    snprintf(journal, sizeof journal, "%s-journal", prof.cache);
    for (int i = 0; i < nn; i++) {
        cr_assert_not(file_contains(prof.cache, needles[i].b, needles[i].n),
                      "key needle %d in the cache file", i);
        cr_assert_not(file_contains(prof.keyfile, needles[i].b, needles[i].n),
                      "key needle %d in the key file", i);
        cr_assert_not(file_contains(journal, needles[i].b, needles[i].n),
                      "key needle %d in the journal", i);
    }
    sodium_memzero(needles, sizeof needles);
}

/* The identity from the cache is what sshd lets in. */
Test(sshkey, cache_identity_authenticates_over_sshd)
{
    if (!nx_sshd_available())
        cr_skip_test("%s is not installed (scripts/deps.sh test installs it)", NX_SSHD_PATH);
    make_profile();
    char err[2048] = "", pub[2048], line[2300];
    cr_assert_eq(nx_sync_key_ensure(prof.store, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_sync_key_public(prof.store, "alice@test", pub, sizeof pub, err, sizeof err),
                 0);
    cr_assert_eq(nx_sshd_start(&sshd, NULL, err, sizeof err), 0, "%s", err);
    snprintf(line, sizeof line, "restrict,command=\"/bin/echo FORCED\" %s", pub);
    cr_assert_eq(nx_sshd_authorize(&sshd, line), 0);
    char *pem = NULL;
    cr_assert_eq(nx_sync_key_private(prof.store, &pem, err, sizeof err), 0, "%s", err);
    nx_transport_opts o = { .host = NX_SSHD_HOST, .port = sshd.port, .user = sshd.user,
                            .known_hosts = sshd.known_hosts, .identity_pem = pem,
                            .timeout_ms = 20000 };
    nx_transport *t = NULL;
    nx_sync_code rc = nx_transport_open(&o, &t, err, sizeof err);
    nx_sync_key_free(pem);
    cr_assert_eq(rc, NX_SYNC_OK, "%s: %s", nx_sync_code_name(rc), err);
    char buf[8] = "";
    cr_assert_eq(nx_transport_read(t, buf, 7, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(buf, "FORCED\n");
    nx_transport_close(t);

    /* after the admin removes the line, the same key is refused */
    cr_assert_eq(nx_sshd_clear_authorized(&sshd), 0);
    cr_assert_eq(nx_sync_key_private(prof.store, &pem, err, sizeof err), 0, "%s", err);
    o.identity_pem = pem;
    rc = nx_transport_open(&o, &t, err, sizeof err);
    nx_sync_key_free(pem);
    cr_assert_eq(rc, NX_SYNC_AUTH, "%s: %s", nx_sync_code_name(rc), err);
}

/* ---- the nexus command ------------------------------------------------------ */

static char conf[1200], cenv[1300];

static void write_conf(const char *extra)
{
    snprintf(conf, sizeof conf, "%s/nexus.conf", dir);
    FILE *f = fopen(conf, "w");
    cr_assert(f);
    fprintf(f, "[cache]\ndir = %s/cli-profile\n%s", dir, extra ? extra : "");
    fclose(f);
    snprintf(cenv, sizeof cenv, "NEXUS_CONFIG=%s", conf);
}

static nx_t_result nexus(const char *input, const char *const *args)
{
    const char *argv[16] = { nx_t_bin("nexus") };
    for (int i = 0; args[i] && i < 14; i++)
        argv[i + 1] = args[i];
    const char *env[] = { cenv, NULL };
    nx_t_result r;
    cr_assert_eq(nx_t_run(argv, env, input, &r), 0);
    return r;
}
#define NX(input, ...) nexus(input, (const char *const[]){ __VA_ARGS__, NULL })

/* the line starting with ssh-ed25519 in out */
static void key_line(const char *out, char *line, size_t len)
{
    const char *p = strstr(out, "ssh-ed25519 ");
    cr_assert_not_null(p, "no key line in: %s", out);
    size_t n = strcspn(p, "\n");
    cr_assert_lt(n, len);
    memcpy(line, p, n);
    line[n] = '\0';
}

Test(sshkey, nexus_init_and_key_print_the_public_key)
{
    if (access(nx_t_bin("nexus"), X_OK) != 0)
        cr_skip_test("%s is not built", nx_t_bin("nexus"));
    write_conf(NULL);
    nx_t_result r = NX("Secret-Pass-1\n", "init", "--user", "bob", "--role", "eligibility",
                       "--kdf", "interactive", "--passphrase-fd", "0");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "administrator"), "%s", r.out);
    char from_init[2048], from_key[2048];
    key_line(r.out, from_init, sizeof from_init);
    /* comment: user@ the device id's first 8 hex digits */
    const char *comment = strrchr(from_init, ' ');
    cr_assert(comment && strncmp(comment, " bob@", 5) == 0 && strlen(comment) == 13, "%s",
              from_init);

    r = NX("Secret-Pass-1\n", "key", "--passphrase-fd", "0");
    cr_assert_eq(r.status, 0, "%s", r.err);
    key_line(r.out, from_key, sizeof from_key);
    cr_assert_str_eq(from_key, from_init);
    /* exactly one line on stdout */
    cr_assert_eq(strlen(r.out), strlen(from_key) + 1, "%s", r.out);

    r = NX("Wrong-Pass-2\n", "key", "--passphrase-fd", "0");
    cr_assert_neq(r.status, 0);
    cr_assert_null(strstr(r.out, "ssh-ed25519"));
    r = NX("Secret-Pass-1\n", "key", "--bogus", "--passphrase-fd", "0");
    cr_assert_neq(r.status, 0);
    cr_assert(strstr(r.err, "--bogus"), "%s", r.err);
    r = NX(NULL, "--help");
    cr_assert(strstr(r.out, "  key "), "%s", r.out);
}

Test(sshkey, nexus_key_with_identity_file)
{
    if (access(nx_t_bin("nexus"), X_OK) != 0)
        cr_skip_test("%s is not built", nx_t_bin("nexus"));
    char id[1200], pub[2048], err[512], extra[1400];
    snprintf(id, sizeof id, "%s/id_elsewhere", dir);
    cr_assert_eq(nx_sshd_keygen(id, "held-elsewhere", pub, sizeof pub, err, sizeof err), 0,
                 "%s", err);
    snprintf(extra, sizeof extra, "[sync]\nidentity = %s\n", id);
    write_conf(extra);
    /* no profile, no passphrase needed: the key is not ours to guard */
    nx_t_result r = NX(NULL, "key");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_eq(strncmp(r.out, pub, strlen(pub)), 0, "%s\nwant %s", r.out, pub);

    /* without the .pub beside it: derived from the private key */
    char pubpath[1300];
    snprintf(pubpath, sizeof pubpath, "%s.pub", id);
    unlink(pubpath);
    r = NX(NULL, "key");
    cr_assert_eq(r.status, 0, "%s", r.err);
    char *sp = strchr(pub, ' ');
    sp = strchr(sp + 1, ' ');
    *sp = '\0';   /* type and base64, no comment */
    cr_assert_eq(strncmp(r.out, pub, strlen(pub)), 0, "%s\nwant %s", r.out, pub);
}
