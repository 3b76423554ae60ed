#!/usr/bin/env bash
# A long random sequence of every hako_* call keeps every block intact (tests/alloc/random.c).
set -euo pipefail
# shellcheck source=tests/lib/alloc.sh
source "$(dirname "$0")/../lib/alloc.sh"
run_cases build/tests/alloc/random
