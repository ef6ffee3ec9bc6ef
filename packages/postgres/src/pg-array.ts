/**
 * A Postgres array literal (`{"a",NULL,3}`) for an `unnest($n::type[])` parameter. node-postgres
 * builds the same text from a JS array, but runs two regular-expression replaces and a type switch
 * per element; batch statements send hundreds of thousands of elements, so the common cases are
 * done here directly. Strings are quoted (and `\` and `"` escaped) exactly as node-postgres does;
 * numbers, bigints and booleans need no quotes.
 */
export function pgArray(values: readonly unknown[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    const v = values[i];
    if (v === null || v === undefined) {
      out += 'NULL';
    } else if (typeof v === 'string') {
      out += v.includes('\\') || v.includes('"') ? `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : `"${v}"`;
    } else if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') {
      out += String(v);
    } else {
      throw new TypeError(`pgArray: unsupported element type ${typeof v} at index ${i}`);
    }
  }
  return `${out}}`;
}
