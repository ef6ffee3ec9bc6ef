// The updater through the local broker's SASL_SSL listener (TLS with the stack's own CA, SCRAM-SHA-512):
// stream = batch, and a wrong password is one line naming the variables, exit 2. Fails (never skips)
// when the stack has no such listener: saslKafkaEnv says why.
import { runCdp, spawnCdp } from '../helpers/cdp-process';
import { expectCountsMatchManifest } from '../helpers/manifest';
import { saslKafkaEnv } from '../helpers/services';
import {
  createScenario,
  produceGenerated,
  type Scenario,
  streamVersusBatch,
  updaterInProcess,
} from '../helpers/updater';

describe('Kafka over TLS + SASL (SCRAM-SHA-512)', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await createScenario({ partitions: 3, env: saslKafkaEnv() });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('drains through the SASL_SSL listener and matches the batch', async () => {
    expect(s.config.kafka.ssl).not.toBe(false);
    expect(s.config.kafka.sasl?.mechanism).toBe('scram-sha-512');
    // The password is in the config but never shows when it is logged or serialized.
    expect(JSON.stringify(s.config)).not.toContain(saslKafkaEnv().KAFKA_SASL_PASSWORD);
    const manifest = await produceGenerated(s, {
      customers: 300,
      eventsPerCustomer: 5,
      duplicateRate: 0.03,
      invalidRate: 0.02,
      seed: 5,
    });
    const summary = await updaterInProcess(s);
    expect(summary.reason).toBe('idle');
    expectCountsMatchManifest(summary.counters, manifest, s.prefix);
    const diff = await streamVersusBatch(s.db.pool, s.asOf);
    expect(diff).toMatchObject({ missingInActual: 0, missingInExpected: 0, columns: [] });
    expect(diff.rowsCompared).toBeGreaterThan(150);
    // The CLI's clients use the same settings.
    expect(await runCdp(['topics', 'list'], s.env)).toContain(`${s.prefix}cdp.profile-triggers.v1`);
  }, 120_000);

  it('a wrong password is one line naming KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD, exit 2', async () => {
    const wrong = 'not-the-password-7f3a';
    const started = Date.now();
    const p = spawnCdp(['updater', '--until-idle'], { ...s.env, KAFKA_SASL_PASSWORD: wrong });
    const { code } = await p.exited;
    const out = p.output();
    expect(code).toBe(2);
    expect(Date.now() - started).toBeLessThan(30_000);
    const line = out.split('\n').find((l) => l.startsWith('cdp: '));
    expect(line).toMatch(/refused the SASL login.*KAFKA_SASL_USERNAME.*KAFKA_SASL_PASSWORD/);
    expect(line).toContain('CDP_KAFKA_AUTH');
    expect(out).not.toContain(wrong);
  }, 60_000);
});
