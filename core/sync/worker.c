/* core/sync/worker — the background sync process (worker.h). */
#include "sync/worker.h"
#include "util/util.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* One report is one write under PIPE_BUF, so the reader never sees half. */
_Static_assert(sizeof(nx_sync_report) <= PIPE_BUF, "a report must fit one atomic pipe write");

struct nx_sync_worker {
    pid_t pid;
    int cmd_fd;        /* parent -> child: 'S' */
    int rep_fd;        /* child -> parent: nx_sync_report, one write each */
};

/* Backoff after a failed round: 5 s, doubling, at most the interval. */
static int next_wait_ms(const nx_conf *c, int failures)
{
    int interval = c->sync_interval_seconds > 0 ? c->sync_interval_seconds : 60;
    if (failures <= 0)
        return interval * 1000;
    int64_t w = 5000;
    for (int i = 1; i < failures && w < (int64_t)interval * 1000; i++)
        w *= 2;
    return (int)(w < (int64_t)interval * 1000 ? w : (int64_t)interval * 1000);
}

static int post(int fd, const nx_sync_report *r)
{
    /* Under PIPE_BUF: one write is atomic, the reader gets all or none. */
    ssize_t n;
    do {
        n = write(fd, r, sizeof *r);
    } while (n < 0 && errno == EINTR);
    return n == (ssize_t)sizeof *r ? 0 : -1;
}

void nx_sync_worker_loop(nx_profile *p, const nx_conf *c, int cmd_fd, int rep_fd)
{
    nx_syncer *y = NULL;
    nx_sync_report r;
    memset(&r, 0, sizeof r);
    if (nx_syncer_new(p, c, &y, r.msg, sizeof r.msg) != 0) {
        r.phase = NX_WORKER_DONE;
        r.code = NX_SYNC_ERROR;
        r.at = nx_now();
        (void)post(rep_fd, &r);
        return;
    }
    int failures = 0, wait_ms = 0;   /* the first round at once */
    for (;;) {
        struct pollfd pf = { cmd_fd, POLLIN, 0 };
        int n = poll(&pf, 1, wait_ms);
        if (n < 0 && errno == EINTR)
            continue;
        if (n > 0) {
            char cmd[64];
            ssize_t got = read(cmd_fd, cmd, sizeof cmd);
            if (got <= 0)
                break;            /* the screen has gone: stop */
        }
        memset(&r, 0, sizeof r);
        r.phase = NX_WORKER_RUNNING;
        r.at = nx_now();
        if (post(rep_fd, &r) != 0)
            break;
        memset(&r, 0, sizeof r);
        r.phase = NX_WORKER_DONE;
        r.code = (int)nx_syncer_round(y, &r.stats, r.msg, sizeof r.msg);
        r.at = nx_now();
        int gone = r.code == NX_SYNC_REVOKED;
        if (post(rep_fd, &r) != 0 || gone)
            break;
        failures = r.code == NX_SYNC_OK ? 0 : failures + 1;
        wait_ms = next_wait_ms(c, failures);
    }
    nx_syncer_free(y);
    memset(&r, 0, sizeof r);
}

int nx_sync_worker_start(nx_profile *p, const nx_conf *c, nx_sync_worker **out,
                         char *err, size_t errlen)
{
    *out = NULL;
    nx_sync_worker *w = calloc(1, sizeof *w);
    if (!w)
        return nx_err(err, errlen, "out of memory");
    int cmd[2], rep[2];
    if (pipe2(cmd, O_CLOEXEC) != 0) {
        free(w);
        return nx_err(err, errlen, "cannot start background sync: %s", strerror(errno));
    }
    if (pipe2(rep, O_CLOEXEC) != 0) {
        close(cmd[0]);
        close(cmd[1]);
        free(w);
        return nx_err(err, errlen, "cannot start background sync: %s", strerror(errno));
    }
    pid_t pid = fork();
    if (pid < 0) {
        close(cmd[0]); close(cmd[1]); close(rep[0]); close(rep[1]);
        free(w);
        return nx_err(err, errlen, "cannot start background sync: %s", strerror(errno));
    }
    if (pid == 0) {
        /* The child: never the terminal (stdin/stdout/stderr to /dev/null,
         * nothing of curses is called), never the parent's SQLite
         * connection (not carried across fork: it is left alone, and a
         * second one is opened on the same file and VFS). */
        close(cmd[1]);
        close(rep[0]);
        int dn = open("/dev/null", O_RDWR);
        if (dn >= 0) {
            dup2(dn, 0);
            dup2(dn, 1);
            dup2(dn, 2);
            if (dn > 2)
                close(dn);
        }
        signal(SIGINT, SIG_IGN);
        signal(SIGTSTP, SIG_IGN);
        signal(SIGPIPE, SIG_IGN);
        nx_profile child = *p;
        char e[256];
        if (nx_store_open(p->cache, p->vfs, NX_STORE_OPEN_EXISTING, &child.store, e,
                          sizeof e) != 0) {
            nx_sync_report r = { .phase = NX_WORKER_DONE, .code = NX_SYNC_ERROR,
                                 .at = nx_now() };
            snprintf(r.msg, sizeof r.msg, "background sync: %s", e);
            (void)post(rep[1], &r);
            _exit(1);
        }
        nx_sync_worker_loop(&child, c, cmd[0], rep[1]);
        /* The erased profile (revocation) is already closed; otherwise
         * close only our own connection. _exit: no atexit handler of the
         * parent's (curses) runs here. */
        if (child.store && child.store != p->store)
            nx_store_close(child.store);
        _exit(0);
    }
    close(cmd[0]);
    close(rep[1]);
    (void)fcntl(rep[0], F_SETFL, fcntl(rep[0], F_GETFL) | O_NONBLOCK);
    (void)fcntl(cmd[1], F_SETFL, fcntl(cmd[1], F_GETFL) | O_NONBLOCK);
    w->pid = pid;
    w->cmd_fd = cmd[1];
    w->rep_fd = rep[0];
    *out = w;
    return 0;
}

void nx_sync_worker_kick(nx_sync_worker *w)
{
    if (w && w->cmd_fd >= 0) {
        /* Non-blocking: when kicks pile up, one round serves them all. */
        ssize_t n = write(w->cmd_fd, "S", 1);
        (void)n;
    }
}

int nx_sync_worker_poll(nx_sync_worker *w, nx_sync_report *r)
{
    if (!w || w->rep_fd < 0)
        return -1;
    ssize_t n;
    do {
        n = read(w->rep_fd, r, sizeof *r);
    } while (n < 0 && errno == EINTR);
    if (n == (ssize_t)sizeof *r)
        return 1;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return 0;
    return -1;   /* EOF: the worker exited; or a short read, which a pipe
                  * does not give for writes under PIPE_BUF */
}

void nx_sync_worker_stop(nx_sync_worker *w)
{
    if (!w)
        return;
    if (w->pid > 0) {
        kill(w->pid, SIGKILL);
        while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR) {
        }
    }
    if (w->cmd_fd >= 0)
        close(w->cmd_fd);
    if (w->rep_fd >= 0)
        close(w->rep_fd);
    free(w);
}
