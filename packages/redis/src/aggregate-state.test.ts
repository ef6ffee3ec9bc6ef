import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { AGGREGATE_FIELDS, emptyProfileState, STATE_FIELDS, STATE_META_FIELDS } from '@cdp360/domain';
import fc from 'fast-check';
import { parseAppliedCustomer, parseProfile, serializeProfile } from './aggregate-state';
import type { StoredProfile } from './aggregate-store';
import { watermarkField } from './keys';

const LUA_DIR = path.resolve(__dirname, '../lua');
const luaFiles = readdirSync(LUA_DIR).filter((f) => f.endsWith('.lua'));
const lua = (file: string) => readFileSync(path.join(LUA_DIR, file), 'utf8');

/** Field names a script passes as literals after the aggregate hash `agg` (HGET, HSET, HINCRBY, cdp_max_date …). */
function aggregateFieldsIn(text: string): { read: Set<string>; written: Set<string> } {
  const read = new Set<string>();
  const written = new Set<string>();
  for (const line of text.split('\n')) {
    if (line.trimStart().startsWith('--')) continue;
    for (const m of line.matchAll(/(?:'(\w+)',\s*)?\bagg,([^\n]*)/g)) {
      const command = m[1] ?? 'call';
      const literals = [...m[2]!.matchAll(/'([a-z][a-z0-9:]*)'/g)].map((x) => x[1]!);
      const target = /^(HSET|HSETNX|HINCRBY|HINCRBYFLOAT|HDEL)$/.test(command) || command === 'call' ? written : read;
      // Only the first literal is a field for HINCRBY-like commands; HSET and HMGET list several.
      for (const f of command === 'HSET' || command === 'HMGET' ? literals : literals.slice(0, 1)) target.add(f);
    }
  }
  return { read, written };
}

const declared = new Set<string>([
  ...AGGREGATE_FIELDS.map((f) => f.code),
  STATE_META_FIELDS.version,
  STATE_META_FIELDS.record,
  STATE_META_FIELDS.recordTime,
  STATE_META_FIELDS.recordSeq,
]);

describe('the aggregate state declaration against the Lua scripts', () => {
  const all = { read: new Set<string>(), written: new Set<string>() };
  for (const f of luaFiles) {
    const { read, written } = aggregateFieldsIn(lua(f));
    for (const x of read) all.read.add(x);
    for (const x of written) all.written.add(x);
  }

  it('finds the fields the scripts touch (the extractor itself works)', () => {
    expect(all.written).toContain('po');
    expect(all.written).toContain('pl'); // through cdp_max_date(agg, 'pl', …)
    expect(all.read).toContain('pt');
    const probe = aggregateFieldsIn("redis.call('HINCRBY', agg, 'zz', 1)\nredis.call('HGET', agg, 'yy')");
    expect([...probe.written, ...probe.read].sort()).toEqual(['yy', 'zz']);
  });

  it.each(luaFiles)('%s reads and writes only declared fields of the aggregate hash', (file) => {
    const { read, written } = aggregateFieldsIn(lua(file));
    expect([...read, ...written].filter((f) => !declared.has(f))).toEqual([]);
  });

  it('every declared aggregate has a fold in some script', () => {
    expect(AGGREGATE_FIELDS.map((f) => f.code).filter((c) => !all.written.has(c))).toEqual([]);
  });

  it("apply-customers.lua returns STATE_FIELDS in the declaration's order", () => {
    const hmget = /redis\.call\('HMGET', agg, ([^)]*)\)/.exec(lua('apply-customers.lua'));
    expect(hmget).not.toBeNull();
    const fields = [...hmget![1]!.matchAll(/'([^']+)'/g)].map((m) => m[1]);
    expect(fields).toEqual(STATE_FIELDS);
  });

  it('watermark fields carry the declared prefix', () => {
    expect(watermarkField('orders/3')).toBe(`${STATE_META_FIELDS.watermarkPrefix}orders/3`);
  });
});

describe('parse and serialise', () => {
  function sample(): StoredProfile {
    const s = emptyProfileState(7);
    s.version = 1_000_000_000_003n;
    s.orders = 2;
    s.lifetimeValueCents = 9_007_199_254_740_993n; // beyond 2^53: stays exact
    s.lastPurchaseDate = '2026-11-02';
    s.interactions = 3;
    s.satisfactionSum = 9;
    s.satisfactionCount = 2;
    s.resolvedInteractions = 1;
    s.responses = 4;
    s.conversions = 1;
    s.sessions = 5;
    s.pagesViewedSum = 41;
    s.timeSpentSum = 310.5;
    s.lastVisitDate = '2026-11-20';
    s.productLines.set(11, 2).set(12, 1);
    s.campaignsEngaged = 2;
    s.record = {
      firstName: 'A',
      lastName: 'B',
      email: null,
      phoneNumber: null,
      dateOfBirth: null,
      registrationDate: '2020-01-01',
    };
    return {
      state: s,
      recordTime: '2026-11-01T00:00:00.000000Z',
      recordSeq: '12',
      watermarks: new Map([['orders/0', '44']]),
      campaignIds: [3, 4],
    };
  }

  it('a serialised profile reads back the same (HGETALL reply)', () => {
    const p = sample();
    const { agg, products } = serializeProfile(p);
    const back = parseProfile(7, [agg, products, p.campaignIds!.length]);
    expect(back).toEqual({
      state: p.state,
      recordTime: p.recordTime,
      recordSeq: p.recordSeq,
      watermarks: p.watermarks,
    });
  });

  /** The text apply-customers.lua returns for a customer: outcomes, STATE_FIELDS, campaigns, products. */
  const appliedText = (outcomes: string, positional: (string | null)[], products: string[], campaigns: number) =>
    [outcomes, ...positional.map((v) => v ?? ''), String(campaigns), ...products].join('\n');

  it("the batch script's positional reply gives the same state", () => {
    const p = sample();
    const { agg, products } = serializeProfile(p);
    const byField = new Map<string, string>();
    for (let i = 0; i < agg.length; i += 2) byField.set(agg[i]!, agg[i + 1]!);
    const positional = STATE_FIELDS.map((f) => byField.get(f) ?? null);
    expect(parseAppliedCustomer(7, appliedText('120', positional, products, 2))).toEqual({
      outcomes: '120',
      state: p.state,
    });
  });

  it('refuses a reply of the wrong shape instead of reading a wrong state', () => {
    expect(() => parseAppliedCustomer(7, '1\n2\n3')).toThrow(/malformed state of customer 7/);
    const positional = STATE_FIELDS.map(() => null);
    expect(() => parseAppliedCustomer(7, `${appliedText('', positional, [], 0)}\n11`)).toThrow(/malformed/);
  });

  it('an empty state stores only its version and reads back empty', () => {
    const empty: StoredProfile = {
      state: emptyProfileState(9),
      recordTime: null,
      recordSeq: null,
      watermarks: new Map(),
    };
    const { agg } = serializeProfile(empty);
    expect(agg).toEqual(['v', '0']);
    expect(
      parseAppliedCustomer(
        9,
        appliedText(
          '',
          STATE_FIELDS.map(() => null),
          [],
          0,
        ),
      ).state,
    ).toEqual(emptyProfileState(9));
  });

  /** The product lines as read before they were parsed in place: the text split, each line Number()ed. */
  function productLinesBySplit(text: string): Map<number, number> | 'malformed' {
    const lines = text.split('\n');
    const at = 1 + STATE_FIELDS.length + 1;
    if (lines.length < at || (lines.length - at) % 2 !== 0) return 'malformed';
    const m = new Map<number, number>();
    for (let i = at; i < lines.length; i += 2) m.set(Number(lines[i]), Number(lines[i + 1]));
    return m;
  }

  it('reads product lines in place exactly as Number() reads the split text, odd lines included', () => {
    const positional = STATE_FIELDS.map(() => '');
    const line = fc.oneof(
      fc.nat({ max: 1_000_000 }).map(String),
      fc.constantFrom('', '-3', '007', '1e3', ' 4', '+5', 'x', '12345678901234567', '9007199254740993'),
      fc.string({ maxLength: 4 }).filter((t) => !t.includes('\n')),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), fc.boolean(), (products, trailingNewline) => {
        const text = `${['', ...positional, '0', ...products].join('\n')}${trailingNewline ? '\n' : ''}`;
        const expected = productLinesBySplit(text);
        if (expected === 'malformed') {
          expect(() => parseAppliedCustomer(1, text)).toThrow(/malformed/);
        } else {
          expect(parseAppliedCustomer(1, text).state.productLines).toEqual(expected);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
