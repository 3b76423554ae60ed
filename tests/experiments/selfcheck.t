#!/usr/bin/env bash
# The self-checks catch a misbehaving allocator: under a shim that flips one byte of a live block
# (as a heap bug would), every single-threaded experiment exits 3 with "check":"failed: ...".
# (Multi-threaded ones use the same stamps, but a shim that scribbles across threads would race.)
set -euo pipefail
# shellcheck source=tests/lib/tap.sh
source "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/experiments/lib.sh
source tests/experiments/lib.sh

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/scribble.c" <<'C'
/* After 100 mallocs, flips the first byte of the last block malloc returned, if it is still live. */
#include <stddef.h>
void *__libc_malloc(size_t n);
void *__libc_realloc(void *p, size_t n);
void __libc_free(void *p);
static void *last;
static unsigned long calls;
static int done;
void *malloc(size_t n) {
    void *p = __libc_malloc(n);
    if (!done && ++calls >= 100 && last) {
        *(volatile unsigned char *)last ^= 0xff;
        done = 1;
    }
    if (n >= 8)
        last = p;
    return p;
}
void *realloc(void *p, size_t n) {
    if (p == last)
        last = NULL;
    return __libc_realloc(p, n);
}
void free(void *p) {
    if (p == last)
        last = NULL;
    __libc_free(p);
}
C
if ! cc -shared -fPIC -O1 -o "$tmp/scribble.so" "$tmp/scribble.c" 2>"$tmp/cc.err"; then
  not_ok "the scribbling shim compiles" "$(cat "$tmp/cc.err")"
  exit 0
fi
for name in $(experiments); do
  [[ $(jq -r .single_threaded "experiments/$name/experiment.json") == true ]] || continue
  run_quick "$name" "" "$tmp/scribble.so"
  if ((rc == 3)) && jq -e --arg n "$name" '.experiment == $n and (.check | startswith("failed: "))' \
    <<<"$line" >/dev/null 2>&1; then
    ok "$name: a byte flipped in a live block fails the self-check (exit 3)"
  else
    not_ok "$name: a byte flipped in a live block fails the self-check (exit 3)" "exit $rc" "stdout: ${out: -500}" \
      "stderr: ${err: -500}"
  fi
done
