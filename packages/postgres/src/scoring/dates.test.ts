import { readFileSync } from 'node:fs';
import path from 'node:path';
import { batchCustomer360Sql } from '../batch';
import { MIGRATIONS_DIR } from '../migrate';
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

describe('the customer_360 view (migration 010)', () => {
  /** The view's text with its as-of date written as the batch's `$1` and its alias off. */
  const view = normalise(
    readFileSync(path.join(MIGRATIONS_DIR, '010.do.customer-360-view.sql'), 'utf8')
      .replaceAll('(SELECT as_of FROM customer_360_dates)', '$1::date')
      .replace(/\bc\./g, '')
      .replaceAll('$1::date - last_purchase_date >', 'days_since_last_purchase >'),
  );

  it.each(Object.entries(DATE_COLUMN_SQL))('computes %s with the batch recompute expression', (_column, sql) => {
    expect(view).toContain(normalise(sql));
  });
});
