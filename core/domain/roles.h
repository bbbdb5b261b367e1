/* core/domain/roles — the role names every issue shares (DESIGN.md). */
#ifndef NX_ROLES_H
#define NX_ROLES_H

typedef enum {
    NX_ROLE_SCHEDULING, NX_ROLE_ELIGIBILITY, NX_ROLE_PRIOR_AUTH, NX_ROLE_ROI,
    NX_ROLE_SUPERVISOR, NX_ROLE_OPERATIONS, NX_ROLE_PRIVACY_OFFICER,
    NX_ROLE_SECURITY_OFFICER, NX_ROLE_AUDITOR, NX_ROLE_COUNT
} nx_role;

/* -1 when the name is not a role. */
int nx_role_parse(const char *name);
const char *nx_role_name(nx_role r);
/* "scheduling, eligibility, ..." for messages. */
const char *nx_role_list(void);

#endif
