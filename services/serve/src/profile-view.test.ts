import { CUSTOMER_360_COLUMNS } from '@cdp360/domain';
import { etagMatches, profileColumns, profileEtag } from './profile-view';

describe('profile view', () => {
  it('leaves out names, email, phone and birth date without the PII scope, keeps the table order', () => {
    expect(profileColumns(true)).toEqual([...CUSTOMER_360_COLUMNS]);
    const without = profileColumns(false);
    expect(without).toHaveLength(24);
    for (const c of ['first_name', 'last_name', 'email', 'phone_number', 'date_of_birth']) {
      expect(without).not.toContain(c);
    }
    expect(without).toEqual(CUSTOMER_360_COLUMNS.filter((c) => without.includes(c)));
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
