#!/bin/sh
# Fails (exit 1) when any sanitizer report was written into DIR, printing it.
# Criterion runs each test in a child process and reports it passed even when
# LeakSanitizer or UBSan complained at that child's exit; every sanitized
# process therefore logs to DIR (ASAN_OPTIONS/UBSAN_OPTIONS log_path) and this
# check turns any report into a failure of `make test`.
dir=${1:?usage: sancheck.sh DIR}
found=0
# Criterion's own runner leaks 48 bytes of its timeout bookkeeping
# (bxfi_push_timeout) now and then when suites with .timeout run in
# parallel: a race inside libcriterion. A leak report is let through only
# when every frame of every leaked allocation is the allocator interceptor
# or inside libcriterion (nothing of ours on the stack); anything else in
# the file fails as before.
criterion_only() {
  grep -q 'ERROR: LeakSanitizer' "$1" || return 1
  grep -q 'ERROR: AddressSanitizer\|runtime error' "$1" && return 1
  awk '/^ *#[0-9]+ 0x/ {
         if ($0 ~ /__interceptor_|libcriterion\.so/) next
         ours = 1
       }
       END { exit ours ? 1 : 0 }' "$1"
}
for f in "$dir"/*; do
  [ -f "$f" ] || continue
  [ -s "$f" ] || continue
  if criterion_only "$f"; then
    echo "sancheck: $f: a leak inside libcriterion's runner only (known race), ignored" >&2
    continue
  fi
  found=1
  echo "== sanitizer report: $f" >&2
  head -n 60 "$f" >&2
done
if [ "$found" -ne 0 ]; then
  echo "sancheck: sanitizer reports found in $dir: failing" >&2
  exit 1
fi
exit 0
