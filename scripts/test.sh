#!/usr/bin/env bash
# `npm test`: lint, format check, type-check, then the Jest suite. Prints each phase's wall time
# and, last, one tally line; stops at the first phase that fails. Each phase reports progress as
# it goes (ESLint a line per folder, Jest a line per test and the files still running every 30 s).
#
#   bash scripts/test.sh           the whole suite (what `npm test` runs)
#   bash scripts/test.sh --smoke   the smoke set only: the package consumer matrix, the real-server
#                                  core (scripts/core-specs.txt) and the docs' code blocks; what CI
#                                  runs on the Node lines other than 24
#
# JEST_RESULTS names the file for Jest's JSON results (default .tmp/jest-results.json).
set -uo pipefail
cd "$(dirname "$0")/.."
mode=full
case "${1:-}" in
  '') ;;
  --smoke) mode=smoke ;;
  *)
    echo "usage: bash scripts/test.sh [--smoke]" >&2
    exit 2
    ;;
esac
mkdir -p .tmp
results=${JEST_RESULTS:-.tmp/jest-results.json}
rm -f "$results"
summary=()
now() { date +%s%N; }

phase() {
  local name=$1 start status
  shift
  echo "=== $name: $*"
  start=$(now)
  "$@"
  status=$?
  local ms=$((($(now) - start) / 1000000))
  summary+=("$(printf '%-9s %4d.%d s  %s' "$name" $((ms / 1000)) $((ms % 1000 / 100)) \
    "$([ $status = 0 ] && echo ok || echo "FAILED ($status)")")")
  return $status
}

report() {
  echo "=== phases (node $(node --version), $mode)"
  printf '%s\n' "${summary[@]}"
  if [ -f "$results" ]; then
    node -e '
      const r = require(process.argv[1]);
      console.log(`jest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`);
    ' "$(realpath "$results")"
  fi
}
trap report EXIT

# The web chat's browser test drives Debian's Chromium; no browser is downloaded at install time.
ensure_chromium() {
  command -v chromium >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null ||
      echo "installing chromium failed; the browser test will say so" >&2
  else
    echo "no chromium on PATH: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH" >&2
  fi
}

jest() {
  env NODE_OPTIONS=--experimental-vm-modules npx jest --json --outputFile="$results" \
    --reporters=default --reporters=./scripts/jest-progress-reporter.js "$@"
}

if [ $mode = smoke ]; then
  mapfile -t core < <(grep -v '^\s*\(#\|$\)' scripts/core-specs.txt)
  phase jest jest --runTestsByPath spec/package/consumers.spec.ts "${core[@]}" \
    spec/docs/code-blocks.spec.ts spec/docs/code-blocks-run.spec.ts
  exit
fi

{ command -v chromium >/dev/null 2>&1 || phase chromium ensure_chromium; } &&
  phase eslint npx tsx scripts/lint-progress.ts &&
  phase prettier npx prettier --check . &&
  phase tsc npm run --silent typecheck &&
  phase jest jest
