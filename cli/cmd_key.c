/* nexus key: prints this laptop's SSH public key, one `ssh-ed25519 ...`
 * line to hand to the hub's administrator (who binds it to the user with
 * `nexus-hub user add --key`). The private half lives in the encrypted
 * cache, so printing it needs the passphrase; with `[sync] identity = FILE`
 * the key is held elsewhere and FILE.pub (or FILE itself) is read. */
#include "cli/cli.h"
#include "profile/profile.h"
#include "sync/transport.h"
#include "util/util.h"

#include <libssh/libssh.h>
#include <stdio.h>
#include <string.h>

int nx_key_line(nx_profile *p, char *out, size_t outlen, char *err, size_t errlen)
{
    if (nx_sync_key_ensure(p->store, err, errlen))
        return -1;
    const nx_profile_info *info = nx_vault_info(p->vault);
    char dev[2 * sizeof info->device_id + 1], comment[NX_NAME_MAX + 16];
    nx_hex_encode(info->device_id, sizeof info->device_id, dev);
    snprintf(comment, sizeof comment, "%s@%.8s", info->user, dev);
    return nx_sync_key_public(p->store, comment, out, outlen, err, errlen);
}

/* The public part of a key held in a file: FILE.pub, else derived. */
static int identity_public(const char *file, char *out, size_t outlen)
{
    char pub[NX_PATH_MAX + 8];
    snprintf(pub, sizeof pub, "%s.pub", file);
    FILE *f = fopen(pub, "r");
    if (f) {
        char *got = fgets(out, (int)outlen, f);
        fclose(f);
        if (got) {
            out[strcspn(out, "\r\n")] = '\0';
            if (strncmp(out, "ssh-", 4) == 0 || strncmp(out, "ecdsa-", 6) == 0)
                return 0;
        }
        return nx_cli_fail("%s is not an OpenSSH public key", pub);
    }
    ssh_key key = NULL;
    char *b64 = NULL;
    if (ssh_pki_import_pubkey_file(file, &key) != SSH_OK &&
        ssh_pki_import_privkey_file(file, NULL, NULL, NULL, &key) != SSH_OK)
        return nx_cli_fail("cannot read the SSH identity %s ([sync] identity; a key with "
                           "a passphrase needs its .pub file beside it)", file);
    int rc = ssh_pki_export_pubkey_base64(key, &b64) == SSH_OK ? 0 : -1;
    if (rc == 0)
        snprintf(out, outlen, "%s %s", ssh_key_type_to_char(ssh_key_type(key)), b64);
    ssh_string_free_char(b64);
    ssh_key_free(key);
    return rc ? nx_cli_fail("cannot derive the public key of %s", file) : 0;
}

int nx_cmd_key(nx_cli *c)
{
    if (c->argc > 0)
        return nx_cli_fail("key: unknown option '%s'", c->argv[0]);
    char line[2048];
    if (c->conf.sync_identity[0]) {
        if (identity_public(c->conf.sync_identity, line, sizeof line))
            return 1;
        printf("%s\n", line);
        return 0;
    }
    char err[NX_PATH_MAX + 256];
    nx_profile p;
    if (nx_profile_paths(&p, &c->conf, err, sizeof err))
        return nx_cli_fail("%s", err);
    nx_secret pass = {0};
    if (nx_cli_passphrase(c, "Passphrase: ", 0, &pass))
        return 1;
    int rc = nx_profile_open(&p, (const char *)pass.bytes, pass.len, err, sizeof err);
    nx_secret_free(&pass);
    if (rc)
        return nx_cli_fail("%s", err);
    rc = nx_key_line(&p, line, sizeof line, err, sizeof err);
    nx_profile_close(&p);
    if (rc)
        return nx_cli_fail("%s", err);
    printf("%s\n", line);
    return 0;
}
