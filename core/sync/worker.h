/* core/sync/worker — background sync for the full-screen client.
 *
 * The worker is a child process forked after unlock: it opens its own
 * connection to the cache (a busy timeout and the syncer's short batches
 * keep it from starving the screen, and the screen from starving it),
 * keeps one SSH session open between rounds (reconnecting with backoff
 * when it drops), runs a round every [sync] interval_seconds and whenever
 * the screen asks (S), and posts a report after each round on a pipe the
 * main loop polls once a second. A process, not a thread: the screen's
 * SQLite connection and transactions stay the main loop's alone, a hung
 * network call can never freeze the screen, and on lock the parent kills
 * the worker, which takes its copy of the keys and rows with it.
 *
 * Reports carry counts, codes and the hub's banner; never a value. */
#ifndef NX_SYNC_WORKER_H
#define NX_SYNC_WORKER_H
#include <stdint.h>
#include <sys/types.h>
#include "sync/sync.h"

typedef enum {
    NX_WORKER_RUNNING = 1,      /* a round has started */
    NX_WORKER_DONE = 2,         /* a round ended: code says how */
} nx_worker_phase;

typedef struct nx_sync_report {
    int phase;                  /* nx_worker_phase */
    int code;                   /* nx_sync_code of a finished round */
    int64_t at;                 /* wall clock when it was posted */
    nx_sync_stats stats;
    char msg[512];              /* why it failed (no PHI), "" on success */
} nx_sync_report;

typedef struct nx_sync_worker nx_sync_worker;

/* Forks the worker for the open profile p. 0, or -1 with err (nothing
 * started). The first round starts at once. */
int  nx_sync_worker_start(nx_profile *p, const nx_conf *c, nx_sync_worker **out,
                          char *err, size_t errlen);
/* Asks for a round now (S). */
void nx_sync_worker_kick(nx_sync_worker *w);
/* Takes the next report without waiting: 1 one was read into r, 0 none,
 * -1 the worker has gone (crashed or exited: start another). */
int  nx_sync_worker_poll(nx_sync_worker *w, nx_sync_report *r);
/* Stops it at once (lock, quit): SIGKILL, then waits. NULL ok. */
void nx_sync_worker_stop(nx_sync_worker *w);

/* The loop the child runs (exposed for tests: it can run in a thread of a
 * test with pipes). cmd_fd: bytes 'S' (sync now), EOF = stop. rep_fd:
 * reports. Returns when cmd_fd closes or the cache was erased. */
void nx_sync_worker_loop(nx_profile *p, const nx_conf *c, int cmd_fd, int rep_fd);

#endif
