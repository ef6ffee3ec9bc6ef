import { Writable } from 'node:stream';
import { createLogger, redactLogObject } from './logger';

function capture(level = 'trace') {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger({ level, destination }), lines };
}

describe('createLogger redaction', () => {
  it('censors personal fields and secrets at any depth, leaving the logged object as it was', () => {
    const { logger, lines } = capture();
    const event = {
      unit: { messages: [{ data: { customer: { record: { first_name: 'Ada', email: 'ada@example.com' } } } }] },
      password: 's3cret',
      headers: { authorization: 'Bearer cdp_key' },
    };
    const before = JSON.stringify(event);
    logger.info(event, 'x');
    expect(JSON.stringify(event)).toBe(before);
    const out = lines.join('');
    for (const secret of ['Ada', 'ada@example.com', 's3cret', 'cdp_key']) expect(out).not.toContain(secret);
    expect(JSON.parse(out).unit.messages[0].data.customer.record).toEqual({
      first_name: '[redacted]',
      email: '[redacted]',
    });
  });

  it('shows bytes by their size and does not break on Buffers (kafkajs logs them at debug)', () => {
    const { logger, lines } = capture();
    const buf = Buffer.from('{"email":"ada@example.com"}');
    const entry = { namespace: 'Connection', data: { authBytes: buf }, payload: buf };
    logger.debug(entry, 'Response SaslAuthenticate');
    expect(entry.payload).toBe(buf);
    expect(buf.toString()).toContain('ada@example.com');
    expect(JSON.parse(lines[0]!)).toMatchObject({ data: { authBytes: '[27 bytes]' }, payload: '[27 bytes]' });
  });

  it("keeps a Postgres error's code and message but not its detail, wherever it is logged", () => {
    const { logger, lines } = capture();
    const err = Object.assign(new Error('new row violates check constraint "ok"'), {
      code: '23514',
      detail: 'Failing row contains (7, Ada, Lovelace).',
    });
    logger.error({ err }, 'failed');
    logger.warn({ cause: { error: err } }, 'nested');
    logger.error(err);
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(line).not.toContain('Lovelace');
      expect(line).toContain('23514');
    }
    expect(JSON.parse(lines[0]!).err).toMatchObject({ type: 'Error', code: '23514', detail: '[redacted]' });
  });

  it('returns the very object when there is nothing to take out', () => {
    const o = { a: 1, b: { c: [1, 2, { d: 'x' }] } };
    expect(redactLogObject(o)).toBe(o);
  });
});
