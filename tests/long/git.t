#!/usr/bin/env bash
# git on hako, the long form of tests/preload/git.t: on a clone of this repository, log -p, blame,
# a rebase of 30 commits, gc --aggressive, repack and fsck give glibc's output.
set -euo pipefail
# shellcheck source=tests/lib/realprog.sh
source "$(dirname "$0")/../lib/realprog.sh"
need git
export HOME=$tmp GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=Hako GIT_AUTHOR_EMAIL=hako@example.org
export GIT_COMMITTER_NAME=Hako GIT_COMMITTER_EMAIL=hako@example.org
export GIT_AUTHOR_DATE='2024-01-01T00:00:00Z' GIT_COMMITTER_DATE='2024-01-01T00:00:00Z'
head=$(git -C "$HAKO_ROOT" rev-parse HEAD)
read -r -d '' script <<SH || true
set -e
git clone -q --no-local "$HAKO_ROOT" repo
cd repo
git checkout -q -b work $head
git log -p --stat | sha256sum
git log --format='%H %s' | wc -l
for f in Makefile src/api.c src/hot.h; do git blame --porcelain "\$f" | grep -c '^author '; done
base=\$(git rev-list --max-count=1 --skip=30 HEAD)
git rebase -q --force-rebase "\$base"
git log --format='%s' | head -n 30 | sha256sum
git gc -q --aggressive
git repack -q -a -d -f --depth=50 --window=50
git fsck --no-progress --full 2>&1
git count-objects -v | grep -v size
git rev-list --objects --all | sort | sha256sum
SH
same_as_glibc "git on a clone of this repository (log -p, blame, rebase, gc --aggressive, fsck)" bash -c "$script"
