# Number formatting shared by tools/table.jq and tools/render (jq 1.6 has no printf).

# x with exactly d decimals ("0.966", "12.0").
def fixed($d):
  if . == null then "-" else
  (. as $x | pow(10; $d) as $m | (($x * $m) | round) as $r
   | ($r | fabs | tostring) as $s
   | (if $d == 0 then $s
      else (("0" * ([0, $d + 1 - ($s | length)] | max)) + $s) as $p
           | $p[0:($p | length) - $d] + "." + $p[($p | length) - $d:] end)
   | (if $r < 0 then "-" + . else . end)) end;

# Right/left-justified to width w.
def rpad($w): tostring | . + (" " * ([0, $w - length] | max));
def lpad($w): tostring | (" " * ([0, $w - length] | max)) + .;

# A metric value with its unit: seconds as ms/s, throughputs in K/M/G per second.
def with_unit($metric):
  if . == null then "-"
  elif $metric == "wall" then (if . < 1 then "\(. * 1000 | fixed(1)) ms" else "\(fixed(3)) s" end)
  elif ($metric | test("per_s$")) then
    (if . >= 1e9 then "\(. / 1e9 | fixed(2)) G/s" elif . >= 1e6 then "\(. / 1e6 | fixed(2)) M/s"
     elif . >= 1e3 then "\(. / 1e3 | fixed(2)) K/s" else "\(fixed(1)) /s" end)
  elif . >= 1e6 then "\(. / 1e6 | fixed(2))M"
  else fixed(3) end;

def kib: if . == null then "-" elif . >= 1048576 then "\(. / 1048576 | fixed(2)) GiB" elif . >= 1024 then "\(. / 1024 | fixed(1)) MiB" else "\(.) KiB" end;

def pvalue: if . == null then "-" elif . < 0.001 then "<0.001" else fixed(3) end;

def ci_text: if . == null then "-" else "[\(.[0] | fixed(3)), \(.[1] | fixed(3))]" end;

def pct_text: (. * 100) as $p | if ($p | round) == $p then "\($p | round)%" else "\($p | fixed(1))%" end;

def short_hash: if . == null then "-" else .[0:12] end;

# One line describing the rule's thresholds.
def rule_text:
  "alpha \(.alpha), \(.confidence * 100 | fixed(0))% bootstrap CI, min effect \(.min_effect | pct_text), tolerance \(.tolerance | pct_text), RSS tolerance \(.rss_tolerance | pct_text)\(if .instr_min_effect then ", fewer instructions \(.instr_min_effect | pct_text) (exact counts, with --instructions)" else "" end), \(.rounds) rounds (\(2 * .rounds) runs a side)\(if .max_runs_per_side > 2 * .rounds then ", doubling while unclear up to \(.max_runs_per_side)" else ", no doubling" end)\(if .quick then " (quick)" else "" end)\(if (.noise // {}) != {} then ", calibrated noise\(if .noise_calibrations then " (median of each case's last three calibrations: #\(.noise_from | map(tostring) | join(", #")))" else "" end): " + ([.noise | to_entries[] | "\(.key) \(.value | pct_text)"] | join(", ")) else "" end)";

def median_of: sort | if length == 0 then null elif length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;

# The machine's state during one experiment's runs, from tools/probe's reading before each run:
# $sides is [{name, values, rtt, spin}] (rtt and spin parallel to values, null where not probed).
# The two CPUs are close (the fastest round trip seen) or far (2x that or more: the host placed
# them apart); when both states occur, each side's median is given in each, since a ratio over
# the mix depends on the mix.
def probe_text($sides; $metric):
  ([$sides[].rtt[]? | select(. != null)]) as $rtt
  | ([$sides[].spin[]? | select(. != null)]) as $spin
  | if ($rtt | length) == 0 and ($spin | length) == 0 then empty else
    ($rtt | min) as $lo
    | "round trip \(if ($rtt | length) > 0 then "\($rtt | median_of | round) ns (\($lo)..\($rtt | max))" else "-" end), one core \(if ($spin | length) > 0 then "\($spin | median_of / 1000 | fixed(0)) us (\($spin | min / 1000 | fixed(0))..\($spin | max / 1000 | fixed(0)))" else "-" end)"
      + (if ($rtt | length) > 0 and ($rtt | max) >= 2 * $lo then
           "; both states, far = round trip >= \(2 * $lo) ns: "
           + ([$sides[] | . as $s
               | [range(0; $s.values | length) | select($s.rtt[.] != null)] as $ix
               | ([$ix[] | select($s.rtt[.] < 2 * $lo) | $s.values[.]]) as $close
               | ([$ix[] | select($s.rtt[.] >= 2 * $lo) | $s.values[.]]) as $far
               | "\($s.name) close \($close | median_of | with_unit($metric)) (\($close | length) run\(if ($close | length) == 1 then "" else "s" end)), far \($far | median_of | with_unit($metric)) (\($far | length))"]
              | join("; "))
         else "" end)
    end;
