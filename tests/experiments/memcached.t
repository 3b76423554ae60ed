#!/usr/bin/env bash
# The memcached driver never leaves a server behind: not after a run, a failing client, SIGTERM,
# Ctrl-C (SIGINT) or SIGKILL of the driver; and a missing server or library is a clear error.
set -euo pipefail
# shellcheck source=tests/lib/tap.sh
source "$(dirname "$0")/../lib/tap.sh"

run=experiments/memcached/run
client=build/experiments/memcached
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '#!/bin/sh\necho "client fails" >&2\nexit 1\n' >"$tmp/failing-client"
printf '#!/bin/sh\necho $$ >"%s/client.pid"\nexec sleep 30\n' "$tmp" >"$tmp/slow-client"
chmod +x "$tmp/failing-client" "$tmp/slow-client"

# server_pid FILE: the pid the driver reported on stderr ("server pid N on ...").
server_pid() { sed -n 's/^hako: memcached: server pid \([0-9]*\) on .*/\1/p' "$1" | head -n 1; }

# gone PID: true once PID has exited (a zombie counts: it has exited), within 5 s.
gone() {
  local i
  for ((i = 0; i < 100; i++)); do
    [[ $(ps -o stat= -p "$1" 2>/dev/null) == [^Z]* ]] || return 0
    sleep 0.05
  done
  return 1
}

# wait_for_server FILE: waits until the driver has reported its server (10 s at most).
wait_for_server() {
  local i
  for ((i = 0; i < 200; i++)); do
    [[ -n $(server_pid "$1") ]] && return 0
    sleep 0.05
  done
  return 1
}

# wait_for_file FILE: waits until FILE has something in it (10 s at most).
wait_for_file() {
  local i
  for ((i = 0; i < 200; i++)); do
    [[ -s $1 ]] && return 0
    sleep 0.05
  done
  return 1
}

missing=$("$run" --client "$client" --server /nonexistent/memcached 2>&1 >/dev/null) && rc=0 || rc=$?
check_match "a missing memcached is an error naming the Debian package (exit $rc)" "$rc $missing" \
  '^2 hako: memcached: .*not found .*Debian package memcached'
bad=$(BENCH_PRELOAD=/nonexistent/lib.so "$run" --client "$client" 2>&1 >/dev/null) && rc=0 || rc=$?
check_match "a missing BENCH_PRELOAD library is an error (exit $rc)" "$rc $bad" '^2 hako: memcached: BENCH_PRELOAD'

if ! command -v memcached >/dev/null; then
  skip "the server is stopped after every kind of run" "memcached is not installed (tools/setup installs it)"
  exit 0
fi

"$run" --client "$client" --ops 2000 >"$tmp/out" 2>"$tmp/err" && rc=0 || rc=$?
pid=$(server_pid "$tmp/err")
if ((rc == 0)) && [[ -n $pid ]] && gone "$pid"; then ok "a passing run stops its server"
else not_ok "a passing run stops its server" "exit $rc, pid '$pid'" "$(cat "$tmp/err")"; fi

"$run" --client "$tmp/failing-client" >"$tmp/out" 2>"$tmp/err" && rc=0 || rc=$?
pid=$(server_pid "$tmp/err")
if ((rc != 0)) && [[ -n $pid ]] && gone "$pid" && grep -q 'load client failed' "$tmp/err"; then
  ok "a failing client fails the run (exit $rc) and its server is stopped"
else
  not_ok "a failing client fails the run and its server is stopped" "exit $rc, pid '$pid'" "$(cat "$tmp/err")"
fi

for sig in TERM INT KILL; do
  rm -f "$tmp/client.pid"
  # env --default-signal: a background job would otherwise start with SIGINT ignored
  env --default-signal=INT "$run" --client "$tmp/slow-client" >"$tmp/out" 2>"$tmp/err" &
  driver=$!
  if ! wait_for_server "$tmp/err" || ! wait_for_file "$tmp/client.pid"; then
    kill -KILL "$driver" 2>/dev/null || true
    not_ok "SIG$sig to the driver stops its server" \
      "the driver never reported its server, or the client never started" "$(cat "$tmp/err")"
    continue
  fi
  pid=$(server_pid "$tmp/err")
  kill -"$sig" "$driver"
  wait "$driver" && rc=0 || rc=$?
  if gone "$pid" && gone "$(<"$tmp/client.pid")"; then
    ok "SIG$sig to the driver stops its server and client (driver exit $rc)"
  else
    not_ok "SIG$sig to the driver stops its server and client" "server $pid or client still running"
    kill -KILL "$pid" 2>/dev/null || true
  fi
done
