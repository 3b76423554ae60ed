#!/usr/bin/env bash
# shellcheck disable=SC2016 # jq programs are in single quotes on purpose
# The command line: --help everywhere, one-line errors naming what is wrong and what to do.
set -uo pipefail
# shellcheck source=tests/lib/tap.sh
source "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/runner/lib.sh
source tests/runner/lib.sh
make_sandbox

for c in list build propose compare verify report calibrate ablate matrix; do
  out=$(./runner "$c" --help 2>&1)
  rc=$?
  check_match "./runner $c --help prints its usage and exits 0" "$rc $out" "^0 Usage: \./runner $c"
done
check_match "./runner --help lists every command" "$(./runner --help)" 'list.*build.*propose.*compare.*verify.*report.*calibrate.*ablate.*matrix'
for t in variant plan measure decide ledger render check-boxes matrix-stats; do
  check_match "tools/$t --help prints its usage" "$(tools/$t --help 2>&1)" '^Usage: tools/'
done

# expect_error NAME REGEX CMD...: CMD fails with one line "hako: ..." matching REGEX.
expect_error() {
  local name=$1 re=$2 out rc
  shift 2
  out=$("$@" </dev/null 2>&1)
  rc=$?
  if ((rc != 0)) && [[ $(wc -l <<<"$out") -eq 1 && $out =~ ^hako:\ .*\(.*\)$ && $out =~ $re ]]; then
    ok "$name"
  else
    not_ok "$name" "exit $rc" "${out:0:600}"
  fi
}
expect_error "an unknown command is one line naming it" "unknown command 'frobnicate'" ./runner frobnicate
expect_error "an unknown option is one line naming it" "compare: unknown option --fast" ./runner compare a b --fast
expect_error "compare with one variant says it needs two" "compare: needs two variants" ./runner compare default
expect_error "an unknown variant names the variants/ file" "variants/nosuch: no such variant" ./runner compare glibc nosuch --quick
expect_error "an unknown flag names the flag" "unknown flag HAKO_NOPE" ./runner build +HAKO_NOPE
expect_error "an unknown experiment names its file" "experiments/nosuch/experiment.json: no such experiment" ./runner compare glibc mimalloc --experiments nosuch
expect_error "--override without --reason is refused before measuring" "needs --reason" ./runner propose boxes/x --override GO
expect_error "--override takes only GO or NO-GO" "override MAYBE" ./runner propose boxes/x --override MAYBE --reason r
expect_error "--rounds must be a number" "--rounds many is not a positive number" ./runner compare a b --rounds many
expect_error "proposing a box that does not exist names it" "boxes/nosuch/manifest.json: no such box" ./runner propose boxes/nosuch
mkdir -p boxes/zz_ok
jq -n '{name: "zz_ok", flag: "HAKO_ZZ_OK", layer: "cache", summary: "s", hypothesis: "h", experiments: ["churn"], requires: [], conflicts: []}' >boxes/zz_ok/manifest.json
expect_error "a recording run nobody can sign is refused before it measures" "nobody signs off this entry" ./runner propose boxes/zz_ok --quick
expect_error "compare --record also needs a signer" "nobody signs off" ./runner compare glibc mimalloc --experiments churn --quick --record
git config --unset user.name
mkdir -p "$SANDBOX/home"
expect_error "--yes without a git user says to pass --sign-off" "git config user.name is not set" \
  env HOME="$SANDBOX/home" XDG_CONFIG_HOME="$SANDBOX/home" GIT_CONFIG_NOSYSTEM=1 ./runner compare glibc mimalloc --experiments churn --quick --record --yes
git config user.name Tester
check_eq "nothing was measured or recorded by the refused runs" "$(wc -c <ledger/ledger.jsonl) $(find build/runs -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)" "0 0"

out=$(./runner build glibc)
check_match "build of a peer names its library and package version" "$out" '^glibc: .*libc.so.6 .*libc6 '
if have_hako; then
  out=$(./runner build default)
  check_match "build prints the build hash and the library" "$out" '^[0-9a-f]{64} build/[0-9a-f]{12}/libhako.so'
  again=$(./runner build default)
  check_eq "building again finds the same build" "$again" "$out"
  check_match "build +FLAG builds default plus the flag" "$(./runner build +HAKO_ZZ_OK)" $'\n  variant default\+HAKO_ZZ_OK, flags: .*HAKO_ZZ_OK'
else
  skip "build prints the build hash and the library" "the allocator does not build yet"
fi
