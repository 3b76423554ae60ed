# shellcheck shell=bash
# Helpers for tests/preload/*.t: a real program on hako's malloc (LD_PRELOAD=build/libhako.so)
# must behave exactly as on glibc's.  Source it; it sources alloc.sh and makes $tmp (removed at exit).
#   need PROGRAM                       ends the test file with one skip when PROGRAM is missing
#   $PYTHON3                           the system's python3 (not a version manager's shim script)
#   same_as_glibc [-s N] NAME CMD...   runs CMD twice, each time in a fresh empty directory with
#                                      stdin from /dev/null: on glibc, then on hako with its exit
#                                      dumps in a HAKO_STATS_FILE.  Checks that the glibc run works
#                                      (status N, default 0, and some output), that on hako the
#                                      exit status, stdout and stderr are glibc's, and that the
#                                      dumps show hako served the mallocs (the preload took effect).
# shellcheck source=tests/lib/alloc.sh
source "$(dirname "${BASH_SOURCE[0]}")/alloc.sh"
HAKO_SO=$HAKO_ROOT/build/libhako.so
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export LC_ALL=C TZ=UTC
unset LD_PRELOAD

PYTHON3=/usr/bin/python3
if [[ ! -x $PYTHON3 ]]; then PYTHON3=$(command -v python3 || echo python3); fi
export PYTHON3

need() {
  if ! command -v "$1" >/dev/null; then
    skip "$1 on hako behaves as on glibc" "$1 is not installed (tools/setup installs it)"
    exit 0
  fi
}

# _run_in DIR CMD...: runs CMD in DIR (made beforehand); DIR.out .err .rc hold what it did.
_run_in() {
  local dir=$1 rc=0
  shift
  (cd "$dir" && exec "$@" </dev/null >"$dir.out" 2>"$dir.err") || rc=$?
  echo "$rc" >"$dir.rc"
}

_same_file() {
  local name=$1 got=$2 want=$3
  if cmp -s "$got" "$want"; then
    ok "$name"
  else
    not_ok "$name" "$(diff "$want" "$got" | head -n 20)"
  fi
}

same_as_glibc() {
  local want=0 name id
  if [[ $1 == -s ]]; then want=$2; shift 2; fi
  name=$1
  shift
  id=$(printf '%s' "$name" | tr -c 'a-zA-Z0-9' _)
  mkdir -p "$tmp/$id.glibc" "$tmp/$id.hako"
  _run_in "$tmp/$id.glibc" "$@"
  if [[ $(cat "$tmp/$id.glibc.rc") == "$want" && -s $tmp/$id.glibc.out ]]; then
    ok "$name works on glibc (the reference run)"
  else
    not_ok "$name works on glibc (the reference run)" "status $(cat "$tmp/$id.glibc.rc"), want $want" \
      "stderr: $(head -c 1000 "$tmp/$id.glibc.err")"
  fi
  HAKO_STATS=1 HAKO_STATS_FILE="$tmp/$id.dumps" LD_PRELOAD=$HAKO_SO _run_in "$tmp/$id.hako" "$@"
  check_eq "$name on hako exits with glibc's status" "$(cat "$tmp/$id.hako.rc")" "$(cat "$tmp/$id.glibc.rc")"
  _same_file "$name on hako prints glibc's output" "$tmp/$id.hako.out" "$tmp/$id.glibc.out"
  _same_file "$name on hako writes glibc's stderr" "$tmp/$id.hako.err" "$tmp/$id.glibc.err"
  if [[ -s $tmp/$id.dumps ]] && jq -s -e 'map(.counters.malloc) | add > 0' "$tmp/$id.dumps" >/dev/null 2>&1; then
    ok "$name ran on hako's malloc (its exit dumps count mallocs)"
    printf '#   %s mallocs in %s processes\n' "$(jq -s 'map(.counters.malloc) | add' "$tmp/$id.dumps")" \
      "$(wc -l <"$tmp/$id.dumps")"
  else
    not_ok "$name ran on hako's malloc (its exit dumps count mallocs)" \
      "dumps: $(head -c 500 "$tmp/$id.dumps" 2>/dev/null)"
  fi
}
