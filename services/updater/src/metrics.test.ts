import { Registry } from 'prom-client';
import { UpdaterEvents } from './instrumentation';
import { instrumentUpdater } from './metrics';
import { Counters } from './stats';

describe('updater metrics', () => {
  it('turns instrumentation events into metrics and readiness', async () => {
    const registry = new Registry();
    const events = new UpdaterEvents();
    const ready = instrumentUpdater(registry, events);
    expect(ready()).toEqual(['not connected to the broker', 'not a member of the consumer group']);
    events.setState({ connected: true, joined: true });
    expect(ready()).toEqual([]);
    events.setState({ rebuilding: true });
    expect(ready()).toEqual(['rebuilding the Redis aggregates']);
    events.setState({ rebuilding: false });
    const counters = new Counters();
    counters.add('orders', 'applied', 5);
    counters.add('orders', 'deadLettered', 2);
    const committedAt = Date.parse('2026-01-01T00:00:10Z');
    events.emit('unit', {
      transport: 'kafka',
      durationMs: 20,
      counters,
      deadLetters: new Map([['CDP_BAD_JSON', 2]]),
      rowsWritten: 3,
      triggersQueued: 1,
      eventTimes: ['2026-01-01T00:00:09.500000000Z', '2026-01-01T00:00:00Z'],
      committedAt,
    });
    events.emit('lag', { topic: 'orders', partition: 1, lag: 7 });
    events.emit('rebuild', { durationMs: 5, reason: 'redis-lost' });
    events.emit('triggersPublished', { count: 1 });
    const text = await registry.metrics();
    expect(text).toContain('cdp_updater_messages_total{topic="orders",outcome="applied"} 5');
    expect(text).toContain('cdp_updater_messages_total{topic="orders",outcome="dead_lettered"} 2');
    expect(text).toContain('cdp_updater_dead_letters_total{code="CDP_BAD_JSON"} 2');
    expect(text).toContain('cdp_updater_event_freshness_seconds_bucket{le="0.5"} 1');
    expect(text).toContain('cdp_updater_event_freshness_seconds_bucket{le="10"} 2');
    expect(text).toContain('cdp_updater_consumer_lag{topic="orders",partition="1"} 7');
    expect(text).toContain('cdp_updater_redis_rebuilds_total{reason="redis-lost"} 1');
    expect(text).toContain('cdp_updater_triggers_published_total 1');
    expect(text).toContain('cdp_updater_ready 1');
  });

  it('says it is shutting down once the updater stops, before it leaves the group', () => {
    const events = new UpdaterEvents();
    const ready = instrumentUpdater(new Registry(), events);
    events.setState({ connected: true, joined: true });
    events.setState({ stopping: true });
    expect(ready()).toEqual(['shutting down']);
    events.setState({ connected: false, joined: false });
    expect(ready()).toEqual(['shutting down', 'not connected to the broker', 'not a member of the consumer group']);
  });

  it('counts the splits of writes the database refused, by table', async () => {
    const registry = new Registry();
    const events = new UpdaterEvents();
    instrumentUpdater(registry, events);
    events.emit('split', { table: 'purchase_transactions', items: 16 });
    events.emit('split', { table: 'purchase_transactions', items: 8 });
    events.emit('split', { table: 'customer_info', items: 2 });
    const text = await registry.metrics();
    expect(text).toContain('cdp_updater_refused_write_splits_total{table="purchase_transactions"} 2');
    expect(text).toContain('cdp_updater_refused_write_splits_total{table="customer_info"} 1');
  });
});
