/* nexus sync: one sync round without a screen (cron, scripts, a laptop past
 * its offline grace). Unlocks the profile, runs one round, prints a
 * one-line summary and the hub's banner, and exits with the round's
 * nx_sync_code (transport.h; README): 0 done, 3 unreachable, 4 host key
 * refused, 5 our key refused, 6 protocol error, 7 revoked (cache erased),
 * 8 cache not opened (wrong passphrase). Nothing it prints names a value
 * of a record: errors name item ids at most. */
#include "cli/cli.h"
#include "profile/profile.h"
#include "sync/sync.h"
#include "util/util.h"

#include <stdio.h>
#include <string.h>

int nx_cmd_sync(nx_cli *c)
{
    if (c->argc > 0) {
        nx_cli_fail("sync: unknown option '%s' (see nexus --help)", c->argv[0]);
        return NX_SYNC_USAGE;
    }
    char err[NX_PATH_MAX + 512];
    nx_profile p;
    if (nx_profile_paths(&p, &c->conf, err, sizeof err)) {
        nx_cli_fail("%s", err);
        return NX_SYNC_USAGE;
    }
    nx_secret pass = {0};
    if (nx_cli_passphrase(c, "Passphrase: ", 0, &pass))
        return NX_SYNC_LOCKED;
    int rc = nx_profile_open(&p, (const char *)pass.bytes, pass.len, err, sizeof err);
    nx_secret_free(&pass);
    if (rc) {
        nx_cli_fail("%s", err);
        return NX_SYNC_LOCKED;
    }
    nx_syncer *y = NULL;
    if (nx_syncer_new(&p, &c->conf, &y, err, sizeof err) != 0) {
        nx_profile_close(&p);
        nx_cli_fail("%s", err);
        return NX_SYNC_ERROR;
    }
    nx_sync_stats st;
    nx_sync_code code = nx_syncer_round(y, &st, err, sizeof err);
    nx_syncer_free(y);
    nx_profile_close(&p);   /* already closed after a revocation: idempotent */

    if (code == NX_SYNC_OK) {
        printf("nexus: sync done: pushed %llu op%s (%llu applied, %llu duplicate, %llu rejected, "
               "%llu conflict%s), %llu audit event%s; pulled %llu item%s, dropped %llu; "
               "cursor %llu\n",
               (unsigned long long)st.pushed, st.pushed == 1 ? "" : "s",
               (unsigned long long)st.applied, (unsigned long long)st.duplicate,
               (unsigned long long)st.rejected, (unsigned long long)st.conflicts,
               st.conflicts == 1 ? "" : "s", (unsigned long long)st.audit_pushed,
               st.audit_pushed == 1 ? "" : "s", (unsigned long long)st.items,
               st.items == 1 ? "" : "s", (unsigned long long)st.dropped,
               (unsigned long long)st.cursor);
        if (st.rejected || st.conflicts)
            printf("nexus: the hub refused some changes: each item's screen shows why\n");
        if (st.audit_pulled)
            printf("nexus: %llu audit event%s of other devices received for review\n",
                   (unsigned long long)st.audit_pulled, st.audit_pulled == 1 ? "" : "s");
    }
    if (st.banner[0])
        printf("nexus: message from the hub: %s\n", st.banner);
    if (st.emergency)
        printf("nexus: EMERGENCY MODE: the offline grace is extended to 72 hours\n");
    if (code == NX_SYNC_REVOKED) {
        fprintf(stderr, "nexus: %s\n", err);
    } else if (code != NX_SYNC_OK) {
        fprintf(stderr, "nexus: sync failed (%s): %s\n", nx_sync_code_name(code),
                err[0] ? err : "no detail");
    }
    return code;
}
