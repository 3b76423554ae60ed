# Prints a matrix entry as a table: per experiment, each variant's median, ratio to the row's best
# (time terms: 1.000 is the best, 1.250 is 25% slower) with its interval, and peak RSS.
# jq -r -L tools -f tools/matrix-table.jq ENTRY
include "format";

. as $e
| ([.results[].experiment | length] + [10] | max) as $w
| ([.variants[].variant | length] + [8] | max) as $vw
| [ "variants: \(.variants | map("\(.variant)\(if .kind == "peer" then " (\(.package) \(.version))" elif .build then " (build \(.build | short_hash))" else "" end)") | join(", "))",
    "rule: \(.rule.rounds) rounds of interleaved slots (\(2 * .rule.rounds) runs each)\(if .rule.quick then ", quick form" else "" end)",
    "",
    ([("experiment" | rpad($w)), ("variant" | rpad($vw)), ("median" | lpad(12)), ("x best" | lpad(7)), ("95% CI" | rpad(16)), ("peak RSS" | lpad(10))] | join("  ")),
    (.results[] | . as $r
     | "",
       (.cells[] |
         if .failed then [($r.experiment | rpad($w)), (.variant | rpad($vw)), "failed: \(.failure)"] | join("  ")
         else ([($r.experiment | rpad($w)), (.variant | rpad($vw)), (.median | with_unit($r.metric) | lpad(12)),
               (.ratio_to_best | fixed(3) | lpad(7)), (.ci | ci_text | rpad(16)), (.rss_kb | kib | lpad(10))]
              | join("  ")) + (if .variant == $r.best then "  best" else "" end) end
         + (if .instructions then "  instructions \(.instructions)\(if .instructions_per_op then " (\(.instructions_per_op | . * 10 | round / 10)/op)" else "" end) x fewest \(.instructions_to_fewest | fixed(3))" else "" end))),
    ([.results[] | . as $r
      | probe_text([.cells[] | select(.failed | not) | {name: .variant, values, rtt: .probe.rtt_ns, spin: .probe.spin_ns}]; .metric)
      | "  \($r.experiment | rpad($w))  \(.)"] as $probes
     | if ($probes | length) > 0 then "", "machine before each run (tools/probe: a cache line's round trip between two CPUs, one core's fixed work):", $probes[] else empty end)
  ] | .[]
