#!/usr/bin/env bash
# Cross-thread stress: the experiments that free most blocks in another thread (mt_remote both
# cases, xmalloc, larson t8, thread_churn) with their full parameters, many times each on the
# default build (HAKO_STRESS_LIB=path: another library), each run under a timeout.  A rare race
# in the remote-free paths (a page announced twice to its owner, a cycle in a list) shows up as a
# hang, a crash or a failed self-check; the suite runs each experiment once or twice, in its
# quick form.  A first build of boxes/full_reclaim (a page announced twice) crashed or hung in 1
# run of 25 of mt_remote T=8 R=90 in one loop, in round 3 of a proposal in another, but in 0 of 100
# in a third and 0 of 200 quick runs: a rare race needs many runs, and even these may miss it.
set -euo pipefail
# shellcheck source=tests/lib/tap.sh
source "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/experiments/lib.sh
source tests/experiments/lib.sh
make -s experiments >/dev/null
lib=${HAKO_STRESS_LIB:-$(hako_lib)}
[[ -n $lib ]] || { not_ok "build/libhako.so is built"; exit 0; }
for spec in mt_remote:t8r90:100 mt_remote:t2r50:20 xmalloc:"":20 larson:t8:10 thread_churn:"":40; do
  IFS=: read -r name case runs <<<"$spec"
  mapfile -t argv < <(experiment_argv "$name" "$case" full)
  bad=0 first=''
  for ((i = 1; i <= runs; i++)); do
    rc=0
    out=$(timeout 60 env LD_PRELOAD="$lib" "${argv[@]}" 2>&1) || rc=$?
    if ((rc != 0)) || [[ $out != *'"check":"ok"'* ]]; then
      bad=$((bad + 1))
      [[ -n $first ]] || first="run $i: exit $rc (124: timed out): ${out:0:300}"
    fi
  done
  label="${name}${case:+/$case}"
  if ((bad == 0)); then ok "$label: $runs runs on ${HAKO_STRESS_LIB:-the default}, none hangs, crashes or fails its check"
  else not_ok "$label: $runs runs on ${HAKO_STRESS_LIB:-the default}, none hangs, crashes or fails its check" "$bad bad; $first"; fi
done
