#!/usr/bin/env bash
# Packs the npm packages: the `nodepit` launcher package and one platform package holding the
# binary, as tarballs in npm/dist/ (or --out DIR). The version comes from the workspace Cargo.toml.
#
#   npm/pack.sh                          build the host's release binary, pack both packages
#   npm/pack.sh --binary PATH            pack this binary instead of building one
#   npm/pack.sh --binary PATH --target linux-arm64-musl --no-main
#                                        pack a binary built elsewhere (the release workflow)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
binary=""
target=""
out="$here/dist"
main=1

while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary=${2:?--binary needs a path}; shift 2 ;;
    --target) target=${2:?--target needs a name from npm/platforms/}; shift 2 ;;
    --out) out=${2:?--out needs a folder}; shift 2 ;;
    --no-main) main=0; shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "pack.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

command -v node >/dev/null || { echo "pack.sh: node is required" >&2; exit 2; }
command -v npm >/dev/null || { echo "pack.sh: npm is required" >&2; exit 2; }

if [ -z "$target" ]; then
  # The launcher's own platform choice, so the package packed here is the one it will look for.
  target=$(node -e 'console.log(require(process.argv[1]).platformKeys()[0])' "$here/nodepit/bin/nodepit")
fi
[ -f "$here/platforms/$target/package.json" ] || {
  echo "pack.sh: no platform package for $target (have: $(ls "$here/platforms" | tr '\n' ' '))" >&2
  exit 2
}

if [ -z "$binary" ]; then
  (cd "$root" && cargo build --release -p nodepit)
  binary="${CARGO_TARGET_DIR:-$root/target}/release/nodepit"
  [ -f "$binary" ] || binary="$binary.exe"
fi
[ -f "$binary" ] || { echo "pack.sh: no binary at $binary" >&2; exit 2; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$out"
out=$(cd "$out" && pwd)

exe=nodepit
case "$target" in win32-*) exe=nodepit.exe ;; esac
mkdir -p "$stage/platform/bin"
cp "$here/platforms/$target/package.json" "$stage/platform/"
cp "$binary" "$stage/platform/bin/$exe"
chmod 755 "$stage/platform/bin/$exe"
node "$here/version.js" "$stage/platform/package.json"
(cd "$stage/platform" && npm pack --silent --pack-destination "$out" >/dev/null)

if [ "$main" = 1 ]; then
  mkdir -p "$stage/main"
  cp -R "$here/nodepit/." "$stage/main/"
  cp "$root/README.md" "$stage/main/README.md"
  chmod 755 "$stage/main/bin/nodepit"
  node "$here/version.js" "$stage/main/package.json"
  (cd "$stage/main" && npm pack --silent --pack-destination "$out" >/dev/null)
fi

version=$(node "$here/version.js")
[ "$main" = 1 ] && echo "$out/nodepit-$version.tgz"
echo "$out/nodepit-cli-$target-$version.tgz"
