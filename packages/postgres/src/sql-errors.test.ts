import { classifySqlError, describeSqlRejection, sqlRejection } from './sql-errors';

const pgError = (code: string, message: string, more: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), { code, ...more });

describe('classifySqlError', () => {
  it.each([
    ['22003', 'rejected'],
    ['22P02', 'rejected'],
    ['23514', 'rejected'],
    ['23505', 'rejected'],
    ['P0001', 'rejected'],
    ['P0004', 'rejected'],
    ['40001', 'transient'],
    ['40P01', 'transient'],
    ['57P01', 'transient'],
    ['53300', 'transient'],
    ['08006', 'transient'],
    ['42P01', 'other'],
    ['42501', 'other'],
    ['P0002', 'other'],
  ])('%s is %s', (code, kind) => {
    expect(classifySqlError(pgError(code, 'x'))).toBe(kind);
  });

  it('socket errors are transient; errors without a code are not to be retried blindly', () => {
    expect(classifySqlError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe('transient');
    expect(classifySqlError(new Error('Connection terminated unexpectedly'))).toBe('other');
    expect(classifySqlError(null)).toBe('other');
  });
});

describe('sqlRejection', () => {
  it('keeps the code, names and message, never the detail', () => {
    const err = pgError('23514', 'new row for relation "customer_info" violates check constraint "email_ok"', {
      table: 'customer_info',
      constraint: 'email_ok',
      detail: 'Failing row contains (7, Ada, Lovelace, ada@example.com).',
    });
    const r = sqlRejection(err)!;
    expect(r).toEqual({
      sqlState: '23514',
      condition: 'check_violation',
      table: 'customer_info',
      constraint: 'email_ok',
      column: undefined,
      message: 'new row for relation "customer_info" violates check constraint "email_ok"',
    });
    expect(JSON.stringify(r)).not.toContain('Lovelace');
    expect(describeSqlRejection(r)).toBe(
      'the database rejected it: SQLSTATE 23514 (check_violation) on customer_info, constraint email_ok: ' +
        'new row for relation "customer_info" violates check constraint "email_ok"',
    );
  });

  it('cuts the record’s own texts and the quoted input of a data exception out of the message', () => {
    const raised = pgError('P0001', 'customer Ada Lovelace <ada@example.com> is blocked');
    expect(sqlRejection(raised, ['Ada', 'Lovelace', 'ada@example.com'])!.message).toBe('customer … … <…> is blocked');
    const bad = pgError('22007', 'invalid input syntax for type date: "1990-02-30"');
    expect(sqlRejection(bad)!.message).toBe('invalid input syntax for type date: "…"');
  });

  it('is undefined for what is not a rejection', () => {
    expect(sqlRejection(pgError('40001', 'could not serialize'))).toBeUndefined();
  });
});
