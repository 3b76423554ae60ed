# Helpers for the experiment tests (source it after tests/lib/tap.sh).
#   experiments                      every experiment's name (folders with an experiment.json)
#   experiment_cases NAME            its case names, one a line ("" when it has none)
#   experiment_argv NAME CASE [full] the quick form's argv, one a line: params, then the case's, then quick
#                                    (with "full": without quick, the form the runner measures)
#   run_quick NAME CASE LIB          runs it (LIB preloaded the way experiment.json says, "" for glibc);
#                                    sets rc, out (stdout), err (stderr) and line (the last line of stdout)
#   hako_lib                         build/libhako.so's absolute path, or "" when it is not built yet
# shellcheck shell=bash disable=SC2034  # rc, out, err, line are run_quick's results for the caller
experiments() {
  local f
  for f in experiments/*/experiment.json; do
    [[ -e $f ]] && basename "$(dirname "$f")"
  done
}

experiment_cases() {
  jq -r 'if (.cases // []) == [] then "" else .cases[].name end' "experiments/$1/experiment.json"
}

experiment_argv() {
  jq -r --arg bin "build/experiments/$1" --arg dir "experiments/$1" --arg case "$2" --arg full "${3:-}" '
    (.params + ((.cases // []) | map(select(.name == $case)) | first | .params // {})
     + (if $full == "full" then {} else (.quick // {}) end)) as $p
    | .command[]
    | gsub("\\{bin\\}"; $bin) | gsub("\\{dir\\}"; $dir)
    | reduce ($p | to_entries[]) as $e (.; gsub("\\{" + $e.key + "\\}"; $e.value | tostring))
  ' "experiments/$1/experiment.json"
}

run_quick() {
  local name=$1 case=$2 lib=$3 preload errf
  local -a argv
  mapfile -t argv < <(experiment_argv "$name" "$case")
  preload=$(jq -r '.preload // "command"' "experiments/$name/experiment.json")
  errf=$(mktemp)
  rc=0
  if [[ $preload == server ]]; then
    out=$(BENCH_PRELOAD=$lib timeout -k 5 120 "${argv[@]}" 2>"$errf") || rc=$?
  elif [[ -n $lib ]]; then
    out=$(LD_PRELOAD=$lib timeout -k 5 120 "${argv[@]}" 2>"$errf") || rc=$?
  else
    out=$(timeout -k 5 120 "${argv[@]}" 2>"$errf") || rc=$?
  fi
  err=$(<"$errf")
  rm -f "$errf"
  line=$(tail -n 1 <<<"$out")
}

hako_lib() {
  if [[ -e build/libhako.so ]]; then
    realpath build/libhako.so
  fi
}
