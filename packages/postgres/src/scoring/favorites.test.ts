import { batchCustomer360Sql } from '../batch';
import { FAVOURITE_SQL } from './favorites';

const normalise = (sql: string) =>
  sql
    .replace(/--[^\n]*/g, '')
    .replace(/\s+/g, ' ')
    .trim();

describe('favourites of the scoring job', () => {
  it.each(Object.entries(FAVOURITE_SQL))('%s is the batch recompute text', (_part, sql) => {
    expect(normalise(batchCustomer360Sql)).toContain(normalise(sql));
  });
});
