#!/usr/bin/env bash
# Side-by-side speed of nodepit and its peers on one corpus of popular npm packages.
#
#   tests/bench/compare.sh [--rebuild]
#
# Env: NODEPIT_BENCH_DIR (scratch folder, default /tmp/nodepit-bench), RUNS (rounds, 5),
#      SKIP_ESLINT=1 (ESLint is slow). Nothing it downloads or builds is committed.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BENCH=${NODEPIT_BENCH_DIR:-/tmp/nodepit-bench}
RUNS=${RUNS:-5}
NODEPIT=$ROOT/target/release/nodepit
mkdir -p "$BENCH"
cd "$BENCH"

# Pinned so every run measures the same files.
PACKAGES=(
  express@5.1.0 koa@3.0.1 fastify@5.6.1 mongoose@8.19.1 socket.io@4.8.1 ws@8.18.3 pino@10.0.0
  undici@7.16.0 axios@1.12.2 bull@4.16.5 sequelize@6.37.7 pg@8.16.3 mysql2@3.15.2 redis@5.8.3
  ioredis@5.8.1 nodemailer@7.0.9 jsonwebtoken@9.0.2 passport@0.7.0 multer@2.0.2
  @aws-sdk/client-s3@3.908.0 webpack@5.102.1 typescript@5.9.3 eslint@9.37.0 prettier@3.6.2
  @nestjs/core@11.1.6 @nestjs/common@11.1.6 rxjs@7.8.2 reflect-metadata@0.2.2
)
PEERS=(oxlint@1.94.0 @biomejs/biome@2.6.8 eslint@9.37.0 eslint-plugin-n@18.5.0 eslint-plugin-promise@7.3.0)

if [ ! -x "$NODEPIT" ]; then
  (cd "$ROOT" && cargo build --release -p nodepit)
fi
command -v hyperfine >/dev/null || { apt-get install -y -qq hyperfine || { apt-get update -qq && apt-get install -y -qq hyperfine; }; }
[ -x /usr/bin/time ] || apt-get install -y -qq time

if [ "${1:-}" = "--rebuild" ] || [ ! -d corpus ]; then
  rm -rf src corpus
  mkdir -p src && (cd src && npm init -y >/dev/null && npm install --ignore-scripts --no-audit --no-fund --loglevel=error "${PACKAGES[@]}" || { echo "note: some pinned versions failed; retrying unpinned"; npm install --ignore-scripts --no-audit --no-fund --loglevel=error "${PACKAGES[@]%@*}"; })
  # Copy sources with `node_modules` renamed, so no tool skips them; no declarations, no minified or huge files.
  (cd src/node_modules && find . -type f \( -name '*.js' -o -name '*.mjs' -o -name '*.cjs' -o -name '*.ts' \) \
      ! -name '*.d.ts' ! -name '*.d.mts' ! -name '*.d.cts' ! -name '*.min.js' -size -2M -print0) |
    while IFS= read -r -d '' f; do
      dest="corpus/$(dirname "$f" | sed 's#node_modules#nm#g')"
      mkdir -p "$dest" && cp "src/node_modules/$f" "$dest/"
    done
fi
files=$(find corpus -type f | wc -l)
mb=$(du -sm corpus | cut -f1)
lines=$(find corpus -type f -print0 | xargs -0 cat | wc -l)
echo "corpus: $files files, $mb MB, $lines lines"

if [ ! -d peers/node_modules ]; then
  mkdir -p peers && (cd peers && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error "${PEERS[@]}")
fi
BIN=$BENCH/peers/node_modules/.bin

# Peer configs live in the scratch folder, never in the repository.
cat > oxlint-few.json <<'JSON'
{ "categories": { "correctness": "off" }, "rules": { "no-async-promise-executor": "error", "no-promise-executor-return": "error", "no-await-in-loop": "error", "prefer-promise-reject-errors": "error", "require-await": "error" } }
JSON
mkdir -p biome-few biome-default
cat > biome-few/biome.json <<'JSON'
{ "vcs": { "enabled": false }, "files": { "includes": ["**"], "maxSize": 3000000, "ignoreUnknown": true },
  "linter": { "rules": { "recommended": false, "suspicious": { "noAsyncPromiseExecutor": "error", "noThenProperty": "error" }, "correctness": { "noUnusedVariables": "off" } } } }
JSON
cat > biome-default/biome.json <<'JSON'
{ "vcs": { "enabled": false }, "files": { "includes": ["**"], "maxSize": 3000000, "ignoreUnknown": true } }
JSON
# Beside the peers' node_modules, so its imports resolve.
cat > peers/eslint.config.mjs <<'JSON'
import n from "eslint-plugin-n";
import promise from "eslint-plugin-promise";
export default [
  { files: ["**/*.js", "**/*.mjs", "**/*.cjs"], plugins: { n, promise },
    languageOptions: { ecmaVersion: "latest", sourceType: "module" },
    linterOptions: { reportUnusedDisableDirectives: "off" },
    rules: { "n/no-sync": "error", ...promise.configs.recommended.rules } },
];
JSON

declare -a NAMES=() CMDS=()
add() { NAMES+=("$1"); CMDS+=("$2"); }
add "nodepit (all rules, 2 threads)" "$NODEPIT check --format json --threads 2 corpus"
add "nodepit (1 thread)" "$NODEPIT check --format json --threads 1 corpus"
add "nodepit floor: parse + resolve" "$NODEPIT check --format json --parse-only --threads 2 corpus"
# Without the needle gate every file gets scopes and a model: what the gate saves, in the open.
add "nodepit (all rules, no needle gate)" "env NODEPIT_NO_GATE=1 $NODEPIT check --format json --threads 2 corpus"
add "oxlint (5 rules)" "$BIN/oxlint --threads 2 -c oxlint-few.json --no-ignore corpus"
add "oxlint (default rules)" "$BIN/oxlint --threads 2 --no-ignore corpus"
add "biome (few rules)" "$BIN/biome lint --config-path biome-few --max-diagnostics 0 corpus"
add "biome (default rules)" "$BIN/biome lint --config-path biome-default --max-diagnostics 0 corpus"
if [ "${SKIP_ESLINT:-0}" != 1 ]; then
  add "eslint (n + promise, js only)" "$BIN/eslint --no-config-lookup -c peers/eslint.config.mjs --no-warn-ignored corpus"
fi

# Exit 1 means findings; anything else is a broken run, which hyperfine -i would time anyway.
for i in "${!CMDS[@]}"; do
  status=0
  # shellcheck disable=SC2086 # the command is a word list
  ${CMDS[$i]} >/dev/null 2>check.err || status=$?
  if [ "$status" -gt 1 ]; then
    echo "error: '${NAMES[$i]}' failed (exit $status):" >&2
    head -20 check.err >&2
    exit 1
  fi
done

args=()
for i in "${!CMDS[@]}"; do args+=(-n "${NAMES[$i]}" "${CMDS[$i]}"); done
# Rounds, not one block of runs per tool: this machine's speed drifts by tens of percent over
# minutes, so each round runs every command once and ratios are taken within a round.
hyperfine -i -N --runs 1 "${args[@]}" >/dev/null # warm-up round
rm -f round-*.json
for r in $(seq "$RUNS"); do
  hyperfine -i -N --runs 1 --export-json "round-$r.json" "${args[@]}" >/dev/null
done

: > peaks.txt
for i in "${!CMDS[@]}"; do
  # shellcheck disable=SC2086 # the command is a word list
  /usr/bin/time -f %M -o peak.tmp ${CMDS[$i]} >/dev/null 2>&1 || true
  tail -1 peak.tmp >> peaks.txt
done

python3 - "$BENCH" "$files" "$mb" "$lines" <<'PY'
import datetime, glob, json, os, statistics, sys
bench, files, mb, lines = sys.argv[1:]
rounds = [json.load(open(f))["results"] for f in sorted(glob.glob(os.path.join(bench, "round-*.json")))]
names = [r["command"] for r in rounds[0]]
wall = {n: [rd[i]["times"][0] for rd in rounds] for i, n in enumerate(names)}
cpu = {n: [rd[i]["user"] + rd[i]["system"] for rd in rounds] for i, n in enumerate(names)}
peaks = [int(l.split()[0]) if l.strip() else 0 for l in open(os.path.join(bench, "peaks.txt"))]
med = statistics.median
def ratio(a, b):
    """Median over rounds of a/b, each round's pair measured minutes apart at most."""
    return med([x / y for x, y in zip(wall[a], wall[b])])
np2 = "nodepit (all rules, 2 threads)"
rows = ["| tool / config | median wall (s) | user+sys (s) | peak RSS (MB) | × nodepit |", "|---|---|---|---|---|"]
for n, peak in zip(names, peaks):
    rows.append(f"| {n} | {med(wall[n]):.2f} | {med(cpu[n]):.2f} | {peak / 1024:.0f} | {ratio(n, np2):.2f} |")
ox = "oxlint (default rules)"
checks = [
    f"- all rules / floor: {ratio(np2, 'nodepit floor: parse + resolve'):.2f} (target ≤ 1.3); "
    f"without the needle gate {ratio('nodepit (all rules, no needle gate)', 'nodepit floor: parse + resolve'):.2f}",
    f"- 1 thread / 2 threads: {ratio('nodepit (1 thread)', np2):.2f} (target ≥ 1.8)",
    f"- nodepit / oxlint default: {ratio(np2, ox):.2f} (target ≤ 1.0)" if ox in wall else "- oxlint did not run",
    f"- nodepit peak RSS: {peaks[0] / 1024:.0f} MB (target ≤ 200)",
]
head = (f"{datetime.date.today()}, {os.cpu_count()} cores, corpus {files} files, {mb} MB, {lines} lines; "
        f"`tests/bench/compare.sh`, {len(rounds)} rounds, ratios are medians of per-round ratios")
out = "\n".join([head, "", *rows, "", *checks]) + "\n"
print(out)
open(os.path.join(bench, "results.md"), "w").write(out)
PY
echo
echo "phase breakdown (nodepit check --stats):"
"$NODEPIT" check --format json --stats corpus 2>&1 >/dev/null | head -12 || true
