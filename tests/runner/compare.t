#!/usr/bin/env bash
# shellcheck disable=SC2016 # jq programs are in single quotes on purpose
# ./runner compare: peers as variants, the measurements an entry keeps, failures reported and
# not timed, unsupported perf events, instruction counts, the doubling rule.  Fixture experiments
# in the quick form with few rounds; no assertion depends on how fast anything ran.
set -uo pipefail
# shellcheck source=tests/lib/tap.sh
source "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/runner/lib.sh
source tests/runner/lib.sh
make_sandbox
fixture_experiment churn_fail fail
fixture_experiment churn_noisy noisy

out=$(./runner compare glibc mimalloc --experiments churn --quick --json 2>"$SANDBOX/err")
check "compare --json prints one entry" jq -e '.kind == "comparison" and (.results | length) == 1' <<<"$out"
check "peers are variants: B is Debian's mimalloc, with its package and version" \
  jq -e --arg v "$(dpkg-query -W -f='${Version}' libmimalloc2.0)" '.b.variant == "mimalloc" and .b.package == "libmimalloc2.0" and .b.version == $v and (.b.binary | length) == 64' <<<"$out"
check "every timed run is kept: 3 quick rounds of ABBA give 6 runs a side" \
  jq -e '.results[0] | (.a.times | length) == 6 and (.b.times | length) == 6 and (.a.values | length) == 6' <<<"$out"
check "the result has experiment, ratio, ci, p and class" \
  jq -e '.results[0] | .experiment == "churn" and (.ratio | type) == "number" and (.ci | length) == 2 and (.p | type) == "number" and (.class | IN("faster","slower","same","unclear"))' <<<"$out"
check "peak RSS of every run is kept, with its own test" \
  jq -e '.results[0] | (.a.rss_kb | length) == 6 and all(.a.rss_kb[]; . > 0) and (.rss.class | type) == "string"' <<<"$out"
check "the rule's thresholds are stored with the result" \
  jq -e '.rule | .alpha and .min_effect and .tolerance and .rss_tolerance and .quick == true' <<<"$out"
check "machine, git and the command are recorded" \
  jq -e '(.machine.cores > 0) and (.machine.kernel | length > 0) and (.git | has("commit")) and (.command | test("compare glibc mimalloc"))' <<<"$out"
check "an unsupported perf event is missing from the runs, never zero" \
  jq -e '.machine.perf.unsupported as $u | [.results[0].a.perf | keys[] | select(IN($u[]))] | length == 0' <<<"$out"
if jq -e '.machine.perf.usable and (.machine.perf.supported | index("task-clock"))' <<<"$out" >/dev/null; then
  check "supported perf events are counted on every run" jq -e '.results[0].a.perf["task-clock"] | length == 6 and all(.[]; . > 0)' <<<"$out"
else
  skip "supported perf events are counted on every run" "perf cannot count task-clock here"
fi
if jq -e '.machine.perf.unsupported | length > 0' <<<"$out" >/dev/null; then
  check_match "unsupported perf events are said once" "$(grep -c 'not supported here' "$SANDBOX/err")" '^1$'
fi
check "every timed run keeps the machine's state read just before it (tools/probe)" \
  jq -e '.results[0] | [.a, .b][] | (.probe.spin_ns | length) == 6 and all(.probe.spin_ns[]; . > 0) and (.probe.rtt_ns | length) == 6' <<<"$out"
check_eq "compare without --record leaves the ledger alone" "$(wc -c <ledger/ledger.jsonl)" 0

table=$(./runner compare glibc jemalloc --experiments churn --quick 2>/dev/null)
check_match "the table names A and B, the rule and a verdict" "$table" $'A: glibc.*\nB: jemalloc.*\nrule: alpha 0.01'
check_match "the table has a row per experiment with ratio and interval" "$table" 'churn +6/6 +[0-9.]+ ms +[0-9.]+ ms +[0-9.]+ +\[[0-9.]+, [0-9.]+\]'
check_match "the verdict is stated in words" "$table" $'\nverdict: (GO|NO-GO|INCONCLUSIVE): '
check_match "the table says what state the machine was in, per experiment" "$table" \
  $'machine before each run \\(tools/probe[^\n]*\n  churn +round trip ([0-9]+ ns|-).*, one core [0-9]+ us'

# A peer that crashes is reported, not timed.
cc -shared -fPIC -o "$SANDBOX/crashy.so" -x c - <<<'#include <stdlib.h>
__attribute__((constructor)) static void boom(void) { abort(); }'
jq -n --arg lib "$SANDBOX/crashy.so" '{glibc: {package: "libc6", soname: "libc.so.6", preload: false},
  crashy: {package: "crashy-fixture", lib: $lib, preload: true},
  nothere: {package: "libnothere1", soname: "libnothere.so.1", preload: true}}' >"$SANDBOX/peers.json"
export HAKO_PEERS_FILE=$SANDBOX/peers.json
out=$(./runner compare glibc crashy --experiments churn --quick --json 2>"$SANDBOX/err")
check "a peer that crashes is classed failed" jq -e '.results[0].class == "failed"' <<<"$out"
check_match "... with how it failed" "$(jq -r '.results[0].failure.b' <<<"$out")" '^crashed \(signal 6 SIGABRT\)'
check "... and is not timed" jq -e '.results[0].b.times == []' <<<"$out"
check_match "... and the run says so while measuring" "$(cat "$SANDBOX/err")" 'crashy on churn: crashed .*\(not timed\)'
err=$(./runner compare glibc nothere --quick 2>&1)
check_match "a peer that is not installed is an error naming its package" "$err" \
  '^hako: variant nothere: libnothere.so.1 is not installed \(install the Debian package libnothere1'
unset HAKO_PEERS_FILE

fixture_experiment churn_hang hang
jq '.timeout_s = 1' experiments/churn_hang/experiment.json >e.tmp && mv e.tmp experiments/churn_hang/experiment.json
out=$(./runner compare glibc mimalloc --experiments churn_hang --quick --json 2>/dev/null)
check_match "a run that outlives the experiment's timeout_s is killed and reported as a hang" \
  "$(jq -r '.results[0].failure.a' <<<"$out")" '^hang \(killed after 1 s\)'
check "... and no process of it is left" bash -c "! pgrep -f '$SANDBOX/build/experiments/[c]hurn_hang' >/dev/null"

out=$(./runner compare glibc mimalloc --experiments churn_fail --quick --json 2>/dev/null)
check_match "an experiment whose self-check fails is reported with its message" \
  "$(jq -r '.results[0].failure.a' <<<"$out")" '^self-check failed: failed: asked to fail'
check_eq "A failing is INCONCLUSIVE, not a verdict on B" "$(jq -r '.verdict' <<<"$out")" INCONCLUSIVE

out=$(./runner compare glibc glibc --experiments churn_noisy --rounds 1 --max-rounds 2 --json 2>"$SANDBOX/err")
check_match "an unclear result doubles the rounds" "$(cat "$SANDBOX/err")" 'unclear: churn_noisy; doubling to 2 rounds'
check "... and the entry keeps every round's runs" jq -e '.results[0].rounds == 2 and (.results[0].a.times | length) == 4' <<<"$out"
check_eq "unclear when the cap given is below the rule's is INCONCLUSIVE" "$(jq -r '.verdict' <<<"$out")" INCONCLUSIVE

if command -v valgrind >/dev/null; then
  out=$(./runner compare glibc mimalloc --experiments churn --quick --rounds 1 --max-rounds 1 --instructions --json 2>/dev/null)
  check "--instructions counts each side's instructions of a single-threaded experiment" \
    jq -e '.results[0].instructions | .a > 100000 and .b > 100000 and (.ratio | type) == "number"' <<<"$out"
else
  skip "--instructions counts each side's instructions" "valgrind is not installed"
fi

out=$(./runner compare glibc mimalloc --experiments churn --quick --record --yes 2>&1)
check_match "compare --record appends a signed comparison entry" "$out" 'recorded: ledger/ledger.jsonl entry #1 \(signed off by Tester <tester@example.org>\)'
check "the recorded comparison verifies" ./runner verify

if command -v script >/dev/null; then
  on_a_terminal() { printf '%s\n' "$1" | script -qec "./runner compare glibc mimalloc --experiments churn --quick --record" /dev/null 2>&1; }
  out=$(on_a_terminal no)
  check_match "on a terminal the runner asks who signs off, offering git's user" "$out" 'Sign off this entry as \[Tester <tester@example.org>\]'
  check_match "... and 'no' records nothing" "$out" 'not signed off: nothing recorded'
  check_eq "... so the ledger still has one entry" "$(wc -l <ledger/ledger.jsonl)" 1
  on_a_terminal 'Other Person <other@example.org>' >/dev/null
  check_eq "... and a typed name signs the entry" "$(tail -n 1 ledger/ledger.jsonl | jq -r .signed_off_by)" 'Other Person <other@example.org>'
else
  skip "on a terminal the runner asks who signs off" "script(1) is not installed"
fi
