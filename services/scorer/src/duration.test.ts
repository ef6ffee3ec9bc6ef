import { parseDuration } from './duration';

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['250ms', 250],
    ['90m', 5_400_000],
  ])('%s -> %p ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '5', '0s', '05m', '1.5h', '5 m', '5min', '-1s', 'm', '1d', '5M'])('refuses %p', (text) => {
    expect(parseDuration(text)).toBeNull();
  });
});
