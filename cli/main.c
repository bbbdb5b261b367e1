/* nexus: option parsing shared by every subcommand, then dispatch. */
#include "cli/cli.h"
#include "crypt/passphrase.h"
#include "util/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef NX_VERSION
#define NX_VERSION "0.0.0"
#endif

static const char usage[] =
    "usage: nexus [--config FILE] [COMMAND] [OPTIONS]\n"
    "\n"
    "Nexus Workstation: work queues for scheduling, eligibility, prior\n"
    "authorization and release of information, over an encrypted local cache.\n"
    "Without a command, nexus opens the full-screen client on the profile of\n"
    "nexus.conf ([cache] dir); press ? there for its keys.\n"
    "\n"
    "commands:\n"
    "  init --user U --role R [--team T] [--training N] [--kdf L] [--passphrase-fd FD]\n"
    "                 create this laptop's profile (key file + encrypted cache);\n"
    "                 --training N seeds N synthetic items and marks it TRAINING;\n"
    "                 L is interactive, moderate (default) or sensitive\n"
    "  passwd [--passphrase-fd FD] [--kdf L]\n"
    "                 change the passphrase (re-wraps the key; the cache is untouched);\n"
    "                 with --passphrase-fd, the old and the new passphrase are two lines\n"
    "  verify [--passphrase-fd FD]\n"
    "                 authenticate every page of the cache and check its structure\n"
    "  sync [--passphrase-fd FD]\n"
    "                 one round with the hub of [sync] host; exit 0 done, 3 unreachable,\n"
    "                 4 host key refused, 5 key refused, 6 protocol error, 7 revoked\n"
    "                 (the cache has been erased), 8 not unlocked\n"
    "  key [--passphrase-fd FD]\n"
    "                 print this laptop's SSH public key (one line for the hub's admin)\n"
    "\n"
    "options for every command:\n"
    "  --config FILE        read FILE instead of $NEXUS_CONFIG or\n"
    "                       $XDG_CONFIG_HOME/nexus/nexus.conf\n"
    "  --passphrase-fd FD   read the passphrase from file descriptor FD (one line)\n"
    "  --help, --version\n"
    "\n"
    "roles: scheduling, eligibility, prior-auth, roi, supervisor, operations,\n"
    "       privacy-officer, security-officer, auditor\n";

int nx_cli_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("nexus: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

int nx_cli_passphrase(nx_cli *c, const char *prompt, int confirm, nx_secret *out)
{
    char err[256];
    if (c->pass_fd >= 0) {
        if (nx_pass_read_fd(c->pass_fd, out, err, sizeof err))
            return nx_cli_fail("%s", err);
    } else if (nx_pass_read_tty(prompt, out, err, sizeof err)) {
        return nx_cli_fail("%s", err);
    }
    if (!confirm)
        return 0;
    const char *weak = nx_pass_weakness(out->bytes, out->len);
    if (weak) {
        nx_secret_free(out);
        return nx_cli_fail("passphrase refused: %s", weak);
    }
    if (c->pass_fd >= 0)
        return 0;
    nx_secret again = {0};
    if (nx_pass_read_tty("Repeat passphrase: ", &again, err, sizeof err)) {
        nx_secret_free(out);
        return nx_cli_fail("%s", err);
    }
    int same = again.len == out->len && memcmp(again.bytes, out->bytes, out->len) == 0;
    nx_secret_free(&again);
    if (!same) {
        nx_secret_free(out);
        return nx_cli_fail("the two passphrases differ; nothing changed");
    }
    return 0;
}

static int parse_fd(const char *s, int *fd)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 0 || v > 1000000)
        return -1;
    *fd = (int)v;
    return 0;
}

int main(int argc, char **argv)
{
    /* Everything this program creates is private: the cache, its journal
     * (SQLite gives it the database's mode) and the key file. */
    umask(077);
    if (nx_crypt_init() != 0)
        return nx_cli_fail("cannot initialise the crypto library");
    nx_cli c = { .pass_fd = -1 };
    const char *cmd = NULL;
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    int nrest = 0;
    if (!rest)
        return nx_cli_fail("out of memory");
    int rc = 0;
    for (int i = 1; i < argc && rc == 0; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            free(rest);
            return 0;
        } else if (strcmp(a, "--version") == 0) {
            printf("nexus %s\n", NX_VERSION);
            free(rest);
            return 0;
        } else if (strcmp(a, "--config") == 0 || strcmp(a, "--passphrase-fd") == 0) {
            if (i + 1 >= argc) {
                rc = nx_cli_fail("%s needs a value", a);
            } else if (a[2] == 'c') {
                c.config_path = argv[++i];
            } else if (parse_fd(argv[++i], &c.pass_fd)) {
                rc = nx_cli_fail("--passphrase-fd: not a file descriptor: '%s'", argv[i]);
            }
        } else if (!cmd && a[0] != '-') {
            cmd = a;
        } else if (cmd) {
            rest[nrest++] = argv[i];
        } else {
            rc = nx_cli_fail("unknown option '%s' (see nexus --help)", a);
        }
    }
    if (rc == 0) {
        char err[NX_PATH_MAX + 256];
        if (nx_conf_load(c.config_path, &c.conf, err, sizeof err) != 0) {
            rc = nx_cli_fail("%s", err);
        } else {
            c.argc = nrest;
            c.argv = rest;
            if (!cmd) {
                rc = nx_cmd_tui(&c);
            } else if (strcmp(cmd, "init") == 0) {
                rc = nx_cmd_init(&c);
            } else if (strcmp(cmd, "passwd") == 0) {
                rc = nx_cmd_passwd(&c);
            } else if (strcmp(cmd, "verify") == 0) {
                rc = nx_cmd_verify(&c);
            } else if (strcmp(cmd, "sync") == 0) {
                rc = nx_cmd_sync(&c);
            } else if (strcmp(cmd, "key") == 0) {
                rc = nx_cmd_key(&c);
            } else {
                rc = nx_cli_fail("unknown command '%s' (see nexus --help)", cmd);
                rc = 2;
            }
        }
    }
    free(rest);
    return rc;
}
