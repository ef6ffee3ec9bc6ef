import { parseExposition } from './pipeline-metrics';

describe('pipeline metrics exposition', () => {
  it('sums messages over labels and freshness buckets by le', () => {
    const text = [
      '# HELP cdp_updater_messages_total x',
      'cdp_updater_messages_total{topic="a",outcome="applied",service="updater"} 5',
      'cdp_updater_messages_total{topic="b",outcome="duplicate",service="updater"} 2',
      'cdp_updater_event_freshness_seconds_bucket{le="0.5",service="updater"} 3',
      'cdp_updater_event_freshness_seconds_bucket{le="+Inf",service="updater"} 4',
      'cdp_updater_event_freshness_seconds_sum{service="updater"} 9',
    ].join('\n');
    const p = parseExposition(text);
    expect(p.messages).toBe(7);
    expect([...p.freshness]).toEqual([
      ['0.5', 3],
      ['+Inf', 4],
    ]);
  });
});
