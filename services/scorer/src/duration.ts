const DURATION = /^([1-9]\d{0,8})(ms|s|m|h)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/**
 * A scheduling period such as `30s`, `5m`, `1h` or `500ms` in milliseconds; null for anything else
 * (no spaces, decimals or unit-less numbers: a typo must not become a 5 ms period).
 */
export function parseDuration(text: string): number | null {
  const m = DURATION.exec(text);
  if (!m) return null;
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}
