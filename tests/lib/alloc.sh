# shellcheck shell=bash
# Helpers for the allocator's shell test files (source it; it sources tap.sh).
#   run_cases [-l LABEL] BIN [CASE...]  runs each case of a C test binary (tests/lib/alloc.h; all
#                                      of them, from BIN --list, when none is named) in a fresh
#                                      process; its TAP lines pass through, named "LABEL: ..." with
#                                      -l; a crash or a non-zero exit without a "not ok" line
#                                      becomes one ("BIN CASE runs to completion"), and so does a
#                                      case whose count of check lines is not the one its
#                                      "# plan: N checks" line (T_PLAN, tests/lib/tap.h) gave.
#   build NAME TARGET...               make -s TARGET...: one check NAME, make's output on failure
#   run_sanitized KIND NAME            builds the multi-threaded tests with sanitizer KIND (tsan,
#                                      asan: the Makefile's build/san/KIND/) and runs every case,
#                                      each also checked for a report of sanitizer NAME
# shellcheck source=tests/lib/tap.sh
source "$(dirname "${BASH_SOURCE[0]}")/tap.sh"

# hako reads every HAKO_* variable and reports unknown ones on stderr; the tests start without any
# (the project's own, like HAKO_TEST_TIMEOUT, included) and set the ones they test.
while read -r v; do unset "$v"; done < <(compgen -e | grep '^HAKO_' || true)

SANITIZED_TESTS=(threads random)
SANITIZER_REPORT='WARNING: ThreadSanitizer|ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:'

# _run_case LABEL BIN CASE: prints the case's TAP lines; its output stays in $case_out.
_run_case() {
  local label=$1 bin=$2 c=$3 rc=0 line plan='' got=0
  case_out=$("$bin" "$c" 2>&1) || rc=$?
  if [[ -n $label ]]; then
    sed -E "s/^(not ok|ok) - /\\1 - ${label//\//\\/}: /" <<<"$case_out"
  else
    printf '%s\n' "$case_out"
  fi
  if ((rc != 0)) && ! grep -q '^not ok' <<<"$case_out"; then
    not_ok "${label:+$label: }${bin##*/} $c runs to completion" \
      "exit status $rc$( ((rc > 128)) && echo " (signal $((rc - 128)))")"
  fi
  # A line lost at exit (a racing exit(), an unflushed buffer) would otherwise go unnoticed.
  # Builtins only: the caller's LD_PRELOAD and HAKO_* (a stats dump file) reach any process.
  while IFS= read -r line; do
    case $line in
      'ok - '* | 'not ok - '*) got=$((got + 1)) ;;
      '# plan: '*' checks') plan=${line#'# plan: '} plan=${plan%' checks'} ;;
    esac
  done <<<"$case_out"
  if [[ $plan =~ ^[0-9]+$ ]] && ((got != plan)); then
    not_ok "${label:+$label: }${bin##*/} $c prints the $plan checks it plans (printed $got)" \
      "a check line went missing (or was printed twice); the case's output is above"
  fi
}

run_cases() {
  local label='' bin c
  local -a cases
  if [[ ${1:-} == -l ]]; then label=$2; shift 2; fi
  bin=$1
  shift
  if (($#)); then cases=("$@"); else mapfile -t cases < <("$bin" --list); fi
  for c in "${cases[@]}"; do _run_case "$label" "$bin" "$c"; done
}

build() {
  local name=$1 out
  shift
  if out=$(make -s "$@" 2>&1); then ok "$name"; return 0; fi
  not_ok "$name" "make -s $*" "${out:0:3000}"
  return 1
}

run_sanitized() {
  local kind=$1 name=$2 t c
  local -a bins=() cases
  for t in "${SANITIZED_TESTS[@]}"; do bins+=("build/san/$kind/$t"); done
  if ! grep -rqs HAKO_NO_OVERRIDE src; then
    skip "the multi-threaded tests build with $name" \
      "src/ has no HAKO_NO_OVERRIDE mode yet (needed to build it beside a sanitizer's malloc)"
    return 0
  fi
  build "src/ and the multi-threaded tests build with $name" "${bins[@]}" || return 0
  for t in "${bins[@]}"; do
    mapfile -t cases < <("$t" --list)
    for c in "${cases[@]}"; do
      _run_case "$kind" "$t" "$c"
      if grep -Eq "$SANITIZER_REPORT" <<<"$case_out"; then
        not_ok "$kind: ${t##*/} $c: $name reports nothing" \
          "$(grep -E -m1 -A12 "$SANITIZER_REPORT" <<<"$case_out")"
      else
        ok "$kind: ${t##*/} $c: $name reports nothing"
      fi
    done
  done
}
