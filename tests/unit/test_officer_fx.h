/* Test helper: a fresh profile and session for an oversight role (the
 * audit review's tests): user "olga", team "oversight", a test-only KDF,
 * the default policy and a pinned clock. */
#ifndef NX_TEST_OFFICER_H
#define NX_TEST_OFFICER_H

#include <stddef.h>
#include <stdint.h>
#include "profile/profile.h"
#include "session/session.h"

/* In a new temporary directory named after tag (its path into dir):
 * creates the profile in role, made and its passphrase set at created;
 * fill (may be NULL) writes into its cache; then starts the session with
 * clock. Criterion asserts on any failure. */
void nx_t_officer_open(const char *tag, const char *role, int64_t created, void (*fill)(void),
                       nx_clock_fn clock, nx_profile *prof, nx_session *sess, char *dir,
                       size_t dirlen);

#endif
