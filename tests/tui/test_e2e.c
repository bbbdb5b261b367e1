/* The end-to-end run in a real terminal (tests/tui/e2e-tmux.sh, tmux
 * send-keys / capture-pane); skipped where tmux is not installed. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/helpers/run.h"

Test(e2e, tmux_unlock_edit_reveal_resize_idle_lock_backoff_sigkill, .timeout = 300)
{
    char script[1024];
    snprintf(script, sizeof script, "%s", nx_t_root("tests/tui/e2e-tmux.sh"));
    const char *bin = getenv("NX_TEST_BIN");
    const char *argv[] = { "/bin/bash", script, bin && *bin ? bin : "build/test", NULL };
    nx_t_result r;
    cr_assert_eq(nx_t_run(argv, NULL, NULL, &r), 0);
    if (r.status == 77)
        cr_skip_test("tmux is not installed");
    cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
}

Test(e2e, tmux_training_setup_s_syncs_and_says_what_it_did, .timeout = 300)
{
    char script[1024];
    snprintf(script, sizeof script, "%s", nx_t_root("tests/tui/e2e-sync-tmux.sh"));
    const char *bin = getenv("NX_TEST_BIN");
    const char *argv[] = { "/bin/bash", script, bin && *bin ? bin : "build/test", NULL };
    nx_t_result r;
    cr_assert_eq(nx_t_run(argv, NULL, NULL, &r), 0);
    if (r.status == 77)
        cr_skip_test("tmux is not installed");
    cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
}
