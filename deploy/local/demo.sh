#!/usr/bin/env bash
# The main job end to end on this machine: local stack, schema, topics, a generated event stream in
# Kafka, the updater until idle, a scoring run, what customer_360 holds, a reconcile against the batch
# path, and finally the dashboard and API of cdp serve.
#
#   npm run demo                         5,000 customers (CDP_DEMO_CUSTOMERS to change)
#   CDP_DEMO_PORT=9090 npm run demo      serve on another port (default 8080, a free one if taken)
#
# The terminal shows progress and results; every log line (JSON) goes to .stack/demo.log.
# Safe to run again: the same seed re-sends the same facts, which the updater counts as duplicates.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

CUSTOMERS="${CDP_DEMO_CUSTOMERS:-5000}"
PORT="${CDP_DEMO_PORT:-8080}"
TODAY="$(date -u +%F)"
mkdir -p .stack
LOG="$ROOT/.stack/demo.log"
: >"$LOG"

step() { printf '\n==> %s\n' "$*"; }

# Runs a command with its output in the log; only the lines that are not JSON log records reach the
# terminal. On failure, says where to look.
run() {
  if ! "$@" 2>&1 | tee -a "$LOG" | { grep -v '^{' || true; }; then
    printf '\nfailed: %s\nthe last log lines (all of them in %s):\n' "$*" "$LOG" >&2
    tail -n 15 "$LOG" >&2
    exit 1
  fi
}

step "build"
run npm run build --silent

step "local stack"
run bash deploy/local/stack.sh up
# shellcheck disable=SC1091
source .stack/env
export LOG_LEVEL="${LOG_LEVEL:-info}"

cdp() { node --max-semi-space-size=128 services/cli/bin/cdp.js "$@"; }
port_free() { ! timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

step "schema"
run cdp migrate

step "topics"
run cdp topics create --partitions 3

# cdp serve starts now, so that its dashboard charts the updater's events per minute and freshness
# (scraped from the updater's /metrics while it drains).
port_free "$PORT" || PORT="$(free_port)"
METRICS_PORT="$(free_port)"
KEY_JSON="$(cdp apikey create --name demo --scopes profiles:read,profiles:read-pii --json)"
KEY="$(node -e 'process.stdout.write(JSON.parse(process.argv[1]).key)' "$KEY_JSON")"
node -e 'process.stdout.write(JSON.stringify([JSON.parse(process.argv[1]).entry]))' "$KEY_JSON" >.stack/demo-keys.json
CDP_API_KEYS_FILE=.stack/demo-keys.json CDP_HTTP_PORT="$PORT" \
  node services/cli/bin/cdp.js serve --host 127.0.0.1 --pipeline-metrics "http://127.0.0.1:$METRICS_PORT/metrics" \
  >>"$LOG" 2>&1 &
SERVE_PID=$!
trap 'kill "$SERVE_PID" 2>/dev/null || true' EXIT

step "generate $CUSTOMERS customers' events into Kafka (history ending $TODAY)"
run cdp generate --customers "$CUSTOMERS" --end "$TODAY" --seed 360 --to kafka

step "updater until idle"
CDP_METRICS_PORT="$METRICS_PORT" run cdp updater --until-idle --stats-interval 10
sleep 6 # one more scrape of the updater's metrics for the dashboard

step "scoring run (CLV quintiles, favourites, date columns)"
run cdp score --once

step "customer_360"
run cdp summary --profiles 3

step "reconcile with the batch recompute (every column)"
run cdp reconcile

step "dashboard and API"
for _ in $(seq 1 50); do
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/openapi.json" 2>/dev/null && break
  kill -0 "$SERVE_PID" 2>/dev/null || { printf 'cdp serve stopped; see %s\n' "$LOG" >&2; exit 1; }
  sleep 0.2
done
cat <<TEXT
  dashboard   http://127.0.0.1:$PORT/          (paste the key when asked)
  API         curl -H 'Authorization: Bearer $KEY' http://127.0.0.1:$PORT/v1/stats
  OpenAPI     http://127.0.0.1:$PORT/openapi.json
  key         $KEY   (scopes profiles:read, profiles:read-pii; entry in .stack/demo-keys.json)
  log         $LOG
TEXT
if [[ -t 0 ]]; then
  printf '\ncdp serve keeps serving; Ctrl-C to stop.\n'
  wait "$SERVE_PID" || true
else
  printf '\n(not a terminal: cdp serve stopped; run npm run demo in a terminal to keep it serving)\n'
fi
