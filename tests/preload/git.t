#!/usr/bin/env bash
# git on hako: building a repository of 40 commits, then log, status, diff, gc and fsck give
# glibc's output (dates and identities are fixed, so the hashes are the same).
set -euo pipefail
# shellcheck source=tests/lib/preload.sh
source "$(dirname "$0")/../lib/preload.sh"
need git
export HOME=$tmp GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=Hako GIT_AUTHOR_EMAIL=hako@example.org
export GIT_COMMITTER_NAME=Hako GIT_COMMITTER_EMAIL=hako@example.org
export GIT_AUTHOR_DATE='2024-01-01T00:00:00Z' GIT_COMMITTER_DATE='2024-01-01T00:00:00Z'
read -r -d '' script <<'SH' || true
set -e
git init -q -b main repo
cd repo
for i in $(seq 1 40); do
  mkdir -p "dir$((i % 4))"
  seq "$i" $((i * 50)) >"dir$((i % 4))/file$((i % 7)).txt"
  printf 'line %s\n' $(seq 1 "$i") >>notes.txt
  git add -A
  git commit -q -m "commit $i"
done
git log --stat --format='%H %an %s' | head -n 200
echo change >>notes.txt
echo new >untracked.txt
git status --porcelain
git diff --stat HEAD~10
git diff HEAD~3 -- dir1 | head -n 50
git gc -q
git fsck --no-progress 2>&1
git rev-list --objects --all | sort | head -n 100
git log --oneline | wc -l
SH
same_as_glibc "git (40 commits, log, status, diff, gc, fsck)" bash -c "$script"
