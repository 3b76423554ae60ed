#!/usr/bin/env bash
# memcached on hako (preloaded into the server only) answers every request of the checked load
# client (experiments/memcached: 100000 pipelined set/delete/get, 4 connections) as on glibc.
# tests/long/memcached.t is the long form.
set -euo pipefail
# shellcheck source=tests/lib/realprog.sh
source "$(dirname "$0")/../lib/realprog.sh"
memcached_same_as_glibc 100000 4
