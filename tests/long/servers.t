#!/usr/bin/env bash
# redis-server and memcached on hako, the long form of tests/preload/redis.t and memcached.t:
# a checked redis dataset of 50000 keys with redis-benchmark sending 100000 requests of each of 11
# commands; memcached under 2000000 checked operations on 16 connections.
set -euo pipefail
# shellcheck source=tests/lib/realprog.sh
source "$(dirname "$0")/../lib/realprog.sh"
redis_same_as_glibc 50000 100000
memcached_same_as_glibc 2000000 16
