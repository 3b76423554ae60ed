# shellcheck shell=bash
# Helpers for the real-program tests (tests/preload, tests/long): programs nobody here wrote, run on
# glibc's malloc and on hako's (LD_PRELOAD), each run's status, wall time and peak RSS recorded
# (build/results/<area>-<file>.tsv, and one diagnostic line per program).  Source it; it sources
# preload.sh (need, $tmp, $HAKO_SO, $PYTHON3, same_as_glibc, timed_run, record, report).
#   python_regrtest MODULE...        python3's own regression tests (python3 -m test), one module
#                                    per process, on glibc then on hako: no module may fail on hako
#                                    that does not fail on glibc too
#   free_port                        prints a TCP port of 127.0.0.1 nobody listens on
#   server_start ALLOC ID CMD...     starts a server (ALLOC glibc or hako, preloaded into the server
#                                    only) in $tmp/ID.ALLOC.srv; $server_pid; stopped at exit if
#                                    still running
#   server_wait_port PORT            waits (20 s at most) until PORT accepts connections
#   server_stop                      TERM (KILL after 5 s); $server_rss_kib is its peak RSS (VmHWM),
#                                    read just before, $server_rc its exit status
# shellcheck source=tests/lib/preload.sh
source "$(dirname "${BASH_SOURCE[0]}")/preload.sh"

python_regrtest() {
  local m g h
  if ! "$PYTHON3" -c 'import test.libregrtest' 2>/dev/null; then
    skip "python3's regression tests pass on hako as on glibc" \
      "python3's test package is missing (Debian: libpython3.11-testsuite; tools/setup installs it)"
    return 0
  fi
  for m in "$@"; do
    timed_run glibc "$m" "$PYTHON3" -m test "$m"
    g=$run_rc
    timed_run hako "$m" "$PYTHON3" -m test "$m"
    h=$run_rc
    if ((h == 0)); then
      ok "python3 -m test $m passes on hako"
    elif ((g != 0)); then
      ok "python3 -m test $m passes on hako, or fails on glibc too (exit $g there, $h on hako)"
    else
      not_ok "python3 -m test $m passes on hako, or fails on glibc too" \
        "exit status $h on hako, 0 on glibc" "$(tail -n 25 "$tmp/$m.hako.out" "$tmp/$m.hako.err")"
    fi
    report "$m"
  done
  local dumps=("$tmp"/*.hako.dumps)
  if [[ -s ${dumps[0]} ]] && cat "${dumps[@]}" | jq -s -e 'map(.counters.malloc) | add > 0' >/dev/null 2>&1; then
    ok "python3's regression tests ran on hako's malloc (their exit dumps count mallocs)"
  else
    not_ok "python3's regression tests ran on hako's malloc (their exit dumps count mallocs)" \
      "dumps: ${dumps[*]}"
  fi
}

free_port() {
  local p
  for p in $(shuf -i 20000-60000 -n 50); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

server_pid='' server_rc=0 server_rss_kib=''
export server_rc server_rss_kib  # read by the test files
server_start() {
  local alloc=$1 id=$2 dir
  shift 2
  dir=$tmp/$id.$alloc.srv
  mkdir -p "$dir"
  if [[ $alloc == hako ]]; then
    (cd "$dir" && HAKO_STATS=1 HAKO_STATS_FILE="$dir.dumps" LD_PRELOAD=$HAKO_SO exec "$@" </dev/null >"$dir.out" 2>"$dir.err") &
  else
    (cd "$dir" && exec "$@" </dev/null >"$dir.out" 2>"$dir.err") &
  fi
  server_pid=$!
}

server_wait_port() {
  local i
  for ((i = 0; i < 200; i++)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    kill -0 "$server_pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

server_stop() {
  local i
  server_rss_kib=$(awk '/^VmHWM:/ { print $2 }' "/proc/$server_pid/status" 2>/dev/null || true)
  server_rss_kib=${server_rss_kib:-?}
  kill -TERM "$server_pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$server_pid" 2>/dev/null || true
  local rc=0
  wait "$server_pid" || rc=$?
  server_rc=$rc
  server_pid=''
}

# Never leave a server behind.
trap 'if [[ -n $server_pid ]]; then kill -KILL "$server_pid" 2>/dev/null || true; fi; rm -rf "$tmp"' EXIT
