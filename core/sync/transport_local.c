/* core/sync/transport_local — `host = local:/path/to/store`: runs
 * `nexus-hub serve --store PATH --user USER` as a child over two pipes
 * (plus one for its stderr, kept for error messages and off the screen).
 * No SSH: nothing proves who the user is, which is why it is for training
 * profiles and tests only (the hub decides what a local store serves).
 * Reads and writes wait at most the timeout; a dead child never hangs us. */
#include "sync/transport_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CLOSE_GRACE_MS 2000

static int hub_binary(const nx_transport_opts *o, char *out, size_t outlen)
{
    const char *env = getenv("NEXUS_HUB");
    if (o->hub_path && *o->hub_path) {
        snprintf(out, outlen, "%s", o->hub_path);
        return 0;
    }
    if (env && *env) {
        snprintf(out, outlen, "%s", env);
        return 0;
    }
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return -1;
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    return snprintf(out, outlen, "%s/nexus-hub", self) >= (int)outlen ? -1 : 0;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

nx_sync_code nx_tr_local_open(const nx_transport_opts *o, const char *store, nx_transport *t,
                              char *err, size_t errlen)
{
    char hub[PATH_MAX];
    if (!*store) {
        snprintf(err, errlen, "[sync] host = local: needs the hub store's path");
        return NX_SYNC_USAGE;
    }
    if (!o->local_user || !*o->local_user) {
        snprintf(err, errlen, "local hub: no user to serve");
        return NX_SYNC_USAGE;
    }
    if (hub_binary(o, hub, sizeof hub)) {
        snprintf(err, errlen, "cannot find nexus-hub (set $NEXUS_HUB)");
        return NX_SYNC_UNREACHABLE;
    }
    if (access(hub, X_OK) != 0) {
        snprintf(err, errlen, "cannot run the local hub %s: %s", hub, strerror(errno));
        return NX_SYNC_UNREACHABLE;
    }
    int in[2] = { -1, -1 }, out[2] = { -1, -1 }, er[2] = { -1, -1 }, st[2] = { -1, -1 };
    if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(er, O_CLOEXEC) ||
        pipe2(st, O_CLOEXEC)) {
        snprintf(err, errlen, "cannot start the local hub: %s", strerror(errno));
        goto fail;
    }
    /* Everything the child needs is prepared before fork: between fork and
     * exec only async-signal-safe calls (the worker may run threads). */
    const char *argv[] = { hub, "serve", "--store", store, "--user", o->local_user, NULL };
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "cannot start the local hub: %s", strerror(errno));
        goto fail;
    }
    if (pid == 0) {
        if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || dup2(er[1], 2) < 0)
            _exit(127);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
#ifdef CLOSE_RANGE_CLOEXEC
        /* none of our other descriptors (the cache!) reaches the hub */
        close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
#endif
        execv(hub, (char *const *)argv);
        int e = errno;
        if (write(st[1], &e, sizeof e) < 0) { /* the parent sees EOF */ }
        _exit(127);
    }
    close_fd(&in[0]);
    close_fd(&out[1]);
    close_fd(&er[1]);
    close_fd(&st[1]);
    t->pid = pid;
    t->to_fd = in[1];
    t->from_fd = out[0];
    t->err_fd = er[0];
    int e = 0;
    ssize_t n;
    do
        n = read(st[0], &e, sizeof e);
    while (n < 0 && errno == EINTR);
    close_fd(&st[0]);
    if (n == (ssize_t)sizeof e) {
        snprintf(err, errlen, "cannot run the local hub %s: %s", hub, strerror(e));
        return NX_SYNC_UNREACHABLE;
    }
    fcntl(t->to_fd, F_SETFL, fcntl(t->to_fd, F_GETFL) | O_NONBLOCK);
    fcntl(t->from_fd, F_SETFL, fcntl(t->from_fd, F_GETFL) | O_NONBLOCK);
    fcntl(t->err_fd, F_SETFL, fcntl(t->err_fd, F_GETFL) | O_NONBLOCK);
    return NX_SYNC_OK;
fail:
    for (int i = 0; i < 2; i++) {
        close_fd(&in[i]);
        close_fd(&out[i]);
        close_fd(&er[i]);
        close_fd(&st[i]);
    }
    return NX_SYNC_UNREACHABLE;
}

static void drain_stderr(nx_transport *t)
{
    char buf[512];
    while (t->err_fd >= 0) {
        ssize_t n = read(t->err_fd, buf, sizeof buf);
        if (n > 0) {
            nx_tr_errtail_add(t, buf, (size_t)n);
            continue;
        }
        if (n == 0)
            close_fd(&t->err_fd);
        else if (errno == EINTR)
            continue;
        break;
    }
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until fd is ready for ev (draining the child's stderr meanwhile).
 * 1 ready (or hung up), 0 timed out, -1 error. */
static int wait_fd(nx_transport *t, int fd, short ev)
{
    int64_t deadline = now_ms() + t->timeout_ms;
    for (;;) {
        struct pollfd p[2] = { { fd, ev, 0 }, { t->err_fd, POLLIN, 0 } };
        int64_t left = deadline - now_ms();
        if (left <= 0)
            return 0;
        int r = poll(p, t->err_fd >= 0 ? 2 : 1, (int)left);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (t->err_fd >= 0 && p[1].revents)
            drain_stderr(t);
        if (p[0].revents)
            return 1;
    }
}

/* A write to a pipe whose reader is gone raises SIGPIPE; the caller gets
 * EPIPE instead, without touching the process's disposition. */
static ssize_t write_nosig(int fd, const void *buf, size_t len)
{
    sigset_t pipe_set, old;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    int was_pending = sigismember(&pending, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    ssize_t n = write(fd, buf, len);
    int e = errno;
    if (n < 0 && e == EPIPE && !was_pending) {
        struct timespec zero = { 0, 0 };
        while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR) {
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = e;
    return n;
}

static void broken(nx_transport *t, const char *what, char *err, size_t errlen)
{
    char tail[600];
    drain_stderr(t);
    snprintf(err, errlen, "%s%s", what, nx_tr_errtail(t, tail, sizeof tail));
}

int nx_tr_local_write(nx_transport *t, const void *buf, size_t len, char *err, size_t errlen)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write_nosig(t->to_fd, p, len);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int w = wait_fd(t, t->to_fd, POLLOUT);
            if (w > 0)
                continue;
            broken(t, w == 0 ? "the local hub did not read within the timeout"
                             : "cannot send to the local hub", err, errlen);
            return -1;
        }
        broken(t, "the local hub is no longer reading (it has stopped)", err, errlen);
        return -1;
    }
    return 0;
}

int nx_tr_local_read(nx_transport *t, void *buf, size_t len, char *err, size_t errlen)
{
    char *p = buf;
    while (len > 0) {
        ssize_t n = read(t->from_fd, p, len);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
            continue;
        }
        if (n == 0) {
            broken(t, "the local hub closed the connection", err, errlen);
            return -1;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            broken(t, "cannot receive from the local hub", err, errlen);
            return -1;
        }
        int w = wait_fd(t, t->from_fd, POLLIN);
        if (w > 0)
            continue;
        char what[96];
        snprintf(what, sizeof what, "the local hub did not answer within %d s",
                 (t->timeout_ms + 999) / 1000);
        broken(t, w == 0 ? what : "cannot receive from the local hub", err, errlen);
        return -1;
    }
    return 0;
}

int nx_tr_local_dead(nx_transport *t)
{
    if (t->from_fd < 0 || t->to_fd < 0)
        return 1;
    if (!t->reaped) {
        int st;
        if (waitpid(t->pid, &st, WNOHANG) == t->pid)
            t->reaped = 1;
    }
    struct pollfd p = { t->from_fd, POLLIN, 0 };
    int r = poll(&p, 1, 0);
    /* unread output: not dead yet (the caller has something to read) */
    if (r > 0 && (p.revents & POLLIN))
        return 0;
    if (r > 0 && (p.revents & (POLLHUP | POLLERR)))
        return 1;
    return t->reaped;
}

void nx_tr_local_close(nx_transport *t)
{
    close_fd(&t->to_fd);
    close_fd(&t->from_fd);
    if (t->pid > 0 && !t->reaped) {
        /* stdin closed: a hub ends its session; give it a moment. */
        int64_t deadline = now_ms() + CLOSE_GRACE_MS;
        int st;
        for (;;) {
            pid_t r = waitpid(t->pid, &st, WNOHANG);
            if (r == t->pid || (r < 0 && errno != EINTR))
                break;
            if (now_ms() >= deadline) {
                kill(t->pid, SIGKILL);
                while (waitpid(t->pid, &st, 0) < 0 && errno == EINTR) {
                }
                break;
            }
            drain_stderr(t);
            struct timespec ts = { 0, 10 * 1000 * 1000 };
            nanosleep(&ts, NULL);
        }
        t->reaped = 1;
    }
    close_fd(&t->err_fd);
}
