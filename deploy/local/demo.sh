#!/usr/bin/env bash
# The main job end to end on this machine: local stack, schema, topics, a generated event stream in
# Kafka, the updater until idle, a scoring run, then what customer_360 holds and a reconcile against
# the batch path.
#
#   npm run demo                         5,000 customers (CDP_DEMO_CUSTOMERS to change)
#
# Safe to run again: the same seed re-sends the same facts, which the updater counts as duplicates.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

CUSTOMERS="${CDP_DEMO_CUSTOMERS:-5000}"
TODAY="$(date -u +%F)"

step() { printf '\n==> %s\n' "$*"; }

step "build"
npm run build --silent

step "local stack"
bash deploy/local/stack.sh up
# shellcheck disable=SC1091
source .stack/env

cdp() { node services/cli/bin/cdp.js "$@"; }

step "schema"
cdp migrate

step "topics"
cdp topics create --partitions 3

step "generate $CUSTOMERS customers' events into Kafka (history ending $TODAY)"
cdp generate --customers "$CUSTOMERS" --end "$TODAY" --seed 360 --to kafka

step "updater until idle"
cdp updater --until-idle --stats-interval 10

step "scoring run (CLV quintiles, favourites, date columns)"
cdp score --once

step "customer_360"
cdp summary --profiles 3

step "reconcile with the batch recompute (every column)"
cdp reconcile
