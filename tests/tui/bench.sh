#!/bin/sh
# tests/tui/bench.sh [REL_BUILD [TEST_BUILD [ITEMS]]] — the full-screen
# client's figures with ITEMS (100 000) items in the cache: opening a queue,
# each keystroke of scrolling (End to the last row included), sorting and
# searching (a search only the last row matches included, then a name
# outside ASCII), opening the dashboard (q from the queue: the counts of
# all four queues read again), timed headless from the key entering the
# loop to doupdate() returning, median and p99;
# and the resident memory after unlock (the KDF's transient memory is
# freed by then). The release binary is measured; the fixture program
# (TEST_BUILD/progs/tui_fixture) only writes the data, once, into
# build/bench/tui/ (kept: it takes a minute).
set -eu
rel=${1:-build/rel}; tst=${2:-build/test}; items=${3:-100000}
root=$(cd "$(dirname "$0")/../.." && pwd)
dir="$root/build/bench/tui"
mkdir -p "$dir"
if [ ! -f "$dir/profile-$items/nexus.key" ]; then
    echo "creating a profile of $items items (once) ..."
    rm -rf "$dir/profile-$items"
    TUI_FIXTURE_NOW=$(date +%s) TUI_FIXTURE_KDF=interactive \
        "$tst/progs/tui_fixture" "$dir/profile-$items" scheduling "$items"
fi
printf '[cache]\ndir = %s/profile-%s\n' "$dir" "$items" > "$dir/nexus.conf"
# The disk is not what is timed: the cache file is read once into the
# system's page cache first (after a build or another benchmark it may
# have been evicted: a keystroke then waits for the disk, 10-15 ms). Each
# run still starts with SQLite's page cache empty: every page a keystroke
# needs is read and decrypted by the client.
cat "$dir/profile-$items"/* > /dev/null
: > "$dir/times"
sed "s|@OUT@|$dir|g" "$root/tests/tui/bench.script" > "$dir/bench.script"
for run in 1 2 3 4 5; do
    env NEXUS_TUI_SCRIPT="$dir/bench.script" NEXUS_TUI_TIMES="$dir/times.$run" \
        TERM=xterm LINES=24 COLUMNS=80 LANG=C.UTF-8 LC_ALL=C.UTF-8 \
        "$rel/nexus" --config "$dir/nexus.conf"
    cat "$dir/times.$run" >> "$dir/times"
done
# The search for the last row's id found that row alone.
if ! grep -q "1 of 1 " "$dir/last-row.txt"; then
    echo "bench.sh: the search for the last row did not find it alone (see $dir/last-row.txt)" >&2
    exit 1
fi
# One key class per line: the keys of the script, by what they exercise.
awk '
    /^# searching/ { searching = 1 }
    /^# dashboard/ { searching = 0 }
    /^# unlocked/ { searching = 0; started = 1 }
    /^# end/ { started = 0 }
    /^#/ { for (i = 2; i <= NF; i++) if ($i ~ /^rss_kib=/) { split($i, kv, "="); rss[$2] = kv[2] } next }
    !started { next }                                      # the passphrase typed
    { key = $1; ms = $2
      if (searching) {
          if (key == "/" || key == "<Enter>") next;
          cls = key ~ /^(j|k|<End>)$/ ? "search: scroll" : "search: each key"
      } else if (key == "1") cls = "open queue";
      else if (key == "q") cls = "dashboard";
      else if (key == "j" || key == "k") cls = "scroll: line";
      else if (key == "<PgDn>" || key == "<PgUp>") cls = "scroll: page";
      else if (key == "<End>" || key == "<Home>") cls = "scroll: End/Home";
      else if (key == "s" || key == "r") cls = "sort";
      else next
      n[cls]++; v[cls, n[cls]] = ms }
    END {
      for (c in n) {
        m = n[c]
        for (i = 1; i <= m; i++) a[i] = v[c, i]
        for (i = 2; i <= m; i++) { x = a[i]; j = i - 1; while (j > 0 && a[j] > x) { a[j+1] = a[j]; j-- } a[j+1] = x }
        med = (m % 2) ? a[(m+1)/2] : (a[m/2] + a[m/2+1]) / 2
        p = int(0.99 * (m - 1) + 0.5) + 1
        printf "%-18s n=%-4d median %7.3f ms   p99 %7.3f ms\n", c, m, med, a[p]
        # the goals of issue 4: open < 50 ms, every keystroke p99 < 5 ms
        goal = c == "open queue" ? 50 : 5
        label = (c == "open queue" ? "open < 50 ms, p99: " : "p99 keystroke < 5 ms: ") c
        printf "  %-44s %8.3f ms  %s\n", label, a[p], a[p] < goal ? "PASS" : "MISS" > goals
        if (a[p] >= goal) missed++
      }
      printf "RSS after unlock   %d KiB (at the end: %d KiB)\n", rss["unlocked"], rss["end"]
      printf "  %-44s %8.1f MiB %s\n", "RSS after unlock < 64 MiB", rss["unlocked"] / 1024, \
          rss["unlocked"] < 65536 ? "PASS" : "MISS" > goals
      if (rss["unlocked"] >= 65536) missed++
      printf "  => %d check(s) missed (information: make bench does not fail on it)\n", missed > summary
    }' goals="$dir/goals" summary="$dir/goals.sum" "$dir/times" | sort
echo "Goals of issue 4 (the whole keystroke, drawing included):"
sort "$dir/goals"
cat "$dir/goals.sum"
