#!/usr/bin/env bash
# tests/lifecycle/lifecycle.t with 10 times the threads, forks and dlopen cycles.
set -euo pipefail
LIFECYCLE_SCALE=10 exec "$(dirname "$0")/../lifecycle/lifecycle.t"
