#!/usr/bin/env bash
# Out of memory (tests/oom/oom.c): at RLIMIT_AS every entry point returns NULL with ENOMEM (the
# block to resize intact), memory exhausted by small or aligned blocks or by four threads at once
# ends in ENOMEM, and the process then frees and allocates again.  Each case in a fresh process, on
# glibc (the reference) and on hako (linked and preloaded).  Then real programs under `ulimit -v`:
# python3 on hako catches MemoryError and goes on exactly as on glibc.
set -euo pipefail
# shellcheck source=tests/lib/preload.sh
source "$(dirname "$0")/../lib/preload.sh"
bin=build/tests/oom/oom
ref=build/glibc/oom/oom
if build "the OOM tests build against glibc (the reference)" "$ref"; then
  run_cases -l glibc "$ref"
fi
LD_PRELOAD=$HAKO_SO run_cases "$bin"

need python3
read -r -d '' script <<'PY' || true
import sys
caught = []
for n in (1 << 34, 3 << 30, 1 << 30, 600 << 20):
    try:
        b = bytearray(n)
        caught.append("got %d" % n)
    except MemoryError:
        caught.append("MemoryError %d" % n)
print(caught)
try:
    big = [bytes(1000) * 10 for _ in range(10 ** 7)]
except MemoryError:
    print("MemoryError on many small objects")
big = None
print(sum(len(str(i)) for i in range(200000)), len({i: [i] * 5 for i in range(100000)}))
PY
# ulimit -v in the subshell: 400 MiB of address space for python3 and hako together.
# shellcheck disable=SC2016 # $0 and $1 are the inner shell's
same_as_glibc "python3 under ulimit -v 400 MiB: MemoryError caught, then it goes on" \
  bash -c 'ulimit -v 409600 && exec "$0" -c "$1"' "$PYTHON3" "$script"
