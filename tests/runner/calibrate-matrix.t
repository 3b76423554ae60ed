#!/usr/bin/env bash
# shellcheck disable=SC2016 # jq programs are in single quotes on purpose
# ./runner calibrate (A/A noise, used by the rule afterwards) and ./runner matrix (several variants
# and peers interleaved, one table, a chart in the report).
set -uo pipefail
# shellcheck source=tests/lib/tap.sh
source "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/runner/lib.sh
source tests/runner/lib.sh
make_sandbox

out=$(./runner matrix glibc mimalloc jemalloc --experiments churn --quick --record --yes 2>/dev/null)
check_match "matrix prints a row per variant with its ratio to the best" "$out" $'churn +glibc +[0-9.]+ ms +[0-9.]+ +\\[.*\\] +[0-9.]+ MiB'
check_match "... one of them marked best, at 1.000" "$out" ' 1\.000 .* best'
check "matrix --record appends a matrix entry with every variant" \
  jq -e -s '.[0] | .kind == "matrix" and ([.variants[].variant] == ["glibc", "mimalloc", "jemalloc"]) and (.results[0].cells | length) == 3' ledger/ledger.jsonl
check "each matrix cell keeps the machine's state read before each of its runs" \
  jq -e -s '.[0].results[0].cells | all(.[]; (.probe.spin_ns | length) == .n and all(.probe.spin_ns[]; . > 0))' ledger/ledger.jsonl
check_match "the matrix table says what state the machine was in" "$out" $'machine before each run \\(tools/probe[^\n]*\n  churn +round trip'
check "each cell keeps every run and peak RSS" \
  jq -e -s '.[0].results[0].cells | all(.[]; (.values | length) == 6 and .rss_kb > 0)' ledger/ledger.jsonl
check_match "the report shows the matrix with its chart" "$(cat ledger/decisions.md)" $'## Matrix\n\nEntry #1.*\n\n\\| experiment \\| glibc \\| mimalloc \\| jemalloc \\|.*!\\[matrix #1\\]\\(charts/0001-matrix.svg\\)'
check "the matrix chart exists" test -s ledger/charts/0001-matrix.svg
check "verify accepts it" ./runner verify

if command -v valgrind >/dev/null; then
  out=$(./runner matrix glibc mimalloc --experiments churn --quick --rounds 1 --instructions --json 2>/dev/null | tail -n 1)
  check "matrix --instructions counts each variant's instructions of a single-threaded experiment" \
    jq -e '.results[0].cells | all(.[]; .instructions > 100000 and .instructions_per_op > 0)' <<<"$out"
  check "... with the ratio to the fewest, 1 for the fewest" \
    jq -e '.results[0].cells | ([.[].instructions_to_fewest] | min) == 1 and all(.[]; .instructions_to_fewest >= 1)' <<<"$out"
  out=$(./runner matrix glibc mimalloc --experiments churn --quick --rounds 1 --instructions 2>/dev/null)
  check_match "... and the table shows them per operation" "$out" 'churn +glibc .* instructions [0-9]+ \([0-9.]+/op\) x fewest [0-9.]+'
else
  skip "matrix --instructions counts each variant's instructions" "valgrind is not installed"
fi

if ! have_hako; then
  skip "calibrate records each experiment's A/A noise" "the allocator does not build yet"
  exit 0
fi
out=$(./runner calibrate --experiments churn --quick --yes 2>/dev/null)
check_match "calibrate prints the A/A false-difference count" "$out" 'A/A: [01] of 1 results differ'
check "calibrate records a calibration entry with the noise of each experiment" \
  jq -e -s '.[1] | .kind == "calibration" and (.results[0].noise | type) == "number" and .results[0].noise >= 0 and .false_differences.of == 1' ledger/ledger.jsonl
check "... whose B is a copy of A's library at another path" \
  jq -e -s '.[1] | .a.binary == .b.binary and .a.lib != .b.lib' ledger/ledger.jsonl
noise=$(jq -s -r '.[1].results[0].noise' ledger/ledger.jsonl)
out=$(./runner compare default default --experiments churn --quick --json 2>/dev/null)
check_eq "the next comparison's rule uses the calibrated noise" "$(jq -r '.rule.noise.churn' <<<"$out")" "$noise"
check_eq "... and says which calibration it came from" "$(jq -c '.rule.noise_from' <<<"$out")" "[2]"
check_eq "the threshold of that experiment is max(min effect, noise)" "$(jq -r '.results[0].threshold' <<<"$out")" \
  "$(jq -n --argjson n "$noise" --argjson m "$(jq -r .min_effect tools/rule.json)" '[$n, $m] | max')"
full=$(./runner compare default default --experiments churn --rounds 1 --max-rounds 1 --json 2>/dev/null)
check_eq "a quick calibration is not used for the full form" "$(jq -c '.rule.noise' <<<"$full")" "{}"

# The noise is the median of the last three calibrations of that case (one run in a slow spell
# cannot set it alone): two give their mean, four leave the first out.
./runner calibrate --experiments churn --quick --yes >/dev/null 2>&1
out=$(./runner compare default default --experiments churn --quick --rounds 1 --max-rounds 1 --json 2>/dev/null)
check "with two calibrations the noise is their mean, and the rule names both" \
  jq -e --slurpfile l ledger/ledger.jsonl '([$l[1], $l[2]] | map(.results[0].noise) | add / 2) as $m
    | (.rule.noise.churn - $m | fabs) < 1e-12 and .rule.noise_from == [2, 3]
    and (.rule.noise_calibrations.churn | map(.seq)) == [2, 3]' <<<"$out"
./runner calibrate --experiments churn --quick --yes >/dev/null 2>&1
cal=$(./runner calibrate --experiments churn --quick --yes 2>/dev/null)
check_match "calibrate ends with the bar the rule demands from now on, and the calibrations it comes from" "$cal" \
  "the rule now demands of a faster max\\(min effect, the median of the last three calibrations, #3, #4, #5\\): churn [0-9.]+%"
out=$(./runner compare default default --experiments churn --quick --rounds 1 --max-rounds 1 --json 2>/dev/null)
check "with four, the median of the last three" \
  jq -e --slurpfile l ledger/ledger.jsonl '([$l[2], $l[3], $l[4]] | map(.results[0].noise) | sort | .[1]) as $m
    | .rule.noise.churn == $m and .rule.noise_from == [3, 4, 5]' <<<"$out"
check_match "... and the rule line says so" "$(./runner compare default default --experiments churn --quick --rounds 1 --max-rounds 1 2>/dev/null)" \
  "calibrated noise \\(median of each case's last three calibrations: #3, #4, #5\\): churn [0-9.]+%"
check "verify accepts the ledger" ./runner verify
