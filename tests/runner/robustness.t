#!/usr/bin/env bash
# shellcheck disable=SC2016 # jq programs are in single quotes on purpose
# The runner under trouble: stopped (INT, TERM, Ctrl-C) at every stage of propose, two proposes at
# once, a damaged ledger, a variant naming an unknown flag, a program missing from PATH.  Whatever
# happens the ledger holds whole entries only, decisions.md is its rendering, and no process of
# the run is left behind.  The allocator is a placeholder (one symbol): builds take a second and
# the verdicts do not matter, only what is recorded.
set -uo pipefail
# shellcheck source=tests/lib/tap.sh
source "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/runner/lib.sh
source tests/runner/lib.sh
make_sandbox
find src -mindepth 1 ! -name hako.map -exec rm -rf {} +
printf 'int hako_placeholder;\n' >src/placeholder.c
rm -rf boxes/* variants/hardened && printf '# empty\n' >variants/default
# box NAME FLAG EXPERIMENT: a fixture box judged by one experiment
box() {
  mkdir -p "boxes/$1"
  jq -n --arg n "$1" --arg f "$2" --arg e "$3" '{name: $n, flag: $f, layer: "api", summary: "test fixture",
    hypothesis: "test fixture", experiments: [$e], requires: [], conflicts: []}' >"boxes/$1/manifest.json"
}
box one HAKO_ONE churn
box two HAKO_TWO churn
fixture_experiment churn_long ok
jq '.quick.ops = 3000000' experiments/churn_long/experiment.json >e.tmp && mv e.tmp experiments/churn_long/experiment.json
box long HAKO_LONG churn_long
box served HAKO_SERVED memcached
# A compiler that dawdles over the library's objects (-fPIC -c), so a build can be caught midway.
cat >slowcc <<'EOF'
#!/usr/bin/env bash
if [[ " $* " == *" -fPIC "* && " $* " == *" -c "* ]]; then touch "$SLOWCC_MARK"; sleep 2; fi
exec cc "$@"
EOF
chmod +x slowcc

# ---- helpers -----------------------------------------------------------------------------
# Every process a run starts carries ROBUSTNESS_RUN in its environment (this test's shell does not).
TAG=ROBUSTNESS_RUN=$SANDBOX
tagged() { grep -lsaF "$TAG" /proc/[0-9]*/environ | sed -e 's#^/proc/##' -e 's#/environ$##'; } # their pids
# left_behind: what is still running of the runs, after up to 3 s for processes on their way out
left_behind() {
  local n p
  for ((n = 0; n < 30; n++)); do
    [[ -z $(tagged) ]] && return 0
    sleep 0.1
  done
  for p in $(tagged); do printf '%s: %s\n' "$p" "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"; done
}
# snapshot: the ledger and decisions.md as they are now (and variants/default back to no boxes,
# should a placeholder build have come out faster by chance)
snapshot() { printf '# empty\n' >variants/default && cp ledger/ledger.jsonl "$SANDBOX/before.jsonl" && cp ledger/decisions.md "$SANDBOX/before.md"; }
unchanged() { cmp -s ledger/ledger.jsonl "$SANDBOX/before.jsonl" && cmp -s ledger/decisions.md "$SANDBOX/before.md"; }
restore() { cp "$SANDBOX/before.jsonl" ledger/ledger.jsonl && cp "$SANDBOX/before.md" ledger/decisions.md; }
runs_count() { find build/runs -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }

# stop_at WAIT SIGNAL WHOM ARGS...: starts ./runner ARGS in a job of its own, waits (up to 60 s)
# until the function WAIT succeeds, then sends SIGNAL to the runner alone (WHOM=runner, as kill
# does) or to its whole process group (WHOM=group, as Ctrl-C does); then runs $AFTER_SIGNAL if set.
# Sets RC (the runner's exit status) and OUT (what it printed).
AFTER_SIGNAL=
stop_at() {
  local wait=$1 sig=$2 whom=$3 pid n=0
  shift 3
  rm -rf build/runs
  set -m # a job of its own, so the runner does not start with SIGINT ignored
  env "$TAG" ./runner "$@" </dev/null >"$SANDBOX/out" 2>&1 &
  pid=$!
  set +m
  until "$wait"; do
    sleep 0.1
    ((++n < 600)) || break
  done
  if [[ $whom == group ]]; then kill "-$sig" -- "-$pid"; else kill "-$sig" "$pid"; fi
  [[ -z $AFTER_SIGNAL ]] || "$AFTER_SIGNAL"
  wait "$pid"
  RC=$?
  OUT=$(cat "$SANDBOX/out")
}
building() { [[ -e $SANDBOX/building ]] && sleep 0.3; }
measuring() { [[ $(cat build/runs/*/runs.jsonl 2>/dev/null | wc -l) -ge 3 ]]; }
appending() { compgen -G 'build/runs/*/entry.signed.json' >/dev/null && sleep 0.5; }
serving() {
  local p
  for p in $(tagged); do [[ $(cat "/proc/$p/comm" 2>/dev/null) == memcached ]] && return 0; done
  return 1
}
# The ledger's own lock, held by another process (flock -o: the sleep does not hold it).
hold_ledger() { flock -o -x ledger/ledger.jsonl sleep 60 & HOLDER=$!; sleep 0.2; }
release_ledger() { sleep 0.5; pkill -P "$HOLDER" sleep; wait "$HOLDER"; }
# stopped_cleanly WHAT: the checks after a run stopped before it recorded
stopped_cleanly() {
  check_eq "$1: the runner exits 130" "$RC" 130
  check_match "... saying nothing was recorded" "$OUT" 'hako: interrupted: nothing was recorded'
  check "... and the ledger and decisions.md are as they were" unchanged
  check_eq "... and no process of the run is left" "$(left_behind)" ""
}

# ---- stopped at each stage of propose -----------------------------------------------------
snapshot
for how in "INT group" "TERM runner"; do
  read -r sig whom <<<"$how"
  rm -f "$SANDBOX/building"
  printf 'int hako_placeholder_%s;\n' "$sig$whom" >src/placeholder.c # a new build hash: a real build
  CC=$SANDBOX/slowcc SLOWCC_MARK=$SANDBOX/building stop_at building "$sig" "$whom" propose boxes/one --quick --yes
  stopped_cleanly "SIG$sig to the $whom during the build"
  [[ $whom == runner ]] && check "... which stops after the build in progress, before measuring" \
    bash -c '! cat build/runs/*/runs.jsonl 2>/dev/null | grep -q .'
done
printf 'int hako_placeholder;\n' >src/placeholder.c

for how in "INT group" "TERM runner"; do
  read -r sig whom <<<"$how"
  rm -rf build/runs
  stop_at measuring "$sig" "$whom" propose boxes/long --quick --yes
  stopped_cleanly "SIG$sig to the $whom while measuring"
done

if command -v script >/dev/null; then
  # on_the_prompt KEY-OR-SIGNAL: propose on a terminal (script(1)) fed from a fifo; at the sign-off
  # prompt either types Ctrl-C (INT: the terminal signals the runner's process group) or sends TERM
  on_the_prompt() {
    local pid n=0 p
    rm -f "$SANDBOX/tty" "$SANDBOX/typescript" && mkfifo "$SANDBOX/tty"
    set -m
    env "$TAG" script -qfec "./runner propose boxes/one --quick" "$SANDBOX/typescript" <"$SANDBOX/tty" >/dev/null 2>&1 &
    pid=$!
    set +m
    exec 7>"$SANDBOX/tty"
    until grep -q 'Sign off this entry' "$SANDBOX/typescript" 2>/dev/null; do
      sleep 0.1
      ((++n < 600)) || break
    done
    if [[ $1 == INT ]]; then
      printf '\003' >&7
    else
      for p in $(tagged); do [[ $(tr '\0' ' ' <"/proc/$p/cmdline") == "bash ./runner propose "* ]] && kill -TERM "$p"; done
    fi
    wait "$pid"
    RC=$?
    exec 7>&-
    OUT=$(tr -d '\r' <"$SANDBOX/typescript")
  }
  on_the_prompt INT
  stopped_cleanly "Ctrl-C typed at the sign-off prompt"
  on_the_prompt TERM
  stopped_cleanly "SIGTERM at the sign-off prompt"
else
  skip "Ctrl-C typed at the sign-off prompt records nothing" "script(1) is not installed"
fi
check "after the stops before recording the ledger verifies" ./runner verify

# While the entry is appended (the runner waits for the ledger's lock, held by another process):
# Ctrl-C reaches the appender too, which gives up before writing; a signal to the runner alone
# lets the append finish, and then the runner re-renders decisions.md before it stops.
AFTER_SIGNAL=release_ledger
hold_ledger
stop_at appending INT group propose boxes/one --quick --yes
stopped_cleanly "Ctrl-C while the entry waits for the ledger's lock"
n=$(wc -l <ledger/ledger.jsonl)
hold_ledger
stop_at appending TERM runner propose boxes/one --quick --yes
check_eq "SIGTERM to the runner while it appends: it exits 130" "$RC" 130
check_match "... saying the entry was recorded whole first" "$OUT" "interrupted: entry #$((n + 1)) was recorded whole before stopping"
check_eq "... and the ledger has that one more entry" "$(wc -l <ledger/ledger.jsonl)" $((n + 1))
check "... and decisions.md is its rendering (verify passes)" ./runner verify
check_eq "... and no process of the run is left" "$(left_behind)" ""
AFTER_SIGNAL=
snapshot

if command -v memcached >/dev/null; then
  # (the runner stops measure's process group with TERM whatever it was sent)
  stop_at serving INT runner propose boxes/served --quick --yes
  stopped_cleanly "SIGINT while the memcached experiment's server runs"
  if serving; then not_ok "... and no memcached of the run is left" "$(left_behind)"; else ok "... and no memcached of the run is left"; fi
else
  skip "SIGINT while the memcached experiment's server runs leaves no server" "memcached is not installed (tools/setup)"
fi

# ---- two proposes at once: the second waits for the benchmark lock; both land ---------------
n=$(wc -l <ledger/ledger.jsonl)
./runner propose boxes/one --quick --yes >"$SANDBOX/one.out" 2>&1 &
first=$!
./runner propose boxes/two --quick --yes >"$SANDBOX/two.out" 2>&1 &
second=$!
wait "$first"
rc1=$?
wait "$second"
rc2=$?
check_eq "two proposes at once both succeed" "$rc1 $rc2" "0 0"
check_eq "... and both entries land" "$(tail -n 2 ledger/ledger.jsonl | jq -r .box | sort | tr '\n' ' ')" "one two "
check_eq "... one after the other, with seq $((n + 1)) and $((n + 2))" "$(tail -n 2 ledger/ledger.jsonl | jq -r .seq | tr '\n' ' ')" "$((n + 1)) $((n + 2)) "
check "... and the chain verifies with decisions.md their rendering" ./runner verify
snapshot

# ---- a damaged ledger: named, refused, left as it is ------------------------------------------
# one_line_error NAME REGEX CMD...: CMD exits non-zero with one line on stderr, "hako: ... (what to
# do)" matching REGEX; the ledger and decisions.md (as they were, damaged or missing) stay so, and
# nothing was measured
state() { sha256sum ledger/ledger.jsonl ledger/decisions.md 2>&1; runs_count; }
one_line_error() {
  local name=$1 re=$2 err rc before
  shift 2
  before=$(state)
  err=$("$@" 2>&1 >/dev/null </dev/null)
  rc=$?
  if ((rc != 0)) && [[ $(wc -l <<<"$err") -eq 1 && $err =~ ^hako:\ .*\(.*\)$ && $err =~ $re && $(state) == "$before" ]]; then
    ok "$name"
  else
    not_ok "$name" "exit $rc" "${err:0:600}" "before: $before" "after: $(state)"
  fi
}
last=$(wc -l <"$SANDBOX/before.jsonl")
damage() { # KIND: the snapshot, damaged
  case $1 in
    cut) head -c -200 "$SANDBOX/before.jsonl" >ledger/ledger.jsonl ;;
    cut+newline) { head -c -200 "$SANDBOX/before.jsonl"; echo; } >ledger/ledger.jsonl ;;
    swapped) { sed -n 2p "$SANDBOX/before.jsonl"; sed -n 1p "$SANDBOX/before.jsonl"; sed -n '3,$p' "$SANDBOX/before.jsonl"; } >ledger/ledger.jsonl ;;
    edited) sed '2s/"seed":[0-9]*/"seed":7/' "$SANDBOX/before.jsonl" >ledger/ledger.jsonl ;;
  esac
}
declare -A why=(
  [cut]="line $last: a partial line at the end \(an append was cut\) \(remove the partial last line\)"
  [cut+newline]="line $last: not a JSON object"
  [swapped]="line 1: seq is 2, expected 1"
  [edited]="line 2: hash does not match the entry's content"
)
declare -A what=(
  [cut]="a truncated last line (a cut append)"
  [cut+newline]="a truncated last line ended by an editor's newline"
  [swapped]="a reordered ledger (lines 1 and 2 swapped)"
  [edited]="an entry edited by hand"
)
# refusing KIND: the other command run on that damage (each is refused by the same check)
declare -A refusing=(
  [cut]="propose boxes/two --quick --yes"
  [cut+newline]="report"
  [swapped]="propose boxes/two --quick --yes"
  [edited]="compare default +HAKO_TWO --experiments churn --quick --record --yes"
)
for kind in cut cut+newline swapped edited; do
  damage "$kind"
  check "(${what[$kind]}: the damage is real)" bash -c '! cmp -s ledger/ledger.jsonl "$1"' _ "$SANDBOX/before.jsonl"
  one_line_error "verify names ${what[$kind]} by file and line, in one line" "ledger/ledger.jsonl ${why[$kind]}" ./runner verify
  read -r -a cmd <<<"${refusing[$kind]}"
  one_line_error "... and ./runner ${refusing[$kind]} refuses it, changing nothing" "ledger/ledger.jsonl ${why[$kind]}" ./runner "${cmd[@]}"
  restore
done
rm ledger/decisions.md
one_line_error "a missing decisions.md is named by verify, with what to do" 'ledger/decisions.md: missing \(run ./runner report\)' ./runner verify
./runner report >/dev/null
check "... and report regenerates it as it was" cmp -s ledger/decisions.md "$SANDBOX/before.md"

# ---- a variant naming an unknown flag -----------------------------------------------------
printf 'HAKO_ONE\nHAKO_NOBODY  # a typo\n' >variants/typo
one_line_error "compare of a variant file naming an unknown flag names the file, line and flag" \
  'variants/typo line 2: unknown flag HAKO_NOBODY' ./runner compare default typo --experiments churn --quick
rm variants/typo
printf 'HAKO_NOBODY\n' >>variants/default
out=$(./runner propose boxes/two --quick --yes 2>&1 </dev/null)
rc=$?
check_match "propose with variants/default naming an unknown flag is refused, naming file, line and flag" \
  "$rc $out" '^2 hako: variants/default line 2: unknown flag HAKO_NOBODY .*propose: the boxes or variants have problems'
check "... and nothing is recorded" unchanged
printf '# empty\n' >variants/default

# ---- a program missing from PATH ----------------------------------------------------------
# path_without TOOL: a folder of links to everything in /usr/bin (and /bin) but TOOL
path_without() {
  local d=$SANDBOX/path-without-$1
  mkdir -p "$d"
  ln -s /usr/bin/* "$d/" 2>/dev/null
  [[ -L /bin ]] || ln -s /bin/* "$d/" 2>/dev/null
  rm -f "$d/$1"
  printf '%s' "$d"
}
for tool in hyperfine jq; do
  one_line_error "propose without $tool names it and tools/setup" "$tool is not installed \(run tools/setup, or apt-get install $tool\)" \
    env PATH="$(path_without "$tool")" ./runner propose boxes/two --quick --yes
done
out=$(env PATH="$(path_without perf)" ./runner propose boxes/two --quick --yes 2>&1 </dev/null)
rc=$?
check_match "without perf propose still decides and records (perf is optional)" "$rc $out" '^0 .*recorded: ledger/ledger.jsonl entry'
check "... with every perf event recorded as unsupported" \
  jq -e '.machine.perf.usable == false and .machine.perf.supported == [] and (.machine.perf.unsupported | length) >= 10' <(tail -n 1 ledger/ledger.jsonl)
