#!/usr/bin/env bash
# hako builds itself on hako: `make lib` of a copy of this tree, with make, the shell, gcc (cc1, as,
# ld) and the build-hash tools all preloaded, gives the object files and library of the glibc run,
# byte for byte (same directory, so the debug info matches); that library then serves a program.
set -euo pipefail
# shellcheck source=tests/lib/realprog.sh
source "$(dirname "$0")/../lib/realprog.sh"
need gcc
need make
src=$tmp/tree
mkdir -p "$src"
cp -r Makefile src include boxes variants tools "$src"/

# build ALLOC: make lib in $src on ALLOC; the objects and library are kept in $tmp/ALLOC.out/.
build() {
  rm -rf "$src/build"
  timed_run "$1" "make lib" make -s -C "$src" lib
  mkdir -p "$tmp/$1.built"
  (cd "$src/build" && find . -name '*.o' -o -name 'libhako.so' -type f | sort | while read -r f; do
     mkdir -p "$tmp/$1.built/$(dirname "$f")" && cp "$f" "$tmp/$1.built/$f"; done)
}
build glibc
check_eq "make lib of this tree works on glibc (the reference run)" "$run_rc" 0
build hako
check_eq "make lib of this tree works on hako" "$run_rc" 0
report "make lib"
n=$(find "$tmp/glibc.built" -name '*.o' | wc -l)
if ((n > 0)) && diff -r "$tmp/glibc.built" "$tmp/hako.built" >"$tmp/diff" 2>&1; then
  ok "gcc on hako writes the glibc run's $n object files and libhako.so byte for byte"
else
  not_ok "gcc on hako writes the glibc run's $n object files and libhako.so byte for byte" "$(head -n 10 "$tmp/diff")"
fi
if jq -s -e 'length > 5 and (map(.counters.malloc) | add > 0)' "$tmp/make_lib.hako.dumps" >/dev/null 2>&1; then
  ok "make, gcc and its passes ran on hako's malloc ($(wc -l <"$tmp/make_lib.hako.dumps") processes dumped)"
else
  not_ok "make, gcc and its passes ran on hako's malloc" "dumps: $(head -c 300 "$tmp/make_lib.hako.dumps" 2>/dev/null)"
fi
so=$(find "$src/build" -name libhako.so -type f | head -n 1)
out=$(HAKO_STATS=1 LD_PRELOAD=$so sort /etc/services 2>&1 >/dev/null | jq -r '.counters.malloc' 2>&1 || true)
check_match "the library gcc built on hako serves sort (its dump counts mallocs)" "$out" '^[1-9][0-9]*$'
