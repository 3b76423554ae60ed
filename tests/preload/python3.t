#!/usr/bin/env bash
# python3 on hako: a script with dicts, strings, big lists and 8 threads prints what it prints on
# glibc, and exits the same.
set -euo pipefail
# shellcheck source=tests/lib/preload.sh
source "$(dirname "$0")/../lib/preload.sh"
need python3
export PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1
read -r -d '' script <<'PY' || true
import collections, hashlib, json, re, threading

def work(seed, out):
    d = {}
    for i in range(30000):
        k = "key-%d-%d" % ((i * seed) % 7919, i % 97)
        d[k] = d.get(k, "") + str(i)[-2:]
        if len(d[k]) > 40:
            del d[k]
    s = "|".join(sorted(d))
    out[seed] = (len(d), hashlib.sha256(s.encode()).hexdigest()[:16], sum(len(v) for v in d.values()))

out = {}
threads = [threading.Thread(target=work, args=(s, out)) for s in range(1, 9)]
for t in threads:
    t.start()
for t in threads:
    t.join()
for k in sorted(out):
    print(k, *out[k])

words = [("%x" % (i * 2654435761 % 2**32)) * (i % 7 + 1) for i in range(100000)]
print(collections.Counter(w[:2] for w in words).most_common(5))
print(len(json.dumps({str(i): list(range(i % 50)) for i in range(5000)})))
print(sum(len(m.group(0)) for m in re.finditer(r"[a-f]+", " ".join(words[:20000]))))
b = bytearray(50_000_000)
b[-1] = 7
print(sum(b[-10:]), len(b))
big = [list(range(1000)) for _ in range(2000)]
print(sum(map(len, big)), sum(big[-1]))
s = "".join(chr(65 + i % 26) for i in range(1_000_000))
print(s.count("HAKO"), s[::-1][:10], len(s.encode("utf-16")))
PY
same_as_glibc "python3 (dicts, strings, 8 threads)" "$PYTHON3" -c "$script"
