#!/usr/bin/env bash
# Packages the VS Code extension as a .vsix.
#
#   editors/vscode/package.sh                                  universal .vsix (no server; finds one)
#   editors/vscode/package.sh --target linux-x64 --binary PATH
#                                         platform .vsix carrying PATH as server/nodepit
#   --out DIR                             where the .vsix goes (default: this folder)
#
# Targets are vsce's: linux-x64, linux-arm64, alpine-x64, alpine-arm64, darwin-x64, darwin-arm64,
# win32-x64. Needs `npm ci` in this folder first (vsce is a devDependency). Prints the .vsix path.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
target=""
binary=""
out="$here"

while [ $# -gt 0 ]; do
  case "$1" in
    --target) target=${2:?--target needs a vsce target, e.g. linux-x64}; shift 2 ;;
    --binary) binary=${2:?--binary needs a path}; shift 2 ;;
    --out) out=${2:?--out needs a folder}; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "package.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ -n "$binary" ] && [ -z "$target" ]; then
  echo "package.sh: --binary needs --target (a universal .vsix must not carry one platform's binary)" >&2
  exit 2
fi
if [ -n "$target" ] && [ -z "$binary" ]; then
  echo "package.sh: --target needs --binary (the server the platform .vsix carries)" >&2
  exit 2
fi
[ -z "$binary" ] || [ -f "$binary" ] || { echo "package.sh: no binary at $binary" >&2; exit 2; }
[ -x "$here/node_modules/.bin/vsce" ] || { echo "package.sh: run \`npm ci\` in $here first" >&2; exit 2; }

cd "$here"
mkdir -p "$out"
out=$(cd "$out" && pwd)
version=$(node -p 'require("./package.json").version')
# server/ exists only while packaging, so a universal .vsix or a dev checkout never carries a stale one.
rm -rf server
trap 'rm -rf "$here/server"' EXIT

npm run --silent compile
if [ -n "$binary" ]; then
  exe=nodepit
  case "$target" in win32-*) exe=nodepit.exe ;; esac
  mkdir -p server
  cp "$binary" "server/$exe"
  chmod 755 "server/$exe"
  vsix="$out/nodepit-$target-$version.vsix"
  npx --no-install vsce package --target "$target" --allow-missing-repository --out "$vsix" >&2
else
  vsix="$out/nodepit-$version.vsix"
  npx --no-install vsce package --allow-missing-repository --out "$vsix" >&2
fi
echo "$vsix"
