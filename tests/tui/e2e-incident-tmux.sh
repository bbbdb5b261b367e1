#!/bin/bash
# tests/tui/e2e-incident-tmux.sh BUILD — incidents in a real terminal (tmux
# send-keys / capture-pane), the officer's half of issue 6's end to end:
#  1. a real hub (tests/progs/inc_fixture: nexus-hub over the local pipe),
#     an ROI agent's laptop and a privacy officer's;
#  2. the agent, offline (the hub out of reach), reports a mis-fax from the
#     ROI item (C-x: the report pre-filled); it waits in the outbox; back
#     online, a sync takes it to the hub;
#  3. the officer unlocks: the dashboard counts the incident after the
#     background sync; the officer files one of their own with F8, opens
#     the agent's from the list, takes it, is refused the next step until
#     the preliminary assessment is recorded, records it, moves it to
#     Contain and logs a notification; the background sync takes every
#     change to the hub;
#  4. the agent's next sync shows the incident at Contain with the officer
#     named, and the report can no longer be corrected by its reporter.
# Prints "e2e-incident: ok" and exits 0, or the failed step, the screen,
# and 1. Exit 77 when tmux is missing (the caller skips).
set -u
build=$(cd "${1:?usage: e2e-incident-tmux.sh BUILD_DIR}" && pwd)
# The fixture reads the policy from the repository (NX_ROOT).
export NX_ROOT=${NX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
command -v tmux >/dev/null || exit 77
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nexus-e2e-inc.XXXXXX")
runs=0
sock="nexus-e2e-inc-$$-0"
e2e_name=e2e-incident e2e_pane=inc
. "$(dirname "$0")/tmux-lib.sh"
fixture() { NX_TEST_BIN="$build" "$build/progs/inc_fixture" "$@"; }
hub_count() { fixture count "$tmp" "$1"; }
# client CONF: a client in a fresh tmux server, unlocked, on the dashboard.
client() {
    T kill-server 2>/dev/null
    runs=$((runs + 1)); sock="nexus-e2e-inc-$$-$runs"
    T new-session -d -s inc -x 120 -y 40 \
        "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC NEXUS_HUB='$build/nexus-hub' '$build/nexus' --config '$tmp/$1'; echo EXITED \$?; sleep 60"
    wait_for "Passphrase"
    keys -l "Pass-word-1"; keys Enter
    wait_for "Dashboard" 30
}

# ---- 1 ------------------------------------------------------------------
step="a hub, an agent and an officer"
fixture setup "$tmp" > "$tmp/setup.out" 2>&1 || fail "$(cat "$tmp/setup.out")"

# ---- 2 ------------------------------------------------------------------
step="the agent reports a mis-fax offline"
client carol-offline.conf
keys 4; wait_for "Release-of-information queue"
keys Enter; wait_for "roi item roi-7"
keys C-x; wait_for "Incident report"
wait_for "mis-fax"
wait_for "about item roi-7"
keys -l "Release faxed to a wrong number (synthetic)"
keys F2; wait_for "Incident filed"
wait_for "1 pending"
[ "$(hub_count "SELECT count(*) FROM records")" = 0 ] || fail "the hub has it already"
keys C-q; wait_for "EXITED 0"
step="back online, a sync takes it to the hub"
client carol.conf
keys S; wait_for "0 pending" 30
[ "$(hub_count "SELECT count(*) FROM records WHERE kind='incident' AND author='carol' AND item_id='roi-7' AND status='reported'")" = 1 ] ||
    fail "the hub does not hold carol's report"
keys C-q; wait_for "EXITED 0"

# ---- 3 ------------------------------------------------------------------
step="the officer's dashboard counts it"
client pat.conf
wait_for "Incidents   1 open" 30
step="the officer files one with F8"
keys F8; wait_for "Incident report"
keys Space; wait_for "mis-fax"
keys Space Space; wait_for "lost-device"
keys Tab Tab Tab
keys -l "Synthetic: a test laptop left in a taxi"
keys F2; wait_for "Incident filed"
wait_for "Incidents   2 open" 30
step="the agent's incident, taken"
keys '!'; wait_for "Open incidents"
wait_for "Lost device"
row=$(screen | grep -n "Mis-fax" | head -n 1 | cut -d: -f1)
[ -n "$row" ] || fail "no mis-fax in the list"
cur=$(screen | grep -n "^ >" | head -n 1 | cut -d: -f1)
while [ "$cur" -lt "$row" ]; do keys j; cur=$((cur + 1)); done
while [ "$cur" -gt "$row" ]; do keys k; cur=$((cur - 1)); done
sleep 0.3
screen | grep "^ >" | grep -q "Mis-fax" || fail "the cursor is not on the mis-fax"
keys Enter; wait_for "reported by carol"
keys s; wait_for "You take the incident"
keys y; wait_for "officer pat"
step="no next step without the assessment"
keys s; wait_for "Record the preliminary assessment first"
step="the assessment, then Contain"
keys a; wait_for "Severity"
keys 2; wait_for "Preliminary assessment"
keys -l "Synthetic: one patient; the recipient confirmed destruction"; keys Enter
wait_for "severity high"
keys s; wait_for "Identify → Contain"
keys y; wait_for "now Contain"
step="a notification logged"
keys n; wait_for "Who was notified?"
keys 3; wait_for "How were they told?"
keys 1; wait_for "Who exactly?"
keys -l "Lakeside privacy office"; keys Enter
wait_for "Notification logged"
wait_for "Notifications (1)"
step="the background sync takes it all to the hub"
wait_for "0 pending" 30
[ "$(hub_count "SELECT count(*) FROM records WHERE author='carol' AND status='contain' AND owner='pat' AND body LIKE '%Lakeside privacy office%'")" = 1 ] ||
    fail "the hub does not hold the officer's steps"
[ "$(hub_count "SELECT count(*) FROM records WHERE author='pat' AND status='reported'")" = 1 ] ||
    fail "the hub does not hold the officer's own report"
keys C-q; wait_for "EXITED 0"

# ---- 4 ------------------------------------------------------------------
step="the reporter follows it"
client carol.conf
keys S; wait_for "0 pending" 30
keys '!'; wait_for "Open incidents you reported"
wait_for "Contain"
screen | grep "Mis-fax" | grep -q "pat" || fail "the officer is not named"
screen | grep -q "Lost device" && fail "the agent sees the officer's own report"
keys Enter; wait_for "officer pat"
keys e; wait_for "An officer has taken it: tell them what to correct"
keys Escape; wait_for "Open incidents"
keys C-q; wait_for "EXITED 0"
echo "e2e-incident: ok"
