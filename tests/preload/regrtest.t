#!/usr/bin/env bash
# python3's own regression tests on hako (the quick set; tests/long/regrtest.t runs more): each
# module in its own `python3 -m test MODULE` process, on glibc then on LD_PRELOAD=libhako.so; no
# module fails on hako that does not fail on glibc too.  Times and peak RSS: build/results/.
set -euo pipefail
# shellcheck source=tests/lib/realprog.sh
source "$(dirname "$0")/../lib/realprog.sh"
need python3
python_regrtest test_dict test_json test_gc test_weakref test_threading test_set test_list \
  test_bytes test_unicode test_re test_collections test_functools test_deque test_sort test_struct
