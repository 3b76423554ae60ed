#!/usr/bin/env bash
# Fail-fast (DESIGN §1): each invalid free or realloc (tests/alloc/badfree.c), in its own process,
# stops it with SIGABRT and the one line "hako: free(): <cause> <pointer>" on stderr
# ("hako: realloc(): ..." for realloc).  The cause's wording is hako's; it is shown as a diagnostic.
set -euo pipefail
# shellcheck source=tests/lib/alloc.sh
source "$(dirname "$0")/../lib/alloc.sh"
bin=build/tests/alloc/badfree
ulimit -c 0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect_abort CASE FUNCTION BEHAVIOUR [CAUSE]: CAUSE, when given, must be the message's cause
expect_abort() {
  local case=$1 fn=$2 name=$3 cause=${4:-} rc=0 ptr hex line
  { "$bin" "$case" >"$tmp/out" 2>"$tmp/err"; } 2>/dev/null || rc=$?
  ptr=$(sed -n 's/^ptr //p' "$tmp/out")
  hex=${ptr#0x}
  line=$(head -n1 "$tmp/err")
  if ((rc == 134)) && [[ -n $hex ]] && [[ $(wc -l <"$tmp/err") -eq 1 ]] &&
     [[ $line =~ ^hako:\ $fn\(\):\ (.+)\ (0x)?0*$hex$ ]] && [[ -z $cause || ${BASH_REMATCH[1]} == "$cause" ]]; then
    ok "$name"
    printf '#   %s\n' "$line"
  else
    not_ok "$name" "exit status $rc (134 is SIGABRT), pointer ${ptr:-none}" \
      "stderr: $(head -c 600 "$tmp/err")"
  fi
}

expect_abort stack free "free of a stack pointer aborts with a message"
expect_abort global free "free of a pointer to a global aborts with a message"
expect_abort wild free "free of a wild address aborts with a message"
expect_abort unmapped free "free of an unmapped page aborts with a message"
expect_abort foreign free "free of a page mmap gave the program aborts with a message"
expect_abort interior-small free "free of a pointer inside a small block aborts with a message"
expect_abort interior-odd free "free of a pointer 8 bytes into a block aborts with a message"
expect_abort interior-large free "free of a pointer inside a large block aborts with a message"
expect_abort interior-huge free "free of a pointer inside a huge block aborts with a message"
expect_abort double-small free "a double free of a small block aborts with a message"
expect_abort double-later free "a double free after other frees aborts with a message"
expect_abort double-large free "a double free of a large block aborts with a message"
expect_abort double-huge free "a double free of a huge block aborts with a message"
expect_abort double-remote free "free by the owner of a block another thread freed aborts with a message"
expect_abort double-orphan free "a double free of a block whose owner thread exited aborts with a message"
expect_abort double-lent free "a double free of a block lent to its class's current page aborts with a message"
expect_abort double-listed free "a double free of a 1000-byte block (on its class's list with boxes/class_lifo) aborts with a message"
# boxes/page_recycle: the page of a 100 KiB block leaves its class when the block is freed, so the
# second free finds memory no page uses; without the box the page stays and the block's mark says it.
if tools/variant-flags default | grep -qx HAKO_PAGE_RECYCLE; then
  midsize_cause="double free or invalid pointer (memory not in use)"
else
  midsize_cause="double free"
fi
expect_abort double-midsize free "a double free of a 100 KiB block (its page emptied by the first) aborts: $midsize_cause" \
  "$midsize_cause"
expect_abort released free "free of a block of a segment malloc_trim gave back aborts: not hako's (boxes/segment_arena: the emptied segment reads back as zeros)" \
  "invalid pointer (not allocated by hako)"
expect_abort realloc-stack realloc "realloc of a stack pointer aborts with a message"
expect_abort realloc-interior realloc "realloc of a pointer inside a block aborts with a message"
expect_abort realloc-freed realloc "realloc of a freed block aborts with a message"

rc=0
"$bin" valid >"$tmp/out" 2>"$tmp/err" || rc=$?
check_eq "a correct program exits 0 with nothing on stderr" "$rc:$(cat "$tmp/err")" "0:"
