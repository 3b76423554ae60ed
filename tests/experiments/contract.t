#!/usr/bin/env bash
# Every experiment keeps the contract of experiments/README.md: a well-formed experiment.json whose
# command names only its own parameters, and a program with --help that refuses bad arguments with
# one line and a non-zero exit.
set -euo pipefail
# shellcheck source=tests/lib/tap.sh
source "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/experiments/lib.sh
source tests/experiments/lib.sh

# Prints what is wrong with experiment.json NAME, nothing when it is right.
json_problems() {
  jq -r --arg name "$1" '
    def known: ["name","summary","command","params","quick","cases","primary","single_threaded","preload","timeout_s"];
    (keys - known | map("unknown field \(.)")[]),
    (if .name != $name then "name is \(.name | tojson), not the folder name" else empty end),
    (if (.summary | type) != "string" or .summary == "" then "summary missing" else empty end),
    (if (.command | type) != "array" or (.command | length) == 0 or any(.command[]; type != "string")
     then "command is not a list of strings" else empty end),
    (if (.params | type) != "object" then "params is not an object" else empty end),
    (.params as $p | (.quick // {}) | keys - ($p | keys) | map("quick sets unknown parameter \(.)")[]),
    (.params as $p | (.cases // [])[] | ((.params // {}) | keys - ($p | keys) | map("a case sets unknown parameter \(.)")[]),
                                        (if (.name | type) != "string" then "a case has no name" else empty end)),
    ((.params | keys) as $p | [.command[] | scan("\\{([a-z0-9_]+)\\}")[0]] - $p - ["bin","dir"]
     | map("command uses {\(.)}, which is no parameter")[]),
    ([.command[] | scan("\\{([a-z0-9_]+)\\}")[0]] as $used | (.params | keys) - $used
     | map("parameter \(.) is not used by the command")[]),
    (if (.primary.better | IN("lower","higher")) | not then "primary.better is neither lower nor higher" else empty end),
    (if (.primary.metric | type) != "string" then "primary.metric missing" else empty end),
    (if (.single_threaded | type) != "boolean" then "single_threaded is not a boolean" else empty end),
    (if (.preload // "command" | IN("command","server")) | not then "preload is neither command nor server" else empty end),
    (if (.timeout_s | type) != "number" or .timeout_s <= 0 then "timeout_s is not a positive number" else empty end)
  ' "experiments/$1/experiment.json" 2>&1
}

for name in $(experiments); do
  problems=$(json_problems "$name")
  if [[ -z $problems ]]; then ok "$name: experiment.json is well-formed"; else not_ok "$name: experiment.json is well-formed" "$problems"; fi

  mapfile -t argv < <(experiment_argv "$name" "")
  prog=${argv[0]}
  # shellcheck disable=SC2016 # $1 is expanded by the inner bash
  check "$name: its program --help exits 0 and prints usage" bash -c '"$1" --help | grep -qi usage' _ "$prog"
  param=$(jq -r ".params | keys[0]" "experiments/$name/experiment.json")
  for bad in "--no-such-option 1" "--$param -5" "--$param 12x"; do
    set +e
    # shellcheck disable=SC2086 # $bad is two words on purpose
    msg=$("$prog" $bad 2>&1 >/dev/null)
    rc=$?
    set -e
    if ((rc != 0 && rc != 3)) && [[ $(wc -l <<<"$msg") -eq 1 && $msg == "hako: $name: "* ]]; then
      ok "$name: '$bad' is refused with one line and exit $rc"
    else
      not_ok "$name: '$bad' is refused with one line and a non-zero exit" "exit $rc" "stderr: $msg"
    fi
  done
done
