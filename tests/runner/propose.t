#!/usr/bin/env bash
# shellcheck disable=SC2016 # jq programs are in single quotes on purpose
# The whole loop on fixture boxes, in a copy of the repository whose src/ is patched: a box that
# makes malloc much slower comes out NO-GO, a box that removes a delay comes out GO and lands in
# variants/default; list, ablate, verify, report, override and revert (deleting the line).
# The slowdown is hundreds of percent, so the verdicts do not depend on the machine's speed.
set -uo pipefail
# shellcheck source=tests/lib/tap.sh
source "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/runner/lib.sh
source tests/runner/lib.sh
make_sandbox
# The loop starts from an empty shipping set, whatever the real variants/default holds.
printf '# The shipping set (test sandbox): empty\n' >variants/default

# patch_malloc: a busy delay at the top of the allocator's malloc, once behind each fixture flag.
patch_malloc() {
  local file line
  file=$(grep -lE '^[a-z_ ]*\*[[:space:]]*(core_malloc|hako_malloc)[[:space:]]*\(size_t [a-z_]+\)[[:space:]]*\{[[:space:]]*$' src/*.c | head -n 1)
  [[ -n $file ]] || return 1
  line=$(grep -nE '^[a-z_ ]*\*[[:space:]]*(core_malloc|hako_malloc)[[:space:]]*\(size_t [a-z_]+\)[[:space:]]*\{[[:space:]]*$' "$file" | head -n 1 | cut -d: -f1)
  sed -i "${line}a\\
#if HAKO_SLOW_FIXTURE\\
    for (volatile int fixture_i = 0; fixture_i < 150; fixture_i++) {}\\
#endif\\
#if !HAKO_FAST_FIXTURE\\
    for (volatile int fixture_j = 0; fixture_j < 150; fixture_j++) {}\\
#endif" "$file"
}
fixture_box() { # name flag summary
  mkdir -p "boxes/$1"
  jq -n --arg n "$1" --arg f "$2" --arg s "$3" '{name: $n, flag: $f, layer: "api", summary: $s,
    hypothesis: "test fixture", experiments: ["churn"], requires: [], conflicts: []}' >"boxes/$1/manifest.json"
}

if ! patch_malloc; then
  skip "a box that makes malloc slower is NO-GO" "no 'void *core_malloc(size_t n) {' line in src/*.c to patch"
  exit 0
fi
fixture_box slow_fixture HAKO_SLOW_FIXTURE "test fixture: a busy delay in every malloc"
fixture_box fast_fixture HAKO_FAST_FIXTURE "test fixture: removes a busy delay from every malloc"
if ! have_hako; then
  skip "a box that makes malloc slower is NO-GO" "the allocator does not build yet (make lib)"
  exit 0
fi

out=$(./runner propose boxes/slow_fixture --quick --yes 2>&1)
check_match "a box that makes malloc measurably slower is NO-GO" "$out" $'\nverdict: NO-GO: churn [0-9.]+(%|x) slower'
check "... recorded as a signed decision with the class slower" \
  jq -e -s '.[0] | .kind == "decision" and .box == "slow_fixture" and .flag == "HAKO_SLOW_FIXTURE" and .verdict == "NO-GO" and .results[0].class == "slower" and .signed_off_by == "Tester <tester@example.org>"' ledger/ledger.jsonl
check "... whose A is variants/default and B adds the flag, each with build hash and binary sha256" \
  jq -e -s '.[0] | .a.variant == "default" and .b.variant == "default+HAKO_SLOW_FIXTURE" and (.b.flags | index("HAKO_SLOW_FIXTURE")) and (.a.build | length) == 64 and (.b.binary | length) == 64 and .a.build != .b.build' ledger/ledger.jsonl
check "... keeping hako's exit dumps of the runs" \
  jq -e -s '.[0].results[0].b.dumps | length == 6 and all(.[]; length >= 1 and (.[0].counters | type) == "object")' ledger/ledger.jsonl
check "a NO-GO leaves variants/default alone" bash -c '! grep -q HAKO_SLOW_FIXTURE variants/default'

out=$(./runner propose boxes/fast_fixture --quick --yes 2>&1)
check_match "a box that makes malloc measurably faster is GO" "$out" $'\nverdict: GO: churn [0-9.]+(%|x) faster'
check_match "a signed GO adds the flag to variants/default" "$(grep -v '^#' variants/default)" '^HAKO_FAST_FIXTURE  # boxes/fast_fixture: GO, ledger #2$'

list=$(./runner list)
check_match "list shows a GO box in default with its verdict" "$list" $'\nfast_fixture +HAKO_FAST_FIXTURE +api +yes +GO #2 '
check_match "list shows a NO-GO box out of default" "$list" $'\nslow_fixture +HAKO_SLOW_FIXTURE +api +no +NO-GO #1 '

out=$(./runner ablate --quick --yes 2>&1)
check_match "ablate compares default against default minus each box" "$out" 'leave out fast_fixture \(HAKO_FAST_FIXTURE\): default against default-HAKO_FAST_FIXTURE'
check_match "... and says a box whose removal is slower still pays" "$out" 'fast_fixture: removing it is not faster .*: keep it'
check "... recorded as a comparison entry marked as an ablation" \
  jq -e -s '.[2] | .kind == "comparison" and .ablation == true and .box == "fast_fixture" and .b.variant == "default-HAKO_FAST_FIXTURE"' ledger/ledger.jsonl

out=$(./runner propose boxes/slow_fixture --quick --yes --override GO --reason "the test overrides the rule" 2>&1)
check "an override is recorded beside the rule's own verdict" \
  jq -e -s '.[3] | .verdict == "GO" and .override.verdict == "GO" and .override.rule_verdict == "NO-GO" and .override.reason == "the test overrides the rule"' ledger/ledger.jsonl
check_match "the table says the rule was overridden, and why" "$out" $'verdict: GO \(override\)\n  the rule said NO-GO: churn [0-9.]+(%|x) slower.*\n  overridden because: the test overrides the rule'

check "verify accepts the ledger, the manifests and the rendering" ./runner verify
out=$(./runner verify 2>&1)
check_match "a second verify skips what is unchanged, and says so" "$out" 'lines 1..4 unchanged since they were verified.*'$'\n''ledger/decisions.md: the rendering of the ledger \(unchanged since it was compared'
cp ledger/charts/0002-fast_fixture.svg "$SANDBOX/chart.svg"
sed -i 's/fast_fixture/fast_fixturX/' ledger/charts/0002-fast_fixture.svg
out=$(./runner verify 2>&1)
check_match "a chart changed after that is still found" "$out" 'ledger/charts: not the rendering of the ledger'
cp "$SANDBOX/chart.svg" ledger/charts/0002-fast_fixture.svg
out=$(./runner verify --full 2>&1)
check_match "verify --full checks and renders everything again" "$out" $'entries, hash chain intact\nledger/decisions.md: the rendering of the ledger$'
check_match "decisions.md has the verdict table" "$(cat ledger/decisions.md)" '\| 2 \| [0-9-]+ \| fast_fixture \| `HAKO_FAST_FIXTURE` \| \*\*GO\*\* \|'
check "there is one SVG chart per decision" test -s ledger/charts/0001-slow_fixture.svg -a -s ledger/charts/0002-fast_fixture.svg -a -s ledger/charts/0004-slow_fixture.svg
check_match "a chart is an SVG naming the box and verdict" "$(head -n 3 ledger/charts/0002-fast_fixture.svg)" '<svg .*#2 fast_fixture: GO'
echo "edited" >>ledger/decisions.md
out=$(./runner verify 2>&1)
check_match "verify notices decisions.md edited by hand" "$out" 'ledger/decisions.md: not the rendering of the ledger'
./runner report >/dev/null
check "report re-renders it" ./runner verify

sed -i '/HAKO_FAST_FIXTURE/d' variants/default
check_match "deleting a GO box's line from variants/default shows it as reverted" "$(./runner list)" $'\nfast_fixture +HAKO_FAST_FIXTURE +api +no +GO #2 [0-9-]+ reverted'
err=$(./runner propose boxes/slow_fixture --quick --yes 2>&1)
check_match "proposing a box already in default is refused" "$err" '^hako: propose: HAKO_SLOW_FIXTURE is already in variants/default'
