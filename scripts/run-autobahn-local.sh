#!/usr/bin/env bash
# Runs the Autobahn|Testsuite (RFC 6455 / RFC 7692 conformance) against wsref on this machine,
# without Docker, then summarizes the results with `npm run autobahn:report`.
#
#   scripts/run-autobahn-local.sh server|client|all [SUITE_DIR]
#
#   server  wsref is the echo server (autobahn/server.ts), the suite's fuzzingclient tests it
#   client  the suite's fuzzingserver tests wsref as a client (autobahn/client.ts)
#   all     both, one after the other
#
# SUITE_DIR (or env AUTOBAHN_SUITE) is a checkout of the suite for Python 3 — this repository
# neither contains nor downloads it. Either the checkout's root (holding
# autobahntestsuite/autobahntestsuite/wstest.py) or the folder holding the `autobahntestsuite`
# package. Its Python dependencies must be importable by $PYTHON, e.g. on Debian:
#   apt-get install python3-autobahn python3-twisted python3-txaio python3-wsaccel \
#                   python3-jinja2 python3-openssl python3-service-identity
#
# Environment:
#   PYTHON            interpreter with those packages (default /usr/bin/python3)
#   AUTOBAHN_PORT     port for the testee / fuzzing server (default 9001, loopback only)
#   AUTOBAHN_TIMEOUT  seconds one direction may take before it is stopped (default 3000)
#   AUTOBAHN_CASES    comma-separated case patterns to run (default "*"), e.g. "1.*,2.*,7.*"
#   AUTOBAHN_EXCLUDE  comma-separated case patterns to skip (default none)
#
# Reports go to autobahn/reports/{servers,clients}/ (git-ignored), the run logs next to them.
# Exit status: that of the report (0 all OK/INFORMATIONAL, 1 some case not OK, 2 no report).
set -euo pipefail

usage() {
  sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
}

mode="${1:-}"
case "$mode" in
  server | client | all) ;;
  *) usage ;;
esac
suite="${2:-${AUTOBAHN_SUITE:-}}"
[ -n "$suite" ] || { echo "error: give the suite's path as the second argument or in AUTOBAHN_SUITE" >&2; exit 2; }

PYTHON="${PYTHON:-/usr/bin/python3}"
PORT="${AUTOBAHN_PORT:-9001}"
TIMEOUT="${AUTOBAHN_TIMEOUT:-3000}"
CASES="${AUTOBAHN_CASES:-*}"
EXCLUDE="${AUTOBAHN_EXCLUDE:-}"

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

# Where the `autobahntestsuite` package is: the checkout root has it one level deeper.
if [ -f "$suite/autobahntestsuite/autobahntestsuite/wstest.py" ]; then
  suite_path="$(cd "$suite/autobahntestsuite" && pwd)"
elif [ -f "$suite/autobahntestsuite/wstest.py" ]; then
  suite_path="$(cd "$suite" && pwd)"
else
  echo "error: no autobahntestsuite/wstest.py under $suite" >&2
  exit 2
fi
export PYTHONPATH="$suite_path${PYTHONPATH:+:$PYTHONPATH}"

if ! versions="$("$PYTHON" -c 'import autobahntestsuite, autobahn, twisted; print(autobahntestsuite.__version__, autobahn.__version__)' 2>&1)"; then
  echo "error: $PYTHON cannot load the suite or its dependencies:" >&2
  echo "$versions" >&2
  exit 2
fi
read -r suite_version autobahn_version <<<"$versions"
suite_label="Autobahn|Testsuite $suite_version (Python 3 port, autobahn $autobahn_version, local run)"

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do stop_process "$pid"; done
  rm -rf "$work"
}
trap cleanup EXIT

# Writes the run's spec: the checked-in local config with port and case selection applied.
# Stops a process started here: TERM, then KILL (it and its children) if it lingers.
stop_process() { # <pid>
  kill "$1" 2>/dev/null || return 0
  for _ in $(seq 1 50); do
    kill -0 "$1" 2>/dev/null || { wait "$1" 2>/dev/null || true; return 0; }
    sleep 0.2
  done
  pkill -KILL -P "$1" 2>/dev/null || true
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

write_spec() { # <config file> <output file>
  node -e '
    const fs = require("node:fs");
    const [config, out, port, cases, exclude] = process.argv.slice(1);
    const spec = JSON.parse(fs.readFileSync(config, "utf8"));
    const list = (text) => text.split(",").map((s) => s.trim()).filter(Boolean);
    const url = `ws://127.0.0.1:${port}`;
    if (spec.servers) spec.servers = spec.servers.map((s) => ({ ...s, url }));
    else spec.url = url;
    spec.cases = list(cases);
    spec["exclude-cases"] = list(exclude);
    fs.writeFileSync(out, JSON.stringify(spec, null, 2));
  ' "$1" "$2" "$PORT" "$CASES" "$EXCLUDE"
}

wait_for_port() { # <what>
  for _ in $(seq 1 150); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  echo "error: $1 did not listen on 127.0.0.1:$PORT within 30 s" >&2
  return 1
}

port_free() {
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    echo "error: 127.0.0.1:$PORT is already in use; set AUTOBAHN_PORT" >&2
    exit 2
  fi
}

run_server_direction() {
  port_free
  mkdir -p autobahn/reports
  local log=autobahn/reports/servers-run.log
  write_spec autobahn/config/local/fuzzingclient.json "$work/fuzzingclient.json"
  echo "== wsref as server: testee on 127.0.0.1:$PORT, suite's fuzzingclient (log: $log)"
  node --import tsx autobahn/server.ts --host 127.0.0.1 --port "$PORT" >"$log.testee" 2>&1 &
  local testee=$!
  pids+=("$testee")
  wait_for_port "the server testee"
  local started=$SECONDS status=0
  timeout "$TIMEOUT" "$PYTHON" "$repo/autobahn/wstest_local.py" -m fuzzingclient -s "$work/fuzzingclient.json" >"$log" 2>&1 || status=$?
  stop_process "$testee"
  echo "   fuzzingclient finished in $((SECONDS - started)) s (exit $status)"
  [ "$status" -eq 124 ] && echo "   warning: stopped after AUTOBAHN_TIMEOUT=$TIMEOUT s" >&2
  return 0
}

run_client_direction() {
  port_free
  mkdir -p autobahn/reports
  local log=autobahn/reports/clients-run.log
  write_spec autobahn/config/local/fuzzingserver.json "$work/fuzzingserver.json"
  echo "== wsref as client: suite's fuzzingserver on 127.0.0.1:$PORT (log: $log)"
  # -u 0: no web server for browsing reports.
  timeout "$TIMEOUT" "$PYTHON" "$repo/autobahn/wstest_local.py" -m fuzzingserver -s "$work/fuzzingserver.json" -u 0 >"$log.fuzzingserver" 2>&1 &
  local fuzzer=$!
  pids+=("$fuzzer")
  wait_for_port "the fuzzing server"
  local started=$SECONDS status=0
  timeout "$TIMEOUT" node --import tsx autobahn/client.ts --url "ws://127.0.0.1:$PORT" >"$log" 2>&1 || status=$?
  stop_process "$fuzzer"
  echo "   client testee finished in $((SECONDS - started)) s (exit $status)"
  [ "$status" -eq 124 ] && echo "   warning: stopped after AUTOBAHN_TIMEOUT=$TIMEOUT s" >&2
  return 0
}

report_args=(--suite "$suite_label")
case "$mode" in
  server) run_server_direction; report_args+=(--servers) ;;
  client) run_client_direction; report_args+=(--clients) ;;
  all) run_server_direction; run_client_direction; report_args+=(--servers --clients) ;;
esac

node --import tsx autobahn/report.ts "${report_args[@]}"
