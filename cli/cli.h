/* cli — the `nexus` subcommands that run without a screen. */
#ifndef NX_CLI_H
#define NX_CLI_H
#include "conf/conf.h"
#include "crypt/crypt.h"

typedef struct nx_cli {
    const char *config_path;   /* --config */
    int pass_fd;               /* --passphrase-fd, -1 = ask the terminal */
    nx_conf conf;
    int argc;                  /* the subcommand's own arguments */
    char **argv;
} nx_cli;

/* Prints "nexus: msg" to stderr; returns 1 (the exit status). */
int nx_cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Reads the passphrase (fd or terminal). confirm: ask twice and apply the
 * strength rule (new passphrases). */
int nx_cli_passphrase(nx_cli *c, const char *prompt, int confirm, nx_secret *out);

int nx_cmd_init(nx_cli *c);
int nx_cmd_passwd(nx_cli *c);
int nx_cmd_verify(nx_cli *c);
/* nexus sync (cmd_sync.c): one round; returns an nx_sync_code. */
int nx_cmd_sync(nx_cli *c);
/* nexus key (cmd_key.c); nx_key_line: ensures an open profile's SSH
 * identity and gives its public line ("ssh-ed25519 AAAA... user@device"). */
int nx_cmd_key(nx_cli *c);
struct nx_profile;
int nx_key_line(struct nx_profile *p, char *out, size_t outlen, char *err, size_t errlen);
/* No command: the full-screen client (cmd_tui.c). */
int nx_cmd_tui(nx_cli *c);

#endif
