#!/usr/bin/env bash
# HAKO_STATS=1 under LD_PRELOAD writes one JSON dump line on stderr at exit, also for programs that
# close their standard streams at exit (coreutils: sort, ls) and for python3, as the README shows.
set -euo pipefail
# shellcheck source=tests/lib/preload.sh
source "$(dirname "$0")/../lib/preload.sh"

# dumps_on_stderr NAME CMD...: CMD's stderr is exactly one JSON line counting mallocs.
dumps_on_stderr() {
  local name=$1 err
  shift
  err=$(HAKO_STATS=1 LD_PRELOAD=$HAKO_SO "$@" 2>&1 >/dev/null </dev/null || true)
  if [[ $(grep -c . <<<"$err") -eq 1 ]] && jq -e '.counters.malloc > 0' <<<"$err" >/dev/null 2>&1; then
    ok "$name"
  else
    not_ok "$name" "stderr: ${err:0:600}"
  fi
}

dumps_on_stderr "HAKO_STATS=1 sort writes its dump on stderr (sort closes stderr at exit)" sort /etc/passwd
dumps_on_stderr "HAKO_STATS=1 ls writes its dump on stderr" ls -l /
dumps_on_stderr "HAKO_STATS=1 python3 writes its dump on stderr" "$PYTHON3" -c 'print(len({i: str(i) for i in range(1000)}))'
dumps_on_stderr "HAKO_STATS=1 bash writes its dump on stderr" bash -c ':'
