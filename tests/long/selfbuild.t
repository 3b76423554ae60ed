#!/usr/bin/env bash
# hako's whole build on hako, the long form of tests/preload/selfbuild.t: `make -j2 lib tools
# experiments tests` of a copy of this tree, every process preloaded, gives the glibc run's files
# byte for byte (objects, libraries, programs).
set -euo pipefail
# shellcheck source=tests/lib/realprog.sh
source "$(dirname "$0")/../lib/realprog.sh"
need gcc
need make
src=$tmp/tree
mkdir -p "$src"
cp -r Makefile src include boxes variants tools experiments tests "$src"/

build() {
  rm -rf "$src/build"
  timed_run "$1" "make -j2 lib tools experiments tests" make -s -j2 -C "$src" lib tools experiments tests
  rm -rf "$tmp/$1.built"
  mkdir -p "$tmp/$1.built"
  (cd "$src/build" && find . -type f ! -name '*.json' | sort | while read -r f; do
     mkdir -p "$tmp/$1.built/$(dirname "$f")" && cp "$f" "$tmp/$1.built/$f"; done)
}
build glibc
check_eq "make -j2 lib tools experiments tests works on glibc (the reference run)" "$run_rc" 0
build hako
check_eq "make -j2 lib tools experiments tests works on hako" "$run_rc" 0
report "make -j2 lib tools experiments tests"
n=$(find "$tmp/glibc.built" -type f | wc -l)
if ((n > 10)) && diff -r "$tmp/glibc.built" "$tmp/hako.built" >"$tmp/diff" 2>&1; then
  ok "the build on hako writes the glibc run's $n files byte for byte"
else
  not_ok "the build on hako writes the glibc run's $n files byte for byte" "$(head -n 10 "$tmp/diff")"
fi
