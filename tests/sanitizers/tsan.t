#!/usr/bin/env bash
# The multi-threaded tests (tests/alloc/threads.c, random.c) with src/ compiled in under
# ThreadSanitizer (build/san/tsan/, HAKO_NO_OVERRIDE): every case passes and TSan reports nothing.
set -euo pipefail
# shellcheck source=tests/lib/alloc.sh
source "$(dirname "$0")/../lib/alloc.sh"
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
run_sanitized tsan ThreadSanitizer
