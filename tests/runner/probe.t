#!/usr/bin/env bash
# shellcheck disable=SC2016 # jq programs are in single quotes on purpose
# tools/probe, the machine's state read before each timed run: its output, its one-CPU case, its
# errors, and how a table shows the readings (one state, or two with each side's median in each).
set -uo pipefail
# shellcheck source=tests/lib/tap.sh
source "$(dirname "$0")/../lib/tap.sh"
make -s tools >/dev/null
probe=build/tools/probe

out=$($probe)
check "probe prints one JSON object with the round trip and one core's time" \
  jq -e 'keys == ["rtt_ns", "spin_ns"] and (.spin_ns | type) == "number" and .spin_ns > 0' <<<"$out"
if (($(nproc) >= 2)); then
  check "with two CPUs the round trip is a positive number of ns" jq -e '(.rtt_ns | type) == "number" and .rtt_ns > 0' <<<"$out"
else
  skip "with two CPUs the round trip is a positive number of ns" "this machine has one CPU"
fi
check_eq "prints exactly one line" "$(wc -l <<<"$out")" 1
out=$(taskset -c 0 "$probe")
check "on one CPU there is no round trip to measure: rtt_ns is null, spin_ns still counted" \
  jq -e '.rtt_ns == null and .spin_ns > 0' <<<"$out"
check_match "--help says what it prints" "$($probe --help)" '^usage: probe'
err=$($probe --bogus 2>&1 >/dev/null); rc=$?
check_eq "an unknown argument is a usage error (status 2)" "$rc" 2
check_match "... with the usage on stderr" "$err" '^usage: probe'

# The text a table prints from the readings (tools/format.jq probe_text).
text() { jq -n -r -L tools --argjson s "$1" 'include "format"; probe_text($s; "wall")'; }
one='[{"name":"A","values":[0.2,0.3],"rtt":[470,480],"spin":[300000,310000]},
      {"name":"B","values":[0.4,0.5],"rtt":[460,490],"spin":[290000,300000]}]'
check_match "one state: the round trip's median and range, one core's in us" "$(text "$one")" \
  '^round trip 475 ns \(460\.\.490\), one core 300 us \(290\.\.310\)$'
two='[{"name":"A","values":[0.2,0.6,0.6],"rtt":[125,500,510],"spin":[300000,300000,300000]},
      {"name":"B","values":[0.3,0.4,0.4],"rtt":[130,490,505],"spin":[300000,300000,300000]}]'
check_match "both states (far: a round trip 2x the fastest): each side's median in each, with counts" "$(text "$two")" \
  'both states, far = round trip >= 250 ns: A close 200\.0 ms \(1 run\), far 600\.0 ms \(2\); B close 300\.0 ms \(1 run\), far 400\.0 ms \(2\)$'
old='[{"name":"A","values":[0.2],"rtt":[null],"spin":[null]},{"name":"B","values":[0.3],"rtt":[null],"spin":[null]}]'
check_eq "runs recorded before the probe existed print nothing" "$(text "$old")" ""
