# shellcheck shell=bash
# Shared helpers for the runner's tests (source it after tests/lib/tap.sh).
#   make_sandbox        a throwaway copy of the repository in $SANDBOX (removed at exit) with an
#                       empty ledger and the fixture experiment "churn"; runs its commands there
#   have_hako           true when the real allocator builds (tests of hako variants skip otherwise)
#   fixture_experiment NAME MODE  a copy of churn that fails, is noisy, crashes or hangs
#   synth_case, plan_line  synthetic runs and plan lines for tools/decide (fixed, no randomness)
# Every measuring test uses the quick form and few rounds: nothing depends on the machine's speed.
RUNNER_FIXTURES=$HAKO_ROOT/tests/runner/fixtures
export HAKO_BENCH_LOCK=${HAKO_BENCH_LOCK:-/tmp/hako-bench.lock}

make_sandbox() {
  SANDBOX=$(mktemp -d "${TMPDIR:-/tmp}/hako-runner-test.XXXXXX")
  trap 'rm -rf "$SANDBOX"' EXIT
  (cd "$HAKO_ROOT" && tar --exclude=./build --exclude=./.git --exclude=./ledger -cf - .) | tar -C "$SANDBOX" -xf -
  mkdir -p "$SANDBOX/ledger" "$SANDBOX/build"
  : >"$SANDBOX/ledger/ledger.jsonl"
  cp -r "$RUNNER_FIXTURES/churn" "$SANDBOX/experiments/churn"
  # The tools are built once in the real tree; the sandbox reuses them.
  (cd "$HAKO_ROOT" && make -s tools >/dev/null)
  cp -r "$HAKO_ROOT/build/tools" "$SANDBOX/build/tools"
  cd "$SANDBOX" || exit 1
  tools/render
  git init -q . && git -c user.name=Tester -c user.email=tester@example.org commit -q --allow-empty -m sandbox
  git config user.name Tester
  git config user.email tester@example.org
}

# Builds the real allocator once (in the sandbox); false when src/ does not build yet.
have_hako() {
  make -s lib >/dev/null 2>&1
}

# synth_case ID A_CENTRE B_CENTRE RSS_A RSS_B ROUNDS: synthetic runs of one case,
# two a side per round, a small fixed pattern of noise around each centre (no randomness).
synth_case() {
  jq -n -c --arg id "$1" --argjson ca "$2" --argjson cb "$3" --argjson ra "$4" --argjson rb "$5" --argjson rounds "$6" '
    range(1; $rounds + 1) as $r | range(1; 3) as $s
    | (((($r * 7 + $s * 3) % 11) - 5) / 1000) as $noise
    | (((($r * 5 + $s) % 7) - 3) / 1000) as $noise2
    | ({type: "run", id: $id, round: $r, slot: $s, check: false, ok: true, perf: {}, dumps: []} as $base
       | ($base + {v: 0, value: ($ca * (1 + $noise)), wall_s: ($ca * (1 + $noise)), rss_kb: ($ra * (1 + $noise2))}),
         ($base + {v: 1, value: ($cb * (1 + $noise2)), wall_s: ($cb * (1 + $noise2)), rss_kb: ($rb * (1 + $noise))}))'
}

# plan_line ID [METRIC] [BETTER]: a plan line for synthetic cases.
plan_line() {
  jq -n -c --arg id "$1" --arg m "${2:-wall}" --arg b "${3:-lower}" \
    '{id: $id, experiment: $id, case: null, params: {}, argv: ["true"], metric: $m, better: $b,
      single_threaded: true, preload: "command", timeout_s: 10}'
}

# fixture_experiment NAME MODE: a copy of churn named NAME whose runs use --mode MODE
# (fail: its self-check fails; noisy: no two runs alike; crash; hang).
fixture_experiment() {
  mkdir -p "experiments/$1"
  cp experiments/churn/churn.c "experiments/$1/"
  jq --arg n "$1" --arg m "$2" '.name = $n | .params.mode = $m | .timeout_s = 5' experiments/churn/experiment.json \
    >"experiments/$1/experiment.json"
}
