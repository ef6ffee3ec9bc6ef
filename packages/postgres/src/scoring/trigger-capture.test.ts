import { DEFAULT_TRIGGER_RULES, parseTriggerRules } from '@cdp360/domain';
import { captureSql } from './trigger-capture';

const DATES = {
  age: { old: 't.old_age', new: 't.age' },
  churn_risk_score: { old: 't.old_churn', new: 't.churn_risk_score' },
};

describe('captureSql', () => {
  it('captures nothing when no enabled rule watches the step', () => {
    expect(captureSql(DEFAULT_TRIGGER_RULES, { age: DATES.age })).toBeNull();
    const off = parseTriggerRules({ rules: { churn_risk_rose: { enabled: false } } });
    expect(captureSql(off, DATES)).toBeNull();
  });

  it('returns only the watched columns and lets through what each kind of rule may fire on', () => {
    const rules = parseTriggerRules({
      rules: {
        turned_40: { when: 'became', column: 'age', value: 40 },
        got_age: { when: 'became_set', column: 'age' },
      },
    });
    const c = captureSql(rules, DATES)!;
    expect(c.returning).toBe(
      ', c.customer_id AS capture_customer_id, t.old_age AS capture_old_age, t.age AS capture_new_age' +
        ', t.old_churn AS capture_old_churn_risk_score, t.churn_risk_score AS capture_new_churn_risk_score',
    );
    expect(c.cte).toContain(
      "jsonb_build_object('age', capture_old_age, 'churn_risk_score', capture_old_churn_risk_score)",
    );
    // rose_to (churn): a value before and a different one after; became: any difference; became_set: null before.
    expect(c.cte).toContain(
      '(capture_old_churn_risk_score IS NOT NULL AND capture_new_churn_risk_score IS NOT NULL AND capture_old_churn_risk_score IS DISTINCT FROM capture_new_churn_risk_score)',
    );
    expect(c.cte).toContain('(capture_old_age IS DISTINCT FROM capture_new_age)');
    expect(c.cte).toContain('(capture_old_age IS NULL AND capture_new_age IS NOT NULL)');
  });
});
