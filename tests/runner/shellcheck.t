#!/usr/bin/env bash
# The runner's shell code is shellcheck-clean (STYLE.md).
set -uo pipefail
# shellcheck source=tests/lib/tap.sh
source "$(dirname "$0")/../lib/tap.sh"
if ! command -v shellcheck >/dev/null; then
  skip "the runner's shell scripts are shellcheck-clean" "shellcheck is not installed (tools/setup)"
  exit 0
fi
files=(runner tools/common.sh tests/runner/lib.sh tests/runner/*.t)
for f in tools/*; do
  [[ -f $f && -x $f ]] && head -n 1 "$f" | grep -q 'bash' && files+=("$f")
done
for f in "${files[@]}"; do
  check "$f is shellcheck-clean" shellcheck -x "$f"
done
