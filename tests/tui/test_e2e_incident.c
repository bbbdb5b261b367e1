/* Incidents end to end in a real terminal (tests/tui/e2e-incident-tmux.sh,
 * tmux send-keys / capture-pane; a real hub over the local pipe): an agent
 * reports a mis-fax offline, syncs; the privacy officer files one with F8
 * and takes, assesses, moves and logs the agent's; the agent sees it move.
 * Skipped where tmux is not installed. */
#include "tests/tui/e2e_run.h"

Test(e2e, tmux_officer_files_and_advances_an_incident, .timeout = 300)
{
    NX_E2E_TMUX("tests/tui/e2e-incident-tmux.sh");
}
