#!/usr/bin/env bash
# Threads (tests/alloc/threads.c): 400 threads at once, remote frees, thread churn and
# producer/consumer with RSS bounds, frees from never-allocating threads and after the owner
# exited, a thread's first call being free or realloc, large blocks reusing the thread's own
# memory (boxes/large_affinity), fork from a threaded parent.
# Each case runs in a fresh process, so that its RSS bound starts from a clean process.
set -euo pipefail
# shellcheck source=tests/lib/alloc.sh
source "$(dirname "$0")/../lib/alloc.sh"
run_cases build/tests/alloc/threads
