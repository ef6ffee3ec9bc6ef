import type { Customer360Row } from '@cdp360/domain';
import { etagMatches, profileEtag, profileView } from './profile-view';

const row = {
  customer_id: 7,
  first_name: 'Ada',
  last_name: 'Lovelace',
  email: 'ada@example.com',
  phone_number: '+44',
  date_of_birth: '1990-01-01',
  total_lifetime_value: '10.50',
  last_purchase_date: null,
} as unknown as Customer360Row;

describe('profile view', () => {
  it('leaves out names, email, phone and birth date without the PII scope, keeps nulls', () => {
    expect(profileView(row, false)).toEqual({
      customer_id: 7,
      total_lifetime_value: '10.50',
      last_purchase_date: null,
    });
    expect(profileView(row, true)).toEqual(row);
  });

  it('gives an ETag that changes with the version and the body, and matches lists and weak forms', () => {
    const a = profileEtag('12', '{"a":1}');
    expect(profileEtag('13', '{"a":1}')).not.toBe(a);
    expect(profileEtag('12', '{"a":2}')).not.toBe(a);
    expect(a).toMatch(/^"12-[A-Za-z0-9_-]{16}"$/);
    expect(etagMatches(a, a)).toBe(true);
    expect(etagMatches(`"x", W/${a}`, a)).toBe(true);
    expect(etagMatches('"other"', a)).toBe(false);
    expect(etagMatches(undefined, a)).toBe(false);
  });
});
