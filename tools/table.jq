# Prints a ledger entry (decision, comparison or calibration) as the table a person reads.
# jq -r -L tools --arg color true|false -f tools/table.jq ENTRY
include "format";

def paint($c): if $color == "true" then "\u001b[\($c)m\(.)\u001b[0m" else . end;
def class_text:
  if . == "faster" or . == "smaller" then paint("32") elif . == "slower" or . == "larger" or . == "failed" then paint("31")
  elif . == "unclear" then paint("33") else . end;
def verdict_text:
  if . == "GO" then paint("1;32") elif . == "NO-GO" then paint("1;31") elif . == "INCONCLUSIVE" then paint("1;33") else . end;
def side($s): "\($s.variant)\(if $s.build then "  build \($s.build | short_hash)" else "" end)\(if $s.kind == "peer" then "  \($s.package) \($s.version)" else "" end)  flags: \(if ($s.flags | length) > 0 then $s.flags | join(" ") else "none" end)";

. as $e
| ([.results[].experiment | length] + [10] | max) as $w
| [
  "A: \(side(.a))",
  "B: \(side(.b))",
  "rule: \(.rule | rule_text)",
  "",
  ([("experiment" | rpad($w)), ("runs" | rpad(7)), ("A median" | lpad(12)), ("B median" | lpad(12)), ("B/A" | lpad(6)),
    ("95% CI" | rpad(16)), ("p(Holm)" | lpad(7)), ("class" | rpad(8)), "peak RSS B/A"] | join("  ")),
  (.results[] |
    if .failed then
      [(.experiment | rpad($w)), "failed: " + ([(if .failure.a then "A \(.failure.a)" else empty end), (if .failure.b then "B \(.failure.b)" else empty end)] | join("; ")) | paint("31")] | join("  ")
    else
      [(.experiment | rpad($w)),
       ("\(.a.values | length)/\(.b.values | length)" | rpad(7)),
       (.metric as $m | .median.a | with_unit($m) | lpad(12)),
       (.metric as $m | .median.b | with_unit($m) | lpad(12)),
       (.ratio | fixed(3) | lpad(6)),
       (.ci | ci_text | rpad(16)),
       (.p | pvalue | lpad(7)),
       ((.class | rpad(8)) | class_text),
       (if .rss then "\(.rss.ratio | fixed(3)) \(.rss.class | class_text)" else "-" end)
       + (if .instructions then "   instructions B/A \(.instructions.ratio | fixed(4))" else "" end)
       + (if .noise != null then "   A/A noise \(.noise | pct_text)" else "" end)]
      | join("  ")
    end),
  ([.results[] | select(.failed | not) | . as $r
    | probe_text([{name: "A", values: .a.values, rtt: .a.probe.rtt_ns, spin: .a.probe.spin_ns},
                  {name: "B", values: .b.values, rtt: .b.probe.rtt_ns, spin: .b.probe.spin_ns}]; .metric)
    | "  \($r.experiment | rpad($w))  \(.)"] as $probes
   | if ($probes | length) > 0 then "", "machine before each run (tools/probe: a cache line's round trip between two CPUs, one core's fixed work):", $probes[] else empty end),
  "",
  (if .kind == "calibration" then "A/A: \(.false_differences.count) of \(.false_differences.of) results differ (faster or slower)"
   elif .override then "verdict: \(.verdict | verdict_text) (override)\n  the rule said \(.override.rule_verdict): \(.reason)\n  overridden\(if .signed_off_by then " by \(.signed_off_by)" else "" end) because: \(.override.reason)"
   else "verdict: \(.verdict | verdict_text): \(.reason)" end)
  ] | .[]
