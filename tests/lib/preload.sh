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
#                                      Each run's status, wall time and peak RSS is a diagnostic line
#                                      and a row of the results file.
#   record ID ALLOC STATUS RC SECONDS RSS_KIB   appends a row to build/results/<area>-<file>.tsv
#                                      (made afresh by each test file; columns as named here)
#   report ID                          one diagnostic line: ID's glibc and hako rows side by side
#   timed_run ALLOC ID CMD...          runs CMD as same_as_glibc does, once, on ALLOC (glibc or
#                                      hako), and records it; $run_rc, $run_secs, $run_rss_kib
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
  if [[ -x /usr/bin/time ]]; then  # GNU time: wall seconds and peak RSS (KiB) into DIR.time
    (cd "$dir" && exec /usr/bin/time -f '%e %M' -o "$dir.time" "$@" </dev/null >"$dir.out" 2>"$dir.err") || rc=$?
  else
    (cd "$dir" && exec "$@" </dev/null >"$dir.out" 2>"$dir.err") || rc=$?
    echo '? ?' >"$dir.time"
  fi
  echo "$rc" >"$dir.rc"
}

RESULTS=$HAKO_ROOT/build/results/$(basename "$(dirname "$0")")-$(basename "$0" .t).tsv
_results_made=0
record() {
  if ((!_results_made)); then
    mkdir -p "$(dirname "$RESULTS")"
    printf 'id\tallocator\tstatus\texit\tseconds\tpeak_rss_kib\n' >"$RESULTS"
    _results_made=1
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RESULTS"
}

# _row ID ALLOC: "pass 1.23 s 45 MiB" from the results file.
_row() {
  awk -F'\t' -v id="$1" -v a="$2" '$1 == id && $2 == a {
    r = $3 " " $5 " s " ($6 ~ /^[0-9]+$/ ? int($6 / 1024) " MiB" : "? MiB") } END { print (r ? r : "not run") }' "$RESULTS"
}
report() { printf '#   %s: glibc %s; hako %s\n' "$1" "$(_row "$1" glibc)" "$(_row "$1" hako)"; }

# _record_dir ID ALLOC DIR [WANT]: the row of a run _run_in made in DIR (pass: exit status WANT,
# default 0); sets $run_rc, $run_secs, $run_rss_kib.
_record_dir() {
  local t
  run_rc=$(cat "$3.rc")
  t=$(tail -n 1 "$3.time")
  run_secs=${t% *} run_rss_kib=${t#* }
  record "$1" "$2" "$( ((run_rc == ${4:-0})) && echo pass || echo fail)" "$run_rc" "$run_secs" "$run_rss_kib"
}

timed_run() {
  local alloc=$1 id=$2 dir
  shift 2
  dir=$tmp/$(printf '%s' "$id" | tr -c 'a-zA-Z0-9' _).$alloc
  mkdir -p "$dir"
  if [[ $alloc == hako ]]; then
    HAKO_STATS=1 HAKO_STATS_FILE="$dir.dumps" LD_PRELOAD=$HAKO_SO _run_in "$dir" "$@"
  else
    _run_in "$dir" "$@"
  fi
  _record_dir "$id" "$alloc" "$dir"
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
  _record_dir "$name" glibc "$tmp/$id.glibc" "$want"
  HAKO_STATS=1 HAKO_STATS_FILE="$tmp/$id.dumps" LD_PRELOAD=$HAKO_SO _run_in "$tmp/$id.hako" "$@"
  _record_dir "$name" hako "$tmp/$id.hako" "$want"
  report "$name"
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
