/* tests/tui — runs one of the tmux end-to-end scripts (tests/tui/e2e-*.sh,
 * their shared helpers in tmux-lib.sh) on the test build from a Criterion
 * test: skipped where tmux is not installed (the script exits 77), failed
 * with the script's output otherwise. */
#ifndef NX_TUI_E2E_RUN_H
#define NX_TUI_E2E_RUN_H
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/helpers/run.h"

#define NX_E2E_TMUX(rel)                                                                        \
    do {                                                                                        \
        char script_[1024];                                                                     \
        snprintf(script_, sizeof script_, "%s", nx_t_root(rel));                                \
        const char *bin_ = getenv("NX_TEST_BIN");                                               \
        const char *argv_[] = { "/bin/bash", script_, bin_ && *bin_ ? bin_ : "build/test",      \
                                NULL };                                                         \
        nx_t_result r_;                                                                         \
        cr_assert_eq(nx_t_run(argv_, NULL, NULL, &r_), 0);                                      \
        if (r_.status == 77)                                                                    \
            cr_skip_test("tmux is not installed");                                              \
        cr_assert_eq(r_.status, 0, "%s%s", r_.out, r_.err);                                     \
    } while (0)

#endif
