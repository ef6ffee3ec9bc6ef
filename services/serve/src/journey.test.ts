import { buildJourney, journeyMermaid } from './journey';
import type { Touchpoint } from './touchpoint';

const session = (id: string, date: string): Touchpoint => ({
  kind: 'session',
  id,
  date,
  pages_viewed: 3,
  time_spent: 60,
});
const purchase = (id: string, date: string, amount: string): Touchpoint => ({
  kind: 'purchase',
  id,
  date,
  amount,
  items: [],
});

describe('journey', () => {
  const touchpoints: Touchpoint[] = [
    session('w1', '2026-01-01'),
    session('w2', '2026-01-03'),
    purchase('t1', '2026-01-03', '19.99'),
    purchase('t2', '2026-01-04', '0.02'),
    { kind: 'service', id: 'c1', date: '2026-01-10', satisfaction_score: 4, resolution_status: 'Resolved' },
    {
      kind: 'campaign_response',
      id: 'r1',
      date: '2026-02-01',
      campaign_id: 7,
      campaign_name: 'Spring',
      response_type: 'Clicked',
    },
  ];

  it('merges consecutive touchpoints of one kind into a stage with dates and exact amounts', () => {
    const j = buildJourney(42, touchpoints, false);
    expect(j.stages).toEqual([
      { kind: 'session', first_date: '2026-01-01', last_date: '2026-01-03', count: 2, amount: null },
      { kind: 'purchase', first_date: '2026-01-03', last_date: '2026-01-04', count: 2, amount: '20.01' },
      { kind: 'service', first_date: '2026-01-10', last_date: '2026-01-10', count: 1, amount: null },
      {
        kind: 'campaign_response',
        first_date: '2026-02-01',
        last_date: '2026-02-01',
        count: 1,
        amount: null,
        responses: ['Clicked'],
      },
    ]);
    expect(j.touchpoints).toBe(6);
  });

  it('writes a left-to-right flowchart with one node per stage, classed by kind', () => {
    const text = journeyMermaid(buildJourney(42, touchpoints, false));
    const lines = text.trim().split('\n');
    expect(lines[0]).toBe('flowchart LR');
    expect(lines[1]).toBe('  s0["2 web sessions<br/>2026-01-01 → 2026-01-03"]:::session');
    expect(lines[2]).toBe('  s1["2 purchases<br/>2026-01-03 → 2026-01-04<br/>20.01"]:::purchase');
    expect(text).toContain('  s0 --> s1\n  s1 --> s2\n  s2 --> s3\n');
    expect(text).toContain('classDef campaign_response');
  });

  it('keeps quotes and markup out of labels', () => {
    const j = buildJourney(1, [{ ...touchpoints[5], response_type: '"]:::x<script>' } as Touchpoint], false);
    expect(journeyMermaid(j)).not.toMatch(/<script>|"\]:::x/);
  });

  it('says so when there is nothing yet', () => {
    expect(journeyMermaid(buildJourney(1, [], false))).toContain('No touchpoints yet');
  });
});
