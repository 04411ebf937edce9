#!/usr/bin/env bash
# Scale check (issue 14): a debug build (overflow checks on) lints the benchmark corpus and the
# real applications with --format json at 1 and 2 threads; reports panics, internal errors,
# skipped files and whether the two outputs are byte-identical.
# Usage: tests/bench/scale.sh [BINARY] (default: target/debug/nodepit)
set -uo pipefail
bin=${1:-target/debug/nodepit}
corpus=${NODEPIT_BENCH_DIR:-/tmp/nodepit-bench}/corpus
apps=${NODEPIT_APPS:-/work/realworld/apps}
out=$(mktemp -d)
status=0
for dir in "$corpus" "$apps"/*; do
  [ -d "$dir" ] || continue
  name=$(basename "$dir")
  for t in 1 2; do
    start=$(date +%s)
    "$bin" check "$dir" --format json --threads "$t" >"$out/$name.$t.json" 2>"$out/$name.$t.err"
    code=$?
    echo "$name threads=$t exit=$code $(( $(date +%s) - start ))s" >>"$out/times"
  done
  files=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); s=d.get("summary",{}); print(s.get("files", s.get("files_checked","?")))' "$out/$name.1.json" 2>/dev/null || echo '?')
  findings=$(grep -o '"rule": *"[^"]*"' "$out/$name.1.json" | sort | uniq -c | sort -rn | tr -s ' ' | tr '\n' ';')
  internal=$(grep -c '"internal-error"' "$out/$name.1.json")
  panics=$(cat "$out/$name.1.err" "$out/$name.2.err" | grep -c panicked)
  if cmp -s "$out/$name.1.json" "$out/$name.2.json"; then same=identical; else same=DIFFERENT; status=1; fi
  [ "$internal" = 0 ] && [ "$panics" = 0 ] || status=1
  echo "$name: files=$files internal-error=$internal panics=$panics 1-vs-2-threads=$same; $findings"
done
cat "$out/times"
echo "outputs in $out"
exit $status
