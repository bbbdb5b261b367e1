/* tests/helpers — fixprof: see fixprof.h. */
#include "tests/helpers/fixprof.h"

#include <stdio.h>
#include <string.h>

int nx_fixprof_open(nx_profile *p, const char *dir, char *why, size_t whylen)
{
    if (nx_crypt_init() != 0) {
        snprintf(why, whylen, "crypto: cannot initialise");
        return -1;
    }
    nx_conf c;
    nx_conf_defaults(&c);
    snprintf(c.cache_dir, sizeof c.cache_dir, "%s", dir);
    if (nx_profile_paths(p, &c, why, whylen) != 0 ||
        nx_profile_open(p, NX_FIXPROF_PASS, strlen(NX_FIXPROF_PASS), why, whylen) != 0)
        return -1;
    return 0;
}
