#!/usr/bin/env bash
# sqlite3 on hako: 5000 inserts, an index, and queries give glibc's results and exit status.
set -euo pipefail
# shellcheck source=tests/lib/preload.sh
source "$(dirname "$0")/../lib/preload.sh"
need sqlite3
awk 'BEGIN {
  print "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, grp INTEGER, v REAL, note TEXT);"
  print "BEGIN;"
  x = 12345
  for (i = 1; i <= 5000; i++) {
    x = (x * 1103515245 + 12345) % 2147483648
    printf "INSERT INTO t(name, grp, v, note) VALUES (%cname-%d%c, %d, %d.%02d, %c%s%c);\n",
      39, x % 100000, 39, x % 37, x % 1000, i % 100, 39, substr("abcdefghijklmnopqrstuvwxyz", 1 + x % 26, 1 + i % 20), 39
  }
  print "COMMIT;"
  print "CREATE INDEX t_grp ON t(grp, v);"
  print "SELECT count(*), sum(v), min(name), max(name) FROM t;"
  print "SELECT grp, count(*), round(avg(v), 3), group_concat(substr(note, 1, 1), \"\") FROM t GROUP BY grp ORDER BY grp;"
  print "SELECT name, v FROM t WHERE grp = 7 ORDER BY v DESC, id LIMIT 20;"
  print "SELECT count(*) FROM t a JOIN t b ON a.grp = b.grp AND a.id < b.id WHERE a.v > 990;"
  print "UPDATE t SET note = note || note WHERE id % 3 = 0;"
  print "DELETE FROM t WHERE id % 5 = 0;"
  print "VACUUM;"
  print "SELECT count(*), sum(length(note)) FROM t;"
  print "PRAGMA integrity_check;"
}' >"$tmp/load.sql"
same_as_glibc "sqlite3 (5000 inserts and queries)" sqlite3 test.db ".read $tmp/load.sql"
