#!/usr/bin/env bash
# shellcheck disable=SC2016 # jq programs are in single quotes on purpose
# An A/A comparison on a real experiment (the same build on both sides) must not come out faster or
# slower: the rule's interleaving and thresholds keep noise from reading as a difference.
set -uo pipefail
# shellcheck source=tests/lib/tap.sh
source "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/runner/lib.sh
source tests/runner/lib.sh
make_sandbox
if [[ ! -f experiments/random_mixed/experiment.json ]]; then
  skip "A/A on random_mixed is neither faster nor slower" "experiments/random_mixed is not there yet"
  exit 0
fi
if ! have_hako; then
  skip "A/A on random_mixed is neither faster nor slower" "the allocator does not build yet"
  exit 0
fi
out=$(./runner compare default default --experiments random_mixed --quick --json 2>/dev/null)
check "A/A of default on random_mixed (quick) runs and gives one result" jq -e '(.results | length) == 1 and .a.build == .b.build' <<<"$out"
check_match "A/A of default on random_mixed is neither faster nor slower" "$(jq -r '.results[0].class' <<<"$out")" '^(same|unclear)$'
check_match "... so its verdict is no GO" "$(jq -r '.verdict' <<<"$out")" '^(NO-GO|INCONCLUSIVE)$'
