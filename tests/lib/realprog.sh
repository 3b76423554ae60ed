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
#   redis_same_as_glibc KEYS REQUESTS    redis-server under redis-benchmark and a checked dataset
#   memcached_same_as_glibc OPS CONNS    memcached under the experiment's checked load client
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

# ---- redis ------------------------------------------------------------------------------------------
# redis_same_as_glibc KEYS REQUESTS: redis-server on glibc, then on hako (preloaded into the server
# only; the clients run on glibc): a checked dataset of KEYS strings (1 B .. 20 KiB) with lists,
# hashes, sets and sorted sets is loaded in db 1, redis-benchmark sends REQUESTS requests of each of
# 11 commands to db 0, the dataset is modified, then read back: hako's reading must be glibc's.
_redis_load() {
  awk -v k="$1" 'BEGIN {
    base = ""; for (i = 0; i < 1000; i++) base = base "abcdefghijklmnopqrstuvwxyz"
    for (i = 1; i <= k; i++) {
      len = (i % 97 == 0) ? 20000 : (i * 7919) % 3000 + 1
      printf "SET s:%d %d-%s\n", i, i, substr(base, 1 + i % 26, len)
      if (i % 10 == 0) {
        j = i / 10; l = "RPUSH l:" j; h = "HSET h:" j; s = "SADD set:" j; z = "ZADD z:" j
        for (m = 1; m <= 30; m++) {
          l = l " e" m "-" substr(base, 1, (i + m) % 200 + 1)
          h = h " f" m " " substr(base, m, (i * m) % 300 + 1)
          s = s " m" (i * m) % 977
          z = z " " (i * m) % 1009 " zm" m
        }
        print l; print h; print s; print z
      }
    }
  }'
}
_redis_modify() {
  awk -v k="$1" 'BEGIN {
    for (i = 1; i <= k; i++) {
      if (i % 3 == 0) printf "APPEND s:%d -appended-%d\n", i, i
      if (i % 7 == 0) printf "SETRANGE s:%d 5 XYZ\n", i
      if (i % 5 == 0) printf "DEL s:%d\n", i
      if (i % 10 == 0) {
        j = i / 10
        printf "LTRIM l:%d 3 -4\nHDEL h:%d f3 f7\nSREM set:%d m%d\nZINCRBY z:%d 5 zm2\n", j, j, j, (i * 2) % 977, j
      }
    }
  }'
}
_redis_read() {
  awk -v k="$1" 'BEGIN {
    print "DBSIZE"
    for (i = 1; i <= k; i++) {
      printf "STRLEN s:%d\n", i
      if (i % 11 == 0) printf "GET s:%d\n", i
      if (i % 10 == 0) {
        j = i / 10; h = "HMGET h:" j; for (m = 1; m <= 30; m++) h = h " f" m
        printf "LRANGE l:%d 0 -1\n%s\nSORT set:%d ALPHA\nZRANGE z:%d 0 -1 WITHSCORES\n", j, h, j, j
      }
    }
  }'
}

redis_same_as_glibc() {
  local keys=$1 n=$2 alloc port t0 rc d id="redis-server under redis-benchmark ($2 requests per command, $1 keys checked)"
  if ! command -v redis-server >/dev/null || ! command -v redis-benchmark >/dev/null; then
    skip "redis-server on hako serves as on glibc" "redis-server or redis-benchmark is not installed (tools/setup)"
    return 0
  fi
  _redis_load "$keys" >"$tmp/redis.load"
  _redis_modify "$keys" >"$tmp/redis.modify"
  _redis_read "$keys" >"$tmp/redis.read"
  for alloc in glibc hako; do
    d=$tmp/redis.$alloc
    port=$(free_port)
    server_start "$alloc" redis redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
      --daemonize no --databases 2
    rc=0
    t0=$(date +%s%N)
    if server_wait_port "$port"; then
      { redis-cli -p "$port" -n 1 --pipe <"$tmp/redis.load" >"$d.load" &&
        redis-benchmark -p "$port" -q -n "$n" -c 20 -P 8 -r "$keys" -d 300 \
          -t set,get,incr,lpush,rpush,lpop,rpop,sadd,hset,zadd,lrange_100 >"$d.bench" &&
        redis-cli -p "$port" -n 1 <"$tmp/redis.modify" >/dev/null &&
        redis-cli -p "$port" -n 1 <"$tmp/redis.read" >"$d.out" &&
        redis-cli -p "$port" info memory >"$d.info"; } 2>"$d.err" || rc=$?
    else
      rc=99
      echo "redis-server did not listen on port $port" >"$d.err"
    fi
    server_stop
    echo "$rc $server_rc" >"$d.rc"
    record "$id" "$alloc" "$( ((rc == 0 && server_rc == 0)) && echo pass || echo fail)" "$rc" \
      "$(awk -v t="$(($(date +%s%N) - t0))" 'BEGIN { printf "%.2f", t / 1e9 }')" "$server_rss_kib"
  done
  if [[ $(cat "$tmp/redis.glibc.rc") == "0 0" && -s $tmp/redis.glibc.out ]]; then
    ok "redis-server serves the dataset and redis-benchmark on glibc (the reference run)"
  else
    not_ok "redis-server serves the dataset and redis-benchmark on glibc (the reference run)" \
      "status $(cat "$tmp/redis.glibc.rc")" "$(head -c 800 "$tmp/redis.glibc.err")"
  fi
  check_eq "redis-benchmark and the dataset's clients succeed against redis-server on hako" \
    "$(cut -d' ' -f1 "$tmp/redis.hako.rc"): $(head -c 600 "$tmp/redis.hako.err")" "0: "
  _same_file "redis-server on hako reads the modified dataset back as on glibc ($(wc -l <"$tmp/redis.read") commands)" \
    "$tmp/redis.hako.out" "$tmp/redis.glibc.out"
  check_eq "redis-server on hako exits cleanly on SIGTERM" "$(cut -d' ' -f2 "$tmp/redis.hako.rc")" 0
  if jq -e -s 'map(.counters.malloc) | add > 100000' "$tmp/redis.hako.srv.dumps" >/dev/null 2>&1; then
    ok "redis-server's malloc, realloc and free are hako's under LD_PRELOAD (its dump counts them)"
  else
    not_ok "redis-server's malloc, realloc and free are hako's under LD_PRELOAD (its dump counts them)" \
      "dumps: $(head -c 400 "$tmp/redis.hako.srv.dumps" 2>/dev/null)"
  fi
  report "$id"
  # Debian's redis-server links libjemalloc.so.2: the preload wins malloc, calloc, realloc, free
  # and malloc_usable_size (so used_memory is counted by hako), but mallctl, nallocx and
  # malloc_stats_print still reach jemalloc, whose idle arenas are what INFO's allocator_* show.
  printf '#   %s\n' "redis links $(ldd "$(command -v redis-server)" | awk '/jemalloc/ { print $1; f = 1; exit } END { if (!f) print "no jemalloc" }'):" \
    "on hako INFO says $(grep -E '^(mem_allocator|used_memory|allocator_allocated):' "$tmp/redis.hako.info" | tr -d '\r' | tr '\n' ' ')" \
    "(allocator_* are jemalloc's own idle arenas: mallctl still reaches jemalloc; used_memory is hako's malloc_usable_size)"
}

# ---- memcached --------------------------------------------------------------------------------------
# memcached_same_as_glibc OPS CONNS: Debian's memcached (-t 4) under the experiment's checked load
# client (experiments/memcached/run: every reply checked), on glibc then on hako.
memcached_same_as_glibc() {
  local ops=$1 conns=$2 alloc rc json id="memcached under the checked load client ($1 operations, $2 connections)"
  local client=$HAKO_ROOT/build/experiments/memcached
  if ! command -v memcached >/dev/null; then
    skip "memcached on hako serves as on glibc" "memcached is not installed (tools/setup)"
    return 0
  fi
  for alloc in glibc hako; do
    rc=0
    if [[ $alloc == hako ]]; then
      HAKO_STATS=1 HAKO_STATS_FILE=$tmp/memcached.dumps BENCH_PRELOAD=$HAKO_SO \
        "$HAKO_ROOT/experiments/memcached/run" --client "$client" --ops "$ops" --conns "$conns" \
        --keys 5000 >"$tmp/memcached.$alloc.out" 2>"$tmp/memcached.$alloc.err" || rc=$?
    else
      "$HAKO_ROOT/experiments/memcached/run" --client "$client" --ops "$ops" --conns "$conns" \
        --keys 5000 >"$tmp/memcached.$alloc.out" 2>"$tmp/memcached.$alloc.err" || rc=$?
    fi
    json=$(tail -n 1 "$tmp/memcached.$alloc.out")
    record "$id" "$alloc" "$( ((rc == 0)) && jq -e '.check == "ok"' <<<"$json" >/dev/null 2>&1 && echo pass || echo fail)" \
      "$rc" "$(jq -r '.seconds // "?"' <<<"$json" 2>/dev/null || echo '?')" \
      "$(jq -r '.server_peak_rss_kb // "?"' <<<"$json" 2>/dev/null || echo '?')"
    echo "$rc" >"$tmp/memcached.$alloc.rc"
  done
  check_eq "memcached serves the checked load on glibc (the reference run)" \
    "$(cat "$tmp/memcached.glibc.rc"):$(jq -r .check "$tmp/memcached.glibc.out" 2>/dev/null | tail -n 1)" "0:ok"
  if [[ $(cat "$tmp/memcached.hako.rc"):$(jq -r .check "$tmp/memcached.hako.out" 2>/dev/null | tail -n 1) == 0:ok ]]; then
    ok "memcached on hako answers every request of the checked load correctly"
  else
    not_ok "memcached on hako answers every request of the checked load correctly" \
      "exit $(cat "$tmp/memcached.hako.rc")" "$(tail -c 800 "$tmp/memcached.hako.err")" "$(tail -c 400 "$tmp/memcached.hako.out")"
  fi
  if jq -e -s 'map(.counters.malloc) | add > 100' "$tmp/memcached.dumps" >/dev/null 2>&1; then
    ok "memcached ran on hako's malloc (its exit dump counts mallocs; its items live in its own slabs)"
  else
    not_ok "memcached ran on hako's malloc (its exit dump counts mallocs; its items live in its own slabs)" \
      "dumps: $(head -c 400 "$tmp/memcached.dumps" 2>/dev/null)"
  fi
  report "$id"
}
