/* Test helper for the client's sync tests (test_outbox, test_sync_*,
 * test_grace): a profile with a clinic and two synthetic patients, a
 * session on it, and small queries. */
#ifndef NX_TEST_SYNCFIX_H
#define NX_TEST_SYNCFIX_H
#include <stdint.h>
#include "profile/profile.h"
#include "session/session.h"

#define NX_SF_NOW 1780300800   /* 2026-06-01 08:00 UTC */

typedef struct nx_sf {
    char dir[4096];
    nx_conf conf;
    nx_profile prof;
    nx_session sess;
    int has_sess;
} nx_sf;

/* (No Criterion here: tests/progs link the helpers too. Each returns 0,
 * or -1 with err filled, for the test to assert.) */

/* A fresh profile for user/role (team "north") in a temp dir; training
 * marks it TRAINING. Seeds clinic cl-1 and patients pt-1, pt-2. */
int nx_sf_open(nx_sf *f, const char *tag, const char *user, const char *role, int training,
               char *err, size_t errlen);
/* Starts a session on it with a clock pinned at NX_SF_NOW. */
int nx_sf_session(nx_sf *f, char *err, size_t errlen);
void nx_sf_close(nx_sf *f);   /* ends the session, closes the profile */

/* A SELECT returning one integer (-1 on error); the text of one column
 * ("" when no row). */
long long nx_sf_count(nx_sf *f, const char *sql);
void nx_sf_text(nx_sf *f, const char *sql, char *out, size_t len);

#endif
