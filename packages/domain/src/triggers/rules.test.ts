import { DEFAULT_TRIGGER_RULES, evaluateTriggers, parseTriggerRules } from './rules';
import { profileTrigger, triggerCloudEvent } from './trigger-event';

const row = (over: Record<string, unknown>) => ({ customer_id: 1, ...over });
const names = (hits: { rule: string }[]) => hits.map((h) => h.rule);

describe('evaluateTriggers with the default rules', () => {
  const rules = DEFAULT_TRIGGER_RULES;

  it('fires first_purchase when orders appear, for a new or a known customer', () => {
    expect(names(evaluateTriggers(rules, null, row({ total_orders: 1, customer_segment: 'Low Value' })))).toEqual([
      'first_purchase',
    ]);
    expect(
      names(
        evaluateTriggers(
          rules,
          row({ total_orders: null, customer_segment: 'Low Value' }),
          row({ total_orders: 1, customer_segment: 'Low Value' }),
        ),
      ),
    ).toEqual(['first_purchase']);
    expect(evaluateTriggers(rules, row({ total_orders: 1 }), row({ total_orders: 2 }))).toEqual([]);
  });

  it('fires segment_changed and became_high_value on crossing 10,000', () => {
    const hits = evaluateTriggers(
      rules,
      row({ customer_segment: 'Medium Value' }),
      row({ customer_segment: 'High Value' }),
    );
    expect(names(hits)).toEqual(['became_high_value', 'segment_changed']);
    expect(hits[1]).toEqual({
      rule: 'segment_changed',
      column: 'customer_segment',
      old: 'Medium Value',
      new: 'High Value',
    });
  });

  it('does not call a new customer a segment change', () => {
    expect(evaluateTriggers(rules, null, row({ customer_segment: 'Low Value' }))).toEqual([]);
  });

  it('fires churn_risk_rose only when the score rises to the threshold or above', () => {
    expect(names(evaluateTriggers(rules, row({ churn_risk_score: 3 }), row({ churn_risk_score: 4 })))).toEqual([
      'churn_risk_rose',
    ]);
    expect(names(evaluateTriggers(rules, row({ churn_risk_score: 4 }), row({ churn_risk_score: 5 })))).toEqual([
      'churn_risk_rose',
    ]);
    expect(evaluateTriggers(rules, row({ churn_risk_score: 2 }), row({ churn_risk_score: 3 }))).toEqual([]);
    expect(evaluateTriggers(rules, row({ churn_risk_score: 5 }), row({ churn_risk_score: 1 }))).toEqual([]);
    expect(evaluateTriggers(rules, row({ churn_risk_score: null }), row({ churn_risk_score: 5 }))).toEqual([]);
  });

  it('never fires a rule on a column the rows do not carry (the scorer evaluates partial rows)', () => {
    const all = parseTriggerRules({
      rules: {
        any_age: { when: 'changed', column: 'age' },
        age_set: { when: 'became_set', column: 'age' },
        age_40: { when: 'became', column: 'age', value: 40 },
      },
    });
    expect(evaluateTriggers(all, row({ churn_risk_score: 3 }), row({ churn_risk_score: 4 }))).toEqual([
      { rule: 'churn_risk_rose', column: 'churn_risk_score', old: 3, new: 4 },
    ]);
  });

  it('compares numeric strings by value (money columns come back from Postgres as text)', () => {
    const r = parseTriggerRules({ rules: { ltv_changed: { when: 'changed', column: 'total_lifetime_value' } } });
    expect(evaluateTriggers(r, row({ total_lifetime_value: '10.00' }), row({ total_lifetime_value: '10.00' }))).toEqual(
      [],
    );
  });
});

describe('parseTriggerRules', () => {
  it('turns a default off, moves a threshold, and adds a rule', () => {
    const r = parseTriggerRules({
      rules: {
        first_purchase: { enabled: false },
        churn_risk_rose: { threshold: 5 },
        became_medium: { when: 'became', column: 'customer_segment', value: 'Medium Value' },
      },
    });
    expect(r.first_purchase!.enabled).toBe(false);
    expect(r.churn_risk_rose).toMatchObject({ when: 'rose_to', threshold: 5 });
    expect(r.became_medium).toMatchObject({ when: 'became', value: 'Medium Value', enabled: true });
    expect(Object.keys(r)).toHaveLength(7);
  });

  it('rejects unknown columns, conditions and rule names with the path in the message', () => {
    expect(() => parseTriggerRules({ rules: { x: { when: 'changed', column: 'nope' } } })).toThrow(/column/);
    expect(() => parseTriggerRules({ rules: { x: { when: 'sometimes', column: 'age' } } })).toThrow();
    expect(() => parseTriggerRules({ rules: { 'Bad Name': { when: 'changed', column: 'age' } } })).toThrow(
      /snake_case/,
    );
    expect(() => parseTriggerRules({ rules: {}, extra: 1 })).toThrow();
  });
});

describe('trigger events', () => {
  it('carries the idempotency key as the CloudEvents id and the old and new values', () => {
    const t = profileTrigger(42, '4294967300', {
      rule: 'segment_changed',
      column: 'customer_segment',
      old: 'Low Value',
      new: 'Medium Value',
    });
    expect(t.idempotencyKey).toBe('42:segment_changed:4294967300');
    const e = JSON.parse(triggerCloudEvent(t, new Date('2026-11-25T00:00:00Z')));
    expect(e).toMatchObject({
      specversion: '1.0',
      id: '42:segment_changed:4294967300',
      type: 'cdp.profile_trigger.v1',
      data: { customer_id: 42, rule: 'segment_changed', old_value: 'Low Value', new_value: 'Medium Value' },
    });
  });
});
