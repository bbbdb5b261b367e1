#!/usr/bin/env bash
# Runs the whole suite from the sanitized build in DIR (build/test).
# Every sanitized process logs into one directory; any report there fails the
# run even if Criterion counted the test as passed (see sancheck.sh).
set -u
dir=${1:?usage: run-tests.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
bindir=$(cd "$dir" && pwd)
# One log directory per run, so two runs at once never read each other's reports.
sanlog=$(mktemp -d "$bindir/sanlog.XXXXXX")

export NX_ROOT="$root"
export NX_TEST_BIN="$bindir"
export ASAN_OPTIONS="log_path=$sanlog/asan:detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=1:strict_string_checks=1"
export UBSAN_OPTIONS="log_path=$sanlog/ubsan:print_stacktrace=1:halt_on_error=1"
# exitcode=0: a leak does not change a process's exit status; its report
# file does, through sancheck.sh below, which tells a leak of ours from the
# one Criterion's runner has of its own (a race in its timeout bookkeeping)
# that would otherwise fail the run through the runner's exit status.
export LSAN_OPTIONS="log_path=$sanlog/lsan:exitcode=0"
export TZ=UTC LANG=C.UTF-8 LC_ALL=C.UTF-8
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nexus-test.XXXXXX")
export NX_TEST_TMP="$tmp"
trap 'rm -rf "$tmp"' EXIT

jobs=${NX_TEST_JOBS:-$(nproc 2>/dev/null || echo 2)}
rc=0
# The client's tests (curses-linked, headless screens) first, so the core
# suite's Criterion summary stays the last line.
if [ -x "$bindir/tui_tests" ]; then
  "$bindir/tui_tests" --jobs "$jobs" ${NX_TEST_FILTER:+--filter "$NX_TEST_FILTER"} || rc=1
fi
# Every committed fuzz corpus input once, through its harness (make fuzz
# searches further).
fuzzdir="$root/build/fuzz"
for h in "$fuzzdir"/fuzz_*; do
  [ -x "$h" ] || continue
  n=${h##*/fuzz_}
  c="$root/tests/fuzz/corpus/$n"
  [ -d "$c" ] || continue
  if ! "$h" -runs=0 "$c" >"$tmp/fuzz-$n.log" 2>&1; then
    echo "fuzz corpus $n: FAILED (log follows)" >&2; tail -30 "$tmp/fuzz-$n.log" >&2; rc=1
  else
    echo "fuzz corpus $n: $(ls "$c" | wc -l) inputs, ok"
  fi
done
"$bindir/unit_tests" --jobs "$jobs" ${NX_TEST_FILTER:+--filter "$NX_TEST_FILTER"} || rc=1
"$root/scripts/sancheck.sh" "$sanlog" || rc=1
[ "$rc" -eq 0 ] && rm -rf "$sanlog"
if [ "$rc" -ne 0 ]; then echo "make test: FAILED" >&2; fi
exit $rc
