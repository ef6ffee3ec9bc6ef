import { DEFAULT_TRIGGER_RULES } from './rules';
import { triggersFor } from './trigger-event';

describe('triggersFor: the one evaluation loop', () => {
  it('keys each hit by customer, rule and the version of its change, in change then rule order', () => {
    const out = triggersFor(DEFAULT_TRIGGER_RULES, [
      { old: { customer_id: 2, churn_risk_score: 3 }, next: { customer_id: 2, churn_risk_score: 4 }, version: '17' },
      { old: { customer_id: 1, total_orders: 1 }, next: { customer_id: 1, total_orders: 2 }, version: '5' },
      { old: null, next: { customer_id: 3, total_orders: 1, customer_segment: 'Low Value' }, version: 'score-9' },
    ]);
    expect(out.map((t) => t.idempotencyKey)).toEqual(['2:churn_risk_rose:17', '3:first_purchase:score-9']);
    expect(out[0]).toMatchObject({ customerId: 2, rule: 'churn_risk_rose', profileVersion: '17', old: 3, new: 4 });
  });

  it('raises nothing for changes no rule watches, and nothing for no changes', () => {
    expect(
      triggersFor(DEFAULT_TRIGGER_RULES, [
        { old: { customer_id: 1, total_orders: 1 }, next: { customer_id: 1, total_orders: 2 }, version: '2' },
      ]),
    ).toEqual([]);
    expect(triggersFor(DEFAULT_TRIGGER_RULES, [])).toEqual([]);
  });
});
