#!/usr/bin/env bash
# `npm run test:previous-codex [-- VERSION]`: runs the real-server core (scripts/core-specs.txt)
# against the previous codex release, the other end of the supported window (docs/versions.md).
#
# The release's platform package (`@openai/codex@VERSION-<platform>`, which ships the native binary)
# is fetched from the npm registry with `npm pack` into .cache/codex-VERSION/ (git-ignored; kept
# between runs), then Jest runs with CODEX_RX_CODEX_PATH pointing at its binary. Extra arguments
# after VERSION go to Jest.
set -euo pipefail
cd "$(dirname "$0")/.."

# The release before the pin; scripts/upgrade-codex.ts moves it when the pin moves.
PREVIOUS_CODEX=0.169.0
version=${1:-$PREVIOUS_CODEX}
[ $# -gt 0 ] && shift

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) platform=linux-x64 triple=x86_64-unknown-linux-musl ;;
  Linux-aarch64 | Linux-arm64) platform=linux-arm64 triple=aarch64-unknown-linux-musl ;;
  Darwin-x86_64) platform=darwin-x64 triple=x86_64-apple-darwin ;;
  Darwin-arm64) platform=darwin-arm64 triple=aarch64-apple-darwin ;;
  *) echo "test-previous-codex: no codex platform package for $(uname -s)-$(uname -m)" >&2; exit 2 ;;
esac

cache=.cache/codex-$version
binary=$cache/package/vendor/$triple/bin/codex
if [ ! -x "$binary" ]; then
  echo "=== fetching @openai/codex@$version-$platform into $cache"
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/codex-rx-previous-XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  tarball=$(npm pack --silent --pack-destination "$tmp" "@openai/codex@$version-$platform" | tail -n 1)
  rm -rf "$cache"
  mkdir -p "$tmp/x"
  tar -xzf "$tmp/$tarball" -C "$tmp/x"
  # Moved into place only once whole, so an interrupted fetch leaves no half-installed binary.
  mkdir -p .cache
  mv "$tmp/x" "$cache"
fi
in_use=$("$binary" --version)
echo "=== real-server core against $in_use ($binary)"

mapfile -t specs < <(grep -v '^\s*\(#\|$\)' scripts/core-specs.txt)
start=$(date +%s)
status=0
CODEX_RX_CODEX_PATH="$PWD/$binary" NODE_OPTIONS=--experimental-vm-modules \
  npx jest --maxWorkers="${JEST_WORKERS:-2}" "$@" -- "${specs[@]}" || status=$?
echo "=== real-server core against $in_use: $([ $status = 0 ] && echo passed || echo "FAILED ($status)") in $(($(date +%s) - start)) s"
exit $status
