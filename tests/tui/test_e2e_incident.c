/* Incidents end to end in a real terminal (tests/tui/e2e-incident-tmux.sh,
 * tmux send-keys / capture-pane; a real hub over the local pipe): an agent
 * reports a mis-fax offline, syncs; the privacy officer files one with F8
 * and takes, assesses, moves and logs the agent's; the agent sees it move.
 * Skipped where tmux is not installed. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/helpers/run.h"

Test(e2e, tmux_officer_files_and_advances_an_incident, .timeout = 300)
{
    char script[1024];
    snprintf(script, sizeof script, "%s", nx_t_root("tests/tui/e2e-incident-tmux.sh"));
    const char *bin = getenv("NX_TEST_BIN");
    const char *argv[] = { "/bin/bash", script, bin && *bin ? bin : "build/test", NULL };
    nx_t_result r;
    cr_assert_eq(nx_t_run(argv, NULL, NULL, &r), 0);
    if (r.status == 77)
        cr_skip_test("tmux is not installed");
    cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
}
