#!/usr/bin/env bash
# tests/fuzz/fuzz.t with 5 minutes of fuzzing (an hour: make fuzz-long FUZZ_SECONDS=3600).
set -euo pipefail
FUZZ_CI_SECONDS=300 exec "$(dirname "$0")/../fuzz/fuzz.t"
