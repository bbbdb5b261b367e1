# tests/tui/tmux-lib.sh — what the tmux end-to-end scripts share (sourced,
# bash). Set before sourcing: e2e_name (the prefix of their messages),
# e2e_pane (the tmux session the client runs in), sock (the tmux server's
# socket name; a script may move to a fresh one between runs) and tmp (a
# directory removed at exit, with the server).
T() { tmux -L "$sock" "$@"; }
cleanup() { T kill-server 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
step=start
# fail WHY: the step that failed, the screen, exit 1.
fail() {
    echo "$e2e_name: FAILED at '$step': $*" >&2
    T capture-pane -p -t "$e2e_pane" 2>/dev/null | sed 's/^/  | /' >&2
    exit 1
}
screen() { T capture-pane -p -t "$e2e_pane"; }
# wait_for TEXT [SECONDS]: until the screen shows TEXT (fixed string).
wait_for() {
    local limit=$(( ${2:-20} * 5 )) i=0
    while [ $i -lt $limit ]; do
        screen | grep -qF -- "$1" && return 0
        sleep 0.2; i=$((i + 1))
    done
    fail "'$1' never appeared"
}
keys() { T send-keys -t "$e2e_pane" "$@"; }
