/* hub/serve — `nexus-hub serve`: the sync protocol's hub side on a pair of
 * file descriptors (stdin/stdout under sshd's forced command). Private to
 * hub/: main.c calls nx_hub_serve; serve_*.c, merge.c and pull.c share the
 * connection state below. */
#ifndef NX_HUB_SERVE_H
#define NX_HUB_SERVE_H

typedef struct nx_hub nx_hub;

/* Serves one connection for `user` (the name sshd's forced command gave;
 * never one the client sends) until BYE, EOF or an ERROR. Returns 0 after a
 * clean end (BYE or EOF between rounds), 1 after a protocol error (an ERROR
 * frame was sent), -1 when the store failed. Writes nothing PHI to
 * stderr. */
int nx_hub_serve(nx_hub *h, const char *user, int in_fd, int out_fd);

#endif
