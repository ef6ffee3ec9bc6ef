import { formatDuration, parsePubSubReplayTarget, snapshotLabel, snapshotName } from './seek';

describe('Pub/Sub replay targets', () => {
  it('accepts earliest, latest, an RFC 3339 time and snapshot:NAME', () => {
    expect(parsePubSubReplayTarget('earliest')).toEqual({ kind: 'earliest' });
    expect(parsePubSubReplayTarget('latest')).toEqual({ kind: 'latest' });
    expect(parsePubSubReplayTarget('2026-11-25T10:00:00Z')).toEqual({
      kind: 'time',
      epochMs: Date.parse('2026-11-25T10:00:00Z'),
    });
    expect(parsePubSubReplayTarget('snapshot:before-run.1')).toEqual({ kind: 'snapshot', label: 'before-run.1' });
  });

  it('refuses offsets, saying Pub/Sub has none and what it takes instead', () => {
    expect(() => parsePubSubReplayTarget('cdp.purchases.v1:0:42')).toThrow(
      /Pub\/Sub has no offsets: use earliest, latest, an RFC 3339 time or snapshot:NAME/,
    );
  });

  it('refuses snapshot names Pub/Sub would reject, naming the expected form', () => {
    expect(() => parsePubSubReplayTarget('snapshot:')).toThrow(/not a snapshot name: expected a letter/);
    expect(() => snapshotLabel('9lives')).toThrow(/not a snapshot name/);
    expect(() => snapshotLabel('a b')).toThrow(/not a snapshot name/);
    expect(() => snapshotLabel('x'.repeat(101))).toThrow(/at most 100 characters/);
    expect(snapshotName('before', 'g.cdp.purchases.v1')).toBe('before.g.cdp.purchases.v1');
  });

  it('formats retentions', () => {
    expect(formatDuration(7 * 86_400_000)).toBe('7 d');
    expect(formatDuration(36 * 3_600_000)).toBe('36 h');
    expect(formatDuration(600_000)).toBe('10 min');
  });
});
