#!/bin/sh
# tests/tui/golden.sh BUILD — rewrites tests/tui/golden/ from the scripts
# in tests/tui/scripts/ (`make golden`). Only this script writes golden
# files; the tests compare with them and never change them. Review the
# diff (git diff tests/tui/golden) before committing.
set -eu
build=${1:?usage: golden.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nexus-golden.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
for s in "$root"/tests/tui/scripts/*.script; do
    name=$(basename "$s" .script)
    # "# after: NAME": a second run on the profile NAME's run left.
    after=$(sed -n 's/^# after: *//p' "$s" | head -n 1)
    dir="$tmp/$name"
    if [ -n "$after" ]; then
        dir="$tmp/$after.then"
        NX_KEEP_PROFILE=0 "$root/tests/tui/run-script.sh" "$build" \
            "$root/tests/tui/scripts/$after.script" "$dir" >/dev/null
        NX_KEEP_PROFILE=1 "$root/tests/tui/run-script.sh" "$build" "$s" "$dir" >/dev/null
    else
        NX_KEEP_PROFILE=0 "$root/tests/tui/run-script.sh" "$build" "$s" "$dir" >/dev/null
    fi
    for f in "$dir"/*.txt; do
        [ -e "$f" ] && cp "$f" "$root/tests/tui/golden/"
    done
    echo "golden: $name"
done
