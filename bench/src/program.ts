import { nonNegativeInt, positiveInt } from '@cdp360/cli';
import { Command, InvalidArgumentError } from 'commander';
import { runDecode } from './decode';
import { runDrain } from './drain';
import { runFreshness } from './freshness';
import { LOAD_CLIENTS, type LoadClient } from './http-load';
import { runRebuild } from './rebuild';
import { publish, type ScenarioResult } from './report';
import { runScore } from './score';
import { ENDPOINT_KEYS, type EndpointKey, runServeBench } from './serve';
import { runSoak } from './soak';

const SCENARIOS = ['decode', 'drain', 'freshness', 'score', 'rebuild', 'serve', 'soak'] as const;
type Scenario = (typeof SCENARIOS)[number];
/** What `all` runs: everything but the soak, which is meant to run for half an hour on its own. */
const ALL: readonly Scenario[] = SCENARIOS.filter((s) => s !== 'soak');

/** Seconds, or a duration with a unit: 90, 90s, 30m, 1h. */
export function durationSeconds(value: string): number {
  const m = /^(\d+)(s|m|h)?$/.exec(value.trim());
  const n = m ? Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('seconds, or a duration such as 90s, 30m, 1h');
  return n;
}

function rates(value: string): number[] {
  const list = value.split(',').map((v) => Number(v.trim()));
  if (list.length === 0 || list.some((n) => !Number.isSafeInteger(n) || n < 1)) {
    throw new InvalidArgumentError('expected comma-separated events/s, e.g. 1000,5000,10000');
  }
  return list;
}

function zipfExponent(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n >= 0 && n <= 4)) throw new InvalidArgumentError('a number in 0..4');
  return n;
}

function serveEndpoints(value: string): EndpointKey[] {
  const list = value.split(',').map((v) => v.trim());
  const bad = list.filter((v) => !(ENDPOINT_KEYS as readonly string[]).includes(v));
  if (list.length === 0 || bad.length > 0) {
    throw new InvalidArgumentError(`expected a comma-separated list of ${ENDPOINT_KEYS.join(', ')}`);
  }
  return list as EndpointKey[];
}

function loadClient(value: string): LoadClient {
  if (!(LOAD_CLIENTS as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`expected one of ${LOAD_CLIENTS.join(', ')}`);
  }
  return value as LoadClient;
}

function sizes(value: string): number[] {
  return rates(value);
}

interface BenchOpts {
  events: number;
  seed: number;
  zipf: number;
  rounds: number;
  cpuProf?: boolean;
  rates: number[];
  duration: number;
  rate: number;
  sampleEvery: number;
  customers: number[];
  facts: number;
  write: boolean;
  serveCustomers: number;
  serveSeconds: number;
  serveEndpoints: EndpointKey[];
  serveClient: LoadClient;
  servePgSocket?: string;
  serveFloorRounds: number;
  maxBytesPerPartition?: number;
  maxUnitMessages?: number;
}

/**
 * `cdp-bench` (node bench/bin/bench.js): the benchmark harness, apart from the production `cdp` so
 * that the CLI does not ship it (it drives the services from outside, as a user would).
 */
export function buildBenchProgram(): Command {
  return new Command('cdp-bench')
    .description('benchmarks on the local stack, each in its own database, topics and Redis namespace')
    .showHelpAfterError()
    .argument('[scenario]', `${SCENARIOS.join(' | ')} | all (all but soak)`, 'all')
    .option('--events <n>', 'drain: messages pre-loaded into Kafka', positiveInt, 200_000)
    .option('--seed <n>', 'generator seed', positiveInt, 360)
    .option('--rounds <n>', 'decode: rounds per decoder, alternating', positiveInt, 7)
    .option('--zipf <s>', 'drain: Zipf exponent of customer activity (0: none, 1: classic Zipf)', zipfExponent, 0)
    .option(
      '--cpu-prof',
      'drain: profile the updater phase; serve: profile cdp serve; summarise the top self-time costs',
    )
    .option('--max-bytes-per-partition <bytes>', 'drain: the updater consumer fetch size per partition', positiveInt)
    .option(
      '--max-unit-messages <n>',
      "drain, freshness: the updater's unit of work size (its default when absent)",
      positiveInt,
    )
    .option('--rates <list>', 'freshness: produce rates in events/s', rates, [1000, 5000, 10_000])
    .option(
      '--duration <time>',
      'freshness: time per rate (>= 60 s for a reportable number); soak: the whole run (e.g. 30m)',
      durationSeconds,
      60,
    )
    .option('--rate <n>', 'soak: events/s to hold for the whole run', positiveInt, 2000)
    .option('--sample-every <seconds>', 'soak: seconds between samples', positiveInt, 10)
    .option('--customers <list>', 'score: customer counts', sizes, [100_000, 1_000_000])
    .option('--facts <n>', 'rebuild: facts in Postgres to rebuild Redis from', positiveInt, 1_000_000)
    .option('--serve-customers <n>', 'serve: customer_360 rows (at most 1,000,000)', positiveInt, 1_000_000)
    .option('--serve-seconds <n>', 'serve: seconds per measured rate', positiveInt, 10)
    .option('--serve-endpoints <list>', `serve: which of ${ENDPOINT_KEYS.join(',')}`, serveEndpoints, [
      ...ENDPOINT_KEYS,
    ])
    .option('--serve-client <client>', `serve: the load client, ${LOAD_CLIENTS.join(' or ')}`, loadClient, 'raw')
    .option(
      '--serve-pg-socket <dir>',
      "serve: cdp serve reaches Postgres through the Unix socket in this directory (e.g. /var/run/postgresql) instead of DATABASE_URL's TCP address",
    )
    .option(
      '--serve-floor-rounds <n>',
      "serve: alternated rounds of GET by id at 1,000/s against cdp serve and two bare node:http servers (from memory; with cdp serve's Postgres statement); 0 skips",
      nonNegativeInt,
      3,
    )
    .option('--no-write', 'do not write bench/results/<date>-<scenario>.json')
    .action(async (scenario: string, opts: BenchOpts) => {
      if (scenario !== 'all' && !SCENARIOS.includes(scenario as Scenario)) {
        throw new InvalidArgumentError(`unknown scenario ${scenario}; one of ${SCENARIOS.join(', ')}, all`);
      }
      const run: Record<Scenario, () => Promise<ScenarioResult>> = {
        decode: () => runDecode({ events: Math.min(opts.events, 100_000), seed: opts.seed, rounds: opts.rounds }),
        drain: () =>
          runDrain({
            events: opts.events,
            seed: opts.seed,
            zipf: opts.zipf,
            cpuProfile: opts.cpuProf,
            maxBytesPerPartition: opts.maxBytesPerPartition,
            maxUnitMessages: opts.maxUnitMessages,
          }),
        freshness: () =>
          runFreshness({
            rates: opts.rates,
            durationSeconds: opts.duration,
            seed: opts.seed,
            maxUnitMessages: opts.maxUnitMessages,
          }),
        score: () => runScore({ customers: opts.customers }),
        rebuild: () => runRebuild({ facts: opts.facts }),
        serve: () =>
          runServeBench({
            customers: opts.serveCustomers,
            durationSeconds: opts.serveSeconds,
            endpoints: opts.serveEndpoints,
            cpuProfile: opts.cpuProf,
            client: opts.serveClient,
            pgSocketDir: opts.servePgSocket,
            floorRounds: opts.serveFloorRounds,
          }),
        soak: () =>
          runSoak({
            rate: opts.rate,
            durationSeconds: opts.duration,
            sampleEverySeconds: opts.sampleEvery,
            seed: opts.seed,
          }),
      };
      const chosen = scenario === 'all' ? ALL : [scenario as Scenario];
      for (const s of chosen) publish(await run[s](), { write: opts.write });
    });
}
