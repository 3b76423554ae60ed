# The decision rule (DESIGN.md section 3), applied to the statistics tools/decide gathered.
# Input: {rule, own: [experiment names], max_reached: bool, results: [per case, see tools/decide]}
# Output: the same results with p (Holm-corrected), class and threshold filled in, plus
# verdict, reason and unclear (the ids whose time or RSS class is unclear).

# Holm's step-down correction of the .p_raw of the items that have one, into .p.
def holm:
  (to_entries | map(select(.value.p_raw != null)) | sort_by(.value.p_raw)) as $s
  | ($s | length) as $m
  | (reduce range(0; $m) as $i ({run: 0, adj: {}};
      .run = ([.run, ([1, ($m - $i) * $s[$i].value.p_raw] | min)] | max)
      | .adj[$s[$i].key | tostring] = .run)) as $h
  | to_entries | map(.value + {p: $h.adj[.key | tostring]}) ;

# A ratio B/A turned into "time-like" terms: below 1 means B is better.
def as_cost($better): if $better == "higher" then (if . == 0 then null else 1 / . end) else . end;
def ci_as_cost($better):
  if . == null then null
  elif $better == "higher" then [(if .[1] == 0 then null else 1 / .[1] end), (if .[0] == 0 then null else 1 / .[0] end)]
  else . end;

def time_class($rule):
  (.better // "lower") as $better
  | (.ratio | as_cost($better)) as $d
  | (.ci | ci_as_cost($better)) as $ci
  | if .failed then "failed"
    elif $d == null then "unclear"
    elif .p < $rule.alpha and $d <= 1 - .threshold then "faster"
    elif .p < $rule.alpha and $d >= 1 + $rule.tolerance then "slower"
    elif $ci != null and $ci[0] != null and $ci[1] != null
         and $ci[0] >= 1 - $rule.tolerance and $ci[1] <= 1 + $rule.tolerance then "same"
    else "unclear" end;

def rss_class($rule):
  if . == null then null
  elif .ratio == null then "unclear"
  elif .p < $rule.alpha and .ratio >= 1 + $rule.rss_tolerance then "larger"
  elif .p < $rule.alpha and .ratio <= 1 - $rule.rss_tolerance then "smaller"
  elif .ci != null and .ci[0] >= 1 - $rule.rss_tolerance and .ci[1] <= 1 + $rule.rss_tolerance then "same"
  else "unclear" end;

# The same correction over the results' peak-RSS tests (a family of its own).
def holm_rss:
  ([.[] | .rss // {p_raw: null}] | holm) as $adj
  | [range(0; length) as $i | .[$i] + (if .[$i].rss then {rss: $adj[$i]} else {} end)];

def pct: . * 1000 | round / 10;
def change_text:
  .better as $better | (.ratio | as_cost($better)) as $d | (.ci | ci_as_cost($better)) as $ci
  | if $d >= 2 then "\(.experiment) \($d | . * 100 | round / 100)x slower [\($ci[0] | . * 100 | round / 100)x, \($ci[1] | . * 100 | round / 100)x]"
    elif $d <= 0.5 then "\(.experiment) \(1 / $d | . * 100 | round / 100)x faster [\(1 / $ci[1] | . * 100 | round / 100)x, \(1 / $ci[0] | . * 100 | round / 100)x]"
    elif $d <= 1 then "\(.experiment) \((1 - $d) | pct)% faster [\((1 - $ci[1]) | pct)%, \((1 - $ci[0]) | pct)%]"
    else "\(.experiment) \(($d - 1) | pct)% slower [\(($ci[0] - 1) | pct)%, \(($ci[1] - 1) | pct)%]" end;
def instr_text:
  "\(.experiment) \((1 - .instructions.ratio) | . * 10000 | round / 100)% fewer instructions (\(.instructions.b) against \(.instructions.a), exact counts)";
def rss_text:
  if .rss.ratio >= 1 then "\(.experiment) peak RSS +\((.rss.ratio - 1) | pct)% [\((.rss.ci[0] - 1) | pct)%, \((.rss.ci[1] - 1) | pct)%]"
  else "\(.experiment) peak RSS -\((1 - .rss.ratio) | pct)% [\((1 - .rss.ci[1]) | pct)%, \((1 - .rss.ci[0]) | pct)%] smaller" end;

.rule as $rule | .own as $own | .max_reached as $max_reached
| .results |= (map(. + {threshold: ([$rule.min_effect, ($rule.noise[.experiment] // 0)] | max)}) | holm)
| .results |= holm_rss
| .results |= map(. + {class: time_class($rule)} | if .rss then .rss.class = (.rss | rss_class($rule)) else . end)
| .results as $r
| ($r | map(select(.class == "failed" and .failed_side == "b"))) as $bfail
| ($r | map(select(.class == "failed" and .failed_side != "b"))) as $afail
| ($r | map(select(.class == "slower"))) as $slower
| ($r | map(select(.rss.class? == "larger"))) as $larger
| ($r | map(select(.class == "faster" and (.experiment | split("/")[0] | IN($own[]))))) as $faster
| ($r | map(select(.rss.class? == "smaller" and (.experiment | split("/")[0] | IN($own[]))))) as $leaner
| ($r | map(select($rule.instr_min_effect != null and .instructions.ratio? != null
                   and .instructions.ratio <= 1 - $rule.instr_min_effect
                   and (.experiment | split("/")[0] | IN($own[]))))) as $fewer
| ($r | map(select(.class == "unclear" or .rss.class? == "unclear")) | map(.experiment)) as $unclear
| . + {unclear: $unclear}
| if ($bfail | length) > 0 then
    . + {verdict: "NO-GO", reason: "B fails \($bfail | map("\(.experiment): \(.failure.b)") | join("; "))"}
  elif ($afail | length) > 0 then
    . + {verdict: "INCONCLUSIVE", reason: "A fails \($afail | map("\(.experiment): \(.failure.a)") | join("; "))"}
  elif ($slower | length) > 0 or ($larger | length) > 0 then
    . + {verdict: "NO-GO", reason: ([$slower[] | change_text] + [$larger[] | rss_text] | join("; "))}
  elif ($faster | length) > 0 or ($leaner | length) > 0 or ($fewer | length) > 0 then
    . + {verdict: "GO", reason: "\([$faster[] | change_text] + [$leaner[] | rss_text] + [$fewer[] | instr_text] | join("; ")); nothing slower\(if ($leaner | length) > 0 or ($fewer | length) > 0 then " or larger" else "" end)"}
  elif ($unclear | length) > 0 and ($max_reached | not) then
    . + {verdict: "INCONCLUSIVE", reason: "cut short before the rule's cap with \($unclear | join(", ")) unclear"}
  else
    . + {verdict: "NO-GO", reason: "benefit not demonstrated: no experiment is faster by at least its threshold or smaller in peak RSS by at least the RSS tolerance\(if $rule.instr_min_effect != null then " or counts at least \($rule.instr_min_effect * 100)% fewer instructions" else "" end)\(if ($unclear | length) > 0 then " (\($unclear | join(", ")) still unclear at the cap)" else "" end)"}
  end
