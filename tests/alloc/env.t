#!/usr/bin/env bash
# Options and observability (DESIGN §1): HAKO_STATS=1 writes one JSON line at exit (stderr, or
# appended to HAKO_STATS_FILE), malloc_stats() writes it too, HAKO_VERBOSE=1 a one-line banner,
# an unknown HAKO_* variable is reported; hako_stats_json() and hako_build_info() agree with
# build/libhako.so's build.json.  The program is tests/alloc/probe.c.
set -euo pipefail
# shellcheck source=tests/lib/alloc.sh
source "$(dirname "$0")/../lib/alloc.sh"
bin=build/tests/alloc/probe
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
build_json=$(dirname "$(readlink -f build/libhako.so)")/build.json
hash=$(jq -r .hash "$build_json")
flags=$(jq -c .flags "$build_json")

# probe NAME [ENV=VALUE...] -- [ARG]: runs the probe with these HAKO_* variables only; its stdout is
# $tmp/NAME.out, stderr $tmp/NAME.err, exit status $tmp/NAME.rc.
probe() {
  local name=$1 rc=0
  shift
  local -a envs=()
  while (($#)) && [[ $1 != -- ]]; do envs+=("$1"); shift; done
  shift
  env "${envs[@]}" "$bin" "$@" \
    >"$tmp/$name.out" 2>"$tmp/$name.err" || rc=$?
  echo "$rc" >"$tmp/$name.rc"
}
lines() { if [[ -s $1 ]]; then wc -l <"$1"; else echo 0; fi; }
field() { sed -n "s/^$2 //p" "$tmp/$1.out"; }

probe plain --
check_eq "without HAKO_* variables hako writes nothing on stderr" "$(cat "$tmp/plain.rc"):$(cat "$tmp/plain.err")" "0:"

info=$(field plain info)
version=$(sed -nE 's/^hako ([0-9]+\.[0-9]+\.[0-9]+) build .*/\1/p' <<<"$info")
check_eq "hako_build_info() is \"hako VERSION build HASH flags FLAGS\" of build.json" "$info" \
  "hako $version build $hash flags $(jq -r 'join(",")' <<<"$flags")"
json=$(field plain json)
check "hako_stats_json() is one JSON object" jq -e 'type == "object"' <<<"$json"

probe stats HAKO_STATS=1 -- threads
dump=$(cat "$tmp/stats.err")
check_eq "HAKO_STATS=1 writes exactly one line on stderr" "$(lines "$tmp/stats.err")" 1
check "the exit dump is a JSON object" jq -e 'type == "object"' <<<"$dump"
check_eq "the exit dump names the version, build hash and flags of build.json" \
  "$(jq -c '[.hako, .build, .flags]' <<<"$dump" 2>&1)" "$(jq -nc --arg v "$version" --arg h "$hash" --argjson f "$flags" '[$v, $h, $f]')"
check_eq "the exit dump's pid is the process's" "$(jq .pid <<<"$dump" 2>&1)" "$(field stats pid)"
missing=$(jq -r '[("threads_seen", "peak_mapped_bytes", "peak_rss_bytes") as $k | select((.[$k] | type) != "number") | $k]
  + [("malloc", "free", "remote_free", "hot_hit", "cache_refill", "central_refill", "os_map_bytes",
      "os_unmap_bytes", "purged_bytes") as $k | select((.counters[$k] | type) != "number") | "counters." + $k]
  | join(" ")' <<<"$dump" 2>&1)
check_eq "the exit dump has every field and counter DESIGN §1 names" "$missing" ""
check "the exit dump counts 4 threads, 7000 mallocs and frees, 3000 remote frees" jq -e \
  '.threads_seen >= 4 and .counters.malloc >= 7000 and .counters.free >= 7000 and .counters.remote_free >= 3000
   and .counters.os_map_bytes > 0 and .peak_mapped_bytes > 0 and .peak_rss_bytes > 0' <<<"$dump"
check "the exit dump's span high-water mark is above zero and within the peak mapped" jq -e \
  '.counters.span_bytes_peak > 0 and .counters.span_bytes_peak <= .peak_mapped_bytes' <<<"$dump"

# Large blocks are counted where the thread can (its heap, boxes/heap_counters) or process-wide
# (a thread without a heap): the dump adds both, so the totals are exact either way.
probe large HAKO_STATS=1 -- large
check "the exit dump counts the 400 large blocks of 4 threads (one without a heap), and 1400 mallocs and frees or more" jq -e \
  '.counters.large_alloc == 400 and .counters.malloc >= 1400 and .counters.free >= 1400' "$tmp/large.err"

probe file1 HAKO_STATS=1 "HAKO_STATS_FILE=$tmp/dumps" --
probe file2 HAKO_STATS=1 "HAKO_STATS_FILE=$tmp/dumps" --
check_eq "with HAKO_STATS_FILE nothing goes to stderr" "$(cat "$tmp/file1.err" "$tmp/file2.err")" ""
check_eq "HAKO_STATS_FILE gets one dump appended per run" \
  "$(jq -s -c 'map(.pid)' "$tmp/dumps" 2>&1)" "[$(field file1 pid),$(field file2 pid)]"
# A program that counts its descriptors (python's test_subprocess) sees none of hako's when the
# dump goes to a file; to stderr hako holds one close-on-exec copy, so a closed stderr still gets it.
probe fdplain -- fds
probe fdfile HAKO_STATS=1 "HAKO_STATS_FILE=$tmp/fddumps" -- fds
probe fdstderr HAKO_STATS=1 -- fds
check_eq "with HAKO_STATS_FILE the process has the descriptors it has without hako's options" "$(field fdfile fds)" "$(field fdplain fds)"
check_eq "with the dump to stderr hako holds one descriptor more (its copy of stderr)" \
  "$(wc -w <<<"$(field fdstderr fds)")" "$(($(wc -w <<<"$(field fdplain fds)") + 1))"
probe badfile HAKO_STATS=1 "HAKO_STATS_FILE=$tmp/no/such/dir/dumps" --
check_eq "an unwritable HAKO_STATS_FILE does not change the exit status" "$(cat "$tmp/badfile.rc")" 0

probe forked HAKO_STATS=1 -- fork
# shellcheck disable=SC2016 # $parent is jq's
check "a forked child writes its own dump: two lines, two pids, one the parent's" jq -s -e \
  --argjson parent "$(field forked pid)" 'length == 2 and (map(.pid) | unique | length == 2) and any(.[]; .pid == $parent)' \
  "$tmp/forked.err"

probe mstats -- malloc_stats
check "malloc_stats() writes the dump (one JSON line counting the mallocs)" jq -s -e \
  'length == 1 and .[0].counters.malloc >= 1000' "$tmp/mstats.err"

probe verbose HAKO_VERBOSE=1 --
banner=$(cat "$tmp/verbose.err")
check_eq "HAKO_VERBOSE=1 writes exactly one line on stderr" "$(lines "$tmp/verbose.err")" 1
check_match "the banner names hako, its version, build hash and flags" "$banner" \
  "^hako.*$version.*${hash:0:12}.*flags"

# A build with many boxes: the banner outgrew a 256-byte buffer once and lost its newline.  The
# boxes added conflict with none of the default's (freelist_guard did with boxes/class_lifo's lists:
# the program stopped on a link into another page, a second line).
many="$(tools/variant-flags default | tr '\n' ' ')HAKO_POP_PREFETCH HAKO_SPARE_PAGE HAKO_CHECKS_FULL HAKO_SEGMATH"
if many_lib=$(make -s FLAGS="$many" lib 2>&1 | tail -n 1 | awk '{ print $2 }') && [[ -f $many_lib ]]; then
  HAKO_VERBOSE=1 LD_PRELOAD="$PWD/$many_lib" "$bin" >/dev/null 2>"$tmp/many.err" || true
  check_eq "HAKO_VERBOSE=1 with $(wc -w <<<"$many") flags writes one whole line ($(wc -c <"$tmp/many.err") bytes)" \
    "$(lines "$tmp/many.err") $(grep -c 'HAKO_SEGMATH.*\] pid [0-9]*$' "$tmp/many.err")" "1 1"
else
  not_ok "a library with many boxes builds (make FLAGS=\"$many\" lib)"
fi

probe unknown HAKO_FOO=1 --
check_match "an unknown HAKO_FOO variable is reported on stderr" "$(cat "$tmp/unknown.err")" "HAKO_FOO"
check_eq "an unknown HAKO_FOO variable does not stop the program" "$(cat "$tmp/unknown.rc")" 0
