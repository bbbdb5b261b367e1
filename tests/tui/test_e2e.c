/* The end-to-end run in a real terminal (tests/tui/e2e-tmux.sh, tmux
 * send-keys / capture-pane); skipped where tmux is not installed. */
#include "tests/tui/e2e_run.h"

Test(e2e, tmux_unlock_edit_reveal_resize_idle_lock_backoff_sigkill, .timeout = 300)
{
    NX_E2E_TMUX("tests/tui/e2e-tmux.sh");
}

Test(e2e, tmux_training_setup_s_syncs_and_says_what_it_did, .timeout = 300)
{
    NX_E2E_TMUX("tests/tui/e2e-sync-tmux.sh");
}
