/* tests/helpers/sshd — starts and stops a real OpenSSH sshd for the
 * integration tests (see sshd.h): the transport's host-key and auth rules
 * and the hub's forced command are only proven against the real thing. */
#include "tests/helpers/sshd.h"
#include "tests/helpers/run.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

static const char *keygen_path(void)
{
    static const char *const cand[] = { "/usr/bin/ssh-keygen", "/bin/ssh-keygen",
                                        "/usr/local/bin/ssh-keygen", NULL };
    for (int i = 0; cand[i]; i++)
        if (access(cand[i], X_OK) == 0)
            return cand[i];
    return cand[0];
}

int nx_sshd_available(void)
{
    return access(NX_SSHD_PATH, X_OK) == 0;
}

static int read_text(const char *path, char *out, size_t outlen)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(out, 1, outlen - 1, f);
    out[n] = '\0';
    fclose(f);
    return 0;
}

static int write_text(const char *path, const char *text, const char *mode)
{
    FILE *f = fopen(path, mode);
    if (!f)
        return -1;
    fchmod(fileno(f), 0600);
    int ok = fputs(text, f) >= 0;
    return (fclose(f) == 0 && ok) ? 0 : -1;
}

int nx_sshd_fingerprint(const char *pubpath, char *out, size_t outlen)
{
    const char *argv[] = { keygen_path(), "-l", "-E", "sha256", "-f", pubpath, NULL };
    nx_t_result *r = calloc(1, sizeof *r);
    if (!r)
        return -1;
    int rc = -1;
    char fp[128];
    /* "256 SHA256:... comment (ED25519)" */
    if (nx_t_run(argv, NULL, NULL, r) == 0 && r->status == 0 &&
        sscanf(r->out, "%*d %127s", fp) == 1) {
        snprintf(out, outlen, "%s", fp);
        rc = 0;
    }
    free(r);
    return rc;
}

int nx_sshd_keygen(const char *path, const char *comment, char *pub, size_t publen,
                   char *err, size_t errlen)
{
    char pubpath[1200];
    snprintf(pubpath, sizeof pubpath, "%s.pub", path);
    unlink(path);
    unlink(pubpath);
    const char *argv[] = { keygen_path(), "-q", "-t", "ed25519", "-N", "",
                           "-C", comment ? comment : "", "-f", path, NULL };
    nx_t_result *r = calloc(1, sizeof *r);
    if (!r)
        return -1;
    int ok = nx_t_run(argv, NULL, NULL, r) == 0 && r->status == 0;
    if (!ok)
        snprintf(err, errlen, "ssh-keygen failed (%d): %s", r->status, r->err);
    free(r);
    if (!ok)
        return -1;
    if (pub) {
        if (read_text(pubpath, pub, publen)) {
            snprintf(err, errlen, "cannot read %s", pubpath);
            return -1;
        }
        pub[strcspn(pub, "\r\n")] = '\0';
    }
    return 0;
}

const char *nx_sshd_log_tail(const nx_sshd *d, char *out, size_t outlen)
{
    out[0] = '\0';
    FILE *f = fopen(d->log, "r");
    if (!f)
        return out;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    long want = (long)outlen - 1;
    fseek(f, size > want ? size - want : 0, SEEK_SET);
    size_t n = fread(out, 1, outlen - 1, f);
    out[n] = '\0';
    fclose(f);
    return out;
}

static int free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -1;
    struct sockaddr_in a = { .sin_family = AF_INET };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = -1;
    if (bind(s, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(s, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(s);
    return port;
}

static int port_accepts(int port)
{
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return 0;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int ok = connect(s, (struct sockaddr *)&a, sizeof a) == 0;
    close(s);
    return ok;
}

/* OpenSSH 9.8 added per-source penalties, which would lock 127.0.0.1 out
 * after the tests' deliberate failures and cut connections. */
static int sshd_has_penalties(void)
{
    const char *argv[] = { NX_SSHD_PATH, "-V", NULL };
    nx_t_result *r = calloc(1, sizeof *r);
    if (!r)
        return 0;
    int major = 0, minor = 0;
    if (nx_t_run(argv, NULL, NULL, r) == 0) {
        const char *v = strstr(r->err, "OpenSSH_");
        if (!v)
            v = strstr(r->out, "OpenSSH_");
        if (v)
            sscanf(v, "OpenSSH_%d.%d", &major, &minor);
    }
    free(r);
    return major > 9 || (major == 9 && minor >= 8);
}

/* Variables a forced command under test needs: the sanitizers' log
 * settings and the test run's own. */
static void append_setenv(char *cfg, size_t cap)
{
    static const char *const names[] = { "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS",
                                         "NX_ROOT", "NX_TEST_BIN", "NX_TEST_TMP", "TZ",
                                         "LANG", "LC_ALL", NULL };
    char line[4200] = "";
    size_t used = 0;
    for (int i = 0; names[i]; i++) {
        const char *v = getenv(names[i]);
        if (!v || strpbrk(v, "\"\\\n") || strlen(v) > 1000)
            continue;
        int n = snprintf(line + used, sizeof line - used, " %s=\"%s\"", names[i], v);
        if (n < 0 || (size_t)n >= sizeof line - used)
            break;
        used += (size_t)n;
    }
    if (used) {
        size_t len = strlen(cfg);
        snprintf(cfg + len, cap - len, "SetEnv%s\n", line);
    }
}

static int write_config(nx_sshd *d, int penalties, char *err, size_t errlen)
{
    char cfg[8192];
    int n = snprintf(cfg, sizeof cfg,
                     "# generated by tests/helpers/sshd.c\n"
                     "ListenAddress %s\n"
                     "Port %d\n"
                     "HostKey %s\n"
                     "PidFile %s/sshd.pid\n"
                     "AuthorizedKeysFile %s\n"
                     "AuthorizedKeysCommand none\n"
                     "StrictModes no\n"
                     "PubkeyAuthentication yes\n"
                     "AuthenticationMethods publickey\n"
                     "PasswordAuthentication no\n"
                     "KbdInteractiveAuthentication no\n"
                     "HostbasedAuthentication no\n"
                     "UsePAM no\n"
                     "AllowUsers %s\n"
                     "PermitRootLogin prohibit-password\n"
                     "LogLevel VERBOSE\n"
                     "PrintMotd no\n"
                     "UseDNS no\n"
                     "X11Forwarding no\n"
                     "AllowTcpForwarding no\n"
                     "AllowAgentForwarding no\n"
                     "PermitTunnel no\n"
                     "MaxStartups 200:30:400\n"
                     "MaxSessions 100\n"
                     "LoginGraceTime 30\n"
                     "%s",
                     NX_SSHD_HOST, d->port, d->host_key, d->dir, d->authorized_keys, d->user,
                     penalties ? "PerSourcePenalties no\n" : "");
    if (n < 0 || (size_t)n >= sizeof cfg) {
        snprintf(err, errlen, "sshd_config too long");
        return -1;
    }
    append_setenv(cfg, sizeof cfg);
    if (write_text(d->config, cfg, "w")) {
        snprintf(err, errlen, "cannot write %s: %s", d->config, strerror(errno));
        return -1;
    }
    return 0;
}

static pid_t spawn(nx_sshd *d)
{
    char errfile[1200];
    snprintf(errfile, sizeof errfile, "%s/sshd.stderr", d->dir);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    /* sshd must not outlive a test that crashed before stopping it */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent)
        _exit(1);
    int nul = open("/dev/null", O_RDONLY);
    int ef = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (nul < 0 || ef < 0)
        _exit(126);
    dup2(nul, 0);
    dup2(ef, 1);
    dup2(ef, 2);
    execl(NX_SSHD_PATH, NX_SSHD_PATH, "-D", "-f", d->config, "-E", d->log, (char *)NULL);
    _exit(127);
}

/* 1 listening, 0 died (port taken?), -1 timed out. */
static int wait_listening(nx_sshd *d)
{
    char want[96], buf[16384];
    snprintf(want, sizeof want, "Server listening on %s port %d", NX_SSHD_HOST, d->port);
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - t0.tv_sec > 30)
            break;
        int st;
        if (waitpid(d->pid, &st, WNOHANG) == d->pid) {
            d->pid = 0;
            return 0;
        }
        /* the log line proves it is OUR sshd that holds the port */
        if (read_text(d->log, buf, sizeof buf) == 0 && strstr(buf, want) &&
            port_accepts(d->port))
            return 1;
        sleep_ms(10);
    }
    return -1;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    remove(path);
    return 0;
}

void nx_sshd_stop(nx_sshd *d)
{
    if (d->pid > 0) {
        kill(d->pid, SIGTERM);
        int st, done = 0;
        for (int i = 0; i < 300 && !done; i++) {
            pid_t r = waitpid(d->pid, &st, WNOHANG);
            done = r == d->pid || (r < 0 && errno != EINTR);
            if (!done)
                sleep_ms(10);
        }
        if (!done) {
            kill(d->pid, SIGKILL);
            while (waitpid(d->pid, &st, 0) < 0 && errno == EINTR) {
            }
        }
        d->pid = 0;
    }
    if (d->own_dir && d->dir[0]) {
        nftw(d->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        d->own_dir = 0;
    }
}

static int start(nx_sshd *d, const char *dir, char *err, size_t errlen)
{
    if (!nx_sshd_available()) {
        snprintf(err, errlen, "%s is not installed (scripts/deps.sh test)", NX_SSHD_PATH);
        return -1;
    }
    if (dir) {
        snprintf(d->dir, sizeof d->dir, "%s", dir);
        mkdir(d->dir, 0700);
    } else {
        nx_t_tmpdir(d->dir, sizeof d->dir, "sshd");
        if (!d->dir[0]) {
            snprintf(err, errlen, "cannot make a temp dir for sshd");
            return -1;
        }
        d->own_dir = 1;
    }
    struct passwd *pw = getpwuid(geteuid());
    if (!pw) {
        snprintf(err, errlen, "who am I? (no passwd entry for uid %d)", (int)geteuid());
        return -1;
    }
    snprintf(d->user, sizeof d->user, "%s", pw->pw_name);
    /* sshd's privilege separation directory, which packages make at boot */
    if (geteuid() == 0 && mkdir("/run/sshd", 0755) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create /run/sshd: %s", strerror(errno));
        return -1;
    }
    snprintf(d->config, sizeof d->config, "%s/sshd_config", d->dir);
    snprintf(d->host_key, sizeof d->host_key, "%s/host_ed25519", d->dir);
    snprintf(d->known_hosts, sizeof d->known_hosts, "%s/known_hosts", d->dir);
    snprintf(d->authorized_keys, sizeof d->authorized_keys, "%s/authorized_keys", d->dir);
    snprintf(d->log, sizeof d->log, "%s/sshd.log", d->dir);

    char hostpub[1200], line[1200];
    if (nx_sshd_keygen(d->host_key, "nexus-test-host", line, sizeof line, err, errlen))
        return -1;
    snprintf(hostpub, sizeof hostpub, "%s.pub", d->host_key);
    if (nx_sshd_fingerprint(hostpub, d->host_fingerprint, sizeof d->host_fingerprint)) {
        snprintf(err, errlen, "ssh-keygen -lf %s failed", hostpub);
        return -1;
    }
    char type[64], b64[1024];
    if (sscanf(line, "%63s %1023s", type, b64) != 2) {
        snprintf(err, errlen, "unexpected host key line in %s", hostpub);
        return -1;
    }
    if (write_text(d->authorized_keys, "", "w")) {
        snprintf(err, errlen, "cannot create %s", d->authorized_keys);
        return -1;
    }
    int penalties = sshd_has_penalties();
    for (int attempt = 0; attempt < 8; attempt++) {
        d->port = free_port();
        if (d->port <= 0) {
            snprintf(err, errlen, "no free port on %s", NX_SSHD_HOST);
            return -1;
        }
        snprintf(d->known_hosts_line, sizeof d->known_hosts_line, "[%s]:%d %s %s",
                 NX_SSHD_HOST, d->port, type, b64);
        char kh[1300];
        snprintf(kh, sizeof kh, "%s\n", d->known_hosts_line);
        if (write_text(d->known_hosts, kh, "w") || write_config(d, penalties, err, errlen))
            return -1;
        write_text(d->log, "", "w");
        d->pid = spawn(d);
        if (d->pid < 0) {
            d->pid = 0;
            snprintf(err, errlen, "fork: %s", strerror(errno));
            return -1;
        }
        int w = wait_listening(d);
        if (w == 1)
            return 0;
        if (w < 0) {
            char tail[1024];
            snprintf(err, errlen, "sshd did not start listening in 30 s: %s",
                     nx_sshd_log_tail(d, tail, sizeof tail));
            return -1;
        }
        /* died: most likely the port was taken between our probe and its
         * bind; anything else shows again on the next try */
        if (attempt == 7) {
            char tail[1024], errf[1200], early[1024] = "";
            snprintf(errf, sizeof errf, "%s/sshd.stderr", d->dir);
            read_text(errf, early, sizeof early);
            snprintf(err, errlen, "sshd exited at start: %s%s", early,
                     nx_sshd_log_tail(d, tail, sizeof tail));
        }
    }
    return -1;
}

int nx_sshd_start(nx_sshd *d, const char *dir, char *err, size_t errlen)
{
    memset(d, 0, sizeof *d);
    if (start(d, dir, err, errlen) == 0)
        return 0;
    nx_sshd_stop(d);
    return -1;
}

int nx_sshd_authorize(nx_sshd *d, const char *line)
{
    char buf[8192];
    int n = snprintf(buf, sizeof buf, "%s\n", line);
    if (n < 0 || (size_t)n >= sizeof buf)
        return -1;
    return write_text(d->authorized_keys, buf, "a");
}

int nx_sshd_clear_authorized(nx_sshd *d)
{
    return write_text(d->authorized_keys, "", "w");
}
