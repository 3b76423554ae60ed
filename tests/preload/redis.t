#!/usr/bin/env bash
# redis-server on hako (preloaded into the server only): a checked dataset of 3000 keys and
# redis-benchmark (5000 requests of each of 11 commands) give glibc's answers; the server exits
# cleanly.  Debian's redis-server links jemalloc: the preload takes its malloc/free/realloc, not its
# mallctl (see the diagnostic).  tests/long/redis.t is the long form.
set -euo pipefail
# shellcheck source=tests/lib/realprog.sh
source "$(dirname "$0")/../lib/realprog.sh"
redis_same_as_glibc 3000 5000
