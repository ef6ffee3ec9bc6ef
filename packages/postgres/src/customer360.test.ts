import { CUSTOMER_360_COLUMNS, type Customer360Row } from '@cdp360/domain';
import { valuesInColumnOrder } from './customer360';

describe('valuesInColumnOrder', () => {
  it('reads every column, in the order of CUSTOMER_360_COLUMNS', () => {
    // Each column gets a value of its own, so any column read twice, left out or out of place shows.
    const row = Object.fromEntries(CUSTOMER_360_COLUMNS.map((c, i) => [c, `${c}#${i}`])) as unknown as Customer360Row;
    expect(valuesInColumnOrder(row)).toEqual(CUSTOMER_360_COLUMNS.map((c) => row[c]));
  });
});
