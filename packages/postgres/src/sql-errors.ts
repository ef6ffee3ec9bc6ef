/**
 * What a failed statement's SQLSTATE says about retrying it. Postgres reports every error with a
 * five-character code whose first two characters are its class
 * (https://www.postgresql.org/docs/current/errcodes-appendix.html).
 *
 * - `rejected`: the database refused these rows (a data exception, a constraint, a trigger that
 *   raised). The same rows fail the same way however often they are sent: retrying cannot help, and
 *   the rows that caused it can be told apart from the others by writing fewer at a time.
 * - `transient`: the connection, the server or the transaction failed (a deadlock, a serialization
 *   failure, a shutdown, no resources); the same statement may succeed later.
 * - `other`: anything else (a missing table, a syntax error, a permission, an error with no
 *   SQLSTATE): a problem of the deployment, not of particular rows; no row is to blame.
 */
export type SqlErrorKind = 'rejected' | 'transient' | 'other';

/** Classes and codes whose errors are about the rows written. */
const REJECTED_CLASSES = new Set(['22', '23']);
const REJECTED_CODES = new Set(['P0001', 'P0004']);
/** Classes whose errors are about the connection, the server or the transaction. */
const TRANSIENT_CLASSES = new Set(['08', '40', '53', '57', '58']);

/** Readable names of the conditions a rejection usually has (the appendix's names). */
const CONDITION_NAMES: Record<string, string> = {
  '22001': 'string_data_right_truncation',
  '22003': 'numeric_value_out_of_range',
  '22007': 'invalid_datetime_format',
  '22008': 'datetime_field_overflow',
  '22012': 'division_by_zero',
  '22021': 'character_not_in_repertoire',
  '22P02': 'invalid_text_representation',
  '23502': 'not_null_violation',
  '23503': 'foreign_key_violation',
  '23505': 'unique_violation',
  '23514': 'check_violation',
  '23P01': 'exclusion_violation',
  P0001: 'raise_exception',
  P0004: 'assert_failure',
};

/** The SQLSTATE of a node-postgres error (DatabaseError.code), if it has one. */
export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export function classifySqlError(err: unknown): SqlErrorKind {
  const state = sqlState(err);
  if (state === undefined) {
    // Socket errors (ECONNRESET, …) and a pool or client that gave up have no SQLSTATE.
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && code.startsWith('E')) return 'transient';
    return 'other';
  }
  if (REJECTED_CODES.has(state) || REJECTED_CLASSES.has(state.slice(0, 2))) return 'rejected';
  if (TRANSIENT_CLASSES.has(state.slice(0, 2))) return 'transient';
  return 'other';
}

/**
 * A rejection as it may be shown to people: the SQLSTATE, its name, the table and constraint it names,
 * and the server's primary message. Never the `detail` (Postgres puts the failing row's values there:
 * "Failing row contains (…)"), the `hint`, the `where` or the query's parameters.
 */
export interface SqlRejection {
  sqlState: string;
  condition: string;
  table?: string;
  constraint?: string;
  column?: string;
  message: string;
}

const MAX_MESSAGE = 240;

/**
 * The rejection of `err` with personal data kept out: every text in `values` (the rejected row's
 * fields, e.g. a customer's name or email) is cut out of the message, and in a data exception (class
 * 22, whose messages quote the offending input, e.g. `invalid input syntax for type date: "…"`) every
 * quoted literal too. Undefined when `err` is not a rejection.
 */
export function sqlRejection(err: unknown, values: readonly string[] = []): SqlRejection | undefined {
  if (classifySqlError(err) !== 'rejected') return undefined;
  const e = err as { message?: unknown; table?: unknown; constraint?: unknown; column?: unknown };
  const state = sqlState(err)!;
  let message = typeof e.message === 'string' ? e.message : '';
  if (state.startsWith('22')) message = message.replace(/"[^"]*"/g, '"…"');
  for (const v of [...values].filter((v) => v.length >= 2).sort((a, b) => b.length - a.length)) {
    message = message.split(v).join('…');
  }
  if (message.length > MAX_MESSAGE) message = `${message.slice(0, MAX_MESSAGE - 1)}…`;
  const text = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);
  return {
    sqlState: state,
    condition: CONDITION_NAMES[state] ?? `class ${state.slice(0, 2)}`,
    table: text(e.table),
    constraint: text(e.constraint),
    column: text(e.column),
    message,
  };
}

/** One line for the dead-letter reason: `SQLSTATE P0001 (raise_exception) on purchase_transactions: …`. */
export function describeSqlRejection(r: SqlRejection): string {
  const on = [
    r.table && `on ${r.table}`,
    r.constraint && `constraint ${r.constraint}`,
    r.column && `column ${r.column}`,
  ]
    .filter(Boolean)
    .join(', ');
  return `the database rejected it: SQLSTATE ${r.sqlState} (${r.condition})${on ? ` ${on}` : ''}: ${r.message}`;
}
