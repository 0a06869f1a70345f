#!/usr/bin/env bash
# `npm test`: lint, format check, type-check, then the Jest suite. Prints each phase's wall time
# and, last, one tally line; stops at the first phase that fails.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p .tmp
results=.tmp/jest-results.json
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
  echo "=== phases"
  printf '%s\n' "${summary[@]}"
  if [ -f "$results" ]; then
    node -e '
      const r = require(process.argv[1]);
      console.log(`jest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`);
    ' "$PWD/$results"
  fi
}
trap report EXIT

phase eslint npx eslint . &&
  phase prettier npx prettier --check . &&
  phase tsc npx tsc -p tsconfig.json --noEmit &&
  phase jest env NODE_OPTIONS=--experimental-vm-modules npx jest --json --outputFile="$results"
