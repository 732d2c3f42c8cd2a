#!/bin/bash
# The README's test command: builds dist/vtrace, runs `bun test`, prints "N passed, N failed".
set -o pipefail
cd "$(dirname "$0")/.."
node_modules/.bin/bun build/compile.ts >/dev/null || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
log=$(mktemp)
node_modules/.bin/bun test --timeout=120000 "$@" 2>&1 | tee "$log"
rc=$?
p=$(grep -Eo '^ *[0-9]+ pass$' "$log" | grep -Eo '[0-9]+' | tail -1)
f=$(grep -Eo '^ *[0-9]+ fail$' "$log" | grep -Eo '[0-9]+' | tail -1)
# An error outside any test (at a file's top level, or unhandled between tests) fails the run too.
e=$(grep -Eo '^ *[0-9]+ errors?$' "$log" | grep -Eo '[0-9]+' | tail -1)
rm -f "$log"
echo "${p:-0} passed, $(( ${f:-0} + ${e:-0} )) failed"
exit $rc
