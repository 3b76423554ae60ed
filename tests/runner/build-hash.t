#!/usr/bin/env bash
# shellcheck disable=SC2016 # jq programs are in single quotes on purpose
# The build identity (DESIGN.md section 1): the same inputs give the same hash; a flag, one byte of
# source, or the CFLAGS give another; a built variant is found again, not rebuilt.
set -uo pipefail
# shellcheck source=tests/lib/tap.sh
source "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/runner/lib.sh
source tests/runner/lib.sh
make_sandbox
mkdir -p boxes/zz_hash
jq -n '{name: "zz_hash", flag: "HAKO_ZZ_HASH", layer: "cache", summary: "s", hypothesis: "h", experiments: ["churn"], requires: [], conflicts: []}' >boxes/zz_hash/manifest.json

h0=$(make -s hash)
check_match "make hash prints a sha256" "$h0" '^[0-9a-f]{64}$'
check_eq "the same inputs give the same hash" "$(make -s hash)" "$h0"
check_eq "the hash does not depend on the flags' order" \
  "$(tools/build-hash --cc cc --cflags x HAKO_ZZ_HASH HAKO_CHECKS_FULL)" "$(tools/build-hash --cc cc --cflags x HAKO_CHECKS_FULL HAKO_ZZ_HASH)"
h1=$(make -s hash VARIANT=default+HAKO_ZZ_HASH)
check "a flag changes the hash" test "$h1" != "$h0"
srcs=(src/*.c)
echo '/* one more byte */' >>"${srcs[0]}"
h2=$(make -s hash)
check "one changed source byte changes the hash" test "$h2" != "$h0"
h3=$(make -s hash CFLAGS='-O1 -g')
check "other CFLAGS change the hash" test "$h3" != "$h2"
echo 'notes' >boxes/zz_hash/NOTES
check_eq "a file of a box that is not enabled does not change the hash" "$(make -s hash)" "$h2"
check "a file of an enabled box does" test "$(make -s hash VARIANT=default+HAKO_ZZ_HASH)" != "$h1"

if have_hako; then
  line=$(make -s lib | tail -n 1)
  lib=${line#* }
  check_eq "a build lands in build/<first 12 hex of its hash>/" "$lib" "build/${line:0:12}/libhako.so"
  check_eq "build.json records the hash" "$(jq -r .hash "$(dirname "$lib")/build.json")" "${line%% *}"
  before=$(stat -c %Y "$lib")
  sleep 1.1
  make -s lib >/dev/null
  check_eq "building the same inputs again does not rebuild" "$(stat -c %Y "$lib")" "$before"
else
  skip "a build lands in build/<hash12>/" "the allocator does not build yet"
fi
