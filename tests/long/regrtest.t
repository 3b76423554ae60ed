#!/usr/bin/env bash
# python3's own regression tests on hako, the long set (tests/preload/regrtest.t is the quick one):
# 36 modules, each in its own process, on glibc then on LD_PRELOAD=libhako.so; no module fails on
# hako that does not fail on glibc too.
set -euo pipefail
# shellcheck source=tests/lib/realprog.sh
source "$(dirname "$0")/../lib/realprog.sh"
need python3
python_regrtest test_dict test_json test_gc test_weakref test_threading test_set test_list \
  test_bytes test_unicode test_re test_collections test_functools test_deque test_sort test_struct \
  test_io test_pickle test_decimal test_mmap test_zlib test_array test_hashlib test_itertools \
  test_queue test_thread test_threading_local test_subprocess test_ctypes test_tracemalloc \
  test_capi test_sys test_os test_fork1 test_signal test_asyncio test_concurrent_futures
