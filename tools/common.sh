# shellcheck shell=bash
# Shared shell helpers for ./runner and tools/* (source it; it changes to the repository root).
#   die WHAT WHY [TODO]     prints "hako: WHAT: WHY (TODO)" and exits 2
#   warn TEXT               prints "hako: TEXT" on stderr
#   shquote ARG...          one string, each argument single-quoted (for hyperfine -N commands)
#   show_usage              prints the "# " header comment of the running script (its --help)
#   tool NAME ARGS...       runs build/tools/NAME, building it first when missing or stale
#   abs PATH                PATH made absolute against the directory the caller ran in
# HAKO_ROOT is the repository root; RULE_FILE the decision rule's defaults.
CALLER_PWD=$PWD
SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
HAKO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$HAKO_ROOT" || exit 2
export RULE_FILE=${HAKO_RULE_FILE:-tools/rule.json}
export BENCH_LOCK=${HAKO_BENCH_LOCK:-/tmp/hako-bench.lock}

abs() { if [[ $1 == /* ]]; then printf '%s' "$1"; else printf '%s/%s' "$CALLER_PWD" "$1"; fi; }

die() {
  if [[ -n ${3:-} ]]; then
    printf 'hako: %s: %s (%s)\n' "$1" "$2" "$3" >&2
  else
    printf 'hako: %s: %s\n' "$1" "$2" >&2
  fi
  exit 2
}

warn() { printf 'hako: %s\n' "$1" >&2; }

shquote() {
  local out='' a
  for a in "$@"; do
    out+="'${a//\'/\'\\\'\'}' "
  done
  printf '%s' "${out% }"
}

show_usage() {
  sed -n '2,/^[^#]/{/^#/!q;s/^# \{0,1\}//p}' "$SELF"
}

# A tool in C is rebuilt when its source is newer (tests and fresh clones need no extra step).
tool() {
  local name=$1
  shift
  if [[ ! -x build/tools/$name || tools/$name.c -nt build/tools/$name ]]; then
    make -s "build/tools/$name" >&2 || die "tools/$name.c" "does not build" "run make tools and fix the error above"
  fi
  "build/tools/$name" "$@"
}

# A peer allocator the runner knows by name (tools/peers.json).
is_peer() {
  jq -e --arg n "$1" 'has($n) and $n != "about"' "${HAKO_PEERS_FILE:-tools/peers.json}" >/dev/null
}
