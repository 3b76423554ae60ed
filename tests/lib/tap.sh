# Shared helpers for shell test files (source it): each prints one TAP-style line.
#   ok NAME | not_ok NAME [DIAG...] | skip NAME WHY
#   check NAME CMD...            ok when CMD exits 0 (its output shown on failure)
#   check_eq NAME GOT WANT       ok when the two strings are equal
#   check_match NAME TEXT REGEX  ok when TEXT matches the extended regex
# HAKO_ROOT is the repository root; tests run from there.
HAKO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$HAKO_ROOT" || exit 1
ok() { printf 'ok - %s\n' "$1"; }
not_ok() {
  printf 'not ok - %s\n' "$1"
  shift
  local d
  for d in "$@"; do printf '#   %s\n' "$d"; done
  return 0
}
skip() { printf 'ok - %s # SKIP %s\n' "$1" "$2"; }
check() {
  local name=$1 out
  shift
  if out=$("$@" 2>&1); then ok "$name"; else not_ok "$name" "command: $*" "${out:0:2000}"; fi
}
check_eq() {
  if [[ $2 == "$3" ]]; then ok "$1"; else not_ok "$1" "got:  ${2:0:1000}" "want: ${3:0:1000}"; fi
}
check_match() {
  if [[ $2 =~ $3 ]]; then ok "$1"; else not_ok "$1" "text: ${2:0:1000}" "does not match: $3"; fi
}
