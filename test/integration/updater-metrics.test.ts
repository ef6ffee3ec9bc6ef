import { INPUT_TOPICS } from '@cdp360/domain';
import type { Manifest } from '@cdp360/generator';
import { PipelineScraper } from '@cdp360/serve';
import { type CdpProcess, sleep, spawnCdp } from '../helpers/cdp-process';
import { updaterArgs } from '../helpers/crash';
import { freePort } from '../helpers/redis-server';
import { createScenario, produceGenerated, type Scenario } from '../helpers/updater';

// `cdp updater` as a child process with CDP_METRICS_PORT: its /metrics count exactly what was
// produced, /readyz turns ready once it is in the group, /healthz answers.
let s: Scenario;
let manifest: Manifest;
let updater: CdpProcess | undefined;
let port: number;

beforeAll(async () => {
  s = await createScenario({ partitions: 2 });
  manifest = await produceGenerated(s, { customers: 80, days: 20, seed: 21, duplicateRate: 0.05, invalidRate: 0.05 });
  port = await freePort();
});

afterAll(async () => {
  if (updater && updater.child.exitCode === null) updater.child.kill('SIGKILL');
  await s?.close();
});

/** metric name + labels -> value, from the Prometheus text. */
function parse(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-z_:]+)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (m)
      out.set(
        `${m[1]}${(m[2] ?? '')
          .replace(/,?service="updater"/, '')
          .replace('{,', '{')
          .replace('{}', '')}`,
        Number(m[3]),
      );
  }
  return out;
}

async function get(path: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, text: await res.text() };
}

it('exposes messages by topic and outcome, dead letters by code, units, freshness and lag, and turns ready', async () => {
  updater = spawnCdp(updaterArgs({ redisNamespace: s.redisNamespace, untilIdle: false }), {
    ...s.env,
    CDP_METRICS_PORT: String(port),
  });
  const expectedTotal = manifest.totals.messages;
  let metrics = new Map<string, number>();
  let ready = { status: 0, text: '' };
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    await sleep(500);
    if (updater.child.exitCode !== null) throw new Error(`cdp updater exited:\n${updater.output()}`);
    try {
      ready = await get('/readyz');
      metrics = parse((await get('/metrics')).text);
    } catch {
      continue; // not listening yet
    }
    const total = [...metrics]
      .filter(([k]) => k.startsWith('cdp_updater_messages_total{'))
      .reduce((a, [, v]) => a + v, 0);
    if (ready.status === 200 && total >= expectedTotal) break;
  }
  expect(ready).toEqual({ status: 200, text: '{"status":"ready"}\n' });
  expect((await get('/healthz')).status).toBe(200);

  for (const t of INPUT_TOPICS) {
    const m = manifest.topics[t.topic]!;
    const topic = s.prefix + t.topic;
    const count = (outcome: string) =>
      metrics.get(`cdp_updater_messages_total{topic="${topic}",outcome="${outcome}"}`) ?? 0;
    expect({
      topic: t.topic,
      applied: count('applied'),
      duplicate: count('duplicate'),
      dead: count('dead_lettered'),
    }).toEqual({
      topic: t.topic,
      applied: m.validFirst,
      duplicate: m.duplicates,
      dead: m.invalid,
    });
  }
  const deadByCode = [...metrics].filter(([k]) => k.startsWith('cdp_updater_dead_letters_total{'));
  expect(deadByCode.length).toBeGreaterThan(1);
  expect(deadByCode.reduce((a, [, v]) => a + v, 0)).toBe(manifest.totals.invalid);
  expect(metrics.get('cdp_updater_units_total')).toBeGreaterThan(0);
  expect(metrics.get('cdp_updater_unit_duration_seconds_count')).toBe(metrics.get('cdp_updater_units_total'));
  expect(metrics.get('cdp_updater_event_freshness_seconds_count')).toBeGreaterThan(0);
  const lags = [...metrics].filter(([k]) => k.startsWith('cdp_updater_consumer_lag{'));
  expect(lags.length).toBeGreaterThan(0);
  expect(metrics.get('cdp_updater_ready')).toBe(1);

  // What cdp serve's dashboard charts from this /metrics: the freshness buckets add up to the count.
  const scraper = new PipelineScraper([`http://127.0.0.1:${port}/metrics`]);
  await scraper.scrape();
  await scraper.scrape();
  const snapshot = scraper.snapshot();
  expect(snapshot.freshness.reduce((a, b) => a + b.count, 0)).toBe(
    metrics.get('cdp_updater_event_freshness_seconds_count'),
  );
  expect(snapshot.events_per_minute).toHaveLength(1);

  updater.child.kill('SIGTERM');
  expect((await updater.exited).code).toBe(0);
});
