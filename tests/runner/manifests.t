#!/usr/bin/env bash
# shellcheck disable=SC2016 # jq programs are in single quotes on purpose
# Box manifests and variant files are refused, with the file and field named, for each rule of
# DESIGN.md section 2 (tools/check-boxes, ./runner verify).
set -uo pipefail
# shellcheck source=tests/lib/tap.sh
source "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/runner/lib.sh
source tests/runner/lib.sh
make_sandbox
# A tree of its own: no real boxes, no real code (the lint then sees only what the tests write).
rm -rf boxes/* src/* && printf 'int hako_placeholder;\n' >src/placeholder.c
printf '# empty\n' >variants/default && rm -f variants/hardened

# good_box NAME FLAG: a valid manifest (judged by the fixture experiment churn)
good_box() {
  mkdir -p "boxes/$1"
  jq -n --arg n "$1" --arg f "$2" '{name: $n, flag: $f, layer: "cache", summary: "a test box",
    hypothesis: "faster", experiments: ["churn"], requires: [], conflicts: []}' >"boxes/$1/manifest.json"
}
# with NAME JQ-FILTER: rewrites the box's manifest with the filter
with() { jq "$2" "boxes/$1/manifest.json" >"boxes/$1/m.tmp" && mv "boxes/$1/m.tmp" "boxes/$1/manifest.json"; }
problems() { tools/check-boxes 2>&1; }

good_box alpha HAKO_ALPHA
check "a valid manifest passes" tools/check-boxes
for f in name flag layer summary hypothesis experiments requires conflicts; do
  good_box alpha HAKO_ALPHA
  with alpha "del(.$f)"
  check_match "a manifest without \"$f\" is refused, naming the file and field" "$(problems)" \
    "hako: boxes/alpha/manifest.json: field \"$f\": missing"
done
good_box alpha HAKO_ALPHA
with alpha '.name = "beta"'
check_match "a name other than the folder's is refused" "$(problems)" 'field "name": is "beta" but the folder is "alpha"'
good_box alpha HAKO_ALPHA
with alpha '.flag = "ALPHA"'
check_match "a flag not of the form HAKO_[A-Z0-9_]+ is refused" "$(problems)" 'field "flag": "ALPHA" is not of the form HAKO_'
with alpha '.flag = "HAKO_alpha"'
check_match "a flag in lower case is refused" "$(problems)" 'field "flag": "HAKO_alpha" is not of the form'
good_box alpha HAKO_ALPHA
with alpha '.layer = "turbo"'
check_match "an unknown layer is refused" "$(problems)" 'field "layer": "turbo" is not a layer'
good_box alpha HAKO_ALPHA
good_box beta HAKO_ALPHA
check_match "a flag used by two boxes is refused" "$(problems)" 'boxes/beta/manifest.json: field "flag": HAKO_ALPHA is also the flag of boxes/alpha'
good_box beta HAKO_BETA
with beta '.experiments = ["no_such_experiment"]'
check_match "an unknown experiment is refused" "$(problems)" 'boxes/beta/manifest.json: field "experiments": no experiment "no_such_experiment"'
good_box beta HAKO_BETA
with beta '.requires = ["gamma"]'
check_match "requires naming no box is refused" "$(problems)" 'field "requires": "gamma" names no other box'
good_box beta HAKO_BETA
with beta '.conflicts = ["beta"]'
check_match "conflicts naming the box itself is refused" "$(problems)" 'field "conflicts": "beta" names no other box'
good_box beta HAKO_BETA
printf '{"name": "beta",' >boxes/beta/manifest.json
check_match "a manifest that is not JSON is refused" "$(problems)" 'boxes/beta/manifest.json: not valid JSON'
# tools/box-flags (run by every make) reads all manifests with one jq; a bad one still gets named
good_box beta HAKO_BETA
check_eq "box-flags maps each flag to its folder" "$(tools/box-flags 2>&1)" $'HAKO_ALPHA\tboxes/alpha\nHAKO_BETA\tboxes/beta'
printf '{"name": "beta",' >boxes/beta/manifest.json
out=$(tools/box-flags 2>&1); rc=$?
check_match "box-flags names a manifest that is not JSON, and fails" "$rc $out" '^2 hako: boxes/beta/manifest.json: field "flag" missing or not a string'
good_box beta HAKO_BETA
with beta 'del(.flag)'
out=$(tools/box-flags 2>&1); rc=$?
check_match "box-flags names a manifest without a flag, and fails" "$rc $out" '^2 hako: boxes/beta/manifest.json: field "flag" missing'
good_box beta HAKO_BETA
mkdir -p boxes/gamma
check_match "a box folder without a manifest is refused" "$(problems)" 'boxes/gamma: no manifest.json'
rmdir boxes/gamma

# The lint: a HAKO_ flag tested in the code must be declared.
printf '#if HAKO_UNDECLARED_THING\nint x;\n#endif\n' >src/zz_lint_fixture.h
check_match "a HAKO_ flag tested in src/ that no manifest declares is refused, with file and line" \
  "$(problems)" 'src/zz_lint_fixture.h line 1: HAKO_UNDECLARED_THING is tested but no boxes/\*/manifest.json declares it'
printf '#ifndef HAKO_ZZ_GUARD_H\n#define HAKO_ZZ_GUARD_H\n#if HAKO_ALPHA\n#endif\n#endif\n' >src/zz_lint_fixture.h
check "include guards and declared flags pass the lint" tools/check-boxes
rm -f src/zz_lint_fixture.h
printf '#ifdef HAKO_IN_A_BOX\n#endif\n' >boxes/beta/code.c
check_match "the lint covers the boxes' own code" "$(problems)" 'boxes/beta/code.c line 1: HAKO_IN_A_BOX'
rm -f boxes/beta/code.c

# Variant files.
good_box gamma HAKO_GAMMA
with gamma '.requires = ["alpha"] | .conflicts = ["beta"]'
printf 'HAKO_GAMMA\n' >variants/onlygamma
check_match "a variant that lacks a box's requires is refused" "$(problems)" 'variants/onlygamma: HAKO_GAMMA requires HAKO_ALPHA'
printf 'HAKO_ALPHA\nHAKO_GAMMA   # comments and blank lines are fine\n\nHAKO_BETA\n' >variants/onlygamma
check_match "a variant with a box and its conflict is refused" "$(problems)" "onlygamma.*HAKO_GAMMA conflicts with HAKO_BETA"
printf 'HAKO_ALPHA\nHAKO_GAMMA   # comments and blank lines are fine\n\n' >variants/onlygamma
check "a variant with its requires, comments and blank lines passes" tools/check-boxes
check_eq "a variant file's flags, sorted" "$(tools/variant-flags onlygamma | tr '\n' ' ')" "HAKO_ALPHA HAKO_GAMMA "
check_eq "NAME+FLAG adds and NAME-FLAG removes a flag" "$(tools/variant-flags onlygamma-HAKO_GAMMA+HAKO_BETA | tr '\n' ' ')" "HAKO_ALPHA HAKO_BETA "
printf 'HAKO_NOBODY\n' >variants/bad
check_match "a variant naming an undeclared flag is refused, with file and line" "$(problems)" 'variants/bad line 1: unknown flag HAKO_NOBODY'
rm -f variants/bad
printf '\n' >variants/mimalloc
check_match "a variant file named like a peer is refused" "$(problems)" 'variants/mimalloc: "mimalloc" is a peer'
rm -f variants/mimalloc

# ./runner verify reports the same, and fails.
with gamma 'del(.summary)'
out=$(./runner verify 2>&1)
rc=$?
check_match "./runner verify reports a bad manifest and fails" "$rc $out" '^2 .*boxes/gamma/manifest.json: field "summary"'
with gamma '.summary = "back"'
check "./runner verify passes once it is fixed" ./runner verify

# experiment.json against experiments/README.md's contract.
mkdir -p experiments/zz_bad
jq -n '{name: "other", command: [], params: {}, primary: {metric: "wall", better: "sideways"}}' >experiments/zz_bad/experiment.json
out=$(tools/plan --check-only --experiments zz_bad 2>&1)
check_match "an experiment.json with a wrong name is refused" "$out" 'experiments/zz_bad/experiment.json: field "name": is "other"'
check_match "an experiment.json without a summary is refused" "$out" 'field "summary": missing'
check_match "an experiment.json with an empty command is refused" "$out" 'field "command": missing or not a non-empty array'
check_match "primary.better other than lower/higher is refused" "$out" 'field "primary.better": is "sideways"'
jq -n '{name: "zz_bad", summary: "s", command: ["{bin}", "{ops}", "{what}"], params: {ops: 1}, primary: {metric: "wall", better: "lower"}}' >experiments/zz_bad/experiment.json
check_match "a command placeholder no parameter sets is refused" "$(tools/plan --check-only --experiments zz_bad 2>&1)" 'field "command": uses \{what\} but no parameter sets it'
jq -n '{name: "zz_bad", summary: "s", command: ["{bin}", "{threads}"], params: {threads: 1}, primary: {metric: "wall", better: "lower"},
        single_threaded: false, cases: [{name: "t1", single_threaded: true}, {name: "t2", params: {threads: 2}}]}' >experiments/zz_bad/experiment.json
check_eq "a case's single_threaded overrides the experiment's (t1 counted, t2 not)" \
  "$(tools/plan --experiments zz_bad | jq -r '"\(.id)=\(.single_threaded)"' | tr '\n' ' ')" "zz_bad/t1=true zz_bad/t2=false "
jq '.cases[0].single_threaded = "yes"' experiments/zz_bad/experiment.json >experiments/zz_bad/e && mv experiments/zz_bad/e experiments/zz_bad/experiment.json
check_match "a case's single_threaded other than true/false is refused" "$(tools/plan --check-only --experiments zz_bad 2>&1)" 'field "cases": single_threaded of a case is not true/false'
rm -rf experiments/zz_bad
