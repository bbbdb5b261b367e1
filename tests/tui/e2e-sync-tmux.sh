#!/bin/bash
# tests/tui/e2e-sync-tmux.sh BUILD — `make run`'s training setup
# (scripts/run-training.sh: a training hub over the local pipe, 500
# synthetic items, a TRAINING profile) in a real terminal: unlock, S, and
# the message line answers with what the round did ("Synced: ..."), not a
# "Syncing with the hub..." left standing; an item's change goes to the
# hub (0 pending after S); q leaves the terminal clean.
# Prints "e2e-sync: ok" and exits 0, or the failed step, the screen, and 1.
# Exit 77 when tmux is missing (the caller skips).
set -u
build=$(cd "${1:?usage: e2e-sync-tmux.sh BUILD_DIR}" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
command -v tmux >/dev/null || exit 77
[ -x "$build/nexus-hub" ] || { echo "e2e-sync: $build/nexus-hub is missing" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nexus-e2e-sync.XXXXXX")
sock="nexus-e2e-sync-$$"
e2e_name=e2e-sync e2e_pane=e2e
. "$(dirname "$0")/tmux-lib.sh"
pass='Training-2026!'

step="training setup"
T new-session -d -s e2e -x 120 -y 40 \
    "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 NX_TRAINING_DIR='$tmp/training' sh '$root/scripts/run-training.sh' '$build/nexus'; echo EXITED \$?; sleep 60"
wait_for "Passphrase" 120
step="unlock"
keys -l "$pass"; keys Enter; wait_for "Dashboard" 30
step="a change to send"
keys 1; wait_for "Scheduling queue"
keys Enter; wait_for "F4 next step"
keys Tab Tab Tab Tab Tab Tab Tab Tab Tab Tab Tab Tab Tab; keys Space; keys F2
wait_for "1 pending" 10
keys Escape; wait_for "Scheduling queue"
step="S"
keys S
# (a background round may have sent it first: the count is not pinned)
wait_for "Synced: " 30
screen | grep -qF "Syncing with the hub" && fail "the sync message was left standing"
wait_for "0 pending" 10
step="S again, nothing to do"
keys S
wait_for "Synced: 0 changes sent" 30
step="quit"
keys Escape; wait_for "Dashboard"; keys q
wait_for "EXITED 0" 20
screen | grep -qF "Synthetic-" && fail "a patient name stayed on the terminal"
echo "e2e-sync: ok"
