import { type TriggerRow, type TriggerRule, type TriggerRules, triggersFor } from '@cdp360/domain';
import type { ClientBase } from 'pg';
import { queueTriggers } from '../trigger-outbox';

/**
 * Personalization triggers for the rows a scoring step changes. A step is one set-based UPDATE, so
 * rows never pass through Node on their way; instead the UPDATE hands the old and new values of the
 * columns some rule watches to a temporary table (only for rows that could match a rule), and the
 * rules themselves (`triggersFor`, the same code the updater runs) are applied to what it holds.
 * Triggers are queued in the outbox inside the step's transaction: they exist exactly when the
 * change committed.
 */

/** The rules of a run and the profile version its changes carry (`score-<run id>`). */
export interface StepTriggers {
  rules: TriggerRules;
  profileVersion: string;
}

/** SQL expressions, in the scope of a step's UPDATE … RETURNING, for a column's value before and after. */
export interface ColumnValues {
  old: string;
  new: string;
}

/** What a step splices into its statement to capture candidate rows. */
export interface CaptureSql {
  /** Appended to the UPDATE's RETURNING list (starts with a comma). */
  returning: string;
  /** A further CTE (starts with a comma) reading the CTE named `changed`. */
  cte: string;
  /**
   * The old/new value columns alone (`returning` without the customer id; starts with a comma), and
   * the condition on them that `cte` applies: for a step that finds its candidates before it writes.
   */
  values: string;
  filter: string;
  /**
   * The candidates as a read-only query over a CTE named `changed` (customer_id, old_values,
   * new_values), for a step that reads them in a statement of their own (which may then run with
   * parallel workers) and stores them with `storeCandidates`.
   */
  select: string;
}

export const CAPTURE_TABLE = 'scoring_trigger_candidates';

const oldCol = (column: string) => `capture_old_${column}`;
const newCol = (column: string) => `capture_new_${column}`;

/** Enabled rules watching one of `columns`. */
function rulesOn(rules: TriggerRules, columns: readonly string[]): TriggerRule[] {
  return Object.values(rules).filter((r) => r.enabled && columns.includes(r.column));
}

/**
 * A condition every change that fires `rule` satisfies (it may let more through: the rule itself is
 * applied afterwards). Each kind of rule needs the value to differ, and some need a value before.
 */
function mayFire(rule: TriggerRule): string {
  const o = oldCol(rule.column);
  const n = newCol(rule.column);
  switch (rule.when) {
    case 'changed':
    case 'rose_to':
      return `(${o} IS NOT NULL AND ${n} IS NOT NULL AND ${o} IS DISTINCT FROM ${n})`;
    case 'became_set':
      return `(${o} IS NULL AND ${n} IS NOT NULL)`;
    case 'became':
      return `(${o} IS DISTINCT FROM ${n})`;
  }
}

/**
 * The capture for a step writing `values` (column -> old/new expressions), or null when no enabled rule
 * watches any of its columns (the step then runs exactly as without triggers).
 */
export function captureSql(rules: TriggerRules, values: Readonly<Record<string, ColumnValues>>): CaptureSql | null {
  const watched = rulesOn(rules, Object.keys(values));
  if (watched.length === 0) return null;
  const columns = [...new Set(watched.map((r) => r.column))].sort();
  const returning = columns
    .map((c) => `, ${values[c]!.old} AS ${oldCol(c)}, ${values[c]!.new} AS ${newCol(c)}`)
    .join('');
  const object = (name: (c: string) => string) =>
    `jsonb_build_object(${columns.map((c) => `'${c}', ${name(c)}`).join(', ')})`;
  const filter = [...new Set(watched.map(mayFire))].join('\n     OR ');
  const select = `SELECT capture_customer_id AS customer_id, ${object(oldCol)} AS old_values, ${object(newCol)} AS new_values
  FROM changed
  WHERE ${filter}`;
  return {
    returning: `, c.customer_id AS capture_customer_id${returning}`,
    values: returning,
    filter,
    cte: `,
captured AS (
  INSERT INTO pg_temp.${CAPTURE_TABLE} (customer_id, old_values, new_values)
  ${select}
  RETURNING 1
)`,
    select,
  };
}

const CHUNK = 5000;

/** Rows of `CaptureSql.select`, stored as candidates (the table exists inside `withStepTriggers`). */
export async function storeCandidates(
  client: ClientBase,
  rows: readonly { customer_id: number; old_values: object; new_values: object }[],
): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    await client.query(
      `INSERT INTO pg_temp.${CAPTURE_TABLE} (customer_id, old_values, new_values)
       SELECT * FROM unnest($1::int4[], $2::jsonb[], $3::jsonb[])`,
      [
        chunk.map((r) => r.customer_id),
        chunk.map((r) => JSON.stringify(r.old_values)),
        chunk.map((r) => JSON.stringify(r.new_values)),
      ],
    );
  }
}

/**
 * Runs a step that may capture candidate rows (`run` gets the capture to splice in, or null), then
 * evaluates the rules on them and queues the triggers, all in the caller's transaction. Returns the
 * step's result and the number of triggers queued.
 */
export async function withStepTriggers<R>(
  client: ClientBase,
  triggers: StepTriggers | undefined,
  values: Readonly<Record<string, ColumnValues>>,
  run: (capture: CaptureSql | null) => Promise<R>,
): Promise<{ result: R; triggersQueued: number }> {
  const capture = triggers ? captureSql(triggers.rules, values) : null;
  if (!triggers || !capture) return { result: await run(null), triggersQueued: 0 };
  await client.query(
    `CREATE TEMPORARY TABLE ${CAPTURE_TABLE} (
       customer_id integer PRIMARY KEY, old_values jsonb NOT NULL, new_values jsonb NOT NULL
     ) ON COMMIT DROP`,
  );
  const result = await run(capture);
  let queued = 0;
  let after = -2147483648;
  for (;;) {
    const res = await client.query<{ customer_id: number; old_values: object; new_values: object }>(
      `SELECT customer_id, old_values, new_values FROM pg_temp.${CAPTURE_TABLE}
       WHERE customer_id > $1 ORDER BY customer_id LIMIT ${CHUNK}`,
      [after],
    );
    const out = triggersFor(
      triggers.rules,
      res.rows.map((r) => ({
        old: { ...r.old_values, customer_id: r.customer_id } as TriggerRow,
        next: { ...r.new_values, customer_id: r.customer_id } as TriggerRow,
        version: triggers.profileVersion,
      })),
    );
    await queueTriggers(client, out);
    queued += out.length;
    if (res.rows.length < CHUNK) break;
    after = res.rows[res.rows.length - 1]!.customer_id;
  }
  return { result, triggersQueued: queued };
}
