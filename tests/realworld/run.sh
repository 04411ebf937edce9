#!/usr/bin/env bash
# Lints the real-world corpus of Node.js applications (apps.tsv) so rule precision can be
# measured where nodepit is actually used: application repositories, linted whole.
#
#   tests/realworld/run.sh <apps-dir> <out-dir> [nodepit-binary]
#
# For each app of apps.tsv present as <apps-dir>/<name>, writes <out-dir>/<name>.json
# (`nodepit check --format json`) and then <out-dir>/findings.tsv: rule, app, path (relative
# to the app), line, column, message; one line per finding after a header line.
# Also writes <out-dir>/times.tsv (app, files, errors, warnings, seconds).
# nodepit has no flag to ignore config files: a `nodepit.toml` inside an app (or above
# <apps-dir>) would apply, so the script warns when an app contains one.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
[ $# -ge 2 ] || { echo "usage: $0 <apps-dir> <out-dir> [nodepit-binary]" >&2; exit 2; }
APPS=$(cd "$1" && pwd)
mkdir -p "$2"
OUT=$(cd "$2" && pwd)
NODEPIT=${3:-$ROOT/target/release/nodepit}
[ -x "$NODEPIT" ] || { echo "no nodepit binary at $NODEPIT (cargo build --release)" >&2; exit 2; }

failed=0
ran=()
printf 'app\tfiles\terrors\twarnings\tseconds\n' > "$OUT/times.tsv"
while IFS=$'\t' read -r name _; do
  [ "$name" = name ] && continue                      # header
  dir=$APPS/$name
  [ -d "$dir" ] || { echo "skip $name: not in $APPS" >&2; continue; }
  if find "$dir" -name nodepit.toml -not -path '*/node_modules/*' | grep -q .; then
    echo "warning: $name contains a nodepit.toml, which changes its results" >&2
  fi
  start=$EPOCHREALTIME
  rc=0
  "$NODEPIT" check --format json "$dir" > "$OUT/$name.json" || rc=$?
  secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
  if [ "$rc" -gt 1 ]; then                            # 1 = findings; 2 = setup error; else crash
    echo "FAILED $name: nodepit exited $rc" >&2; failed=1; continue
  fi
  jq -r --arg app "$name" --arg s "$secs" \
    '[$app, .summary.files, .summary.errors, .summary.warnings, $s] | @tsv' \
    "$OUT/$name.json" >> "$OUT/times.tsv"
  ran+=("$name")
  echo "$name: $(tail -n1 "$OUT/times.tsv" | cut -f2-)" >&2
done < "$HERE/apps.tsv"

# One TSV of every finding; tabs and newlines in messages become spaces.
{
  printf 'rule\tapp\tpath\tline\tcolumn\tmessage\n'
  for app in "${ran[@]}"; do
    jq -r --arg app "$app" --arg prefix "$APPS/$app/" '.diagnostics[] |
      [.rule, $app, (.path | ltrimstr($prefix)), .line, .column, (.message | gsub("[\t\n\r]"; " "))] | @tsv' \
      "$OUT/$app.json"
  done
} > "$OUT/findings.tsv"
echo "$(($(wc -l < "$OUT/findings.tsv") - 1)) findings in $OUT/findings.tsv" >&2
exit $failed
