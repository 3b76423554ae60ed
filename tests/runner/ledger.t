#!/usr/bin/env bash
# shellcheck disable=SC2016 # jq programs are in single quotes on purpose
# The ledger (tools/ledger): append-only, hash-chained, canonical, locked, signed, uninterruptible.
set -uo pipefail
# shellcheck source=tests/lib/tap.sh
source "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/runner/lib.sh
source tests/runner/lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HAKO_LEDGER=$tmp/ledger.jsonl
entry() { jq -n -c --arg k "${1:-comparison}" --argjson n "${2:-1}" '{kind: $k, verdict: "GO", results: [{experiment: "x", ratio: (0.9 + $n / 1000)}], signed_off_by: "Tester <tester@example.org>"}' >"$tmp/e.json"; }

entry comparison 1
first=$(tools/ledger append "$tmp/e.json")
check "the first entry gets seq 1 and prev of 64 zeros" jq -e '.seq == 1 and .prev == ("0" * 64)' <<<"$first"
check_eq "an appended line is canonical JSON (sorted keys, no spaces)" "$(head -n 1 "$HAKO_LEDGER")" "$(jq -cS . <<<"$first")"
want=$(jq -cSj 'del(.hash)' <<<"$first" | sha256sum | cut -d' ' -f1)
check_eq "hash is the sha256 of the canonical entry without hash" "$(jq -r .hash <<<"$first")" "$want"
entry decision 2
second=$(tools/ledger append "$tmp/e.json")
check_eq "each entry's prev is the hash of the line before" "$(jq -r .prev <<<"$second")" "$(jq -r .hash <<<"$first")"
check "verify accepts an intact chain" tools/ledger verify

cp "$HAKO_LEDGER" "$tmp/good.jsonl"
sed -i '1s/"ratio":0.901/"ratio":0.801/' "$HAKO_LEDGER"
out=$(tools/ledger verify 2>&1)
check_match "a changed number is reported at its line" "$out" 'ledger.jsonl line 1: hash does not match'
cp "$tmp/good.jsonl" "$HAKO_LEDGER"
sed -i '1d' "$HAKO_LEDGER"
out=$(tools/ledger verify 2>&1)
check_match "a removed line breaks the chain at the first line after it" "$out" 'ledger.jsonl line 1: seq is 2, expected 1'
cp "$tmp/good.jsonl" "$HAKO_LEDGER"
jq -c . <(head -n 1 "$tmp/good.jsonl") >"$HAKO_LEDGER"
jq '.' <(tail -n 1 "$tmp/good.jsonl") | tr -d '\n' >>"$HAKO_LEDGER"
echo >>"$HAKO_LEDGER"
out=$(tools/ledger verify 2>&1)
check_match "a line rewritten in another form (spaces) is reported" "$out" 'line 2: not in canonical form'
cp "$tmp/good.jsonl" "$HAKO_LEDGER"
printf '[1,2]\n' >>"$HAKO_LEDGER"
out=$(tools/ledger verify 2>&1)
check_match "a line that is not a JSON object is reported" "$out" 'line 3: not a JSON object'
cp "$tmp/good.jsonl" "$HAKO_LEDGER"
# line 2 with a prev that is not line 1's hash, its own hash made right again: only the chain breaks
jq -cS '.prev = ("0" * 64) | del(.hash)' <(tail -n 1 "$tmp/good.jsonl") >"$tmp/body"
jq -cS --arg h "$(printf '%s' "$(cat "$tmp/body")" | sha256sum | cut -d' ' -f1)" '. + {hash: $h}' "$tmp/body" >"$tmp/line2"
{ head -n 1 "$tmp/good.jsonl"; cat "$tmp/line2"; } >"$HAKO_LEDGER"
out=$(tools/ledger verify 2>&1)
check_match "a line whose prev is not the hash of the line before is reported" "$out" 'line 2: prev does not match the hash of line 1'
cp "$tmp/good.jsonl" "$HAKO_LEDGER"
printf '{"kind":"decision","seq":3' >>"$HAKO_LEDGER"
out=$(tools/ledger verify 2>&1)
check_match "a partial last line (a cut append) is reported" "$out" 'line 3: a partial line'
entry comparison 3
out=$(tools/ledger append "$tmp/e.json" 2>&1)
check_match "append refuses to write after a partial line" "$out" 'ends in a partial line'
cp "$tmp/good.jsonl" "$HAKO_LEDGER"

# Concurrent appends: none lost, none interleaved.
for i in $(seq 1 12); do
  jq -n -c --argjson i "$i" '{kind: "comparison", n: $i, pad: ("x" * 20000)}' >"$tmp/c$i.json"
done
for i in $(seq 1 12); do tools/ledger append "$tmp/c$i.json" >/dev/null & done
wait
check_eq "twelve appenders at once add twelve whole lines" "$(wc -l <"$HAKO_LEDGER")" 14
check "after concurrent appends the chain is intact" tools/ledger verify
check_eq "every concurrent entry is there once" "$(jq -r 'select(.n) | .n' "$HAKO_LEDGER" | sort -n | tr '\n' ' ')" "$(seq 1 12 | tr '\n' ' ')"

# An appender interrupted while it waits for the lock writes nothing.
# hold_lock SECONDS: another process holds the ledger's lock that long (a process of its own, so
# the appender started next does not share the locked file).
hold_lock() { flock -x "$HAKO_LEDGER" sleep "$1" & sleep 0.2; }
cp "$HAKO_LEDGER" "$tmp/before.jsonl"
hold_lock 1.5
entry comparison 9
tools/ledger append "$tmp/e.json" >/dev/null 2>&1 &
pid=$!
sleep 0.5
kill -KILL "$pid"
wait "$pid" 2>/dev/null
wait
check "an appender killed while waiting leaves the ledger as it was" cmp -s "$HAKO_LEDGER" "$tmp/before.jsonl"
hold_lock 1.5
tools/ledger append "$tmp/e.json" >/dev/null 2>&1 &
pid=$!
sleep 0.5
kill -TERM "$pid"
wait "$pid"
rc=$?
wait
check_eq "an appender told to stop (TERM) mid-append finishes its whole line, then exits 130" "$rc" 130
check_eq "... and that line is whole" "$(wc -l <"$HAKO_LEDGER")" 15
check "... and the chain is intact" tools/ledger verify

# ssh signatures.
ssh-keygen -q -t ed25519 -N '' -C tester -f "$tmp/key"
entry decision 4
signed=$(tools/ledger append "$tmp/e.json" --sign-key "$tmp/key")
check "a signed entry carries the principal and an SSH signature" jq -e '.signature.principal == "tester@example.org" and (.signature.sig | startswith("-----BEGIN SSH SIGNATURE-----"))' <<<"$signed"
out=$(tools/ledger verify 2>&1)
check_match "a signature with no allowed_signers file is reported" "$out" 'line 16: signed by tester@example.org but there is no'
echo "tester@example.org namespaces=\"hako-ledger\" $(cut -d' ' -f1,2 "$tmp/key.pub")" >"$tmp/allowed_signers"
check "a signature from a listed key verifies" tools/ledger verify
ssh-keygen -q -t ed25519 -N '' -C other -f "$tmp/other"
echo "tester@example.org namespaces=\"hako-ledger\" $(cut -d' ' -f1,2 "$tmp/other.pub")" >"$tmp/allowed_signers"
out=$(tools/ledger verify 2>&1)
check_match "a signature from a key not listed is refused" "$out" 'line 16: the signature of tester@example.org does not verify'

# What was verified before (.verified beside the ledger) is not parsed again while its bytes are
# unchanged; any change before its end, or to allowed_signers, means a full check.
cp "$tmp/good.jsonl" "$HAKO_LEDGER"
rm -f "$tmp/allowed_signers" "$tmp/.verified"
out=$(tools/ledger verify 2>&1)
check_eq "a first verify checks every line" "$out" "${HAKO_LEDGER#"$HAKO_ROOT"/}: 2 entries, hash chain intact"
check "... and remembers what it verified (length, sha256, seq, hash)" grep -qE "^$(stat -c %s "$HAKO_LEDGER") [0-9a-f]{64} 2 [0-9a-f]{64} none$" "$tmp/.verified"
out=$(tools/ledger verify 2>&1)
check_match "the same bytes again are not parsed again, and it says so" "$out" '2 entries, hash chain intact \(lines 1..2 unchanged since they were verified; --full checks them again\)'
out=$(tools/ledger verify --full 2>&1)
check_eq "--full checks every line again" "$out" "${HAKO_LEDGER#"$HAKO_ROOT"/}: 2 entries, hash chain intact"
entry comparison 5
tools/ledger append "$tmp/e.json" >/dev/null
out=$(tools/ledger verify 2>&1)
check_match "an appended entry is checked after the verified lines" "$out" '3 entries, hash chain intact \(lines 1..2 unchanged'
printf '[1,2]\n' >>"$HAKO_LEDGER"
out=$(tools/ledger verify 2>&1)
check_match "a bad line after the verified ones is named by its line in the ledger" "$out" 'ledger.jsonl line 4: not a JSON object'
sed -i '$d' "$HAKO_LEDGER"
tools/ledger verify --quiet
sed -i '1s/"ratio":0.901/"ratio":0.801/' "$HAKO_LEDGER"
out=$(tools/ledger verify 2>&1)
check_match "a byte changed among the verified lines is still found (a full check)" "$out" 'ledger.jsonl line 1: hash does not match'
cp "$tmp/good.jsonl" "$HAKO_LEDGER"
out=$(tools/ledger verify 2>&1)
check_eq "a ledger shorter than what was verified is checked in full" "$out" "${HAKO_LEDGER#"$HAKO_ROOT"/}: 2 entries, hash chain intact"
echo "garbage" >"$tmp/.verified"
out=$(tools/ledger verify 2>&1)
check_eq "a damaged .verified is ignored (a full check)" "$out" "${HAKO_LEDGER#"$HAKO_ROOT"/}: 2 entries, hash chain intact"
out=$(tools/ledger verify --bogus 2>&1)
check_match "verify names an unknown option" "$out" "unknown option '--bogus'"
