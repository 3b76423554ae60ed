#!/usr/bin/env bash
# The shell code of the reliability tests (tests/preload, lifecycle, failfast, oom, fuzz, long and
# their helpers in tests/lib) is shellcheck-clean (STYLE.md).
set -uo pipefail
# shellcheck source=tests/lib/tap.sh
source "$(dirname "$0")/../lib/tap.sh"
if ! command -v shellcheck >/dev/null; then
  skip "the reliability tests' shell code is shellcheck-clean" "shellcheck is not installed (tools/setup)"
  exit 0
fi
for f in tests/lib/preload.sh tests/lib/realprog.sh tests/lib/failfast.sh tests/fuzz/run \
         tests/preload/*.t tests/lifecycle/*.t tests/failfast/*.t tests/oom/*.t tests/fuzz/*.t tests/long/*.t; do
  check "$f is shellcheck-clean" shellcheck -x "$f"
done
