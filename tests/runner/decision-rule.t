#!/usr/bin/env bash
# shellcheck disable=SC2016 # jq programs are in single quotes on purpose
# The decision rule (tools/decide, build/tools/hstats) on fixed synthetic samples: no measuring,
# no randomness, nothing that depends on the machine.
set -uo pipefail
# shellcheck source=tests/lib/tap.sh
source "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/runner/lib.sh
source tests/runner/lib.sh
make -s build/tools/hstats >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The thresholds these tests are written for, whatever tools/rule.json says today.
jq '. + {alpha: 0.01, confidence: 0.95, min_effect: 0.02, tolerance: 0.01, rss_tolerance: 0.05,
         bootstrap: 2000, noise: {}}' tools/rule.json >"$tmp/rule.json"

# decide NAME ARGS... : runs tools/decide on $tmp/NAME.{plan,runs}; the decision in $tmp/NAME.out
decide() {
  local n=$1
  shift
  tools/decide --runs "$tmp/$n.runs" --plan "$tmp/$n.plan" --rule "$tmp/$n.rule" "$@" >"$tmp/$n.out"
}
# one_case NAME A B RSS_A RSS_B [METRIC BETTER]: a decision on one synthetic case of 15 rounds
one_case() {
  local n=$1
  synth_case x "$2" "$3" "$4" "$5" 15 >"$tmp/$n.runs"
  plan_line x "${6:-wall}" "${7:-lower}" >"$tmp/$n.plan"
  cp "$tmp/rule.json" "$tmp/$n.rule"
}
field() { jq -r "$2" "$tmp/$1.out"; }

one_case faster 1.0 0.95 1000 1000
decide faster --max-reached
check_eq "5% less time with tight samples is classed faster" "$(field faster '.results[0].class')" faster
check_eq "a faster experiment and nothing slower is GO" "$(field faster '.verdict')" GO
check_match "the GO reason names the experiment and its gain" "$(field faster '.reason')" '^x [0-9.]+% faster \['
check "the ratio is B/A of the medians, inside its interval" \
  jq -e '.results[0] | .ratio < 0.96 and .ratio > 0.94 and .ci[0] <= .ratio and .ratio <= .ci[1]' "$tmp/faster.out"

one_case slower 1.0 1.05 1000 1000
decide slower --max-reached
check_eq "5% more time is classed slower" "$(field slower '.results[0].class')" slower
check_eq "anything slower is NO-GO" "$(field slower '.verdict')" NO-GO

one_case same 1.0 1.0 1000 1000
decide same --max-reached
check_eq "equal centres with 0.5% noise are classed same" "$(field same '.results[0].class')" same
check_match "nothing faster is NO-GO: benefit not demonstrated" "$(field same '.verdict') $(field same '.reason')" '^NO-GO benefit not demonstrated'

one_case gap 1.0 0.985 1000 1000
decide gap
check_eq "1.5% better (below the 2% minimum effect, outside the 1% tolerance) is unclear" "$(field gap '.results[0].class')" unclear
check_eq "unclear before the cap is INCONCLUSIVE" "$(field gap '.verdict')" INCONCLUSIVE
check_eq "unclear ids are listed for the doubling rule" "$(field gap '.unclear | join(",")')" x
decide gap --max-reached
check_match "unclear at the cap is NO-GO: benefit not demonstrated" "$(field gap '.verdict') $(field gap '.reason')" '^NO-GO benefit not demonstrated'

one_case rss 1.0 0.95 1000 1100
decide rss --max-reached
check_eq "10% more peak RSS is classed larger" "$(field rss '.results[0].rss.class')" larger
check_eq "an RSS regression makes a faster box NO-GO" "$(field rss '.verdict')" NO-GO
check_match "the NO-GO reason names the RSS growth" "$(field rss '.reason')" 'peak RSS \+'

one_case lean 1.0 1.0 1100 1000
decide lean --max-reached
check_eq "9% less peak RSS is classed smaller" "$(field lean '.results[0].rss.class')" smaller
check_eq "the same time with less peak RSS is GO: memory is a benefit too" "$(field lean '.verdict')" GO
check_match "the GO reason names the RSS saving" "$(field lean '.reason')" '^x peak RSS -[0-9.]+% \[[0-9.]+%, [0-9.]+%\] smaller; nothing slower or larger$'
one_case leanslow 1.0 1.05 1100 1000
decide leanslow --max-reached
check_eq "less peak RSS bought with 5% more time is NO-GO" "$(field leanslow '.verdict')" NO-GO
{ synth_case x 1.0 1.0 1000 1000 15; synth_case y 1.0 1.0 1100 1000 15; } >"$tmp/leanother.runs"
{ plan_line x; plan_line y; } >"$tmp/leanother.plan"
cp "$tmp/rule.json" "$tmp/leanother.rule"
decide leanother --max-reached --own x
check_eq "less RSS on an experiment that is not the box's own does not make a GO" "$(field leanother '.verdict')" NO-GO

# Exact instruction counts (--instructions: one valgrind run a variant, no sampling noise): at
# least instr_min_effect fewer on an own experiment is a benefit; time and RSS still veto.
instr_line() { jq -n -c --arg id "$1" --argjson v "$2" --argjson n "$3" '{type: "instructions", id: $id, v: $v, variant: "v\($v)", instructions: $n}'; }
jq '. + {instr_min_effect: 0.01}' "$tmp/rule.json" >"$tmp/irule.json"
{ synth_case x 1.0 1.0 1000 1000 15; instr_line x 0 1000000; instr_line x 1 980000; } >"$tmp/instr.runs"
plan_line x >"$tmp/instr.plan"
cp "$tmp/irule.json" "$tmp/instr.rule"
decide instr --max-reached
check_eq "the same time with 2% fewer instructions (exact counts) is GO" "$(field instr '.verdict')" GO
check_match "the GO reason names the instruction saving and both counts" "$(field instr '.reason')" '^x 2% fewer instructions \(980000 against 1000000, exact counts\); nothing slower or larger$'
{ synth_case x 1.0 1.0 1000 1000 15; instr_line x 0 1000000; instr_line x 1 995000; } >"$tmp/instrsmall.runs"
cp "$tmp/instr.plan" "$tmp/instrsmall.plan"
cp "$tmp/irule.json" "$tmp/instrsmall.rule"
decide instrsmall --max-reached
check_match "0.5% fewer instructions (below instr_min_effect 1%) is no benefit" "$(field instrsmall '.verdict') $(field instrsmall '.reason')" '^NO-GO benefit not demonstrated.*at least 1% fewer instructions'
{ synth_case x 1.0 1.05 1000 1000 15; instr_line x 0 1000000; instr_line x 1 900000; } >"$tmp/instrslow.runs"
cp "$tmp/instr.plan" "$tmp/instrslow.plan"
cp "$tmp/irule.json" "$tmp/instrslow.rule"
decide instrslow --max-reached
check_eq "10% fewer instructions but 5% more time is NO-GO" "$(field instrslow '.verdict')" NO-GO
{ synth_case x 1.0 1.0 1000 1100 15; instr_line x 0 1000000; instr_line x 1 900000; } >"$tmp/instrfat.runs"
cp "$tmp/instr.plan" "$tmp/instrfat.plan"
cp "$tmp/irule.json" "$tmp/instrfat.rule"
decide instrfat --max-reached
check_eq "fewer instructions with 10% more peak RSS is NO-GO" "$(field instrfat '.verdict')" NO-GO
{ synth_case x 1.0 1.0 1000 1000 15; synth_case y 1.0 1.0 1000 1000 15; instr_line y 0 1000000; instr_line y 1 900000; } >"$tmp/instrother.runs"
{ plan_line x; plan_line y; } >"$tmp/instrother.plan"
cp "$tmp/irule.json" "$tmp/instrother.rule"
decide instrother --max-reached --own x
check_eq "fewer instructions on an experiment that is not the box's own does not make a GO" "$(field instrother '.verdict')" NO-GO
cp "$tmp/instr.runs" "$tmp/instrold.runs"
cp "$tmp/instr.plan" "$tmp/instrold.plan"
jq 'del(.instr_min_effect)' "$tmp/irule.json" >"$tmp/instrold.rule"
decide instrold --max-reached
check_eq "a rule without instr_min_effect (ledger entries before it) ignores instruction counts" "$(field instrold '.verdict')" NO-GO

one_case tput 1000 1050 1000 1000 ops_per_s higher
decide tput --max-reached
check_eq "5% more throughput (higher is better) is classed faster" "$(field tput '.results[0].class')" faster
one_case tputdown 1000 950 1000 1000 ops_per_s higher
decide tputdown --max-reached
check_eq "5% less throughput is classed slower" "$(field tputdown '.results[0].class')" slower

one_case noise 1.0 0.95 1000 1000
jq '.noise = {x: 0.06}' "$tmp/rule.json" >"$tmp/noise.rule"
decide noise --max-reached
check_eq "a calibrated noise of 6% raises the bar: 5% is not faster" "$(field noise '.results[0].class')" unclear
check_eq "the threshold used is max(min effect, noise)" "$(field noise '.results[0].threshold')" 0.06

# Two experiments: Holm's correction and "own" experiments.
{ synth_case x 1.0 0.95 1000 1000 15; synth_case y 1.0 1.0 1000 1000 15; } >"$tmp/two.runs"
{ plan_line x; plan_line y; } >"$tmp/two.plan"
cp "$tmp/rule.json" "$tmp/two.rule"
decide two --max-reached --own y
check_eq "a faster experiment that is not the box's own does not make a GO" "$(field two '.verdict')" NO-GO
decide two --max-reached
check "Holm: the smallest p is multiplied by the number of experiments" \
  jq -e '[.results[] | select(.experiment == "x")][0] | (.p - 2 * .p_raw | fabs) < 1e-12' "$tmp/two.out"
check "Holm: a corrected p is never below its raw p" jq -e 'all(.results[]; .p >= .p_raw)' "$tmp/two.out"

# Failures.
{ synth_case x 1.0 1.0 1000 1000 3; echo '{"type":"run","id":"x","v":1,"round":0,"check":true,"ok":false,"failure":"crashed (signal 11 SIGSEGV)","perf":{},"dumps":[]}'; } >"$tmp/bfail.runs"
plan_line x >"$tmp/bfail.plan"
cp "$tmp/rule.json" "$tmp/bfail.rule"
decide bfail
check_eq "B crashing is classed failed" "$(field bfail '.results[0].class')" failed
check_match "B crashing is NO-GO, and the reason says how" "$(field bfail '.verdict'): $(field bfail '.reason')" '^NO-GO: B fails x: crashed'
sed 's/"v":1,"round":0/"v":0,"round":0/' "$tmp/bfail.runs" >"$tmp/afail.runs"
cp "$tmp/bfail.plan" "$tmp/afail.plan"
cp "$tmp/rule.json" "$tmp/afail.rule"
decide afail
check_eq "A failing (the box not at fault) is INCONCLUSIVE" "$(field afail '.verdict')" INCONCLUSIVE

# hstats itself.
out=$(printf '1 a 1\n1 a 2\n1 a 3\n1 b 4\n1 b 5\n1 b 6\n' | build/tools/hstats --boot 1000)
check "Mann-Whitney exact: 3 against 3 fully separated gives p = 2/20" jq -e '(.p - 0.1 | fabs) < 1e-9 and .u == 0' <<<"$out"
check "medians and their ratio" jq -e '.median_a == 2 and .median_b == 5 and .ratio == 2.5' <<<"$out"
s=$(synth_case x 1.0 0.97 1000 1000 10 | jq -r '"\(.round) \(if .v == 0 then "a" else "b" end) \(.value)"')
one=$(build/tools/hstats --seed 7 <<<"$s")
two=$(build/tools/hstats --seed 7 <<<"$s")
check_eq "the bootstrap interval is the same for the same seed" "$one" "$two"
check "ties use the normal approximation and still give a p in (0, 1]" \
  jq -e '.p > 0 and .p <= 1' <<<"$(printf '1 a 1\n1 a 1\n1 b 1\n1 b 2\n2 a 1\n2 b 2\n' | build/tools/hstats)"
err=$(printf '1 c 1\n' | build/tools/hstats 2>&1)
check_match "a malformed sample line is refused with its line number" "$err" '^hako: hstats: input line 1:'
