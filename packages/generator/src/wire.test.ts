import { offsetTimestamp, utcDateOf, utcTimestamp } from './wire';

describe('timestamp formatting', () => {
  it('matches toISOString for instants across days, years and leap days', () => {
    const starts = [Date.UTC(2024, 1, 28, 23, 59, 59, 999), Date.UTC(1999, 11, 31, 23, 0, 0), Date.UTC(2026, 5, 30)];
    for (const start of starts) {
      for (let k = 0; k < 5000; k++) {
        const ms = start + k * 7_919_017 + (k % 1000);
        expect(utcTimestamp(ms)).toBe(new Date(ms).toISOString());
        expect(utcDateOf(ms)).toBe(new Date(ms).toISOString().slice(0, 10));
      }
    }
  });

  it('writes an offset form of the same instant', () => {
    const ms = Date.UTC(2026, 2, 5, 0, 30, 0, 250);
    expect(offsetTimestamp(ms, -300)).toBe('2026-03-04T19:30:00.250-05:00');
    expect(offsetTimestamp(ms, 330)).toBe('2026-03-05T06:00:00.250+05:30');
    expect(Date.parse(offsetTimestamp(ms, -300))).toBe(ms);
  });
});
