#!/bin/sh
# npm run bench: raise the open-files limit for the 10,000-connection scenario (each side
# holds one descriptor per connection), then run the harness. Extra arguments pass through.
want=12000
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$want" ]; then
  ulimit -n "$want" 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
fi
exec npx tsx bench/run.ts "$@"
