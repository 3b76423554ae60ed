#!/usr/bin/env bash
# The API fuzzer (tests/fuzz/api.c): every input of tests/fuzz/corpus and tests/fuzz/regressions
# replays cleanly on libhako.so, on variants/hardened and under the libFuzzer/ASan/UBSan build (src/
# compiled in); the fuzzer finds a planted fault within a minute (so it can fail); then it fuzzes
# for $HAKO_FUZZ_SECONDS (default 25) and finds nothing.  Long runs: make fuzz-long FUZZ_SECONDS=N.
set -euo pipefail
# shellcheck source=tests/lib/failfast.sh
source "$(dirname "$0")/../lib/failfast.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
secs=${FUZZ_CI_SECONDS:-25}
replay=build/tests/fuzz/api
inputs=(tests/fuzz/corpus tests/fuzz/regressions)
mapfile -t files < <(find "${inputs[@]}" -type f ! -name '*.md' | sort)
n=${#files[@]}

# replays NAME ENV...: the replay binary on every input.
replays() {
  local name=$1 out rc=0
  shift
  out=$(env "$@" "$replay" "${files[@]}" 2>&1) || rc=$?
  if ((rc == 0)) && [[ $out == "replayed $n inputs" ]]; then ok "$name"; else not_ok "$name" "exit $rc" "${out:0:1500}"; fi
}
replays "the $n corpus and regression inputs replay cleanly on libhako.so"
if hardened=$(variant_lib hardened); then
  replays "the $n corpus and regression inputs replay cleanly on variants/hardened" "LD_PRELOAD=$hardened"
else
  not_ok "variants/hardened builds (make VARIANT=hardened lib)"
fi

if ! command -v "${FUZZ_CC:-clang-14}" >/dev/null; then
  skip "the libFuzzer build replays and fuzzes" "${FUZZ_CC:-clang-14} is not installed (tools/setup: clang, libclang-rt-14-dev)"
  exit 0
fi
build "the fuzzer builds with libFuzzer, ASan and UBSan (make fuzz)" build/fuzz/api build/fuzz/api-planted || exit 0
export ASAN_OPTIONS="detect_leaks=0 ${ASAN_OPTIONS:-}"
check "the $n inputs replay cleanly under the libFuzzer/ASan/UBSan build" \
  build/fuzz/api -runs=0 "${inputs[@]}"

rc=0
mkdir -p "$tmp/planted-corpus"
build/fuzz/api-planted -max_total_time=60 -max_len=4097 -seed=1 -artifact_prefix="$tmp/planted-" \
  "$tmp/planted-corpus" "${inputs[@]}" >"$tmp/planted.log" 2>&1 || rc=$?
if ((rc != 0)) && grep -q 'block contents changed' "$tmp/planted.log" && compgen -G "$tmp/planted-crash-*" >/dev/null; then
  ok "the fuzzer finds a planted fault (a byte of a live block flipped) and keeps its input"
  found=$(compgen -G "$tmp/planted-crash-*" | head -n 1)
  rc=0
  "$replay" "$found" >/dev/null 2>&1 || rc=$?
  check_eq "that input replays cleanly on libhako.so (the fault was the harness's, not hako's)" "$rc" 0
else
  not_ok "the fuzzer finds a planted fault (a byte of a live block flipped) and keeps its input" \
    "exit $rc" "$(tail -n 15 "$tmp/planted.log")"
fi

mkdir -p "$tmp/corpus" build/fuzz/findings
rc=0
build/fuzz/api -max_total_time="$secs" -max_len=4097 -rss_limit_mb=3000 -timeout=60 \
  -artifact_prefix=build/fuzz/findings/ "$tmp/corpus" "${inputs[@]}" >"$tmp/fuzz.log" 2>&1 || rc=$?
runs=$(sed -nE 's/^Done ([0-9]+) runs.*/\1/p' "$tmp/fuzz.log")
if ((rc == 0)) && [[ -n $runs ]]; then
  ok "the fuzzer runs ${secs} s and finds nothing"
  printf '#   %s runs, %s\n' "$runs" "$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$tmp/fuzz.log" | tail -n 1)"
else
  not_ok "the fuzzer runs ${secs} s and finds nothing" "exit $rc (its input is in build/fuzz/findings/:" \
    "copy it into tests/fuzz/regressions/)" "$(grep -E -A12 'hako fuzz:|ERROR:|runtime error' "$tmp/fuzz.log" | head -n 30)"
fi
