#!/usr/bin/env bash
# Lifecycle (tests/lifecycle/lifecycle.c): allocation in key and thread_local destructors after
# hako took the thread's heap back, in atexit handlers after hako's exit dump, exit() from a
# thread, a main thread that leaves first, dlopen of modules with __thread data, fork storms from
# a busy threaded parent, fork in a signal handler, a thread's first call being free or realloc.
# Each case runs in a fresh process, first on glibc's malloc (the reference: it shows each check
# is right), then on hako (linked, and preloaded as a user would).  LIFECYCLE_SCALE=N multiplies
# the work (tests/long runs it with 10).
set -euo pipefail
# shellcheck source=tests/lib/alloc.sh
source "$(dirname "$0")/../lib/alloc.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ulimit -c 0
export LIFECYCLE_MODDIR=$HAKO_ROOT/build/tests/lifecycle
bin=build/tests/lifecycle/lifecycle
ref=build/glibc/lifecycle/lifecycle

if build "the lifecycle tests build against glibc (the reference)" "$ref"; then
  run_cases -l glibc "$ref"
fi

mapfile -t cases < <("$bin" --list | grep -vx exit-late)
LD_PRELOAD=$HAKO_ROOT/build/libhako.so run_cases "$bin" "${cases[@]}"

# exit-late: with HAKO_STATS, hako still writes its dump after the handlers that allocate late.
out=$(HAKO_STATS=1 HAKO_STATS_FILE=$tmp/dump LD_PRELOAD=$HAKO_ROOT/build/libhako.so \
      run_cases "$bin" exit-late)
printf '%s\n' "$out"
check_match "the exit-late handler ran to its end on hako" "$out" \
  "ok - a block allocated in main is intact when freed at the very end"
check "hako writes one exit dump after the late allocations" jq -e -s 'length == 1 and .[0].counters.malloc > 0' "$tmp/dump"
