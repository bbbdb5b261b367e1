#!/bin/sh
# tests/tui/run-script.sh BUILD SCRIPT OUTDIR — one headless run of the
# client (tig's test mode): a fresh profile of fixed items
# (tests/progs/tui_fixture), then `nexus` with NEXUS_TUI_SCRIPT, its screen
# going to /dev/null, TERM, size, TZ, LANG and "now" pinned. The script's
# `:save-display @OUT@/NAME.txt` lines write the screens into OUTDIR.
#
# Header comments of a script set up the run:
#   # role: eligibility        the profile's role (default scheduling)
#   # passphrase-age: 91       days since the passphrase was set (default 10)
#   # conf: [ui] keymap = vi   a line for nexus.conf (may repeat)
#   # size: 100 40             COLUMNS LINES (default 80 24)
#   # fixture-extra: PROG      then tests/progs/PROG DIR adds to the fresh
#                              profile (tui_oversight: the oversight screens' data)
# NX_KEEP_PROFILE=1 keeps the profile a previous run left in OUTDIR.
# Exit status: nexus's.
set -eu
build=$1 script=$2 out=$3
hdr() { sed -n "s/^# $1: *//p" "$script"; }
role=$(hdr role | head -n 1); role=${role:-scheduling}
age=$(hdr passphrase-age | head -n 1); age=${age:-10}
size=$(hdr size | head -n 1); size=${size:-80 24}
mkdir -p "$out"
rm -f "$out"/*.txt
# NX_KEEP_PROFILE=1: a second run on the profile the first one left (a
# draft kept across a hang-up); otherwise a fresh one.
if [ "${NX_KEEP_PROFILE:-0}" != 1 ] || [ ! -d "$out/profile" ]; then
    rm -rf "$out/profile"
    "$build/progs/tui_fixture" "$out/profile" "$role" 0 "$age"
    extra=$(hdr fixture-extra | head -n 1)
    if [ -n "$extra" ]; then
        "$build/progs/$extra" "$out/profile"
    fi
fi
{
    printf '[cache]\ndir = %s/profile\n' "$out"
    hdr conf | sed 's/^\(\[[a-z]*\]\) */\1\n/'
} > "$out/nexus.conf"
sed "s|@OUT@|$out|g" "$script" > "$out/run.script"
set -- $size
exec env -i PATH="$PATH" HOME="$out" \
    ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
    ${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} \
    ${LSAN_OPTIONS:+LSAN_OPTIONS="$LSAN_OPTIONS"} \
    TERM=xterm COLUMNS="$1" LINES="$2" TZ=UTC LANG=C.UTF-8 LC_ALL=C.UTF-8 \
    NEXUS_TEST_NOW=1772463600 NEXUS_TUI_SCRIPT="$out/run.script" \
    "$build/nexus" --config "$out/nexus.conf"
