/* core/sync/transport_int — what transport.c (dispatch), transport_ssh.c
 * (libssh exec channel) and transport_local.c (a `nexus-hub serve` child
 * over pipes) share: the one struct behind nx_transport. Not for callers. */
#ifndef NX_SYNC_TRANSPORT_INT_H
#define NX_SYNC_TRANSPORT_INT_H
#include <libssh/libssh.h>
#include <sys/types.h>
#include "sync/transport.h"

enum { NX_TR_SSH = 1, NX_TR_LOCAL = 2 };

struct nx_transport {
    int kind;
    int timeout_ms;
    int dead;                 /* known closed / cut */
    /* ssh */
    ssh_session ssh;
    ssh_channel ch;
    /* What libssh handed over beyond the bytes asked for: frames are read
     * from here, the channel once per NX_TR_READAHEAD bytes instead of
     * twice a frame (transport_ssh.c). Wiped before each refill and at close:
     * it holds the frames' plaintext. */
    unsigned char *rbuf;
    size_t rpos, rlen;
    /* local */
    pid_t pid;
    int reaped;
    int to_fd, from_fd, err_fd;
    /* The tail of what the peer wrote to stderr (the hub's own errors, never
     * data), quoted in an error message when the stream breaks. */
    char errtail[512];
    size_t errtail_len;
};

/* Keeps the last bytes the peer wrote to stderr (printable only). */
void nx_tr_errtail_add(nx_transport *t, const char *buf, size_t n);
/* ": <the peer's last stderr line>" or "" */
const char *nx_tr_errtail(nx_transport *t, char *out, size_t outlen);

nx_sync_code nx_tr_ssh_open(const nx_transport_opts *o, nx_transport *t, char *err, size_t errlen);
int  nx_tr_ssh_write(nx_transport *t, const void *buf, size_t len, char *err, size_t errlen);
int  nx_tr_ssh_read(nx_transport *t, void *buf, size_t len, char *err, size_t errlen);
int  nx_tr_ssh_dead(nx_transport *t);
int  nx_tr_ssh_keepalive(nx_transport *t);
void nx_tr_ssh_close(nx_transport *t);

nx_sync_code nx_tr_local_open(const nx_transport_opts *o, const char *store, nx_transport *t,
                              char *err, size_t errlen);
int  nx_tr_local_write(nx_transport *t, const void *buf, size_t len, char *err, size_t errlen);
int  nx_tr_local_read(nx_transport *t, void *buf, size_t len, char *err, size_t errlen);
int  nx_tr_local_dead(nx_transport *t);
void nx_tr_local_close(nx_transport *t);

#endif
