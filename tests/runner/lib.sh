# shellcheck shell=bash
# Shared helpers for the runner's tests (source it after tests/lib/tap.sh).
#   make_sandbox        a throwaway copy of the repository in $SANDBOX (removed at exit) with an
#                       empty ledger and the fixture experiment "churn"; runs its commands there
#   have_hako           true when the real allocator builds (tests of hako variants skip otherwise)
#   fixture_runs FILE   writes synthetic runs (see synth_case) for tools/decide
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
  git init -q . && git -c user.name=Tester -c user.email=tester@example.org commit -q --allow-empty -m sandbox
  git config user.name Tester
  git config user.email tester@example.org
}

# Builds the real allocator once (in the sandbox); false when src/ does not build yet.
have_hako() {
  make -s lib >/dev/null 2>&1
}

# synth_case ID A_CENTRE B_CENTRE RSS_A RSS_B ROUNDS [METRIC] [BETTER]: synthetic runs of one case,
# two a side per round, a small fixed pattern of noise around each centre (no randomness).
synth_case() {
  local id=$1 ca=$2 cb=$3 ra=$4 rb=$5 rounds=$6 r s
  for ((r = 1; r <= rounds; r++)); do
    for s in 1 2; do
      jq -n -c --arg id "$id" --argjson r "$r" --argjson s "$s" --argjson ca "$ca" --argjson cb "$cb" \
        --argjson ra "$ra" --argjson rb "$rb" '
        (((($r * 7 + $s * 3) % 11) - 5) / 1000) as $noise
        | (((($r * 5 + $s) % 7) - 3) / 1000) as $noise2
        | ({type: "run", id: $id, round: $r, slot: $s, check: false, ok: true, perf: {}, dumps: []} as $base
           | ($base + {v: 0, value: ($ca * (1 + $noise)), wall_s: ($ca * (1 + $noise)), rss_kb: ($ra * (1 + $noise2))}),
             ($base + {v: 1, value: ($cb * (1 + $noise2)), wall_s: ($cb * (1 + $noise2)), rss_kb: ($rb * (1 + $noise))}))'
    done
  done
}

# plan_line ID [METRIC] [BETTER]: a plan line for synthetic cases.
plan_line() {
  jq -n -c --arg id "$1" --arg m "${2:-wall}" --arg b "${3:-lower}" \
    '{id: $id, experiment: $id, case: null, params: {}, argv: ["true"], metric: $m, better: $b,
      single_threaded: true, preload: "command", timeout_s: 10}'
}
