#!/bin/sh
# npm run bench: compile wsref and the benchmark with tsc (the JavaScript a build ships; tsx
# would add esbuild's keepNames wrappers, which cost memory per closure), raise the
# open-files limit for the 10,000-connection scenario (each side holds one descriptor per
# connection), then run the harness with plain node. Extra arguments pass through.

npx tsc -p bench/tsconfig.json || echo "bench: tsc reported type errors (above); running the JavaScript it emitted anyway"
want=12000
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$want" ]; then
  ulimit -n "$want" 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
fi
exec node dist/bench-build/bench/run.js "$@"
