import type { Logger } from '@cdp360/config';
import type { RedisClient } from '@cdp360/redis';
import type { Pool } from 'pg';
import { DependencyWatch } from './dependency-watch';
import { UpdaterEvents } from './instrumentation';

function fakeLogger() {
  const lines: { level: string; msg: string }[] = [];
  const at = (level: string) => (_fields: unknown, msg: string) => lines.push({ level, msg });
  const logger = { warn: at('warn'), info: at('info'), debug: at('debug') } as unknown as Logger;
  return { logger, lines };
}

describe('DependencyWatch', () => {
  it('says nothing of a probe that fails once it is stopped (the clients are being closed)', async () => {
    let closed = false;
    const db = { query: () => Promise.resolve({ rows: [] }) } as unknown as Pool;
    const redis = {
      status: 'ready',
      ping: () => (closed ? Promise.reject(new Error('Connection is closed.')) : Promise.resolve('PONG')),
    } as unknown as RedisClient;
    const events = new UpdaterEvents();
    const { logger, lines } = fakeLogger();
    const watch = new DependencyWatch({ db, redis }, events, logger, { timeoutMs: 50 });
    await watch.check();
    watch.stop();
    closed = true;
    await watch.check();
    expect(lines).toEqual([]);
    expect(events.state.unreachable).toEqual([]);
  });

  it('flips readiness and logs one line per outage and one per recovery', async () => {
    let pg: 'up' | 'refused' | 'hang' = 'up';
    const db = {
      query: () =>
        pg === 'up'
          ? Promise.resolve({ rows: [] })
          : pg === 'refused'
            ? Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))
            : new Promise(() => {}),
    } as unknown as Pool;
    const redis = { status: 'ready', ping: () => Promise.resolve('PONG') } as unknown as RedisClient;
    const events = new UpdaterEvents();
    const { logger, lines } = fakeLogger();
    const watch = new DependencyWatch({ db, redis }, events, logger, { timeoutMs: 50 });

    await watch.check();
    expect(events.state.unreachable).toEqual([]);
    pg = 'refused';
    for (let i = 0; i < 5; i++) await watch.check();
    expect(events.state.unreachable).toEqual(['Postgres']);
    expect(await watch.explains(new Error('unit failed'))).toBe(true);
    pg = 'up';
    await watch.check();
    expect(events.state.unreachable).toEqual([]);
    expect(lines.filter((l) => l.level !== 'debug').map((l) => l.msg)).toEqual([
      'Postgres unreachable (connection refused); units wait and are retried, nothing is committed until it is back',
      expect.stringMatching(/^Postgres reachable again after \d+\.\d s$/),
    ]);

    // A probe that hangs counts as an outage after the timeout, and is never asked twice at once.
    pg = 'hang';
    let asked = 0;
    const query = (db as unknown as { query: () => Promise<unknown> }).query;
    (db as unknown as { query: () => unknown }).query = () => {
      asked++;
      return query();
    };
    await watch.check();
    await watch.check();
    expect(events.state.unreachable).toEqual(['Postgres']);
    expect(asked).toBe(1);
    expect(lines.at(-1)?.msg).toBe(
      'Postgres unreachable (no answer within 0.05 s); units wait and are retried, nothing is committed until it is back',
    );
  });

  it('lets a failed unit wait until the service is back, or until it is no longer wanted', async () => {
    let up = false;
    const db = { query: () => (up ? Promise.resolve({}) : Promise.reject(new Error('down'))) } as unknown as Pool;
    const redis = { status: 'ready', ping: () => Promise.resolve('PONG') } as unknown as RedisClient;
    const watch = new DependencyWatch({ db, redis }, new UpdaterEvents(), fakeLogger().logger, { intervalMs: 10 });
    watch.start();
    try {
      await watch.check();
      expect(watch.down).toEqual(['postgres']);
      let waited = false;
      const waiting = watch
        .untilUp(() => true, 5_000)
        .then(() => {
          waited = true;
        });
      await new Promise((r) => setTimeout(r, 50));
      expect(waited).toBe(false);
      up = true;
      await waiting;
      expect(watch.down).toEqual([]);
      up = false;
      await watch.check();
      const started = Date.now();
      await watch.untilUp(() => false, 5_000);
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      watch.stop();
    }
  });
});
