import { z } from 'zod';
import { CUSTOMER_360_COLUMNS, type Customer360Row } from '../profile/customer360';

/**
 * Personalization trigger rules. A rule watches one customer_360 column and fires when a row's old
 * and new values match its condition:
 * - `changed`:     the customer had a value and now has a different one;
 * - `became_set`:  the customer had no value (or no row) and now has one;
 * - `became`:      the value is now `value` and was something else (or nothing) before;
 * - `rose_to`:     the value rose (from a previous value) and is now at least `threshold`.
 */
const column = z.enum(CUSTOMER_360_COLUMNS.filter((c) => c !== 'customer_id') as [string, ...string[]]);

export const triggerRuleSchema = z.discriminatedUnion('when', [
  z.object({ when: z.literal('changed'), column, enabled: z.boolean().default(true) }),
  z.object({ when: z.literal('became_set'), column, enabled: z.boolean().default(true) }),
  z.object({
    when: z.literal('became'),
    column,
    value: z.union([z.string(), z.number()]),
    enabled: z.boolean().default(true),
  }),
  z.object({ when: z.literal('rose_to'), column, threshold: z.number(), enabled: z.boolean().default(true) }),
]);

export type TriggerRule = z.infer<typeof triggerRuleSchema>;

const ruleName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, 'rule names are lowercase snake_case, at most 64 characters');

export const triggerRulesSchema = z.object({ rules: z.record(ruleName, triggerRuleSchema) }).strict();

export type TriggerRules = Record<string, TriggerRule>;

/** The rules that apply when no rules file is given. */
export const DEFAULT_TRIGGER_RULES: TriggerRules = {
  first_purchase: { when: 'became_set', column: 'total_orders', enabled: true },
  segment_changed: { when: 'changed', column: 'customer_segment', enabled: true },
  became_high_value: { when: 'became', column: 'customer_segment', value: 'High Value', enabled: true },
  churn_risk_rose: { when: 'rose_to', column: 'churn_risk_score', threshold: 4, enabled: true },
  clv_quintile_changed: { when: 'changed', column: 'customer_lifetime_value_score', enabled: true },
  favorite_category_changed: { when: 'changed', column: 'favorite_category', enabled: true },
};

/**
 * Rules from a parsed rules file: `{ "rules": { name: rule | {"enabled": false} | partial override } }`.
 * A default rule named in the file is merged with its default (so `{"enabled": false}` turns it off
 * and `{"threshold": 5}` moves a threshold); any other name must be a complete rule.
 */
export function parseTriggerRules(input: unknown): TriggerRules {
  const shape = z
    .object({ rules: z.record(ruleName, z.record(z.string(), z.unknown())) })
    .strict()
    .parse(input);
  const merged: Record<string, unknown> = { ...DEFAULT_TRIGGER_RULES };
  for (const [name, rule] of Object.entries(shape.rules)) {
    merged[name] = { ...(DEFAULT_TRIGGER_RULES[name] ?? {}), ...rule };
  }
  return triggerRulesSchema.parse({ rules: merged }).rules;
}

export interface TriggerHit {
  rule: string;
  column: string;
  old: unknown;
  new: unknown;
}

/** A customer_360 row, or the part of it a rule can watch (a scoring step captures only those columns). */
export type TriggerRow = Partial<Customer360Row> & { customer_id: number };
type Row = TriggerRow;

function value(row: Row | null, col: string): unknown {
  if (row === null) return null;
  const v = (row as Record<string, unknown>)[col];
  return v === undefined ? null : v;
}

function same(a: unknown, b: unknown): boolean {
  return a === b || (a !== null && b !== null && String(a) === String(b));
}

/** The rules a row change matches, in rule-name order. `old` is null for a customer seen for the first time. */
export function evaluateTriggers(rules: TriggerRules, old: Row | null, next: Row): TriggerHit[] {
  const hits: TriggerHit[] = [];
  for (const name of Object.keys(rules).sort()) {
    const r = rules[name]!;
    if (!r.enabled) continue;
    const before = value(old, r.column);
    const after = value(next, r.column);
    let fire = false;
    switch (r.when) {
      case 'changed':
        fire = before !== null && after !== null && !same(before, after);
        break;
      case 'became_set':
        fire = before === null && after !== null;
        break;
      case 'became':
        fire = same(after, r.value) && !same(before, r.value);
        break;
      case 'rose_to':
        fire = before !== null && after !== null && Number(after) > Number(before) && Number(after) >= r.threshold;
        break;
    }
    if (fire) hits.push({ rule: name, column: r.column, old: before, new: after });
  }
  return hits;
}
