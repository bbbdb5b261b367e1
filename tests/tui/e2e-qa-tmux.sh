#!/bin/bash
# tests/tui/e2e-qa-tmux.sh BUILD — live QA review in a real terminal (tmux
# send-keys / capture-pane), the supervisor's half of issue 6's end to end:
#  1. a real hub (tests/progs/qa_fixture: nexus-hub over the local pipe),
#     an agent's laptop and a supervisor's; the supervisor unlocks and the
#     dashboard has nothing to review;
#  2. the agent completes 80 items and syncs (qa_fixture complete): the hub
#     samples them as they merge, and the supervisor's dashboard shows the
#     samples after its background sync, without a restart;
#  3. the QA queue lists exactly the sampled items; the supervisor shadows
#     one (read-only: typing is refused), scores it with a finding, opens
#     the corrective action it offers; the dashboard counts it;
#  4. the next background sync takes the review and the CAPA to the hub,
#     which marks the sample reviewed.
# Prints "e2e-qa: ok" and exits 0, or the failed step, the screen, and 1.
# Exit 77 when tmux is missing (the caller skips).
set -u
build=$(cd "${1:?usage: e2e-qa-tmux.sh BUILD_DIR}" && pwd)
command -v tmux >/dev/null || exit 77
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nexus-e2e-qa.XXXXXX")
sock="nexus-e2e-qa-$$"
e2e_name=e2e-qa e2e_pane=qa
. "$(dirname "$0")/tmux-lib.sh"
fixture() { NX_TEST_BIN="$build" "$build/progs/qa_fixture" "$@"; }
hub_count() { fixture count "$tmp" "$1"; }

step="a hub, an agent and a supervisor"
fixture setup "$tmp" 80 > "$tmp/setup.out" 2>&1 || fail "$(cat "$tmp/setup.out")"
n=$(wc -l < "$tmp/sampled.txt")
[ "$n" -ge 2 ] || fail "the fixture sampled $n items"

# ---- 1 ------------------------------------------------------------------
step="the supervisor unlocks"
T new-session -d -s qa -x 120 -y 40 \
    "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 NEXUS_HUB='$build/nexus-hub' '$build/nexus' --config '$tmp/sam.conf'; echo EXITED \$?; sleep 60"
wait_for "Passphrase"
keys -l "Pass-word-1"; keys Enter
wait_for "Dashboard" 30
wait_for "0 samples of your team's work to review" 30

# ---- 2 ------------------------------------------------------------------
step="the agent's work arrives"
fixture complete "$tmp" > "$tmp/complete.out" 2>&1 || fail "$(cat "$tmp/complete.out")"
wait_for "$n samples of your team's work to review" 45

# ---- 3 ------------------------------------------------------------------
step="the QA queue holds exactly the sample"
keys Q; wait_for "QA review"; wait_for "1 of $n to review"
while read -r id; do
    screen | grep -q " $id " || fail "$id is not in the queue"
done < "$tmp/sampled.txt"
[ "$(screen | grep -c ' scheduling  qa-')" -eq "$n" ] || fail "the queue holds other items"
step="shadowing is read-only"
first=$(screen | sed -n 's/^>.* scheduling  \(qa-[0-9]*\) .*/\1/p')
[ -n "$first" ] || fail "no row under the cursor"
keys Enter; wait_for "READ-ONLY"; wait_for "scheduling item $first"
keys x; wait_for "Read-only: this is alice's work"
step="the scorecard"
keys s; wait_for "Scorecard"
keys -l "ppnppfn"
keys -l "Outcome logged without a next action"
wait_for "Score 80%"
keys F2; wait_for "Open a corrective action?"
step="the corrective action"
keys y; wait_for "New corrective action on item $first"
keys -l "Coach alice on logging the next action"
keys F2; wait_for "opened on item $first; the hub gets it"
wait_for "$((n - 1)) to review"
keys c; wait_for "1 open, 0 overdue"
keys Escape Escape; wait_for "Dashboard"
wait_for "1 corrective action open, 0 overdue"
wait_for "$((n - 1)) sample"

# ---- 4 ------------------------------------------------------------------
step="the review and the CAPA reach the hub"
i=0
until [ "$(hub_count "SELECT count(*) FROM records WHERE kind='qa_sample' AND status='reviewed' AND item_id='$first'")" = 1 ] &&
      [ "$(hub_count "SELECT count(*) FROM records WHERE kind='capa' AND item_id='$first' AND owner='alice' AND author='sam'")" = 1 ] &&
      [ "$(hub_count "SELECT count(*) FROM records WHERE kind='qa_review' AND status='fail' AND owner='alice'")" = 1 ]; do
    [ $i -lt 60 ] || fail "the hub does not hold the review and the CAPA"
    sleep 0.5; i=$((i + 1))
done
keys C-q; wait_for "EXITED 0"
echo "e2e-qa: ok"
