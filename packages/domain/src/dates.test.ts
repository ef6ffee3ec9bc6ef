import fc from 'fast-check';
import {
  addDays,
  completedYears,
  daysBetween,
  epochDay,
  epochDayByPattern,
  fromEpochDay,
  parseDateLike,
  parseDateLikeByPattern,
  parseTimestamp,
  parseTimestampByPattern,
  utcDate,
} from './dates';

describe('parseDateLike', () => {
  it.each<[string, string]>([
    ['2024-02-29', '2024-02-29'],
    ['2026-11-20', '2026-11-20'],
    ['0001-01-01', '0001-01-01'],
    ['9999-12-31', '9999-12-31'],
    ['2026-11-20T23:30:00-05:00', '2026-11-21'],
    ['2026-11-21T00:30:00+02:00', '2026-11-20'],
    ['2026-11-20T10:15:00Z', '2026-11-20'],
    ['2026-11-20t10:15:00z', '2026-11-20'],
    ['2026-11-20 10:15:00Z', '2026-11-20'],
    ['2024-02-29T12:00:00.123456789123Z', '2024-02-29'],
    ['2026-12-31T23:59:60Z', '2026-12-31'],
    ['2000-03-01T00:00:00+00:01', '2000-02-29'],
    // years below 100 (Date.UTC would read them as 19xx)
    ['0099-12-31T23:00:00-02:00', '0100-01-01'],
    ['0050-06-15T12:00:00Z', '0050-06-15'],
  ])('accepts %p as %p', (text, expected) => {
    expect(parseDateLike(text)).toBe(expected);
  });

  it.each([
    '2023-02-29',
    '2100-02-29',
    '2026-13-01',
    '2026-00-10',
    '2026-04-31',
    '2026-01-00',
    '0000-01-01',
    '2026-1-01',
    '26-01-01',
    '20260101',
    '2026-01-01T',
    '2026-01-01T10:00:00',
    '2026-01-01T24:00:00Z',
    '2026-01-01T10:60:00Z',
    '2026-01-01T10:00:61Z',
    '2026-01-01T10:00:00+24:00',
    '2026-01-01T10:00:00+05:60',
    '2026-01-01T10:00:00.Z',
    '2026-01-01T10:00:00+0500',
    '2023-02-29T10:00:00Z',
    // the UTC date would leave 0001..9999
    '0001-01-01T00:30:00+01:00',
    '9999-12-31T23:30:00-01:00',
    ' 2026-01-01',
    '2026-01-01 ',
    '',
    '２０２６-01-01',
  ])('rejects %p', (text) => {
    expect(parseDateLike(text)).toBeNull();
  });
});

describe('parseTimestamp', () => {
  it('gives a fixed-width sortable UTC form at nanosecond precision', () => {
    expect(parseTimestamp('2026-11-20T10:15:00Z')).toEqual({
      date: '2026-11-20',
      epochMs: Date.UTC(2026, 10, 20, 10, 15),
      sortable: '2026-11-20T10:15:00.000000000Z',
    });
    expect(parseTimestamp('2026-11-20T23:30:00.5-05:00')?.sortable).toBe('2026-11-21T04:30:00.500000000Z');
    expect(parseTimestamp('2026-11-20T10:15:00.123456789987Z')?.sortable).toBe('2026-11-20T10:15:00.123456789Z');
    expect(parseTimestamp('2026-11-20T10:15:00.123456789987Z')?.epochMs).toBe(Date.UTC(2026, 10, 20, 10, 15, 0, 123));
  });

  it('orders instants across offsets by string order', () => {
    const a = parseTimestamp('2026-11-20T23:30:00-05:00')!.sortable; // 04:30Z next day
    const b = parseTimestamp('2026-11-21T05:00:00+01:00')!.sortable; // 04:00Z
    const c = parseTimestamp('2026-11-21T04:30:00.000000001Z')!.sortable;
    expect([a, b, c].sort()).toEqual([b, a, c]);
  });

  it('folds a leap second onto the end of its minute', () => {
    expect(parseTimestamp('2016-12-31T23:59:60Z')?.sortable).toBe('2016-12-31T23:59:59.999999999Z');
    expect(parseTimestamp('2016-12-31T23:59:60Z')!.sortable > parseTimestamp('2016-12-31T23:59:59.5Z')!.sortable).toBe(
      true,
    );
  });

  it('handles years below 100 exactly', () => {
    expect(parseTimestamp('0001-01-01T00:00:00Z')).toEqual({
      date: '0001-01-01',
      epochMs: -62135596800000,
      sortable: '0001-01-01T00:00:00.000000000Z',
    });
  });

  it('rejects plain dates and junk', () => {
    expect(parseTimestamp('2026-11-20')).toBeNull();
    expect(parseTimestamp('yesterday')).toBeNull();
  });
});

describe('epoch day arithmetic', () => {
  it('round-trips and handles leap years and early years', () => {
    expect(epochDay('1970-01-01')).toBe(0);
    expect(epochDay('2000-03-01') - epochDay('2000-02-28')).toBe(2);
    expect(epochDay('1900-03-01') - epochDay('1900-02-28')).toBe(1);
    expect(epochDay('0001-01-01')).toBe(-719162);
    expect(epochDay('0099-01-01')).toBe(epochDay('0100-01-01') - 365);
    for (const d of ['0001-01-01', '0099-12-31', '1969-12-31', '2024-02-29', '9999-12-31']) {
      expect(fromEpochDay(epochDay(d))).toBe(d);
    }
    expect(() => epochDay('2026/01/01')).toThrow(RangeError);
  });

  it('adds and subtracts days in UTC', () => {
    expect(daysBetween('2024-02-28', '2024-03-01')).toBe(2);
    expect(daysBetween('2026-03-01', '2026-02-28')).toBe(-1);
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(utcDate(new Date('2026-11-20T23:30:00-05:00'))).toBe('2026-11-21');
  });

  it('counts completed years with Feb 29 birthdays completing on Mar 1', () => {
    expect(completedYears('2000-02-29', '2023-02-28')).toBe(22);
    expect(completedYears('2000-02-29', '2023-03-01')).toBe(23);
    expect(completedYears('2000-02-29', '2024-02-29')).toBe(24);
    expect(completedYears('1990-06-15', '2026-06-14')).toBe(35);
    expect(completedYears('1990-06-15', '2026-06-15')).toBe(36);
    expect(completedYears('2030-01-01', '2026-01-01')).toBe(-4);
  });
});

describe('the positional readings agree with the patterns', () => {
  // Timestamps and dates near the accepted forms: every part may be cut, widened, or a wrong
  // character, so both readings meet valid, invalid and odd input alike.
  const digits = (min: number, max: number) =>
    fc.string({ unit: fc.constantFrom('0', '1', '2', '3', '5', '9'), minLength: min, maxLength: max });
  const part = (valid: fc.Arbitrary<string>) =>
    fc.oneof({ weight: 8, arbitrary: valid }, { weight: 1, arbitrary: fc.string({ maxLength: 3 }) });
  const year = part(
    fc.oneof(
      fc.integer({ min: 0, max: 9999 }).map((y) => String(y).padStart(4, '0')),
      digits(3, 5),
    ),
  );
  const two = (max: number) =>
    part(
      fc.oneof(
        fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0')),
        digits(1, 3),
      ),
    );
  const sep = (c: string, others: string[]) =>
    fc.oneof({ weight: 8, arbitrary: fc.constant(c) }, { weight: 1, arbitrary: fc.constantFrom(...others) });
  const fraction = fc.oneof(
    fc.constant(''),
    digits(0, 14).map((d) => `.${d}`),
    fc.constant('.x1'),
  );
  const zone = fc.constantFrom('Z', 'z', '+00:00', '-05:30', '+14:00', '', 'ZZ', '+0500');
  const date = fc.tuple(year, sep('-', ['/', '', '--']), two(13), sep('-', ['/', '']), two(32)).map((p) => p.join(''));
  const timestamp = fc
    .tuple(
      date,
      sep('T', ['t', ' ', '']),
      two(25),
      sep(':', ['', '.']),
      two(61),
      sep(':', ['']),
      two(61),
      fraction,
      zone,
    )
    .map((p) => p.join(''));

  it('parseTimestamp', () => {
    fc.assert(
      fc.property(timestamp, (t) => {
        expect(parseTimestamp(t)).toEqual(parseTimestampByPattern(t));
      }),
      { numRuns: 20_000 },
    );
  });

  it('parseDateLike', () => {
    fc.assert(
      fc.property(fc.oneof(date, timestamp), (t) => {
        expect(parseDateLike(t)).toEqual(parseDateLikeByPattern(t));
      }),
      { numRuns: 20_000 },
    );
  });

  it('epochDay', () => {
    const outcome = (f: (d: string) => number, d: string) => {
      try {
        return f(d);
      } catch (err) {
        return (err as Error).message;
      }
    };
    fc.assert(
      fc.property(date, (d) => {
        expect(outcome(epochDay, d)).toEqual(outcome(epochDayByPattern, d));
      }),
      { numRuns: 20_000 },
    );
  });

  it('the cases the positional reading hands on or decides at its edges', () => {
    for (const t of [
      '2026-01-01T10:00:00Z',
      '2026-01-01T10:00:00.Z',
      '2026-01-01T10:00:00.1Z',
      '2026-01-01T10:00:00.123456789Z',
      '2026-01-01T10:00:00.1234567891Z',
      '2026-01-01T10:00:00.12345678x1Z',
      '2026-01-01T10:00:00.123456789123456789Z',
      '2026-12-31T23:59:60Z',
      '2026-12-31T23:59:60.5Z',
      '2026-02-29T10:00:00Z',
      '0000-01-01T00:00:00Z',
      '9999-12-31T23:59:59.999999999Z',
      '2026-01-01T24:00:00Z',
      '2026-01-01T10:00:00+00:00',
    ]) {
      expect({ t, parsed: parseTimestamp(t) }).toEqual({ t, parsed: parseTimestampByPattern(t) });
    }
    expect(parseTimestamp('2026-01-01T10:00:00.123456789Z')!.sortable).toBe('2026-01-01T10:00:00.123456789Z');
  });
});
