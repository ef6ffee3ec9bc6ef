import { batchCustomer360Sql } from '../batch';
import { DATE_COLUMN_SQL } from './dates';

/** Comments and whitespace out, the batch's join aliases off the column names. */
function normalise(sql: string): string {
  return sql
    .replace(/--[^\n]*/g, '')
    .replace(/\b(ci|pu)\./g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

describe('date-dependent columns of the scoring job', () => {
  it.each(Object.entries(DATE_COLUMN_SQL))('%s is the batch recompute expression', (_column, sql) => {
    expect(normalise(batchCustomer360Sql)).toContain(normalise(sql));
  });
});
