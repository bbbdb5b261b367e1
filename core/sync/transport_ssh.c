/* core/sync/transport_ssh — the byte stream to the hub over SSH (libssh):
 * an exec channel to `nexus-hub serve`, which sshd replaces with the
 * forced command of our key's authorized_keys line anyway.
 *
 * Why it is this strict: the hub holds the firm's PHI and the sync moves
 * it, so the hub's host key must be the one pinned in [sync] known_hosts
 * (never ~/.ssh, never the system file, never added automatically); an
 * unknown key is refused with the fingerprint to check with the hub's
 * administrator, a changed one with a warning that someone may be in the
 * middle. We authenticate with our public key only. libssh keeps the
 * private key in its own memory: we import it just before authenticating
 * and free it (libssh wipes it) right after, so it lives in libssh's heap
 * only for the handshake. */
#include "sync/transport_int.h"
#include "util/util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The read-ahead of nx_tr_ssh_read. */
#define NX_TR_READAHEAD 65536

static const char *known_hosts_path(const nx_transport_opts *o)
{
    return o->known_hosts && *o->known_hosts ? o->known_hosts : "/dev/null";
}

/* "SHA256:..." and "host-part type base64" of the server's key. */
static int server_key_text(ssh_session s, const nx_transport_opts *o, int port, char *fp,
                           size_t fplen, char *line, size_t linelen)
{
    ssh_key srv = NULL;
    unsigned char *hash = NULL;
    size_t hlen = 0;
    char *hex = NULL, *b64 = NULL;
    int rc = -1;
    if (ssh_get_server_publickey(s, &srv) != SSH_OK)
        goto out;
    if (ssh_get_publickey_hash(srv, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) != 0)
        goto out;
    hex = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
    if (!hex || ssh_pki_export_pubkey_base64(srv, &b64) != SSH_OK)
        goto out;
    const char *type = ssh_key_type_to_char(ssh_key_type(srv));
    snprintf(fp, fplen, "%s", hex);
    if (port == 22)
        snprintf(line, linelen, "%s %s %s", o->host, type ? type : "?", b64);
    else
        snprintf(line, linelen, "[%s]:%d %s %s", o->host, port, type ? type : "?", b64);
    rc = 0;
out:
    ssh_string_free_char(b64);
    ssh_string_free_char(hex);
    if (hash)
        ssh_clean_pubkey_hash(&hash);
    ssh_key_free(srv);
    return rc;
}

static nx_sync_code check_host_key(nx_transport *t, const nx_transport_opts *o, int port,
                                   char *err, size_t errlen)
{
    enum ssh_known_hosts_e k = ssh_session_is_known_server(t->ssh);
    if (k == SSH_KNOWN_HOSTS_OK)
        return NX_SYNC_OK;
    char fp[256] = "(unavailable)", line[2048] = "";
    server_key_text(t->ssh, o, port, fp, sizeof fp, line, sizeof line);
    const char *kh = known_hosts_path(o);
    switch (k) {
    case SSH_KNOWN_HOSTS_UNKNOWN:
    case SSH_KNOWN_HOSTS_NOT_FOUND:
        snprintf(err, errlen,
                 "the hub's host key is not pinned (%s has no key for %s): nothing was synced.\n"
                 "Its SHA-256 fingerprint is %s\n"
                 "Check this fingerprint with the hub's administrator (in person or by "
                 "phone, not through this network). Only if it matches, add this line to %s:\n"
                 "%s",
                 kh, o->host, fp, kh, line);
        return NX_SYNC_HOSTKEY;
    case SSH_KNOWN_HOSTS_CHANGED:
    case SSH_KNOWN_HOSTS_OTHER:
        snprintf(err, errlen,
                 "WARNING: the hub's host key has CHANGED: %s pins a different key for %s. "
                 "Someone may be intercepting the connection (a man-in-the-middle attack) "
                 "to read or alter patient data. Do not sync and do not edit %s: contact "
                 "the hub's administrator and report that the hub now presents %s. "
                 "Nothing was synced.",
                 kh, o->host, kh, fp);
        return NX_SYNC_HOSTKEY;
    case SSH_KNOWN_HOSTS_ERROR:
    default:
        snprintf(err, errlen, "cannot check the hub's host key against %s: %s", kh,
                 ssh_get_error(t->ssh));
        return NX_SYNC_HOSTKEY;
    }
}

static nx_sync_code authenticate(nx_transport *t, const nx_transport_opts *o, char *err,
                                 size_t errlen)
{
    ssh_key key = NULL;
    int rc;
    if (o->identity_pem && *o->identity_pem) {
        rc = ssh_pki_import_privkey_base64(o->identity_pem, NULL, NULL, NULL, &key);
        if (rc != SSH_OK) {
            snprintf(err, errlen, "the SSH identity in the cache is unreadable");
            return NX_SYNC_AUTH;
        }
    } else if (o->identity_file && *o->identity_file) {
        rc = ssh_pki_import_privkey_file(o->identity_file, NULL, NULL, NULL, &key);
        if (rc != SSH_OK) {
            snprintf(err, errlen,
                     "cannot read the SSH identity %s ([sync] identity; a key protected by "
                     "a passphrase is not supported)", o->identity_file);
            return NX_SYNC_AUTH;
        }
    } else {
        snprintf(err, errlen, "no SSH identity: run `nexus key` after unlocking");
        return NX_SYNC_AUTH;
    }
    rc = ssh_userauth_publickey(t->ssh, NULL, key);
    /* libssh's copy of the private key: freed (and wiped by libssh) now. */
    ssh_key_free(key);
    if (rc == SSH_AUTH_SUCCESS)
        return NX_SYNC_OK;
    if (rc == SSH_AUTH_ERROR && !ssh_is_connected(t->ssh)) {
        snprintf(err, errlen, "the connection to the hub was cut during authentication: %s",
                 ssh_get_error(t->ssh));
        return NX_SYNC_UNREACHABLE;
    }
    snprintf(err, errlen,
             "the hub refused this laptop's SSH key (not authorized, or revoked): give the "
             "line `nexus key` prints to the hub's administrator");
    return NX_SYNC_AUTH;
}

nx_sync_code nx_tr_ssh_open(const nx_transport_opts *o, nx_transport *t, char *err, size_t errlen)
{
    int port = o->port > 0 ? o->port : 22;
    t->ssh = ssh_new();
    if (!t->ssh) {
        snprintf(err, errlen, "out of memory");
        return NX_SYNC_ERROR;
    }
    int no = 0, one = 1;
    long secs = t->timeout_ms / 1000, usecs = (long)(t->timeout_ms % 1000) * 1000;
    if (ssh_options_set(t->ssh, SSH_OPTIONS_PROCESS_CONFIG, &no) ||
        ssh_options_set(t->ssh, SSH_OPTIONS_HOST, o->host) ||
        ssh_options_set(t->ssh, SSH_OPTIONS_PORT, &port) ||
        (o->user && *o->user && ssh_options_set(t->ssh, SSH_OPTIONS_USER, o->user)) ||
        ssh_options_set(t->ssh, SSH_OPTIONS_KNOWNHOSTS, known_hosts_path(o)) ||
        ssh_options_set(t->ssh, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null") ||
        ssh_options_set(t->ssh, SSH_OPTIONS_TIMEOUT, &secs) ||
        ssh_options_set(t->ssh, SSH_OPTIONS_TIMEOUT_USEC, &usecs) ||
        /* A round is a few small writes answered at once: with Nagle on,
         * the second waits for the server's delayed ACK (40 ms). */
        ssh_options_set(t->ssh, SSH_OPTIONS_NODELAY, &one) ||
        (o->kex && *o->kex && ssh_options_set(t->ssh, SSH_OPTIONS_KEY_EXCHANGE, o->kex))) {
        snprintf(err, errlen, "bad SSH settings for %s: %s", o->host, ssh_get_error(t->ssh));
        return NX_SYNC_USAGE;
    }
    if (ssh_connect(t->ssh) != SSH_OK) {
        snprintf(err, errlen, "cannot reach the hub %s port %d: %s", o->host, port,
                 ssh_get_error(t->ssh));
        return NX_SYNC_UNREACHABLE;
    }
    nx_sync_code rc = check_host_key(t, o, port, err, errlen);
    if (rc == NX_SYNC_OK)
        rc = authenticate(t, o, err, errlen);
    if (rc != NX_SYNC_OK)
        return rc;
    t->ch = ssh_channel_new(t->ssh);
    if (!t->ch || ssh_channel_open_session(t->ch) != SSH_OK ||
        ssh_channel_request_exec(t->ch, "nexus-hub serve") != SSH_OK) {
        int up = ssh_is_connected(t->ssh);
        snprintf(err, errlen, "the hub's SSH server would not start the hub: %s",
                 ssh_get_error(t->ssh));
        return up ? NX_SYNC_PROTOCOL : NX_SYNC_UNREACHABLE;
    }
    return NX_SYNC_OK;
}

/* What the hub wrote to stderr so far, without waiting. */
static void drain_stderr(nx_transport *t)
{
    char buf[512];
    for (int i = 0; i < 16; i++) {
        int n = ssh_channel_read_nonblocking(t->ch, buf, sizeof buf, 1);
        if (n <= 0)
            break;
        nx_tr_errtail_add(t, buf, (size_t)n);
    }
}

int nx_tr_ssh_write(nx_transport *t, const void *buf, size_t len, char *err, size_t errlen)
{
    const char *p = buf;
    while (len > 0) {
        uint32_t chunk = len > (1u << 20) ? (1u << 20) : (uint32_t)len;
        int n = ssh_channel_write(t->ch, p, chunk);
        if (n <= 0) {
            char tail[600];
            drain_stderr(t);
            snprintf(err, errlen, "cannot send to the hub: %s%s",
                     ssh_is_connected(t->ssh) ? ssh_get_error(t->ssh)
                                              : "the connection was cut",
                     nx_tr_errtail(t, tail, sizeof tail));
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int read_failed(nx_transport *t, int n, char *err, size_t errlen)
{
    char tail[600];
    drain_stderr(t);
    nx_tr_errtail(t, tail, sizeof tail);
    if (n < 0)
        snprintf(err, errlen, "cannot receive from the hub: %s%s",
                 ssh_is_connected(t->ssh) ? ssh_get_error(t->ssh) : "the connection was cut", tail);
    else if (ssh_channel_is_eof(t->ch) || ssh_channel_is_closed(t->ch))
        snprintf(err, errlen, "the hub closed the connection%s", tail);
    else if (!ssh_is_connected(t->ssh))
        snprintf(err, errlen, "the connection to the hub was cut%s", tail);
    else
        snprintf(err, errlen, "the hub did not answer within %d s%s",
                 (t->timeout_ms + 999) / 1000, tail);
    return -1;
}

/* Reads exactly len bytes: first what the read-ahead holds, then a large
 * request straight into buf, a small one through the read-ahead (whatever
 * the channel has, up to NX_TR_READAHEAD: a pull's frames are a few hundred
 * bytes, and each libssh call costs more than the copy). */
int nx_tr_ssh_read(nx_transport *t, void *buf, size_t len, char *err, size_t errlen)
{
    char *p = buf;
    while (len > 0) {
        if (t->rpos < t->rlen) {
            size_t n = t->rlen - t->rpos < len ? t->rlen - t->rpos : len;
            memcpy(p, t->rbuf + t->rpos, n);
            t->rpos += n;
            p += n;
            len -= n;
            continue;
        }
        if (!t->rbuf && !(t->rbuf = malloc(NX_TR_READAHEAD)))
            return nx_err(err, errlen, "out of memory"), -1;
        int direct = len >= NX_TR_READAHEAD;
        uint32_t want = direct ? (len > (1u << 20) ? (1u << 20) : (uint32_t)len)
                               : NX_TR_READAHEAD;
        sodium_memzero(t->rbuf, t->rlen);
        t->rpos = t->rlen = 0;
        int n = ssh_channel_read_timeout(t->ch, direct ? (void *)p : (void *)t->rbuf, want, 0,
                                         t->timeout_ms);
        if (n <= 0)
            return read_failed(t, n, err, errlen);
        if (direct) {
            p += n;
            len -= (size_t)n;
        } else {
            t->rlen = (size_t)n;
        }
    }
    return 0;
}

int nx_tr_ssh_dead(nx_transport *t)
{
    if (!t->ch || !ssh_is_connected(t->ssh) || ssh_channel_is_closed(t->ch))
        return 1;
    int r = ssh_channel_poll_timeout(t->ch, 0, 0);
    if (r == SSH_ERROR || r == SSH_EOF)
        return 1;
    return !ssh_is_connected(t->ssh);
}

int nx_tr_ssh_keepalive(nx_transport *t)
{
    if (!t->ch || !ssh_is_connected(t->ssh))
        return -1;
    return ssh_send_ignore(t->ssh, "") == SSH_OK ? 0 : -1;
}

void nx_tr_ssh_close(nx_transport *t)
{
    if (t->rbuf) {
        sodium_memzero(t->rbuf, NX_TR_READAHEAD);
        free(t->rbuf);
        t->rbuf = NULL;
    }
    t->rpos = t->rlen = 0;
    if (!t->ssh)
        return;
    /* Never wait on a dead network to say goodbye. */
    ssh_set_blocking(t->ssh, 0);
    if (t->ch) {
        if (ssh_is_connected(t->ssh) && !ssh_channel_is_closed(t->ch)) {
            ssh_channel_send_eof(t->ch);
            ssh_channel_close(t->ch);
        }
        ssh_channel_free(t->ch);
        t->ch = NULL;
    }
    if (ssh_is_connected(t->ssh))
        ssh_disconnect(t->ssh);
    ssh_free(t->ssh);
    t->ssh = NULL;
}
