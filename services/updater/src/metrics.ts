import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { UpdaterEvents } from './instrumentation';

/**
 * The updater's Prometheus metrics, fed by its instrumentation events. Returns the readiness check
 * for /readyz: connected, group joined, not rebuilding Redis, Postgres and Redis answering.
 */
export function instrumentUpdater(registry: Registry, events: UpdaterEvents): () => string[] {
  const registers = [registry];
  const messages = new Counter({
    name: 'cdp_updater_messages_total',
    help: 'Consumed messages by topic and outcome (applied, duplicate, dead_lettered), counted once committed',
    labelNames: ['topic', 'outcome'],
    registers,
  });
  const deadLetters = new Counter({
    name: 'cdp_updater_dead_letters_total',
    help: 'Messages sent to the dead-letter topic, by reason code',
    labelNames: ['code'],
    registers,
  });
  const units = new Histogram({
    name: 'cdp_updater_unit_duration_seconds',
    help: 'Duration of a unit of work, from its start to its positions committed',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const unitMessages = new Counter({ name: 'cdp_updater_units_total', help: 'Units of work committed', registers });
  const rows = new Counter({ name: 'cdp_updater_rows_written_total', help: 'customer_360 rows written', registers });
  const freshness = new Histogram({
    name: 'cdp_updater_event_freshness_seconds',
    help: "From an event's CloudEvents time to the commit of the unit that applied it",
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600, 86_400],
    registers,
  });
  const lag = new Gauge({
    name: 'cdp_updater_consumer_lag',
    help: 'Messages behind the high watermark after the last batch processed, per partition (Kafka)',
    labelNames: ['topic', 'partition'],
    registers,
  });
  const rebuilds = new Counter({
    name: 'cdp_updater_redis_rebuilds_total',
    help: 'Rebuilds of the Redis aggregates from the facts in Postgres, by reason',
    labelNames: ['reason'],
    registers,
  });
  const triggersQueued = new Counter({
    name: 'cdp_updater_triggers_queued_total',
    help: 'Personalization triggers raised by row changes and queued in the outbox',
    registers,
  });
  const triggersPublished = new Counter({
    name: 'cdp_updater_triggers_published_total',
    help: 'Personalization triggers published from the outbox',
    registers,
  });

  events.on('unit', (u) => {
    for (const [topic, c] of u.counters.byTopic) {
      if (c.applied) messages.inc({ topic, outcome: 'applied' }, c.applied);
      if (c.duplicate) messages.inc({ topic, outcome: 'duplicate' }, c.duplicate);
      if (c.deadLettered) messages.inc({ topic, outcome: 'dead_lettered' }, c.deadLettered);
    }
    for (const [code, n] of u.deadLetters) deadLetters.inc({ code }, n);
    units.observe(u.durationMs / 1000);
    unitMessages.inc();
    if (u.rowsWritten) rows.inc(u.rowsWritten);
    if (u.triggersQueued) triggersQueued.inc(u.triggersQueued);
    for (const t of u.eventTimes) {
      const at = Date.parse(t);
      if (Number.isFinite(at)) freshness.observe(Math.max(0, (u.committedAt - at) / 1000));
    }
  });
  const splits = new Counter({
    name: 'cdp_updater_refused_write_splits_total',
    help: 'Writes the database refused that were split in two to isolate the refused rows (poison messages), by table',
    labelNames: ['table'],
    registers,
  });
  events.on('split', (s) => splits.inc({ table: s.table }));
  events.on('lag', (l) => lag.set({ topic: l.topic, partition: String(l.partition) }, l.lag));
  events.on('rebuild', (r) => rebuilds.inc({ reason: r.reason }));
  events.on('triggersPublished', (t) => triggersPublished.inc(t.count));

  const reasons = () => {
    const s = events.state;
    const out: string[] = [];
    if (s.stopping) out.push('shutting down');
    if (!s.connected) out.push('not connected to the broker');
    if (!s.joined) out.push('not a member of the consumer group');
    if (s.rebuilding) out.push('rebuilding the Redis aggregates');
    for (const name of s.unreachable) out.push(`${name} unreachable`);
    return out;
  };
  new Gauge({
    name: 'cdp_updater_ready',
    help: '1 when /readyz answers 200',
    registers,
    collect() {
      this.set(reasons().length === 0 ? 1 : 0);
    },
  });
  return reasons;
}
