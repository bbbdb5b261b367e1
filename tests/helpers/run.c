#include "tests/helpers/run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void drain(int fd, char *buf, size_t cap, size_t *len)
{
    ssize_t r = read(fd, buf + *len, cap - 1 - *len);
    if (r > 0)
        *len += (size_t)r;
    buf[*len] = '\0';
}

int nx_t_run(const char *const argv[], const char *const env[], const char *input,
             nx_t_result *r)
{
    int in[2], out[2], err[2];
    memset(r, 0, sizeof *r);
    if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        for (int i = 0; env && env[i]; i++)
            putenv((char *)env[i]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    close(err[1]);
    if (input) {
        size_t n = strlen(input);
        signal(SIGPIPE, SIG_IGN);
        if (write(in[1], input, n) != (ssize_t)n) { /* child may have exited early */ }
    }
    close(in[1]);
    size_t lo = 0, le = 0;
    struct pollfd p[2] = { { out[0], POLLIN, 0 }, { err[0], POLLIN, 0 } };
    int open_fds = 2;
    while (open_fds > 0) {
        if (poll(p, 2, -1) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; i++) {
            if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP)))
                continue;
            size_t before = i ? le : lo;
            if (i)
                drain(err[0], r->err, sizeof r->err, &le);
            else
                drain(out[0], r->out, sizeof r->out, &lo);
            size_t after = i ? le : lo;
            size_t cap = i ? sizeof r->err : sizeof r->out;
            if (after == before || after + 1 >= cap) {
                close(p[i].fd);
                p[i].fd = -1;
                open_fds--;
            }
        }
    }
    int st = 0;
    waitpid(pid, &st, 0);
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return 0;
}

static const char *join_env(const char *var, const char *fallback, const char *name)
{
    static __thread char buf[4][4096];
    static __thread int slot;
    const char *base = getenv(var);
    char *out = buf[slot++ % 4];
    snprintf(out, sizeof buf[0], "%s/%s", base && *base ? base : fallback, name);
    return out;
}

const char *nx_t_bin(const char *name) { return join_env("NX_TEST_BIN", "build/test", name); }
const char *nx_t_root(const char *name) { return join_env("NX_ROOT", ".", name); }

void nx_t_tmpdir(char *out, size_t len, const char *tag)
{
    const char *base = getenv("NX_TEST_TMP");
    snprintf(out, len, "%s/%s.XXXXXX", base && *base ? base : "/tmp", tag);
    if (!mkdtemp(out))
        out[0] = '\0';
}
