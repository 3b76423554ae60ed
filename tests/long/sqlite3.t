#!/usr/bin/env bash
# sqlite3 on hako, the long form of tests/preload/sqlite3.t: 300000 rows with text of 1 B .. 4 KiB,
# indexes, joins, a window function, updates, deletes, VACUUM and an integrity check give glibc's
# results (a 64 MiB page cache, so the allocator holds the data).
set -euo pipefail
# shellcheck source=tests/lib/realprog.sh
source "$(dirname "$0")/../lib/realprog.sh"
need sqlite3
awk 'BEGIN {
  print "PRAGMA cache_size = -65536;"
  print "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, grp INTEGER, v REAL, note TEXT);"
  print "BEGIN;"
  x = 12345
  for (i = 1; i <= 300000; i++) {
    x = (x * 1103515245 + 12345) % 2147483648
    printf "INSERT INTO t(name, grp, v, note) VALUES (%cname-%d%c, %d, %d.%02d, printf(%c%%.*c%c, %d, %cx%c));\n",
      39, x % 1000000, 39, x % 997, x % 100000, i % 100, 39, 39, 1 + x % 4096, 39, 39
  }
  print "COMMIT;"
  print "CREATE INDEX t_grp ON t(grp, v);"
  print "CREATE INDEX t_name ON t(name);"
  print "SELECT count(*), sum(v), min(name), max(name), sum(length(note)) FROM t;"
  print "SELECT grp, count(*), round(avg(v), 3), max(length(note)) FROM t GROUP BY grp ORDER BY grp LIMIT 50;"
  print "SELECT count(*) FROM t a JOIN t b ON a.grp = b.grp AND a.id < b.id WHERE a.v > 99990;"
  print "SELECT id, name, rank() OVER (PARTITION BY grp ORDER BY v DESC) FROM t WHERE grp < 3 ORDER BY grp, id LIMIT 100;"
  print "UPDATE t SET note = note || note WHERE id % 3 = 0;"
  print "DELETE FROM t WHERE id % 5 = 0;"
  print "VACUUM;"
  print "SELECT count(*), sum(length(note)) FROM t;"
  print "PRAGMA integrity_check;"
}' >"$tmp/load.sql"
same_as_glibc "sqlite3 (300000 rows, indexes, joins, VACUUM)" sqlite3 test.db ".read $tmp/load.sql"
