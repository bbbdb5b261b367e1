/* tests/helpers — sshd: a real OpenSSH sshd for the integration tests, on
 * 127.0.0.1 only, on a free port, with a generated ed25519 host key, its
 * own sshd_config, authorized_keys and log in a temp dir, run in the
 * foreground (-D) as a child of the test and stopped by it. Public-key
 * authentication only; only the current user may log in.
 *
 * No Criterion here (tests/progs link the helpers too): functions return
 * 0 / -1 with err filled, and the caller asserts. A test that needs sshd
 * skips only when nx_sshd_available() is 0 (scripts/deps.sh installs it).
 *
 *   nx_sshd d;
 *   if (!nx_sshd_available()) cr_skip_test("no " NX_SSHD_PATH);
 *   cr_assert_eq(nx_sshd_start(&d, NULL, err, sizeof err), 0, "%s", err);
 *   nx_sshd_authorize(&d, "restrict,command=\"...\" ssh-ed25519 AAAA...");
 *   ... connect to 127.0.0.1 d.port as d.user, known_hosts = d.known_hosts
 *   nx_sshd_stop(&d);
 *
 * The sanitizer and NX_* variables of the test's environment are passed
 * to the sessions sshd starts (SetEnv), so a forced `nexus-hub serve`
 * under ASan logs where the test run collects reports. */
#ifndef NX_TEST_SSHD_H
#define NX_TEST_SSHD_H
#include <stddef.h>
#include <sys/types.h>

#define NX_SSHD_PATH "/usr/sbin/sshd"
#define NX_SSHD_HOST "127.0.0.1"

typedef struct nx_sshd {
    pid_t pid;                    /* the listening sshd (-D), 0 when stopped */
    int port;
    char dir[1024];               /* everything below lives here */
    int own_dir;                  /* created by start: removed by stop */
    char config[1100];            /* sshd_config */
    char host_key[1100];          /* private host key; host_key.pub beside */
    char host_fingerprint[128];   /* "SHA256:..." as ssh-keygen -lf prints it */
    char known_hosts_line[1200];  /* "[127.0.0.1]:PORT ssh-ed25519 AAAA..." */
    char known_hosts[1100];       /* a file holding exactly that line */
    char authorized_keys[1100];   /* starts empty (0600) */
    char log[1100];               /* sshd -E log (LogLevel VERBOSE) */
    char user[64];                /* the only account allowed to log in */
} nx_sshd;

/* 1 when NX_SSHD_PATH is an executable. */
int nx_sshd_available(void);

/* Generates the host key and config in dir (NULL: a fresh dir under
 * $NX_TEST_TMP or /tmp, removed again by stop), picks a free port, starts
 * sshd and waits until it listens (retrying another port when one was
 * taken meanwhile). As root, creates /run/sshd if missing. */
int nx_sshd_start(nx_sshd *d, const char *dir, char *err, size_t errlen);

/* Appends one line to authorized_keys. */
int nx_sshd_authorize(nx_sshd *d, const char *line);
/* Empties authorized_keys (sshd reads it at each login). */
int nx_sshd_clear_authorized(nx_sshd *d);

/* Stops sshd (SIGTERM, then SIGKILL), idempotent. */
void nx_sshd_stop(nx_sshd *d);

/* Utilities that integration tests need around sshd:
 * an ed25519 key pair made by ssh-keygen at path (path.pub beside, no
 * passphrase) with its public line ("ssh-ed25519 AAAA... comment") in pub;
 * and a key's fingerprint as ssh-keygen -lf prints it ("SHA256:..."). */
int nx_sshd_keygen(const char *path, const char *comment, char *pub, size_t publen,
                   char *err, size_t errlen);
int nx_sshd_fingerprint(const char *pubpath, char *out, size_t outlen);
/* The last lines of the log (for an assertion's message); "" if none. */
const char *nx_sshd_log_tail(const nx_sshd *d, char *out, size_t outlen);

#endif
