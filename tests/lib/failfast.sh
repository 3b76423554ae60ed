# shellcheck shell=bash
# Helpers for fail-fast tests (source it; it sources alloc.sh).
#   expect_abort [-e VAR=VALUE]... BIN CASE FUNCTION NAME
#       runs BIN CASE in a fresh process with the -e variables (LD_PRELOAD=... picks a variant);
#       ok when it dies of SIGABRT with exactly one line on stderr, "hako: FUNCTION(): <cause>
#       0x<pointer>" (FUNCTION an extended regex), the pointer inside the block the program
#       announced on stdout as "ptr <block> <bytes>" before the bad call; the line is a diagnostic.
#   variant_lib VARIANT   builds `make VARIANT=...` (or FLAGS="..." when VARIANT holds a space) and
#                         prints its libhako.so path (the last line of `make lib`)
# shellcheck source=tests/lib/alloc.sh
source "$(dirname "${BASH_SOURCE[0]}")/alloc.sh"
ulimit -c 0

expect_abort() {
  local -a envs=()
  while [[ $1 == -e ]]; do envs+=("$2"); shift 2; done
  local bin=$1 case=$2 fn=$3 name=$4 rc=0 out err line ptr n hex lo hi
  out=$(mktemp) err=$(mktemp)
  { env "${envs[@]}" "$bin" "$case" >"$out" 2>"$err"; } 2>/dev/null || rc=$?
  read -r _ ptr n < <(grep '^ptr ' "$out" || true)
  line=$(head -n 1 "$err")
  hex=$(sed -nE 's/.* 0x([0-9a-f]+)$/\1/p' <<<"$line")
  lo=$((16#${ptr#0x})) hi=$((16#${ptr#0x} + ${n:-0} + 64))
  if ((rc == 134)) && [[ -n $ptr && -n $hex ]] && (($(wc -l <"$err") == 1)) &&
     [[ $line =~ ^hako:\ ($fn)\(\):\ .+\ 0x[0-9a-f]+$ ]] && ((16#$hex >= lo && 16#$hex < hi)); then
    ok "$name"
    printf '#   %s\n' "$line"
  else
    not_ok "$name" "exit status $rc (134 is SIGABRT), block ${ptr:-none} of ${n:-?} bytes" \
      "stdout: $(head -c 300 "$out" | tr '\n' '|')" "stderr: $(head -c 600 "$err")"
  fi
  rm -f "$out" "$err"
}

variant_lib() {
  local out
  if [[ $1 == *' '* ]]; then out=$(make -s FLAGS="$1" lib 2>&1) || { echo "$out" >&2; return 1; }
  else out=$(make -s VARIANT="$1" lib 2>&1) || { echo "$out" >&2; return 1; }; fi
  printf '%s\n' "$out" | tail -n 1 | awk -v root="$HAKO_ROOT" '{ print root "/" $2 }'
}
