#!/bin/sh
# Fails (exit 1) when any sanitizer report was written into DIR, printing it.
# Criterion runs each test in a child process and reports it passed even when
# LeakSanitizer or UBSan complained at that child's exit; every sanitized
# process therefore logs to DIR (ASAN_OPTIONS/UBSAN_OPTIONS log_path) and this
# check turns any report into a failure of `make test`.
dir=${1:?usage: sancheck.sh DIR}
found=0
for f in "$dir"/*; do
  [ -f "$f" ] || continue
  [ -s "$f" ] || continue
  found=1
  echo "== sanitizer report: $f" >&2
  head -n 60 "$f" >&2
done
if [ "$found" -ne 0 ]; then
  echo "sancheck: sanitizer reports found in $dir: failing" >&2
  exit 1
fi
exit 0
