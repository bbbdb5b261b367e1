/* Test helper for the fixture programs (tests/progs/tui_*): opens the
 * profile tui_fixture made in DIR with the golden passphrase, for a
 * program to add to it. No Criterion here. */
#ifndef NX_TEST_FIXPROF_H
#define NX_TEST_FIXPROF_H
#include <stddef.h>
#include "profile/profile.h"

#define NX_FIXPROF_PASS "Golden-Pass-1!"

/* Initialises crypto, then opens; 0, or -1 with why filled. */
int nx_fixprof_open(nx_profile *p, const char *dir, char *why, size_t whylen);

#endif
