#!/usr/bin/env bash
# The integration tests (npm run test:integration): every file runs one at a time within its lane, and
# two lanes run at once. Most of these tests wait on brokers and processes rather than use the CPU, so
# two lanes take about the time of the longer one. The lanes are split by what they share: every
# test that talks to the Pub/Sub emulator is in one lane, because a Pub/Sub scenario may restart the
# emulator (it leaks threads) when no scenario of its own process is open; everything else (Kafka,
# Postgres, Redis, private servers the tests start themselves) is in the other.
#
# With arguments (test files or jest options), runs those in one lane, as jest itself would.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

jest=(npx jest --selectProjects integration --runInBand --forceExit)
if [[ $# -gt 0 ]]; then
  exec "${jest[@]}" "$@"
fi

# The files that use the emulator: the pubsub-* tests and those with a Pub/Sub case.
pubsub_files=()
while IFS= read -r f; do pubsub_files+=("$f"); done < <(grep -l -E "createPubSubScenario|PUBSUB_EMULATOR_HOST|pubsubEmulatorAvailable|helpers/pubsub" test/integration/*.test.ts | sort)
other_files=()
for f in test/integration/*.test.ts; do
  [[ " ${pubsub_files[*]} " == *" $f "* ]] || other_files+=("$f")
done

# One build for both lanes: a test file builds before its first cdp process (test/helpers/cdp-process.ts),
# and a build in one lane would rewrite dist/ under the processes of the other.
npm run build --silent || exit 1
export CDP_TEST_BUILT=1

echo "integration: ${#other_files[@]} files in the Kafka/Postgres/Redis lane, ${#pubsub_files[@]} in the Pub/Sub lane, at once"
"${jest[@]}" "${pubsub_files[@]}" > >(sed -u 's/^/[pubsub lane] /') 2>&1 &
pubsub_pid=$!
"${jest[@]}" "${other_files[@]}" 2>&1 &
other_pid=$!
wait "$other_pid"
other_rc=$?
wait "$pubsub_pid"
pubsub_rc=$?
echo "integration: Kafka/Postgres/Redis lane exit ${other_rc}, Pub/Sub lane exit ${pubsub_rc}"
(( other_rc == 0 && pubsub_rc == 0 ))
