/* tests/progs — tui_audit: the audit events of a profile, one a line
 * ("ACTION ITEM FIELD OUTCOME"; never the reason typed for a reveal), for
 * the end-to-end test's check that a reveal made on screen is in the
 * audit chain. The passphrase comes from NX_AUDIT_PASS.
 *
 *   tui_audit PROFILE_DIR */
#include "conf/conf.h"
#include "profile/profile.h"
#include "store/audit_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int print_row(void *arg, const nx_audit_row *r)
{
    (void)arg;
    printf("%s %s %s %s\n", r->action, r->item_id && r->item_id[0] ? r->item_id : "-",
           r->field && r->field[0] ? r->field : "-", r->outcome);
    return 0;
}

int main(int argc, char **argv)
{
    const char *pass = getenv("NX_AUDIT_PASS");
    if (argc != 2 || !pass) {
        fprintf(stderr, "usage: NX_AUDIT_PASS=... tui_audit PROFILE_DIR\n");
        return 2;
    }
    if (nx_crypt_init() != 0)
        return 2;
    nx_conf c;
    nx_conf_defaults(&c);
    snprintf(c.cache_dir, sizeof c.cache_dir, "%s", argv[1]);
    nx_profile p;
    char err[1024];
    if (nx_profile_paths(&p, &c, err, sizeof err) ||
        nx_profile_open(&p, pass, strlen(pass), err, sizeof err)) {
        fprintf(stderr, "tui_audit: %s\n", err);
        return 2;
    }
    int rc = nx_store_audit_scan(p.store, print_row, NULL);
    nx_profile_close(&p);
    return rc == 0 ? 0 : 1;
}
