# chart: one SVG chart for one ledger entry (a module: tools/render runs `include "chart"; chart`
# over the whole ledger in one jq).
# decision/comparison: per experiment, B's time relative to A (throughputs inverted, so left is
# always "B faster") with its 95% interval, the thresholds drawn as lines.  matrix: per experiment,
# each variant's time relative to the row's best.  Deterministic: same entry, same bytes.
include "format";

def esc: tostring | gsub("&"; "&amp;") | gsub("<"; "&lt;") | gsub(">"; "&gt;") | gsub("\""; "&quot;");
def colour: {faster: "#1a7f37", slower: "#cf222e", same: "#57606a", unclear: "#bf8700", failed: "#cf222e"}[.] // "#57606a";
def palette: ["#0969da", "#cf222e", "#1a7f37", "#8250df", "#bf8700", "#57606a", "#e16f24", "#1b7c83"];
def cost($better): if . == null then null elif $better == "higher" then (if . == 0 then null else 1 / . end) else . end;
def n: fixed(1);

# Layout: label column, plot, value column.
def frame($title; $rows; $lo; $hi; $axis; body):
  (220) as $lx | (380) as $pw | (24) as $rh | (46) as $top
  | ($top + $rows * $rh + 40) as $h
  # A wide range (a box several times slower) is drawn on a log scale, so 1 stays readable.
  | ($lo > 0 and $hi / $lo > 3) as $log
  | def x($v): if $log then $lx + (($v | log) - ($lo | log)) / (($hi | log) - ($lo | log)) * $pw
                else $lx + ($v - $lo) / ($hi - $lo) * $pw end;
  [ "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"720\" height=\"\($h)\" font-family=\"sans-serif\" font-size=\"12\">",
    "<rect width=\"720\" height=\"\($h)\" fill=\"white\"/>",
    "<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">\($title | esc)</text>",
    "<line x1=\"\($lx)\" y1=\"\($top + $rows * $rh + 4)\" x2=\"\($lx + $pw)\" y2=\"\($top + $rows * $rh + 4)\" stroke=\"#999\"/>",
    ([range(0; 5)] | map(if $log then (($lo | log) + (($hi | log) - ($lo | log)) * . / 4 | exp) else $lo + ($hi - $lo) * . / 4 end) | .[] | "<text x=\"\(x(.) | n)\" y=\"\($top + $rows * $rh + 18)\" text-anchor=\"middle\" fill=\"#555\">\(fixed(3))</text>"),
    "<text x=\"\($lx + $pw / 2)\" y=\"\($top + $rows * $rh + 34)\" text-anchor=\"middle\" fill=\"#555\">\($axis | esc)</text>",
    (body as $f | $f | .[] | if type == "object" then
       (if .kind == "vline" then "<line x1=\"\(x(.v) | n)\" y1=\"\($top - 6)\" x2=\"\(x(.v) | n)\" y2=\"\($top + $rows * $rh)\" stroke=\"\(.stroke)\"\(if .dash then " stroke-dasharray=\"\(.dash)\"" else "" end)/>"
        elif .kind == "label" then "<text x=\"\($lx - 8)\" y=\"\($top + .row * $rh + 16)\" text-anchor=\"end\">\(.text | esc)</text>"
        elif .kind == "note" then "<text x=\"\($lx + $pw + 10)\" y=\"\($top + .row * $rh + 16)\" fill=\"\(.fill // "#333")\">\(.text | esc)</text>"
        elif .kind == "range" then "<line x1=\"\(x(.lo) | n)\" y1=\"\($top + .row * $rh + 12 + (.dy // 0))\" x2=\"\(x(.hi) | n)\" y2=\"\($top + .row * $rh + 12 + (.dy // 0))\" stroke=\"\(.stroke)\" stroke-width=\"2\"/>"
        elif .kind == "dot" then "<circle cx=\"\(x(.v) | n)\" cy=\"\($top + .row * $rh + 12 + (.dy // 0))\" r=\"4\" fill=\"\(.fill)\"/>"
        elif .kind == "legend" then "<rect x=\"\(10 + .i * 110)\" y=\"28\" width=\"10\" height=\"10\" fill=\"\(.fill)\"/><text x=\"\(24 + .i * 110)\" y=\"37\">\(.text | esc)</text>"
        else empty end)
     else . end),
    "</svg>" ] | join("\n");

def ab_chart:
  . as $e
  | [.results[] | . as $r
     | {experiment, class, failed, r: (.ratio | cost($r.better)),
        lo: (if .ci then (if $r.better == "higher" then (.ci[1] | cost("higher")) else .ci[0] end) else null end),
        hi: (if .ci then (if $r.better == "higher" then (.ci[0] | cost("higher")) else .ci[1] end) else null end)}] as $rows
  | ([$rows[] | .lo, .hi, .r | select(. != null)] + [1 - $e.rule.min_effect - 0.01, 1 + $e.rule.tolerance + 0.01]) as $vals
  | ($vals | min) as $lo | ($vals | max) as $hi
  | frame("#\(.seq // "-") \(.box // "\(.a.variant) vs \(.b.variant)"): \(.verdict)"; ($rows | length); $lo; $hi;
          "B/A time (left of 1: B faster); dashed: +-tolerance, dotted: minimum effect";
      [ {kind: "vline", v: 1, stroke: "#333"},
        {kind: "vline", v: (1 - $e.rule.tolerance), stroke: "#999", dash: "4 3"},
        {kind: "vline", v: (1 + $e.rule.tolerance), stroke: "#999", dash: "4 3"},
        {kind: "vline", v: (1 - $e.rule.min_effect), stroke: "#1a7f37", dash: "1 3"},
        ($rows | to_entries[] | .key as $i | .value
         | {kind: "label", row: $i, text: .experiment},
           (if .lo != null then {kind: "range", row: $i, lo: .lo, hi: .hi, stroke: (.class | colour)} else empty end),
           (if .r != null then {kind: "dot", row: $i, v: .r, fill: (.class | colour)} else empty end),
           {kind: "note", row: $i, text: (if .failed then "failed" else "\(.r | fixed(3)) \(.class)" end), fill: (.class | colour)}) ]);

def matrix_chart:
  . as $e
  | ($e.variants | length) as $nv
  | [.results[] | . as $r | {experiment, cells: [.cells[] | {failed, v: (.ratio_to_best), lo: (.ci[0]? // null), hi: (.ci[1]? // null)}]}] as $rows
  | ([$rows[].cells[] | select(.failed | not) | .v, .lo, .hi | select(. != null)] + [1, 1.1]) as $vals
  | ($vals | max) as $hi
  | frame("matrix #\(.seq // "-"): time relative to the best of each row"; ($rows | length); 0.95; $hi;
          "time / best time (1 = best)";
      [ {kind: "vline", v: 1, stroke: "#333"},
        ($e.variants | to_entries[] | {kind: "legend", i: .key, fill: palette[.key % 8], text: .value.variant}),
        ($rows | to_entries[] | .key as $i | .value
         | {kind: "label", row: $i, text: .experiment},
           (.cells | to_entries[] | select(.value.failed | not) | .key as $k | .value
            | ((($k - ($nv - 1) / 2) * 3) | round) as $dy
            | (if .lo != null then {kind: "range", row: $i, lo: .lo, hi: .hi, stroke: palette[$k % 8], dy: $dy} else empty end),
              {kind: "dot", row: $i, v: .v, fill: palette[$k % 8], dy: $dy})) ]);

def chart: if .kind == "matrix" then matrix_chart else ab_chart end;
