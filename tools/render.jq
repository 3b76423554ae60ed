# ledger/decisions.md from the ledger's entries (jq -r -s -L tools -f tools/render.jq LEDGER).
# Only what the ledger holds goes in, so the file is exactly reproducible from it.
include "format";

def md: tostring | gsub("\\|"; "\\|") | gsub("<"; "&lt;") | gsub(">"; "&gt;");
def date: .time[0:10];
def chart_name: "charts/\(.seq | tostring | ("0" * ([0, 4 - length] | max)) + .)-\(.box // .kind).svg";
def key_ratios:
  [.results[]? | if .failed then "\(.experiment) failed"
   else "\(.experiment) \(.ratio | fixed(3)) \(.ci | ci_text) \(.class)\(if .rss.class? == "larger" then ", RSS \(.rss.ratio | fixed(3)) larger" else "" end)" end]
  | join("; ") | md;
def verdict_md: if . == "GO" or . == "NO-GO" then "**\(.)**" else . end;
def who: (.signed_off_by // "-") | md;
def signed: if .signature then " (ssh-signed)" else "" end;
def overridden: if .override then " (override of \(.override.rule_verdict): \(.override.reason | md))" else "" end;

. as $all
| ($all | map(select(.kind == "decision"))) as $decisions
| ($all | map(select(.kind == "comparison"))) as $comparisons
| ($all | map(select(.kind == "calibration"))) as $calibrations
| ($all | map(select(.kind == "matrix"))) as $matrices
| [
  "# hako decisions",
  "",
  "Rendered by `./runner report` from `ledger/ledger.jsonl` (\($all | length) entries\(if ($all | length) > 0 then ", last hash `\($all[-1].hash | short_hash)`" else "" end)). Do not edit: `./runner verify` checks that this file is exactly the rendering of the ledger. Ratios are B/A of the primary metric's median with its 95% bootstrap interval.",
  "",
  "## Verdicts",
  "",
  (if ($decisions | length) == 0 then "No decisions yet: `./runner propose boxes/NAME` makes one." else
    ("| # | date | box | flag | verdict | key ratios B/A [95% CI] | signed off by | A build | B build |",
     "|---|---|---|---|---|---|---|---|---|",
     ($decisions | reverse[] | "| \(.seq) | \(date) | \(.box) | `\(.flag)` | \(.verdict | verdict_md)\(overridden) | \(key_ratios) | \(who)\(signed) | `\(.a.build | short_hash)` | `\(.b.build | short_hash)` |"))
   end),
  "",
  "## Boxes",
  (($decisions | group_by(.box) | sort_by(.[0].box))[] as $h
   | "",
     "### \($h[0].box) (`\($h[0].flag)`)",
     "",
     "| # | date | verdict | reason | signed off by |",
     "|---|---|---|---|---|",
     ($h[] | "| \(.seq) | \(date) | \(.verdict | verdict_md)\(overridden) | \(.reason | md) | \(who) |"),
     "",
     ($h[] | "![#\(.seq) \(.box): \(.verdict)](\(chart_name))")),
  "",
  "## Comparisons",
  "",
  (if ($comparisons | length) == 0 then "None recorded (`./runner compare A B --record`, `./runner ablate`)." else
    ("| # | date | A | B | verdict | key ratios B/A [95% CI] | signed off by |",
     "|---|---|---|---|---|---|---|",
     ($comparisons | reverse[] | "| \(.seq) | \(date) | \(.a.variant | md) | \(.b.variant | md)\(if .ablation then " (leave-one-out of \(.box))" else "" end) | \(.verdict | verdict_md) | \(key_ratios) | \(who) |"))
   end),
  "",
  "## Calibrations (A/A noise)",
  "",
  (if ($calibrations | length) == 0 then "None yet: `./runner calibrate` measures each experiment's noise." else
    ("| # | date | variant | form | noise per experiment | false differences | signed off by |",
     "|---|---|---|---|---|---|---|",
     ($calibrations | reverse[] | "| \(.seq) | \(date) | \(.a.variant | md) | \(if .rule.quick then "quick" else "full" end) | \([.results[] | "\(.experiment) \(.noise // null | if . == null then "-" else pct_text end)"] | join("; ") | md) | \(.false_differences.count) of \(.false_differences.of) | \(who) |"))
   end),
  "",
  "## Matrix",
  "",
  (if ($matrices | length) == 0 then "None recorded (`./runner matrix default mimalloc jemalloc tcmalloc glibc --record`)." else
    ($matrices[-1] as $m
     | "Entry #\($m.seq), \($m | date), \(if $m.rule.quick then "quick form, " else "" end)\($m.rule.rounds) rounds: median per cell, ratio to the best variant of the row (1.000 = best) with its 95% interval, peak RSS.",
       "",
       "| experiment | \($m.variants | map(.variant | md) | join(" | ")) |",
       "|---|\($m.variants | map("---") | join("|"))|",
       ($m.results[] | . as $r | "| \(.experiment) | \(.cells | map(if .failed then "failed: \(.failure | md)" else "\(.median | with_unit($r.metric)) ×\(.ratio_to_best | fixed(3)) \(.ci | ci_text) \(.rss_kb | kib)" end) | join(" | ")) |"),
       "",
       "![matrix #\($m.seq)](\($m | chart_name))",
       (if ($matrices | length) > 1 then
          "",
          "Earlier matrix entries, newest first (each table is in the ledger; each chart is here):",
          "",
          ($matrices[:-1] | reverse[] | "- #\(.seq), \(date), \(if .rule.quick then "quick form, " else "" end)\(.rule.rounds) rounds, \(.variants | map(.variant | md) | join(", ")) on \(.results | map(.experiment | md) | join(", ")): [chart](\(chart_name))")
        else empty end))
   end)
  ] | .[]
