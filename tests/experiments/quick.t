#!/usr/bin/env bash
# Every experiment's quick form (each case) runs under glibc and under hako, passes its self-check
# and ends with a valid output line (experiments/README.md).
set -euo pipefail
# shellcheck source=tests/lib/tap.sh
source "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/experiments/lib.sh
source tests/experiments/lib.sh

# valid_line NAME PRIMARY: the last line is the contract's JSON object with "check":"ok".
valid_line() {
  jq -e --arg name "$1" --arg primary "$2" '
    .experiment == $name and .check == "ok" and (.params | type) == "object"
    and (.ops | type) == "number" and (.seconds | type) == "number" and (.ops_per_s | type) == "number"
    and ($primary == "wall" or (.[$primary] | type) == "number")' <<<"$line" >/dev/null 2>&1
}

hako=$(hako_lib)
for name in $(experiments); do
  primary=$(jq -r '.primary.metric' "experiments/$name/experiment.json")
  while IFS= read -r case; do
    label=$name${case:+/$case}
    for alloc in glibc hako; do
      lib=
      if [[ $alloc == hako ]]; then
        if [[ -z $hako ]]; then
          skip "$label quick form passes its self-check under hako" "build/libhako.so is not built yet (run make)"
          continue
        fi
        lib=$hako
      fi
      run_quick "$name" "$case" "$lib"
      if ((rc == 0)) && valid_line "$name" "$primary"; then
        ok "$label quick form passes its self-check under $alloc"
      else
        not_ok "$label quick form passes its self-check under $alloc" "exit $rc" "stdout: ${out: -1000}" \
          "stderr: ${err: -1000}"
      fi
    done
  done < <(experiment_cases "$name")
done
