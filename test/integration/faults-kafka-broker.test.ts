import { logLines, produceAndRunThroughFault } from '../helpers/faults';
import { type PrivateKafka, startPrivateKafka } from '../helpers/kafka-broker';
import { createScenario, type Scenario } from '../helpers/updater';

/**
 * The Kafka broker killed (SIGKILL) under a running `cdp updater` and started again on the same data:
 * a private single-node KRaft broker of this test (never the shared one). The updater reconnects,
 * rejoins its group and resumes from its committed offsets; whatever it did after the last commit is
 * redone exactly.
 */
describe('faults: the Kafka broker killed and restarted mid-run', () => {
  let kafka: PrivateKafka;
  let s: Scenario;
  beforeAll(async () => {
    kafka = await startPrivateKafka();
    s = await createScenario({ partitions: 3, sessionTimeoutMs: 6000, env: { KAFKA_BROKERS: kafka.brokers } });
  }, 120_000);
  afterAll(async () => {
    await s?.close().catch(() => {});
    await kafka?.stop();
  });

  it('SIGKILL, down 3 s, started again', async () => {
    const { run } = await produceAndRunThroughFault(s, {
      name: 'kafka: broker SIGKILL and start',
      seed: 71,
      fault: { begin: () => kafka.kill(), end: () => kafka.start() },
      holdMs: 3000,
      timeoutMs: 150_000,
    });
    expect(run.duringFault.some((r) => r.status === 503 && r.reasons.includes('Kafka unreachable'))).toBe(true);
    // One line when the outage starts (kafkajs' own, one per retry and client, are debug), one when it
    // ends; a unit whose publish outlived the outage may add its one line.
    const warnings = logLines([...run.linesDuringFault, ...run.linesAfterFault]).map((w) => w.msg);
    expect(warnings.filter((m) => /^Kafka unreachable \(/.test(m))).toHaveLength(1);
    expect(warnings.length).toBeLessThanOrEqual(2);
    expect(run.output).toMatch(/"msg":"Kafka reachable again after [\d.]+ s"/);
    expect(run.output).not.toMatch(/"stack":/);
  }, 240_000);
});
