#!/usr/bin/env bash
# The tests checked against glibc: api, threads and random built on glibc's malloc
# (build/san/glibc/, tests/lib/glibc_shim.h) must pass there, hako's own features skipped.  A
# failure here is a wrong test (or a glibc difference to document), not a hako bug.
set -euo pipefail
# shellcheck source=tests/lib/alloc.sh
source "$(dirname "$0")/../lib/alloc.sh"
if build "the tests build against glibc" build/san/glibc/api build/san/glibc/threads build/san/glibc/random; then
  for t in api threads random; do run_cases -l glibc "build/san/glibc/$t"; done
fi
