#include "domain/roles.h"

#include <string.h>

static const char *const names[NX_ROLE_COUNT] = {
    "scheduling", "eligibility", "prior-auth", "roi", "supervisor",
    "operations", "privacy-officer", "security-officer", "auditor",
};

int nx_role_parse(const char *name)
{
    for (int i = 0; i < NX_ROLE_COUNT; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

const char *nx_role_name(nx_role r)
{
    return (unsigned)r < NX_ROLE_COUNT ? names[r] : "?";
}

const char *nx_role_list(void)
{
    return "scheduling, eligibility, prior-auth, roi, supervisor, operations, "
           "privacy-officer, security-officer, auditor";
}
