#!/usr/bin/env bash
# ledger/decisions.md shows the newest matrix as a table and lists the earlier ones with their
# charts, so a matrix of a few experiments does not hide the last one of the whole suite.
set -uo pipefail
# shellcheck source=tests/lib/tap.sh
source "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/runner/lib.sh
source tests/runner/lib.sh
make_sandbox

./runner matrix glibc mimalloc --experiments churn --quick --record --yes >/dev/null 2>&1
report=$(cat ledger/decisions.md)
check "one matrix: no list of earlier ones" bash -c '! grep -q "Earlier matrix entries" ledger/decisions.md'
check_match "... its table is shown" "$report" $'## Matrix\n\nEntry #1, '

./runner matrix mimalloc glibc --experiments churn --quick --record --yes >/dev/null 2>&1
report=$(cat ledger/decisions.md)
check_match "two matrices: the newest is the table" "$report" $'## Matrix\n\nEntry #2, .*\n\n\\| experiment \\| mimalloc \\| glibc \\|'
check_match "... and the earlier one is listed with its variants, experiments and chart" "$report" \
  $'Earlier matrix entries, newest first[^\n]*\n\n- #1, [0-9-]+, quick form, [0-9]+ rounds, glibc, mimalloc on churn: \\[chart\\]\\(charts/0001-matrix.svg\\)'
check "both charts exist" test -s ledger/charts/0001-matrix.svg -a -s ledger/charts/0002-matrix.svg
check "verify accepts it" ./runner verify
