#!/usr/bin/env bash
# Every box compiles in every variant one flag away that can hold it: the default without each of
# its boxes, and the baseline and the default with each other box (tools/variant-flags adds what it
# requires), so that code under one flag never leans on a flag the variant may lack (boxes/lend_lean
# once compiled only with boxes/lend_gate: `./runner build default-HAKO_LEND_GATE` failed).  Errors
# and warnings only (`make syntax`: -fsyntax-only, the build's flags, -Werror), no objects.  A
# variant the manifests refuse (a conflict, or a box another one requires) is not a variant: it is
# named in a comment, not counted.
set -uo pipefail
# shellcheck source=tests/lib/tap.sh
source "$(dirname "$0")/../lib/tap.sh"

if ! default=$(tools/variant-flags default 2>&1); then
  not_ok "the default resolves" "$default"
  exit 0
fi
# one_variant V: its TAP line (run two at a time: each make computes a build hash first)
one_variant() {
  local v=$1 flags
  if ! flags=$(tools/variant-flags "$v" 2>&1); then
    printf '# not a variant: %s (%s)\n' "$v" "${flags#hako: }"
    return 0
  fi
  check "$v compiles (make syntax FLAGS=<its flags>)" make -s syntax FLAGS="${flags//$'\n'/ }"
}
export -f one_variant ok not_ok check
# shellcheck disable=SC2016 # $1 is bash -c's own argument
while IFS=$'\t' read -r flag _; do
  if grep -qx "$flag" <<<"$default"; then
    echo "default-$flag"
  else
    printf '%s\n' "baseline+$flag" "default+$flag"
  fi
done < <(tools/box-flags) | xargs -P 2 -I{} bash -c 'one_variant "$1"' _ {}
