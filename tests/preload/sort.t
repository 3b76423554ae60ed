#!/usr/bin/env bash
# sort on hako: 400000 lines sorted with a small buffer (temporary files, 2 threads), and
# numerically with duplicates removed, give glibc's output.
set -euo pipefail
# shellcheck source=tests/lib/preload.sh
source "$(dirname "$0")/../lib/preload.sh"
need sort
awk 'BEGIN { x = 1; for (i = 0; i < 400000; i++) { x = (x * 1103515245 + 12345) % 2147483648;
  printf "%08x %d %s\n", x, x % 100000, substr("the quick brown fox jumps over the lazy dog", 1 + x % 30) } }' >"$tmp/input"
same_as_glibc "sort -S 4M --parallel=2 (400000 lines)" sort -S 4M --parallel=2 -T . "$tmp/input"
same_as_glibc "sort -n -k2,2 -u (400000 lines)" sort -n -k2,2 -u -t ' ' "$tmp/input"
