#!/usr/bin/env bash
# Fail-fast beyond tests/alloc/badfree.t (tests/failfast/failfast.c): double frees across threads
# (two remote frees, owner then remote, an exited owner's block, realloc after a remote free), a
# large block freed again after its thread's cache let it go, or after it was joined to the kept
# span it was cut from (boxes/large_split), and interior pointers stop the process on the default
# build and on variants/hardened; a write past
# the end of a block, a write into a freed block that is reused, and a corrupted free-list link
# stop it on variants/hardened (boxes/checks_full, boxes/freelist_guard), each with one line
# "hako: <function>(): <cause> <pointer>" and SIGABRT.
set -euo pipefail
# shellcheck source=tests/lib/failfast.sh
source "$(dirname "$0")/../lib/failfast.sh"
bin=build/tests/failfast/failfast

check_eq "a correct program that frees across threads exits 0 with nothing on stderr" \
  "$("$bin" valid 2>&1 >/dev/null; echo "status $?")" "status 0"
check_eq "a huge mapping reused by an aligned block, then by a huge block again, exits 0 silently" \
  "$("$bin" valid-huge-reuse 2>&1 >/dev/null; echo "status $?")" "status 0"

# cross_thread LABEL ENV...: the double frees and interior pointers, on one build.
cross_thread() {
  local label=$1 s
  shift
  local -a e=()
  for s in "$@"; do e+=(-e "$s"); done
  for s in small large huge; do
    expect_abort "${e[@]}" "$bin" "remote-twice-$s" free "$label: a $s block freed by two other threads aborts"
    expect_abort "${e[@]}" "$bin" "owner-then-remote-$s" free "$label: a $s block freed by its owner, then by another thread, aborts"
    expect_abort "${e[@]}" "$bin" "orphan-remote-twice-$s" free "$label: a $s block of an exited thread freed twice by other threads aborts"
  done
  expect_abort "${e[@]}" "$bin" realloc-after-remote-free realloc "$label: realloc of a block another thread freed aborts"
  expect_abort "${e[@]}" "$bin" remote-realloc-after-free realloc "$label: realloc by another thread of a freed block aborts"
  expect_abort "${e[@]}" "$bin" evicted-twice-large free "$label: a large block freed again after larger frees pushed it out of the thread's cache aborts"
  expect_abort "${e[@]}" "$bin" joined-twice-large free "$label: a large block cut from a kept span, freed (joined to it again) and freed again aborts"
  expect_abort "${e[@]}" "$bin" remote-interior free "$label: free by another thread of a pointer inside a block aborts"
  expect_abort "${e[@]}" "$bin" interior-aligned free "$label: free of a pointer inside a 4096-aligned block aborts"
}
cross_thread default

if ! hardened=$(variant_lib hardened); then
  not_ok "variants/hardened builds (make VARIANT=hardened lib)"
  exit 0
fi
ok "variants/hardened builds (make VARIANT=hardened lib)"
flags=$(tools/variant-flags hardened | tr '\n' ' ')
check_match "a program preloaded with the hardened library runs on it (hako_build_info names its flags)" \
  "$(LD_PRELOAD=$hardened "$bin" valid | head -n 1)" "HAKO_CHECKS_FULL"
cross_thread hardened "LD_PRELOAD=$hardened"
check_eq "hardened: a correct program exits 0 with nothing on stderr" \
  "$(LD_PRELOAD=$hardened "$bin" valid 2>&1 >/dev/null; echo "status $?")" "status 0"
check_eq "hardened: a huge mapping reused by an aligned block, then by a huge block again, is no write after free" \
  "$(LD_PRELOAD=$hardened "$bin" valid-huge-reuse 2>&1 >/dev/null; echo "status $?")" "status 0"
if [[ " $flags " == *" HAKO_CHECKS_FULL "* ]]; then
  H=(-e "LD_PRELOAD=$hardened")
  expect_abort "${H[@]}" "$bin" overflow-small free "hardened: a write one byte past a small block stops free"
  expect_abort "${H[@]}" "$bin" overflow-large free "hardened: a write one byte past a large block stops free"
  expect_abort "${H[@]}" "$bin" overflow-huge free "hardened: a write one byte past a huge block stops free"
  expect_abort "${H[@]}" "$bin" overflow-remote free "hardened: a write past the end stops a free by another thread"
  expect_abort "${H[@]}" "$bin" overflow-realloc realloc "hardened: a write past the end of a block stops realloc"
  expect_abort "${H[@]}" "$bin" use-after-free-small malloc "hardened: a write into a freed small block stops the malloc that reuses it"
  skip "hardened: a write into a freed large block stops the malloc that reuses it" \
    "checks_full judges a reused block only with its span's layout, and a large block's span has a new one each time"
else
  skip "hardened: a write past the end of a block stops free" "no HAKO_CHECKS_FULL in variants/hardened"
fi
if [[ " $flags " == *" HAKO_FREELIST_GUARD "* ]]; then
  expect_abort -e "LD_PRELOAD=$hardened" "$bin" freelist-corrupt malloc \
    "hardened: a free block whose free-list link was overwritten stops malloc"
  if guard=$(variant_lib HAKO_FREELIST_GUARD\ ); then
    expect_abort -e "LD_PRELOAD=$guard" "$bin" freelist-corrupt malloc \
      "HAKO_FREELIST_GUARD alone: a free block whose free-list link was overwritten stops malloc"
  else
    not_ok "a build with HAKO_FREELIST_GUARD alone builds"
  fi
else
  skip "hardened: a free block whose free-list link was overwritten stops malloc" \
    "no free-list guard box in this variant yet"
fi
