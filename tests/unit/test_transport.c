/* The transport to the hub, against a real OpenSSH sshd on 127.0.0.1
 * (tests/helpers/sshd): a pinned host key connects and the forced command
 * runs whatever we ask for; an unknown host key is refused with its
 * fingerprint and the line to pin; a changed one with a warning; a key
 * not in authorized_keys is refused; nothing listening or a silent peer is
 * "unreachable" within the timeout. And the local: pipe to a stand-in hub.
 * Stand-ins (/bin/echo, /bin/cat) play nexus-hub serve: this is about the
 * byte stream, not the protocol. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypt/crypt.h"
#include "sync/transport.h"
#include "tests/helpers/run.h"
#include "tests/helpers/sshd.h"

static nx_sshd sshd;
static char dir[1024];
static char idfile[1200], idpub[2048];

static void setup(void)
{
    cr_assert_eq(nx_crypt_init(), 0);
    nx_t_tmpdir(dir, sizeof dir, "transport");
    cr_assert(dir[0]);
}

static void teardown(void)
{
    nx_sshd_stop(&sshd);
}

TestSuite(transport, .init = setup, .fini = teardown, .timeout = 120);

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* sshd up, and a client key in dir/id authorized with `options`. */
static void start_sshd(const char *options)
{
    if (!nx_sshd_available())
        cr_skip_test("%s is not installed (scripts/deps.sh test installs it)", NX_SSHD_PATH);
    char err[2048];
    cr_assert_eq(nx_sshd_start(&sshd, NULL, err, sizeof err), 0, "%s", err);
    snprintf(idfile, sizeof idfile, "%s/id", dir);
    cr_assert_eq(nx_sshd_keygen(idfile, "tester@laptop", idpub, sizeof idpub, err, sizeof err),
                 0, "%s", err);
    if (options) {
        char line[4096];
        snprintf(line, sizeof line, "%s %s", options, idpub);
        cr_assert_eq(nx_sshd_authorize(&sshd, line), 0);
    }
}

static nx_transport_opts ssh_opts(void)
{
    nx_transport_opts o = {
        .host = NX_SSHD_HOST,
        .port = sshd.port,
        .user = sshd.user,
        .known_hosts = sshd.known_hosts,
        .identity_file = idfile,
        /* generous: a loaded CI machine takes seconds to start a session */
        .timeout_ms = 20000,
    };
    return o;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    char *buf = calloc(1, 65536);
    size_t n = fread(buf, 1, 65535, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

Test(transport, code_names)
{
    cr_assert_str_eq(nx_sync_code_name(NX_SYNC_OK), "ok");
    cr_assert_str_eq(nx_sync_code_name(NX_SYNC_HOSTKEY), "host key refused");
    cr_assert_str_eq(nx_sync_code_name(NX_SYNC_AUTH), "authentication refused");
    cr_assert_str_eq(nx_sync_code_name(NX_SYNC_UNREACHABLE), "unreachable");
    cr_assert_str_eq(nx_sync_code_name((nx_sync_code)99), "unknown");
    nx_transport_close(NULL);
    cr_assert_eq(nx_transport_dead(NULL), 1);
}

/* Acceptance 3: "the forced command runs regardless of what the client
 * asks for": we exec "nexus-hub serve", sshd runs /bin/echo. */
Test(transport, pinned_host_key_and_forced_command)
{
    start_sshd("restrict,command=\"/bin/echo FORCED\"");
    nx_transport_opts o = ssh_opts();
    nx_transport *t = NULL;
    char err[4096] = "", buf[16] = "", tail[2048];
    nx_sync_code rc = nx_transport_open(&o, &t, err, sizeof err);
    cr_assert_eq(rc, NX_SYNC_OK, "%s: %s | sshd: %s", nx_sync_code_name(rc), err,
                 nx_sshd_log_tail(&sshd, tail, sizeof tail));
    cr_assert_eq(nx_transport_read(t, buf, 7, err, sizeof err), 0, "%s", err);
    cr_assert_eq(memcmp(buf, "FORCED\n", 7), 0, "read '%.7s'", buf);
    /* the command has ended: the next read says so at once */
    double t0 = now_s();
    cr_assert_eq(nx_transport_read(t, buf, 1, err, sizeof err), -1);
    cr_assert(strstr(err, "closed"), "%s", err);
    cr_assert_lt(now_s() - t0, 10.0);   /* not the 20 s timeout */
    cr_assert_eq(nx_transport_dead(t), 1);
    cr_assert_eq(nx_transport_keepalive(t), -1);
    nx_transport_close(t);

    /* the same with the key given as text (as the cache hands it over) */
    char *pem = slurp(idfile);
    o.identity_file = NULL;
    o.identity_pem = pem;
    rc = nx_transport_open(&o, &t, err, sizeof err);
    cr_assert_eq(rc, NX_SYNC_OK, "%s: %s", nx_sync_code_name(rc), err);
    cr_assert_eq(nx_transport_read(t, buf, 7, err, sizeof err), 0, "%s", err);
    cr_assert_eq(memcmp(buf, "FORCED\n", 7), 0);
    nx_transport_close(t);
    free(pem);

    /* sshd saw our key and ran the forced command */
    char *log = slurp(sshd.log);
    cr_assert(strstr(log, "Accepted publickey for"), "%s", log);
    free(log);
}

/* A kept-open channel carries bytes both ways, large writes included, and
 * keepalives between rounds; when the far command ends, dead says so. */
Test(transport, stream_keepalive_and_end)
{
    /* dd copies 17 blocks of 64 KiB, each as soon as it is whole, then exits */
    start_sshd("restrict,command=\"/bin/dd bs=65536 count=17 iflag=fullblock status=none\"");
    nx_transport_opts o = ssh_opts();
    o.kex = "curve25519-sha256";
    nx_transport *t = NULL;
    char err[4096] = "";
    nx_sync_code rc = nx_transport_open(&o, &t, err, sizeof err);
    cr_assert_eq(rc, NX_SYNC_OK, "%s: %s", nx_sync_code_name(rc), err);
    /* Each round sends two blocks and reads them back in three pieces:
     * 3 bytes (the read-ahead takes what the channel has), a block's
     * worth (what the read-ahead holds, then straight into the buffer),
     * and the rest (through the read-ahead again). */
    enum { CHUNK = 65536, ROUNDS = 8 };
    unsigned char *out = malloc(2 * CHUNK), *in = malloc(2 * CHUNK);
    for (int r = 0; r < ROUNDS; r++) {
        for (int i = 0; i < 2 * CHUNK; i++)
            out[i] = (unsigned char)(i * 7 + r + i / 251);
        memset(in, 0, 2 * CHUNK);
        cr_assert_eq(nx_transport_write(t, out, 2 * CHUNK, err, sizeof err), 0, "%s", err);
        cr_assert_eq(nx_transport_read(t, in, 3, err, sizeof err), 0, "round %d: %s", r, err);
        cr_assert_eq(nx_transport_read(t, in + 3, CHUNK, err, sizeof err), 0, "round %d: %s", r,
                     err);
        cr_assert_eq(nx_transport_read(t, in + 3 + CHUNK, CHUNK - 3, err, sizeof err), 0,
                     "round %d: %s", r, err);
        cr_assert_eq(memcmp(in, out, 2 * CHUNK), 0, "round %d differs", r);
        cr_assert_eq(nx_transport_keepalive(t), 0, "round %d", r);
        cr_assert_eq(nx_transport_dead(t), 0);
    }
    /* the last block: dd copies it and exits */
    memset(out, 'z', CHUNK);
    cr_assert_eq(nx_transport_write(t, out, CHUNK, err, sizeof err), 0, "%s", err);
    cr_assert_eq(nx_transport_read(t, in, CHUNK, err, sizeof err), 0, "%s", err);
    cr_assert_eq(memcmp(in, out, CHUNK), 0);
    int dead = 0;
    for (double t0 = now_s(); !dead && now_s() - t0 < 15.0;) {
        dead = nx_transport_dead(t);
        if (!dead)
            usleep(10000);
    }
    cr_assert(dead, "the end of the far command was not noticed");
    nx_transport_close(t);
    free(out);
    free(in);
}

Test(transport, unknown_host_key_refused_with_fingerprint)
{
    start_sshd("restrict,command=\"/bin/echo FORCED\"");
    char empty[1200], err[4096] = "";
    snprintf(empty, sizeof empty, "%s/known_hosts.empty", dir);
    write_file(empty, "", 0600);
    nx_transport_opts o = ssh_opts();
    o.known_hosts = empty;
    nx_transport *t = NULL;
    nx_sync_code rc = nx_transport_open(&o, &t, err, sizeof err);
    cr_assert_eq(rc, NX_SYNC_HOSTKEY, "%s: %s", nx_sync_code_name(rc), err);
    cr_assert_null(t);
    /* the fingerprint ssh-keygen -lf gives, and the exact line to pin */
    cr_assert(sshd.host_fingerprint[0]);
    cr_assert(strncmp(sshd.host_fingerprint, "SHA256:", 7) == 0);
    cr_assert(strstr(err, sshd.host_fingerprint), "%s\nwant %s", err, sshd.host_fingerprint);
    cr_assert(strstr(err, sshd.known_hosts_line), "%s\nwant %s", err, sshd.known_hosts_line);
    cr_assert(strstr(err, "administrator"), "%s", err);
    cr_assert(strncmp(sshd.known_hosts_line, "[127.0.0.1]:", 12) == 0);
    /* never added automatically */
    char *kh = slurp(empty);
    cr_assert_str_eq(kh, "");
    free(kh);
    /* the server never saw our key */
    char *log = slurp(sshd.log);
    cr_assert_null(strstr(log, "Accepted publickey"), "%s", log);
    free(log);

    /* no known_hosts at all (a missing file, or none configured): the same */
    char missing[1200];
    snprintf(missing, sizeof missing, "%s/no-such-known_hosts", dir);
    o.known_hosts = missing;
    cr_assert_eq(nx_transport_open(&o, &t, err, sizeof err), NX_SYNC_HOSTKEY, "%s", err);
    cr_assert(strstr(err, sshd.host_fingerprint), "%s", err);
    cr_assert_neq(access(missing, F_OK), 0, "known_hosts was created");
    o.known_hosts = NULL;
    cr_assert_eq(nx_transport_open(&o, &t, err, sizeof err), NX_SYNC_HOSTKEY, "%s", err);

    /* pinning the line it printed makes it work */
    char pinned[1200], line[1300];
    snprintf(pinned, sizeof pinned, "%s/known_hosts.pinned", dir);
    snprintf(line, sizeof line, "%s\n", sshd.known_hosts_line);
    write_file(pinned, line, 0600);
    o.known_hosts = pinned;
    rc = nx_transport_open(&o, &t, err, sizeof err);
    cr_assert_eq(rc, NX_SYNC_OK, "%s: %s", nx_sync_code_name(rc), err);
    nx_transport_close(t);
}

Test(transport, changed_host_key_refused_with_warning)
{
    start_sshd("restrict,command=\"/bin/echo FORCED\"");
    char other[1200], otherpub[2048], err[4096] = "";
    snprintf(other, sizeof other, "%s/other_host", dir);
    cr_assert_eq(nx_sshd_keygen(other, "impostor", otherpub, sizeof otherpub, err, sizeof err), 0,
                 "%s", err);
    char type[64], b64[1024], kh[1200], line[1400];
    cr_assert_eq(sscanf(otherpub, "%63s %1023s", type, b64), 2);
    snprintf(kh, sizeof kh, "%s/known_hosts.changed", dir);
    snprintf(line, sizeof line, "[%s]:%d %s %s\n", NX_SSHD_HOST, sshd.port, type, b64);
    write_file(kh, line, 0600);
    nx_transport_opts o = ssh_opts();
    o.known_hosts = kh;
    nx_transport *t = NULL;
    nx_sync_code rc = nx_transport_open(&o, &t, err, sizeof err);
    cr_assert_eq(rc, NX_SYNC_HOSTKEY, "%s: %s", nx_sync_code_name(rc), err);
    cr_assert_null(t);
    cr_assert(strstr(err, "CHANGED"), "%s", err);
    cr_assert(strstr(err, "intercepting"), "%s", err);
    cr_assert(strstr(err, "administrator"), "%s", err);
    cr_assert(strstr(err, sshd.host_fingerprint), "%s", err);
    /* the pinned file is left alone */
    char *after = slurp(kh);
    cr_assert_str_eq(after, line);
    free(after);
    char *log = slurp(sshd.log);
    cr_assert_null(strstr(log, "Accepted publickey"), "%s", log);
    free(log);
}

Test(transport, key_not_authorized_refused)
{
    /* authorized_keys holds someone else's key only */
    start_sshd(NULL);
    char someone[1200], pub[2048], line[2200], err[4096] = "";
    snprintf(someone, sizeof someone, "%s/someone", dir);
    cr_assert_eq(nx_sshd_keygen(someone, "someone", pub, sizeof pub, err, sizeof err), 0);
    snprintf(line, sizeof line, "restrict,command=\"/bin/echo FORCED\" %s", pub);
    cr_assert_eq(nx_sshd_authorize(&sshd, line), 0);
    nx_transport_opts o = ssh_opts();
    nx_transport *t = NULL;
    nx_sync_code rc = nx_transport_open(&o, &t, err, sizeof err);
    cr_assert_eq(rc, NX_SYNC_AUTH, "%s: %s", nx_sync_code_name(rc), err);
    cr_assert_null(t);
    cr_assert(strstr(err, "nexus key"), "%s", err);
    /* no identity at all */
    o.identity_file = NULL;
    cr_assert_eq(nx_transport_open(&o, &t, err, sizeof err), NX_SYNC_AUTH);
    /* an unreadable identity text */
    o.identity_pem = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
    cr_assert_eq(nx_transport_open(&o, &t, err, sizeof err), NX_SYNC_AUTH);
}

static int free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(getsockname(s, (struct sockaddr *)&a, &len), 0);
    close(s);
    return ntohs(a.sin_port);
}

Test(transport, nothing_listening_is_unreachable_quickly)
{
    char kh[1200], err[4096] = "";
    snprintf(kh, sizeof kh, "%s/kh", dir);
    write_file(kh, "", 0600);
    nx_transport_opts o = { .host = NX_SSHD_HOST, .port = free_port(), .user = "nobody",
                            .known_hosts = kh, .identity_pem = "x", .timeout_ms = 1000 };
    nx_transport *t = NULL;
    double t0 = now_s();
    nx_sync_code rc = nx_transport_open(&o, &t, err, sizeof err);
    cr_assert_eq(rc, NX_SYNC_UNREACHABLE, "%s: %s", nx_sync_code_name(rc), err);
    cr_assert_lt(now_s() - t0, 3.0);
    cr_assert(strstr(err, "cannot reach the hub"), "%s", err);
    cr_assert_null(t);
}

/* A peer that accepts the connection and never says a word (a dead
 * network half-way, a hung server): the timeout ends the wait. */
Test(transport, silent_peer_times_out)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(listen(s, 4), 0);
    cr_assert_eq(getsockname(s, (struct sockaddr *)&a, &len), 0);
    char kh[1200], err[4096] = "";
    snprintf(kh, sizeof kh, "%s/kh", dir);
    write_file(kh, "", 0600);
    nx_transport_opts o = { .host = NX_SSHD_HOST, .port = ntohs(a.sin_port), .user = "nobody",
                            .known_hosts = kh, .identity_pem = "x", .timeout_ms = 700 };
    nx_transport *t = NULL;
    double t0 = now_s();
    nx_sync_code rc = nx_transport_open(&o, &t, err, sizeof err);
    double took = now_s() - t0;
    close(s);
    cr_assert_eq(rc, NX_SYNC_UNREACHABLE, "%s: %s", nx_sync_code_name(rc), err);
    cr_assert_gt(took, 0.6, "took %.1f s", took);
    cr_assert_lt(took, 10.0, "took %.1f s", took);
    cr_assert_null(t);
}

/* ---- local: a child over pipes --------------------------------------------- */

static void script(const char *path, const char *body)
{
    char text[2048];
    snprintf(text, sizeof text, "#!/bin/sh\n%s\n", body);
    write_file(path, text, 0700);
}

Test(transport, local_round_trip_and_arguments)
{
    char hub[1200], store[1200], err[4096] = "";
    snprintf(hub, sizeof hub, "%s/fake-hub", dir);
    snprintf(store, sizeof store, "local:%s/store", dir);
    script(hub, "echo \"$*\"\nexec /bin/cat");
    nx_transport_opts o = { .host = store, .local_user = "alice", .hub_path = hub,
                            .timeout_ms = 20000 };
    nx_transport *t = NULL;
    nx_sync_code rc = nx_transport_open(&o, &t, err, sizeof err);
    cr_assert_eq(rc, NX_SYNC_OK, "%s: %s", nx_sync_code_name(rc), err);
    char want[1400], got[1400] = "";
    snprintf(want, sizeof want, "serve --store %s/store --user alice\n", dir);
    cr_assert_eq(nx_transport_read(t, got, strlen(want), err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(got, want);
    enum { CHUNK = 50000 };
    unsigned char *out = malloc(CHUNK), *in = malloc(CHUNK);
    for (int r = 0; r < 20; r++) {
        for (int i = 0; i < CHUNK; i++)
            out[i] = (unsigned char)(i ^ (r * 31));
        cr_assert_eq(nx_transport_write(t, out, CHUNK, err, sizeof err), 0, "%s", err);
        cr_assert_eq(nx_transport_read(t, in, CHUNK, err, sizeof err), 0, "%s", err);
        cr_assert_eq(memcmp(in, out, CHUNK), 0);
        cr_assert_eq(nx_transport_keepalive(t), 0);
    }
    cr_assert_eq(nx_transport_dead(t), 0);
    double t0 = now_s();
    nx_transport_close(t);   /* cat ends on EOF: well within the 2 s grace */
    cr_assert_lt(now_s() - t0, 1.9);
    free(out);
    free(in);
}

Test(transport, local_hub_failures)
{
    char hub[1200], store[1200], err[4096] = "", buf[8];
    snprintf(store, sizeof store, "local:%s/store", dir);
    nx_transport_opts o = { .host = store, .local_user = "alice", .hub_path = hub,
                            .timeout_ms = 400 };
    nx_transport *t = NULL;

    /* no such program */
    snprintf(hub, sizeof hub, "%s/missing-hub", dir);
    cr_assert_eq(nx_transport_open(&o, &t, err, sizeof err), NX_SYNC_UNREACHABLE);
    cr_assert(strstr(err, "missing-hub"), "%s", err);
    cr_assert_null(t);

    /* the hub says why it stops, on stderr: the error quotes it */
    snprintf(hub, sizeof hub, "%s/failing-hub", dir);
    script(hub, "echo 'nexus-hub: no such store' >&2\nexit 3");
    cr_assert_eq(nx_transport_open(&o, &t, err, sizeof err), NX_SYNC_OK, "%s", err);
    cr_assert_eq(nx_transport_read(t, buf, 1, err, sizeof err), -1);
    cr_assert(strstr(err, "closed"), "%s", err);
    cr_assert(strstr(err, "no such store"), "%s", err);
    cr_assert_eq(nx_transport_dead(t), 1);
    cr_assert_eq(nx_transport_write(t, "x", 1, err, sizeof err), -1);
    nx_transport_close(t);

    /* writing to a hub that has gone: an error, not SIGPIPE */
    snprintf(hub, sizeof hub, "%s/gone-hub", dir);
    script(hub, "exit 0");
    cr_assert_eq(nx_transport_open(&o, &t, err, sizeof err), NX_SYNC_OK, "%s", err);
    int dead = 0;
    for (double t0 = now_s(); !dead && now_s() - t0 < 15.0;) {
        dead = nx_transport_dead(t);
        if (!dead)
            usleep(10000);
    }
    cr_assert(dead);
    nx_transport_close(t);
    /* a hub that stopped reading (its stdin closed before it says "x") */
    snprintf(hub, sizeof hub, "%s/deaf-hub", dir);
    script(hub, "exec 0<&-\nprintf x\nexec /bin/sleep 1");
    o.timeout_ms = 20000;
    cr_assert_eq(nx_transport_open(&o, &t, err, sizeof err), NX_SYNC_OK, "%s", err);
    cr_assert_eq(nx_transport_read(t, buf, 1, err, sizeof err), 0, "%s", err);
    static char big[1 << 17];
    cr_assert_eq(nx_transport_write(t, big, sizeof big, err, sizeof err), -1);
    cr_assert(strstr(err, "no longer reading"), "%s", err);
    nx_transport_close(t);
    o.timeout_ms = 400;

    /* a hub that never answers and ignores EOF: the read times out and
     * close kills it after the grace */
    snprintf(hub, sizeof hub, "%s/hung-hub", dir);
    script(hub, "exec /bin/sleep 30");
    cr_assert_eq(nx_transport_open(&o, &t, err, sizeof err), NX_SYNC_OK, "%s", err);
    double t0 = now_s();
    cr_assert_eq(nx_transport_read(t, buf, 1, err, sizeof err), -1);
    cr_assert(strstr(err, "did not answer"), "%s", err);
    cr_assert_lt(now_s() - t0, 5.0);
    t0 = now_s();
    nx_transport_close(t);
    cr_assert_lt(now_s() - t0, 8.0);

    /* local: with no path, no user */
    o.host = "local:";
    cr_assert_eq(nx_transport_open(&o, &t, err, sizeof err), NX_SYNC_USAGE);
    o.host = store;
    o.local_user = NULL;
    cr_assert_eq(nx_transport_open(&o, &t, err, sizeof err), NX_SYNC_USAGE);
    o.host = "";
    cr_assert_eq(nx_transport_open(&o, &t, err, sizeof err), NX_SYNC_USAGE);
}

/* The hub beside this program, or $NEXUS_HUB, when hub_path is not set. */
Test(transport, local_hub_from_environment)
{
    char hub[1200], store[1200], env[1300], err[4096] = "", buf[8] = "";
    snprintf(hub, sizeof hub, "%s/env-hub", dir);
    snprintf(store, sizeof store, "local:%s/store", dir);
    script(hub, "printf ENVHUB");
    snprintf(env, sizeof env, "NEXUS_HUB=%s", hub);
    putenv(env);
    nx_transport_opts o = { .host = store, .local_user = "alice", .timeout_ms = 20000 };
    nx_transport *t = NULL;
    cr_assert_eq(nx_transport_open(&o, &t, err, sizeof err), NX_SYNC_OK, "%s", err);
    cr_assert_eq(nx_transport_read(t, buf, 6, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(buf, "ENVHUB");
    nx_transport_close(t);
    unsetenv("NEXUS_HUB");
}
