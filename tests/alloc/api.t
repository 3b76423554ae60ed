#!/usr/bin/env bash
# API conformance (tests/alloc/api.c): every allocator symbol with the semantics of DESIGN §1
# "Required behaviour", each group of checks in a fresh process.
set -euo pipefail
# shellcheck source=tests/lib/alloc.sh
source "$(dirname "$0")/../lib/alloc.sh"
run_cases build/tests/alloc/api
