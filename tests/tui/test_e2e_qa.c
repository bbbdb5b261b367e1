/* Live QA review end to end in a real terminal (tests/tui/e2e-qa-tmux.sh:
 * a real hub, the agent's work arriving while the supervisor's client is
 * open, the QA queue, shadowing, the scorecard and its CAPA); skipped
 * where tmux is not installed. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/helpers/run.h"

Test(qa_e2e, tmux_supervisor_unlocks_scores_a_live_sample_and_opens_a_capa, .timeout = 300)
{
    char script[1024];
    snprintf(script, sizeof script, "%s", nx_t_root("tests/tui/e2e-qa-tmux.sh"));
    const char *bin = getenv("NX_TEST_BIN");
    const char *argv[] = { "/bin/bash", script, bin && *bin ? bin : "build/test", NULL };
    nx_t_result r;
    cr_assert_eq(nx_t_run(argv, NULL, NULL, &r), 0);
    if (r.status == 77)
        cr_skip_test("tmux is not installed");
    cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
}
