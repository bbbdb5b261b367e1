#!/bin/sh
# tests/bench/run.sh BUILD_DIR — the storage benchmark's driver (`make bench`).
#
# Runs every workload on three engines — plain SQLite (Debian's, alone: 40
# reserved bytes, no crypto, nx_store_harden's settings by hand), ours (the
# release-built core: the encrypting VFS, nx_store_harden, and what else the
# core puts under SQLite) and Debian's SQLCipher — first for wall time and process CPU time (BENCH_REPS
# repetitions, engines rotated, best of the runs: noise only ever adds), then
# once each under `valgrind --tool=cachegrind --cache-sim=no` for instruction
# counts, and prints the tables plus the issue's goals as PASS/MISS on each
# metric. A MISS never fails the run: it is information.
#
# Environment knobs (defaults in brackets):
#   BENCH_REPS [3]            wall-time repetitions per case and engine
#   BENCH_CG [1]              0 = skip the cachegrind pass
#   BENCH_JOBS [nproc]        parallel cachegrind runs (counts are unaffected)
#   BENCH_APP_FIT [15000]     work items, database that fits the 8 MiB cache
#   BENCH_APP_BIG [100000]    work items, database ~4-5x the cache
#   BENCH_SPEED_FIT [12000]   speedtest-style size that fits the cache
#   BENCH_SPEED_BIG [70000]   speedtest-style size ~4x the cache
# Raw records go to BUILD_DIR/bench-raw.txt, valgrind logs to BUILD_DIR/cg/.
#
# Then the work-queue model (issue 4, tests/bench/queue_bench.c; its section
# is queue_section below): a profile of BENCH_QUEUE_ITEMS items is filled
# once into BUILD_DIR/queue-N/ (again when the fill or the schema changes),
# unlocked as nexus unlocks it, and each queue keystroke timed; raw records
# in BUILD_DIR/queue-raw.txt. Knobs:
#   BENCH_QUEUE [1]            0 = skip this section
#   BENCH_ONLY                 "queue" = this section alone
#   BENCH_QUEUE_ITEMS [100000] items in the queue
#   BENCH_QUEUE_REPS [5]       repetitions (scrolling: 100 pages each way per rep)
#
# Last, the sync over loopback SSH (issue 5): tests/bench/sync.sh runs
# BUILD_DIR/syncbench against the release nexus-hub through a real sshd.
#   BENCH_SYNC [1]             0 = skip this section
#   BENCH_ONLY                 "sync" = this section alone
#   BENCH_SYNC_ITEMS [100000], BENCH_SYNC_REPS [7] — see sync.sh
set -eu

B=${1:-build/bench}
NX=$B/nxbench
NXP=$B/nxbench-plain
NXC=$B/nxbench-sqlcipher
DBDIR=$B/db
CGDIR=$B/cg
RAW=$B/bench-raw.txt
REPS=${BENCH_REPS:-3}
CG=${BENCH_CG:-1}
JOBS=${BENCH_JOBS:-$(nproc 2>/dev/null || echo 2)}
APP_FIT=${BENCH_APP_FIT:-15000}
APP_BIG=${BENCH_APP_BIG:-100000}
SPEED_FIT=${BENCH_SPEED_FIT:-12000}
SPEED_BIG=${BENCH_SPEED_BIG:-70000}
ENGINES="plain ours sqlcipher"
CACHE_BYTES=8388608   # cache_size = -8192 (KiB), the client's NX_STORE_CACHE_SIZE

# One cachegrind job, run through xargs: cg1 ENGINE CASE WORKLOAD SIZE DB
if [ "${1:-}" = "--cg1" ]; then
  B=$2; e=$3; c=$4; w=$5; n=$6; db=$7
  case $e in
    sqlcipher|none-sqlcipher) bin=$B/nxbench-sqlcipher ;;
    plain|none-plain) bin=$B/nxbench-plain ;;
    *) bin=$B/nxbench ;;
  esac
  eng=${e%-sqlcipher}; [ "$e" = none-plain ] && eng=none
  log=$B/cg/$e-$c.log
  if valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
       "$bin" --engine "$eng" --workload "$w" --size "$n" --db "$db" >"$log.out" 2>"$log"; then
    ir=$(sed -n 's/.*I *refs: *//p' "$log" | tr -d ', ')
    chk=$(sed -n 's/^result .* check=\([0-9a-f]*\).*/\1/p' "$log.out")
    echo "cg case=$c engine=$e ir=${ir:-0} check=${chk:-none}"
  else
    echo "cg case=$c engine=$e ir=0 check=failed" ; cat "$log" >&2
  fi
  exit 0
fi

# ---- the work-queue model (issue 4) ---------------------------------------------
queue_section() {
  QB=$B/queuebench
  QITEMS=${BENCH_QUEUE_ITEMS:-100000}
  QREPS=${BENCH_QUEUE_REPS:-5}
  QDIR=$B/queue-$QITEMS
  QRAW=$B/queue-raw.txt
  [ -x "$QB" ] || { echo "run.sh: $QB is missing (build with make bench)" >&2; return 1; }
  stamp="$QITEMS $(cat tests/bench/queue_bench.c core/store/migrate.c | cksum)"
  if [ ! -f "$QDIR/.filled" ] || [ "$(cat "$QDIR/.filled")" != "$stamp" ]; then
    echo "Work-queue benchmark: filling $QITEMS items (once) ..." >&2
    rm -rf "$QDIR"
    "$QB" fill "$QDIR" "$QITEMS" >"$B/queue-fill.txt" || { echo "run.sh: queue fill failed" >&2; return 1; }
    echo "$stamp" >"$QDIR/.filled"
  fi
  echo "Work-queue benchmark: $QREPS repetitions ..." >&2
  qload0=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")
  "$QB" run "$QDIR" "$QREPS" >"$QRAW" || { echo "run.sh: queue run failed" >&2; return 1; }
  qload1=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")
  cat "$B/queue-fill.txt" "$QRAW" 2>/dev/null | awk -v items="$QITEMS" -v reps="$QREPS" -v load0="$qload0" \
      -v load1="$qload1" -v cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)" \
      -v ncpu="$(nproc 2>/dev/null || echo "?")" -v when="$(date -u '+%Y-%m-%d %H:%M UTC')" '
function kv(line, key,    s) {
  s = " " line " "
  if (match(s, " " key "=[^ ]*")) return substr(s, RSTART + length(key) + 2, RLENGTH - length(key) - 2)
  return ""
}
/^queue info/ { for (i = 3; i <= NF; i++) { split($i, a, "="); info[a[1]] = a[2] } }
/^queue op=/ {
  o = kv($0, "op"); ops[++nops] = o
  for (k = 1; k <= 7; k++) { f = split("samples median_ms p99_ms max_ms cpu_median_ms cpu_p99_ms rows", F, " "); v[o, F[k]] = kv($0, F[k]) }
}
function row(o, label) {
  if (!((o, "samples") in v)) return
  printf "  %-34s %7d %9.3f %9.3f %9.3f | %9.3f %9.3f %6.1f\n", label, v[o, "samples"], v[o, "median_ms"], v[o, "p99_ms"], v[o, "max_ms"], v[o, "cpu_median_ms"], v[o, "cpu_p99_ms"], v[o, "rows"]
}
function goal(label, x, limit, unit) {
  x += 0
  printf "  %-58s %9.3f %-4s %s\n", label, x, unit, (x < limit) ? "PASS" : "MISS"
  if (x >= limit) misses++
}
END {
  print ""
  print "Work-queue model benchmark, issue 4 (" when ")"
  printf "machine: %s, %s cores; load average %s at start, %s at end\n", cpu, ncpu, load0, load1
  printf "cache: %s items in one eligibility queue (%s patients, 6 clients in 3 zones), through the encrypting\n", info["items"], info["patients"]
  print  "VFS; unlocked as nexus does (key file, Argon2id moderate, nx_store_harden settings, 8 MiB page cache);"
  print  "a supervisor session (team scope: every item; names and payer in full). Each sample is one keystroke"
  print  "on the model side: from the call into core/queue to the page of 40 rows read, masked and filled."
  print  "Drawing (curses) is not included. wall = CLOCK_MONOTONIC, cpu = CPU time of the thread; p99 = nearest rank."
  if (info["insert_s"] != "") printf "fill (once, not timed below): %s s for the inserts\n", info["insert_s"]
  print ""
  printf "  %-34s %7s %9s %9s %9s | %9s %9s %6s\n", "keystroke", "samples", "median", "p99", "max", "cpu med", "cpu p99", "rows"
  printf "  %-34s %7s %9s %9s %9s | %9s %9s %6s\n", "", "", "ms", "ms", "ms", "ms", "ms", ""
  row("open_first_after_unlock", "open queue, first after unlock")
  row("open", "open queue (first page)")
  row("pgdn", "PgDn")
  row("line_down", "down one line")
  row("pgup", "PgUp")
  row("line_up", "up one line")
  row("end", "End (last page)")
  row("home", "Home (first page)")
  row("sort_any", "sort (any column, either way)")
  split("due priority status patient payer", C, " ")
  for (c = 1; c <= 5; c++) for (d = 0; d < 2; d++) row("sort_" C[c] "_" (d ? "desc" : "asc"), "  sort " C[c] " " (d ? "desc" : "asc"))
  row("scroll_sorted", "PgDn / PgUp in the other sorts")
  split("priority status patient payer", C, " ")
  for (c = 1; c <= 4; c++) row("scroll_" C[c], "  PgDn / PgUp, " C[c])
  row("search_keystroke", "search, each key typed")
  row("search_only_last_row", "  search only the last row matches")
  row("search_last_row_id", "  the same, by its id")
  print "  not keystrokes:"
  row("count", "  row count (\"of N\")")
  row("dashboard_counts", "  dashboard counts (one queue)")
  print ""
  printf "  unlock %s ms; RSS after unlock %.1f MiB, after the run %.1f MiB; peak %.1f MiB (with the KDF: Argon2id, 256 MiB)\n", info["unlock_ms"], info["rss_after_unlock_kib"] / 1024, info["rss_end_kib"] / 1024, info["hwm_kib"] / 1024
  printf "  dashboard: open=%s due_today=%s overdue=%s at_risk=%s mine=%s\n", info["open"], info["due_today"], info["overdue"], info["at_risk"], info["mine"]
  print ""
  print "Goals of issue 4, on the model side only (drawing adds to these; the screen benchmark measures the whole):"
  misses = 0
  goal("open < 50 ms: first after unlock (wall)", v["open_first_after_unlock", "max_ms"], 50, "ms")
  goal("open < 50 ms: p99 (wall)", v["open", "p99_ms"], 50, "ms")
  worst = ""; w = -1
  split("pgdn line_down pgup line_up end home sort_any scroll_sorted search_keystroke", K, " ")
  for (k = 1; k <= 9; k++) if (v[K[k], "p99_ms"] + 0 > w) { w = v[K[k], "p99_ms"] + 0; worst = K[k] }
  goal("p99 keystroke < 5 ms: worst p99 (wall), " worst, w, 5, "ms")
  w = -1
  for (k = 1; k <= 9; k++) if (v[K[k], "cpu_p99_ms"] + 0 > w) { w = v[K[k], "cpu_p99_ms"] + 0; worst = K[k] }
  goal("p99 keystroke < 5 ms: worst p99 (cpu), " worst, w, 5, "ms")
  goal("RSS after unlock < 64 MiB", info["rss_after_unlock_kib"] / 1024, 64, "MiB")
  goal("RSS after the run < 64 MiB", info["rss_end_kib"] / 1024, 64, "MiB")
  printf "  => %d check(s) missed (information: make bench does not fail on it)\n", misses
  printf "\nraw records: queue-raw.txt in the build directory\n\n"
}'
}
if [ "${BENCH_ONLY:-}" = queue ]; then
  queue_section
  exit $?
fi

# ---- the sync over loopback SSH (issue 5): tests/bench/sync.sh -----------------------
# (bench.mk copies it beside this copy of run.sh, for the reason given there)
SYNC_SH=$B/sync.sh
[ -f "$SYNC_SH" ] || SYNC_SH=tests/bench/sync.sh
if [ "${BENCH_ONLY:-}" = sync ]; then
  sh "$SYNC_SH" "$B"
  exit $?
fi

for f in "$NX" "$NXP" "$NXC"; do
  [ -x "$f" ] || { echo "run.sh: $f is missing (build with make bench)" >&2; exit 1; }
done
if [ "$CG" != 0 ] && ! command -v valgrind >/dev/null 2>&1; then
  echo "run.sh: valgrind not found; instruction counts skipped" >&2; CG=0
fi
mkdir -p "$DBDIR" "$CGDIR"
: >"$RAW"

bin_for() { case $1 in sqlcipher) echo "$NXC" ;; plain) echo "$NXP" ;; *) echo "$NX" ;; esac; }
# case -> workload, size
cases="app-fit app-big cold speed-fit speed-big"
wl_of()   { case $1 in app-*) echo app ;; speed-*) echo speed ;; cold) echo cold ;; esac; }
size_of() { case $1 in app-fit) echo "$APP_FIT" ;; app-big|cold) echo "$APP_BIG" ;;
                       speed-fit) echo "$SPEED_FIT" ;; speed-big) echo "$SPEED_BIG" ;; esac; }
db_of()   { if [ "$2" = cold ]; then echo "$DBDIR/$1-app-big.db"; else echo "$DBDIR/$1-$2.db"; fi; }

start=$(date +%s)
load0=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")
echo "Nexus storage benchmark: $REPS wall-time repetitions, then cachegrind (BENCH_CG=$CG)" >&2
"$NXP" --versions >>"$RAW"
"$NXC" --versions >>"$RAW"
# the AEAD alone, per page: the floor under "ours"
"$NX" --crypto-floor >>"$RAW"

# ---- wall time ---------------------------------------------------------------
rep=1
while [ "$rep" -le "$REPS" ]; do
  # rotate the engine order each repetition so no engine always runs first
  case $((rep % 3)) in
    1) order="plain ours sqlcipher" ;; 2) order="ours sqlcipher plain" ;; *) order="sqlcipher plain ours" ;;
  esac
  for c in $cases; do
    for e in $order; do
      out=$("$(bin_for "$e")" --engine "$e" --workload "$(wl_of "$c")" --size "$(size_of "$c")" \
              --db "$(db_of "$e" "$c")") || { echo "run.sh: $e $c failed" >&2; exit 1; }
      printf '%s\n' "$out" | sed "s/^/rep=$rep case=$c /" >>"$RAW"
    done
  done
  echo "  repetition $rep/$REPS done ($(( $(date +%s) - start )) s)" >&2
  rep=$((rep + 1))
done

# ---- instruction counts ------------------------------------------------------
if [ "$CG" != 0 ]; then
  echo "  cachegrind: $JOBS jobs in parallel ..." >&2
  jobs_file=$CGDIR/jobs
  : >"$jobs_file"
  # longest first, so that the parallel pass ends together; the "none"
  # engines are each binary's baseline: data generation and start-up, no
  # database. plain-core (the core's binary on the unix VFS) is counted here
  # only: it tells the VFS's share of ours from the rest of the core's.
  for j in sqlcipher:app-big ours:app-big sqlcipher:speed-big ours:speed-big \
           plain-core:speed-big plain:speed-big plain-core:app-big plain:app-big; do
    echo "${j%%:*} ${j#*:}" >>"$jobs_file.1"
  done
  for c in app-fit speed-fit cold; do
    for e in sqlcipher ours plain-core plain; do echo "$e $c" >>"$jobs_file.1"; done
  done
  for c in app-big speed-big app-fit speed-fit cold; do
    for e in none none-plain none-sqlcipher; do echo "$e $c" >>"$jobs_file.1"; done
  done
  while read -r e c; do
    w=$(wl_of "$c"); n=$(size_of "$c")
    case $e:$c in
      none*) db=$CGDIR/none.db ;;
      plain-core:cold) db=$(db_of plain cold) ;;
      *:cold) db=$(db_of "$e" cold) ;;
      *) db=$CGDIR/$e-$c.db ;;
    esac
    echo "$e $c $w $n $db" >>"$jobs_file"
  done <"$jobs_file.1"
  rm -f "$jobs_file.1"
  xargs -P "$JOBS" -L 1 sh "$0" --cg1 "$B" <"$jobs_file" >>"$RAW"
  rm -f "$CGDIR"/*.db "$CGDIR"/*.db-journal
fi
elapsed=$(( $(date +%s) - start ))
load1=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")

# ---- report ------------------------------------------------------------------
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
ncpu=$(nproc 2>/dev/null || echo "?")
awk -v reps="$REPS" -v cg="$CG" -v cache="$CACHE_BYTES" -v cpu="$cpu" -v ncpu="$ncpu" \
    -v elapsed="$elapsed" -v load0="$load0" -v load1="$load1" \
    -v kernel="$(uname -r)" -v when="$(date -u '+%Y-%m-%d %H:%M UTC')" '
function kv(line, key,    s) {
  s = " " line " "
  if (match(s, " " key "=[^ ]*")) return substr(s, RSTART + length(key) + 2, RLENGTH - length(key) - 2)
  return ""
}
function add(key, v) { cnt[key]++; val[key, cnt[key]] = v }
function best(key,    i, m) {
  if (cnt[key] == 0) return -1
  m = val[key, 1]; for (i = 2; i <= cnt[key]; i++) if (val[key, i] < m) m = val[key, i]
  return m
}
function median(key,    n, i, j, t, a) {
  n = cnt[key]; if (n == 0) return -1
  for (i = 1; i <= n; i++) a[i] = val[key, i]
  for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
  return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function spread(key,    i, lo, hi) {   # (max-min)/min, in percent
  if (cnt[key] < 2) return 0
  lo = hi = val[key, 1]
  for (i = 2; i <= cnt[key]; i++) { if (val[key, i] < lo) lo = val[key, i]; if (val[key, i] > hi) hi = val[key, i] }
  return lo > 0 ? 100 * (hi - lo) / lo : 0
}
function goal(label, c, metric, r, limit, cmp,    ok) {
  if (r <= 0) { printf "  %-50s %-10s %-6s      n/a\n", label, c, metric; return }
  ok = (cmp == "le") ? (r <= limit) : (r < limit)
  if (cmp == "info") { printf "  %-50s %-10s %-6s %6.3fx  (information)\n", label, c, metric, r; return }
  printf "  %-50s %-10s %-6s %6.3fx  %s\n", label, c, metric, r, ok ? "PASS" : "MISS"
  if (!ok) misses++
}
function timetable(title, m,    i, j, c, p, x) {
  print ""
  print title
  printf "%-24s %7s %13s | %8s %5s | %8s %6s %5s | %8s %6s %5s\n", "case", "items", "db MiB/cache", "plain", "sprd", "ours", "ratio", "sprd", "sqlciph", "ratio", "sprd"
  for (i = 1; i <= nc; i++) {
    c = C[i]; p = best(c SUBSEP "plain" SUBSEP m)
    if (p < 0) continue
    printf "%-24s %7d %6.1f %5.1fx | %8.3f %4.0f%% |", label[c], items[c], dbb[c, "plain"] / 1048576, dbb[c, "plain"] / cache, p, spread(c SUBSEP "plain" SUBSEP m)
    for (j = 2; j <= ne; j++) {
      x = best(c SUBSEP E[j] SUBSEP m)
      if (x < 0 || p <= 0) { printf " %8s %6s %5s |", "-", "-", "-"; continue }
      printf " %8.3f %5.2fx %4.0f%% |", x, x / p, spread(c SUBSEP E[j] SUBSEP m)
      ratio[c, E[j], m] = x / p
    }
    printf "\n"
  }
}
/^version library=sqlite3 / { sqlite = kv($0, "sqlite") }
/^version library=sqlcipher sqlite=/ { sqlc_sqlite = kv($0, "sqlite") }
/^version library=sqlcipher cipher_version=/ {
  cipher = kv($0, "cipher_version"); prov = kv($0, "provider")
  pv = $0; sub(/.*provider_version="/, "", pv); sub(/".*/, "", pv)
}
/ settings engine=/ { s = $0; sub(/.* settings engine=[^ ]* /, "", s); settings[kv($0, "engine")] = s }
/ result engine=/ {
  c = kv($0, "case"); e = kv($0, "engine")
  add(c SUBSEP e SUBSEP "w", kv($0, "seconds") + 0); add(c SUBSEP e SUBSEP "c", kv($0, "cpu") + 0)
  dbb[c, e] = kv($0, "db_bytes") + 0; items[c] = kv($0, "size")
  miss[c, e] = kv($0, "cache_miss") + 0; dbw[c, e] = kv($0, "cache_write") + 0; sealed[c, e] = kv($0, "sealed") + 0
  ck = kv($0, "check"); if (!((c, e) in chk)) chk[c, e] = ck; else if (chk[c, e] != ck) unstable[c, e] = 1
}
/ phase engine=/ {
  c = kv($0, "case"); e = kv($0, "engine"); p = kv($0, "name")
  add(c SUBSEP e SUBSEP p SUBSEP "w", kv($0, "seconds") + 0); add(c SUBSEP e SUBSEP p SUBSEP "c", kv($0, "cpu") + 0)
  if (!((c, p) in seenp)) { seenp[c, p] = 1; np[c]++; pname[c, np[c]] = p }
}
/^cg / { c = kv($0, "case"); e = kv($0, "engine"); ir[c, e] = kv($0, "ir") + 0; cgchk[c, e] = kv($0, "check") }
/^floor / { aead = kv($0, "aead"); seal_us = kv($0, "seal_us") + 0; open_us = kv($0, "open_us") + 0
            lsod = kv($0, "libsodium"); lseal_us = kv($0, "libsodium_seal_us") + 0; lopen_us = kv($0, "libsodium_open_us") + 0 }
END {
  nc = split("app-fit app-big speed-fit speed-big cold", C, " ")
  ne = split("plain ours sqlcipher", E, " ")
  label["app-fit"] = "app mix, fits cache"; label["app-big"] = "app mix, > cache"
  label["speed-fit"] = "speedtest mix, fits"; label["speed-big"] = "speedtest mix, > cache"
  label["cold"] = "cold full scan"

  print ""
  print "Nexus storage benchmark (" when ")"
  printf "machine: %s, %s cores, Linux %s; load average %s at start, %s at end\n", cpu, ncpu, kernel, load0, load1
  printf "plain, ours: SQLite %s (sqlite3_libversion)\n", sqlite
  printf "sqlcipher:   SQLCipher %s (PRAGMA cipher_version) on SQLite %s, crypto provider %s (%s)\n", cipher, sqlc_sqlite, prov, pv
  print "connection settings, read back from each engine:"
  for (i = 1; i <= ne; i++) printf "  %-10s %s\n", E[i], settings[E[i]]
  print "  (reserve read back with SQLITE_FCNTL_RESERVE_BYTES; SQLCipher 3.4.1 keeps its own IV+HMAC reserve, not exposed by its API)"

  timetable(sprintf("Wall time (CLOCK_MONOTONIC, open to close), best of %d runs, seconds; ratio to plain; sprd = (max-min)/min", reps), "w")
  timetable(sprintf("CPU time of the process (user+sys, CLOCK_PROCESS_CPUTIME_ID), same runs, best of %d", reps), "c")
  print "(db MiB: the plain file at the end of the run, and its size over the 8 MiB cache; cold = fresh connection,"
  print " SQLite cache empty, file still in the OS page cache, full table scan of the app > cache database)"

  if (cg != 0) {
    print ""
    print "Instructions (valgrind --tool=cachegrind --cache-sim=no, I refs; user space only), one run each, full sizes,"
    print "minus the same binary run with engine none (data generation and start-up, no database). plain-core: the"
    print "core'"'"'s binary on the unix VFS (nx_store_harden and the core'"'"'s allocator, no VFS); ours/pc = the VFS'"'"'s own share:"
    printf "%-24s | %14s | %14s %6s | %14s %6s | %14s %6s %6s\n", "case", "plain", "ours", "ratio", "sqlcipher", "ratio", "plain-core", "ratio", "ours/pc"
    for (i = 1; i <= nc; i++) {
      c = C[i]
      if (!((c, "plain") in ir)) continue
      bn = ir[c, "none"]; bp = ir[c, "none-plain"]; bc = ir[c, "none-sqlcipher"]
      p = ir[c, "plain"] - bp; o = ir[c, "ours"] - bn; s = ir[c, "sqlcipher"] - bc; pc = ir[c, "plain-core"] - bn
      printf "%-24s | %14.0f | %14.0f %5.2fx | %14.0f %5.2fx | %14.0f %5.2fx %5.2fx\n", label[c], p, o, (p > 0 ? o / p : 0), s, (p > 0 ? s / p : 0), pc, (p > 0 ? pc / p : 0), (pc > 0 ? o / pc : 0)
      if (p > 0) { ratio[c, "ours", "i"] = o / p; ratio[c, "sqlcipher", "i"] = s / p }
      for (j = 1; j <= ne; j++) if (cgchk[c, E[j]] != chk[c, E[j]]) cgbad = cgbad " " c "/" E[j]
      if (cgchk[c, "plain-core"] != chk[c, "plain"]) cgbad = cgbad " " c "/plain-core"
    }
  }

  print ""
  bad = ""
  for (i = 1; i <= nc; i++) {
    c = C[i]
    for (j = 1; j <= ne; j++) {
      if (((c, E[j]) in unstable)) bad = bad " " c "/" E[j] "(varies between runs)"
      if (((c, E[j]) in chk) && chk[c, E[j]] != chk[c, "plain"]) bad = bad " " c "/" E[j] "(differs from plain)"
    }
  }
  if (cgbad != "") bad = bad " under-cachegrind:" cgbad
  print "Same work: " (bad == "" ? "every engine returned identical query results (checksum) in every run" : "MISMATCH" bad)

  print ""
  print "Goals of issue 2, checked in this run on each metric (wall and CPU: best of runs; instr: cachegrind):"
  misses = 0; nm = split("w c i", M, " "); mname["w"] = "wall"; mname["c"] = "cpu"; mname["i"] = "instr"
  # Against plain, time is checked (wall, and CPU as user + kernel): the page
  # I/O of plain is kernel work, which cachegrind does not count, while ours
  # adds its AEAD in user space, so the instruction ratio to plain is shown
  # as information. Against SQLCipher (both user-space crypto) all three count.
  for (k = 1; k <= 2; k++) {
    c = (k == 1) ? "app-fit" : "speed-fit"
    for (q = 1; q <= nm; q++) if (M[q] != "i" || cg != 0)
      goal(q == 1 ? "ours <= 1.10x plain, db fits the cache" : "", c, mname[M[q]], ratio[c, "ours", M[q]], 1.10, M[q] == "i" ? "info" : "le")
  }
  for (k = 1; k <= 2; k++) {
    c = (k == 1) ? "app-big" : "speed-big"
    for (q = 1; q <= nm; q++) if (M[q] != "i" || cg != 0)
      goal(q == 1 ? sprintf("ours <= 1.5x plain, db %.1fx the cache", dbb[c, "plain"] / cache) : "", c, mname[M[q]], ratio[c, "ours", M[q]], 1.5, M[q] == "i" ? "info" : "le")
  }
  print  "  (instructions vs plain: information only, cachegrind counts user space: the AEAD of ours but not the kernel"
  print  "   page I/O of plain; and valgrind does not emulate AVX-512, so under it OpenSSL runs a narrower code path than in the"
  print  "   timed runs: nxbench --crypto-floor under valgrind puts it 1.4x ahead of libsodium, 2.2x natively)"
  for (k = 1; k <= 4; k++) {
    c = (k == 1) ? "app-fit" : (k == 2) ? "app-big" : (k == 3) ? "speed-fit" : "speed-big"
    for (q = 1; q <= nm; q++) if (M[q] != "i" || cg != 0) {
      r = (ratio[c, "sqlcipher", M[q]] > 0) ? ratio[c, "ours", M[q]] / ratio[c, "sqlcipher", M[q]] : 0
      goal(q == 1 ? "ours faster than SQLCipher (ours/sqlcipher < 1)" : "", c, mname[M[q]], r, 1.0, "lt")
    }
  }
  printf "  => %d check(s) missed (a MISS is information: make bench does not fail on it)\n", misses

  print ""
  printf "Where the time of ours goes: the AEAD alone (%s) costs %.2f us to seal and %.2f us to open\n", aead, seal_us, open_us
  printf "one 4 KiB page here (CPU time, best of 7 x 20000); libsodium %s computing all of it: %.2f and %.2f us\n", lsod, lseal_us, lopen_us
  print "(core/crypt/aead.h: the VFS uses OpenSSL'"'"'s ChaCha20-Poly1305 under libsodium'"'"'s HChaCha20 when the two agree)."
  print "Pages read = SQLite cache misses, sealed = the VFS counter"
  print "(database pages and journal records). AEAD floor = reads x open + sealed x seal: what ours costs over plain"
  print "even if the VFS did nothing else; floor ratio = (plain CPU + floor) / plain CPU, next to the measured CPU ratio."
  printf "%-24s | %9s %9s %9s | %8s %8s %8s | %7s %7s\n", "case", "reads", "db writes", "sealed", "plain s", "ours-pl", "floor s", "floor", "measured"
  for (i = 1; i <= nc; i++) {
    c = C[i]; p = best(c SUBSEP "plain" SUBSEP "c"); o = best(c SUBSEP "ours" SUBSEP "c")
    if (p <= 0 || o < 0) continue
    fl = (miss[c, "ours"] * open_us + sealed[c, "ours"] * seal_us) / 1e6
    printf "%-24s | %9d %9d %9d | %8.3f %8.3f %8.3f | %6.2fx %6.2fx\n", label[c], miss[c, "ours"], dbw[c, "ours"], sealed[c, "ours"], p, o - p, fl, (p + fl) / p, o / p
  }

  print ""
  print "Per phase, best of runs: plain in seconds, ours and sqlcipher as ratio to plain"
  printf "  %-10s %-32s | %8s %6s %6s | %8s %6s %6s\n", "", "", "wall", "", "", "cpu", "", ""
  printf "  %-10s %-32s | %8s %6s %6s | %8s %6s %6s\n", "case", "phase", "plain", "ours", "sqlc", "plain", "ours", "sqlc"
  for (i = 1; i <= nc; i++) {
    c = C[i]
    for (q = 1; q <= np[c]; q++) {
      k = c SUBSEP "plain" SUBSEP pname[c, q]; pw = best(k SUBSEP "w"); pc = best(k SUBSEP "c")
      ow = best(c SUBSEP "ours" SUBSEP pname[c, q] SUBSEP "w"); oc = best(c SUBSEP "ours" SUBSEP pname[c, q] SUBSEP "c")
      sw = best(c SUBSEP "sqlcipher" SUBSEP pname[c, q] SUBSEP "w"); sc = best(c SUBSEP "sqlcipher" SUBSEP pname[c, q] SUBSEP "c")
      printf "  %-10s %-32s | %8.4f %5.2fx %5.2fx | %8.4f %5.2fx %5.2fx\n", c, pname[c, q], pw, (pw > 0 ? ow / pw : 0), (pw > 0 ? sw / pw : 0), pc, (pc > 0 ? oc / pc : 0), (pc > 0 ? sc / pc : 0)
    }
  }
  printf "\nwhole run: %d s; raw records: bench-raw.txt in the build directory\n", elapsed
}' "$RAW"

# ---- the work-queue model (issue 4) ------------------------------------------------
if [ "${BENCH_QUEUE:-1}" != 0 ]; then
  queue_section
fi

# ---- the sync (issue 5) ---------------------------------------------------------------
if [ "${BENCH_SYNC:-1}" != 0 ]; then
  sh "$SYNC_SH" "$B"
fi
