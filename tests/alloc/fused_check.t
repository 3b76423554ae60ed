#!/usr/bin/env bash
# boxes/fused_block_check: its one-compare block test agrees with the plain test (a multiple of the
# block size, below capacity) for every size class, four capacities and every offset below the
# segment size (tests/alloc/fused/check.c, built here with the box's flag whatever the default).
set -euo pipefail
# shellcheck source=tests/lib/alloc.sh
source "$(dirname "$0")/../lib/alloc.sh"
bin=build/tests/fused_check
mkdir -p build/tests
boxes=$(for d in boxes/*/; do printf -- '-I%s ' "${d%/}"; done)
# shellcheck disable=SC2086
if out=$(gcc -std=gnu11 -O2 -Wall -Werror -Isrc $boxes -DHAKO_PAGE_LINES=1 -DHAKO_FREE_LEAN=1 \
           -DHAKO_FUSED_BLOCK_CHECK=1 -o "$bin" tests/alloc/fused/check.c 2>&1); then
  ok "the exhaustive check of boxes/fused_block_check builds"
  if out=$("$bin" 2>&1); then
    ok "the fused block test agrees with the plain one on every offset of a segment, every class"
  else
    not_ok "the fused block test agrees with the plain one on every offset of a segment, every class" "${out:0:2000}"
  fi
  printf '#   %s\n' "$(tail -n1 <<<"$out")"
else
  not_ok "the exhaustive check of boxes/fused_block_check builds" "${out:0:2000}"
fi
