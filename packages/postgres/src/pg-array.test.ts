import { pgArray } from './pg-array';

// node-postgres's value preparation (untyped internals; the reference this module must match).
const { prepareValue } = require('pg/lib/utils') as { prepareValue(value: unknown): unknown };

/** node-postgres's own literal for a JS array (what it sends when given the array itself). */
const pgLiteral = (values: unknown[]) => prepareValue(values) as string;

describe('pgArray', () => {
  it('writes strings and nulls exactly as node-postgres does', () => {
    const samples: (string | null)[][] = [
      [],
      ['a'],
      ['a', null, 'b'],
      [null, undefined as unknown as null],
      ['with "quotes"', 'back\\slash', 'both \\"', '', ' ', 'comma,brace}{', 'NULL', 'ünï©ødé ✓'],
      ['2026-06-30', '123.45', 'cdp.purchases.v1/2/1041'],
    ];
    for (const s of samples) expect(pgArray(s)).toBe(pgLiteral(s));
  });

  it('writes numbers, bigints and booleans unquoted, which Postgres reads the same as quoted', () => {
    const values = [0, -1, 42, 2147483647, 3.25, 0.1 + 0.2, 1e21, 12345678901234567890n, true, false, null];
    const quoted = pgLiteral(values.map((v) => (typeof v === 'bigint' ? v.toString() : v)));
    expect(pgArray(values)).toBe(quoted.replace(/"([^"\\]*)"/g, '$1'));
    expect(pgArray([1, null, 3])).toBe('{1,NULL,3}');
  });

  it('refuses elements it cannot write', () => {
    expect(() => pgArray([{}])).toThrow(TypeError);
    expect(() => pgArray([[1]])).toThrow(TypeError);
  });
});
