/* core/sync/transport — picks the transport from [sync] host (a host name
 * = SSH, `local:/path` = a pipe to a local hub) and dispatches to it, so
 * the protocol above sees one byte stream. Also the names of the sync
 * outcomes, which are `nexus sync`'s exit codes. */
#include "sync/transport_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *nx_sync_code_name(nx_sync_code c)
{
    switch (c) {
    case NX_SYNC_OK: return "ok";
    case NX_SYNC_ERROR: return "error";
    case NX_SYNC_USAGE: return "usage";
    case NX_SYNC_UNREACHABLE: return "unreachable";
    case NX_SYNC_HOSTKEY: return "host key refused";
    case NX_SYNC_AUTH: return "authentication refused";
    case NX_SYNC_PROTOCOL: return "protocol error";
    case NX_SYNC_REVOKED: return "revoked";
    case NX_SYNC_LOCKED: return "locked";
    }
    return "unknown";
}

void nx_tr_errtail_add(nx_transport *t, const char *buf, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char ch = buf[i];
        if (ch != '\n' && (ch < 0x20 || ch > 0x7e))
            ch = '?';
        if (t->errtail_len + 1 >= sizeof t->errtail) {
            /* keep the newer half */
            size_t keep = sizeof t->errtail / 2;
            memmove(t->errtail, t->errtail + t->errtail_len - keep, keep);
            t->errtail_len = keep;
        }
        t->errtail[t->errtail_len++] = ch;
    }
    t->errtail[t->errtail_len] = '\0';
}

const char *nx_tr_errtail(nx_transport *t, char *out, size_t outlen)
{
    /* the last non-empty line */
    size_t end = t->errtail_len;
    while (end > 0 && t->errtail[end - 1] == '\n')
        end--;
    size_t start = end;
    while (start > 0 && t->errtail[start - 1] != '\n')
        start--;
    if (end == start) {
        snprintf(out, outlen, "%s", "");
        return out;
    }
    snprintf(out, outlen, " (the hub said: %.*s)", (int)(end - start), t->errtail + start);
    return out;
}

nx_sync_code nx_transport_open(const nx_transport_opts *o, nx_transport **out,
                               char *err, size_t errlen)
{
    *out = NULL;
    if (!o->host || !*o->host) {
        snprintf(err, errlen, "no hub configured ([sync] host is empty)");
        return NX_SYNC_USAGE;
    }
    nx_transport *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "out of memory");
        return NX_SYNC_ERROR;
    }
    t->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 15000;
    t->to_fd = t->from_fd = t->err_fd = -1;
    nx_sync_code rc;
    if (strncmp(o->host, "local:", 6) == 0) {
        t->kind = NX_TR_LOCAL;
        rc = nx_tr_local_open(o, o->host + 6, t, err, errlen);
    } else {
        t->kind = NX_TR_SSH;
        rc = nx_tr_ssh_open(o, t, err, errlen);
    }
    if (rc != NX_SYNC_OK) {
        nx_transport_close(t);
        return rc;
    }
    *out = t;
    return NX_SYNC_OK;
}

int nx_transport_write(nx_transport *t, const void *buf, size_t len, char *err, size_t errlen)
{
    if (t->dead) {
        snprintf(err, errlen, "the connection to the hub is closed");
        return -1;
    }
    int rc = t->kind == NX_TR_SSH ? nx_tr_ssh_write(t, buf, len, err, errlen)
                                  : nx_tr_local_write(t, buf, len, err, errlen);
    if (rc)
        t->dead = 1;
    return rc;
}

int nx_transport_read(nx_transport *t, void *buf, size_t len, char *err, size_t errlen)
{
    if (len == 0)
        return 0;
    if (t->dead) {
        snprintf(err, errlen, "the connection to the hub is closed");
        return -1;
    }
    int rc = t->kind == NX_TR_SSH ? nx_tr_ssh_read(t, buf, len, err, errlen)
                                  : nx_tr_local_read(t, buf, len, err, errlen);
    /* A timed-out read leaves the stream mid-frame: nothing after it can be
     * trusted, so any failure ends the connection. */
    if (rc)
        t->dead = 1;
    return rc;
}

int nx_transport_dead(nx_transport *t)
{
    if (!t || t->dead)
        return 1;
    int d = t->kind == NX_TR_SSH ? nx_tr_ssh_dead(t) : nx_tr_local_dead(t);
    if (d)
        t->dead = 1;
    return d;
}

int nx_transport_keepalive(nx_transport *t)
{
    if (!t || t->dead)
        return -1;
    if (t->kind == NX_TR_SSH && nx_tr_ssh_keepalive(t)) {
        t->dead = 1;
        return -1;
    }
    return nx_transport_dead(t) ? -1 : 0;
}

void nx_transport_close(nx_transport *t)
{
    if (!t)
        return;
    if (t->kind == NX_TR_SSH)
        nx_tr_ssh_close(t);
    else if (t->kind == NX_TR_LOCAL)
        nx_tr_local_close(t);
    free(t);
}
