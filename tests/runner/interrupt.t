#!/usr/bin/env bash
# shellcheck disable=SC2016 # jq programs are in single quotes on purpose
# Stopping the runner mid-measurement (Ctrl-C, TERM) records nothing and leaves no benchmark behind.
set -uo pipefail
# shellcheck source=tests/lib/tap.sh
source "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/runner/lib.sh
source tests/runner/lib.sh
make_sandbox
fixture_experiment churn_long ok
jq '.params.ops = 3000000 | .quick.ops = 3000000' experiments/churn_long/experiment.json >e.tmp && mv e.tmp experiments/churn_long/experiment.json
./runner compare glibc mimalloc --experiments churn --quick --record --yes >/dev/null 2>&1
cp ledger/ledger.jsonl "$SANDBOX/before.jsonl"
cp ledger/decisions.md "$SANDBOX/before.md"

# stop_midway SIGNAL: starts a long recorded compare, waits until it has timed a few runs, signals it.
stop_midway() {
  local pid n=0
  set -m   # a job of its own, so the runner does not start with SIGINT ignored
  ./runner compare glibc mimalloc --experiments churn_long --rounds 40 --record --yes >"$SANDBOX/out" 2>&1 &
  pid=$!
  set +m
  while ((n < 600)); do
    [[ $(cat build/runs/*/runs.jsonl 2>/dev/null | wc -l) -ge 6 ]] && break
    sleep 0.1
    n=$((n + 1))
  done
  kill "-$1" "$pid"
  wait "$pid"
  echo "$?"
}

for sig in INT TERM; do
  rm -rf build/runs
  rc=$(stop_midway "$sig")
  check_eq "SIG$sig mid-measurement stops the runner with status 130" "$rc" 130
  check "... and nothing is appended to the ledger" cmp -s ledger/ledger.jsonl "$SANDBOX/before.jsonl"
  check "... nor decisions.md changed" cmp -s ledger/decisions.md "$SANDBOX/before.md"
  check_match "... and it says so" "$(cat "$SANDBOX/out")" 'interrupted: nothing was recorded'
  sleep 0.5
  check "... and no benchmark process is left running" bash -c "! pgrep -f '$SANDBOX/build/experiments/[c]hurn_long' >/dev/null"
done
check "the ledger still verifies" ./runner verify
