/* nexus init / passwd / verify. */
#include "cli/cli.h"
#include "domain/roles.h"
#include "session/training.h"
#include "profile/profile.h"
#include "store/rows.h"
#include "util/util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int opt_value(nx_cli *c, int *i, const char *name, const char **out)
{
    if (strcmp(c->argv[*i], name) != 0)
        return 0;
    if (*i + 1 >= c->argc)
        return -1;
    *out = c->argv[++*i];
    return 1;
}

int nx_cmd_init(nx_cli *c)
{
    const char *user = NULL, *role = NULL, *team = "", *training = NULL, *kdf_s = "moderate";
    for (int i = 0; i < c->argc; i++) {
        int r;
        if ((r = opt_value(c, &i, "--user", &user)) || (r = opt_value(c, &i, "--role", &role)) ||
            (r = opt_value(c, &i, "--team", &team)) || (r = opt_value(c, &i, "--training", &training)) ||
            (r = opt_value(c, &i, "--kdf", &kdf_s))) {
            if (r < 0)
                return nx_cli_fail("init: %s needs a value", c->argv[i]);
            continue;
        }
        return nx_cli_fail("init: unknown option '%s'", c->argv[i]);
    }
    if (!user || !role)
        return nx_cli_fail("init: --user and --role are required");
    if (nx_role_parse(role) < 0)
        return nx_cli_fail("init: unknown role '%s' (one of: %s)", role, nx_role_list());
    nx_kdf_level kdf;
    if (nx_kdf_level_parse(kdf_s, &kdf))
        return nx_cli_fail("init: --kdf must be interactive, moderate or sensitive");
    long ntrain = 0;
    if (training) {
        char *end;
        ntrain = strtol(training, &end, 10);
        /* 0: a TRAINING profile that gets its items from a training hub. */
        if (!*training || *end || ntrain < 0 || ntrain > 1000000)
            return nx_cli_fail("init: --training takes a number of items from 0 to 1000000");
    }

    char err[NX_PATH_MAX + 256];
    nx_profile p;
    if (nx_profile_paths(&p, &c->conf, err, sizeof err))
        return nx_cli_fail("%s", err);

    nx_profile_info info = {0};
    snprintf(info.user, sizeof info.user, "%s", user);
    snprintf(info.role, sizeof info.role, "%s", role);
    snprintf(info.team, sizeof info.team, "%s", team);
    randombytes_buf(info.device_id, sizeof info.device_id);
    info.training = training != NULL;
    info.created = info.passphrase_set = nx_now();

    nx_secret pass = {0};
    if (nx_cli_passphrase(c, "New passphrase: ", 1, &pass))
        return 1;
    int rc = nx_profile_create(&p, (const char *)pass.bytes, pass.len, kdf, &info, err, sizeof err);
    nx_secret_free(&pass);
    if (rc)
        return nx_cli_fail("%s", err);
    if (ntrain > 0 &&
        nx_training_seed(&p, nx_assets_dir(), (int)ntrain, user, team, err, sizeof err)) {
        nx_profile_discard(&p);
        return nx_cli_fail("training data: %s (no profile created)", err);
    }
    /* The SSH identity for sync, kept inside the encrypted cache. */
    char keyline[2048];
    if (nx_key_line(&p, keyline, sizeof keyline, err, sizeof err)) {
        nx_profile_discard(&p);
        return nx_cli_fail("SSH identity: %s (no profile created)", err);
    }
    int64_t items = nx_store_count(p.store, "items");
    nx_profile_close(&p);
    printf("nexus: profile created in %s for %s (%s)%s, %lld items\n", p.dir, user, role,
           training ? ", TRAINING" : "", (long long)items);
    printf("nexus: this laptop's SSH public key; give this line to the hub's administrator "
           "(`nexus key` prints it again):\n%s\n", keyline);
    return 0;
}

int nx_cmd_passwd(nx_cli *c)
{
    const char *kdf_s = NULL;
    for (int i = 0; i < c->argc; i++) {
        int r = opt_value(c, &i, "--kdf", &kdf_s);
        if (r > 0)
            continue;
        return nx_cli_fail(r < 0 ? "passwd: %s needs a value" : "passwd: unknown option '%s'",
                           c->argv[i]);
    }
    char err[NX_PATH_MAX + 256];
    nx_profile p;
    nx_kdf_level kdf = NX_KDF_MODERATE;
    if (kdf_s && nx_kdf_level_parse(kdf_s, &kdf))
        return nx_cli_fail("passwd: --kdf must be interactive, moderate or sensitive");
    if (nx_profile_paths(&p, &c->conf, err, sizeof err))
        return nx_cli_fail("%s", err);
    nx_secret old = {0}, fresh = {0};
    if (nx_cli_passphrase(c, "Current passphrase: ", 0, &old))
        return 1;
    nx_vault *v = NULL;
    int rc = nx_vault_open(p.keyfile, (const char *)old.bytes, old.len, &v, err, sizeof err);
    nx_secret_free(&old);
    if (rc)
        return nx_cli_fail("%s", err);
    if (nx_cli_passphrase(c, "New passphrase: ", 1, &fresh)) {
        nx_vault_close(v);
        return 1;
    }
    rc = nx_vault_rewrap(v, (const char *)fresh.bytes, fresh.len, kdf, err, sizeof err);
    nx_secret_free(&fresh);
    nx_vault_close(v);
    if (rc)
        return nx_cli_fail("%s", err);
    printf("nexus: passphrase changed\n");
    return 0;
}

int nx_cmd_verify(nx_cli *c)
{
    if (c->argc > 0)
        return nx_cli_fail("verify: unknown option '%s'", c->argv[0]);
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
    uint64_t events = 0;
    rc = nx_profile_verify(&p, &events, err, sizeof err);
    int64_t items = rc ? -1 : nx_store_count(p.store, "items");
    const nx_profile_info *info = nx_vault_info(p.vault);
    char user[NX_NAME_MAX];
    snprintf(user, sizeof user, "%s", info->user);
    int training = info->training;
    nx_profile_close(&p);
    if (rc)
        return nx_cli_fail("%s", err);
    printf("nexus: cache ok: every page authenticated, structure sound, audit chain intact: "
           "%llu event%s (%s%s, %lld items)\n", (unsigned long long)events,
           events == 1 ? "" : "s", user, training ? ", TRAINING" : "", (long long)items);
    return 0;
}
