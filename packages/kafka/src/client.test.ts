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

  describe('a coordinator still loading', () => {
    // kafkajs's own text for the condition (protocol error 14), so an upgrade that rewords it fails here.
    const loading = (
      require('kafkajs/src/protocol/error') as { errorCodes: { code: number; message: string }[] }
    ).errorCodes.find((e) => e.code === 14)!.message;
    const response = (namespace: string, message: string, error: string) => ({
      namespace,
      level: logLevel.ERROR,
      label: 'ERROR',
      log: { timestamp: '2026-01-01T00:00:00.000Z', logger: 'kafkajs', message, error, correlationId: 0, size: 20 },
    });

    it('logs the response that says so at debug, since kafkajs retries it', async () => {
      const { lines, logger } = capture('debug');
      const log = pinoLogCreator(logger)();
      log(response('Connection', 'Response InitProducerId(key: 22, version: 1)', loading));
      await new Promise((r) => setImmediate(r));
      expect(lines.map((l) => [l.level, l.msg, l.error])).toEqual([
        [20, 'Response InitProducerId(key: 22, version: 1)', loading],
      ]);
    });

    it('keeps every other error at error: another answer, or the same words outside a broker response', async () => {
      const { lines, logger } = capture('info');
      const log = pinoLogCreator(logger)();
      log(response('Connection', 'Response InitProducerId(key: 22, version: 1)', loading));
      log(response('Connection', 'Response JoinGroup(key: 11, version: 5)', 'The group coordinator is not available'));
      log(response('Producer', `Failed to send messages: ${loading}`, loading));
      log(entry(logLevel.ERROR, `Crash: KafkaJSProtocolError: ${loading}`));
      await new Promise((r) => setImmediate(r));
      expect(lines.map((l) => [l.level, l.msg])).toEqual([
        [50, 'Response JoinGroup(key: 11, version: 5)'],
        [50, `Failed to send messages: ${loading}`],
        [50, `Crash: KafkaJSProtocolError: ${loading}`],
      ]);
    });
  });
});
