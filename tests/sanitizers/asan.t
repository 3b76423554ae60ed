#!/usr/bin/env bash
# The multi-threaded tests (tests/alloc/threads.c, random.c) with src/ compiled in under
# AddressSanitizer and UndefinedBehaviorSanitizer (build/san/asan/, HAKO_NO_OVERRIDE): every case
# passes and neither reports anything.  Leak checking is off: the tests' blocks are hako's, not the
# sanitizer's, and LSan in a child forked from a threaded parent only reports false leaks.
set -euo pipefail
# shellcheck source=tests/lib/alloc.sh
source "$(dirname "$0")/../lib/alloc.sh"
export ASAN_OPTIONS="halt_on_error=1 detect_leaks=0 ${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="halt_on_error=1 print_stacktrace=1 ${UBSAN_OPTIONS:-}"
run_sanitized asan "ASan/UBSan"
