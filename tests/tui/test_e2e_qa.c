/* Live QA review end to end in a real terminal (tests/tui/e2e-qa-tmux.sh:
 * a real hub, the agent's work arriving while the supervisor's client is
 * open, the QA queue, shadowing, the scorecard and its CAPA); skipped
 * where tmux is not installed. */
#include "tests/tui/e2e_run.h"

Test(qa_e2e, tmux_supervisor_unlocks_scores_a_live_sample_and_opens_a_capa, .timeout = 300)
{
    NX_E2E_TMUX("tests/tui/e2e-qa-tmux.sh");
}
