import { Writable } from 'node:stream';
import { createLogger } from '@cdp360/config';
import { logLevel } from 'kafkajs';
import { pinoLogCreator } from './client';

function capture(level: string): { lines: Array<Record<string, unknown>>; logger: ReturnType<typeof createLogger> } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { lines, logger: createLogger({ level, destination }) };
}

const entry = (level: logLevel, message: string) => ({
  namespace: 'Connection',
  level,
  label: logLevel[level],
  log: { timestamp: '2026-01-01T00:00:00.000Z', logger: 'kafkajs', message, broker: 'localhost:9092' },
});

describe('pinoLogCreator', () => {
  it('logs kafkajs entries at the matching pino level with their extra fields', async () => {
    const { lines, logger } = capture('debug');
    const log = pinoLogCreator(logger)();
    log(entry(logLevel.ERROR, 'e'));
    log(entry(logLevel.WARN, 'w'));
    log(entry(logLevel.INFO, 'i'));
    log(entry(logLevel.DEBUG, 'd'));
    await new Promise((r) => setImmediate(r));
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [50, 'e'],
      [40, 'w'],
      [30, 'i'],
      [20, 'd'],
    ]);
    expect(lines[0]).toMatchObject({ component: 'kafkajs', namespace: 'Connection', broker: 'localhost:9092' });
    expect(lines[0]).not.toHaveProperty('timestamp');
  });

  it('leaves filtering to the pino level', async () => {
    const { lines, logger } = capture('warn');
    const log = pinoLogCreator(logger)();
    log(entry(logLevel.INFO, 'i'));
    log(entry(logLevel.WARN, 'w'));
    await new Promise((r) => setImmediate(r));
    expect(lines.map((l) => l.msg)).toEqual(['w']);
  });
});
