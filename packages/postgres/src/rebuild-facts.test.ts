import { AGGREGATE_FIELDS } from '@cdp360/domain';
import fc from 'fast-check';
import { STRUCTURAL_FACTS_COLUMNS } from './profile-facts';
import { positionsFromSrcs, REBUILD_SRC_COLUMNS, rebuildFactsSql } from './rebuild-facts';

const sql = rebuildFactsSql('customer_id BETWEEN $1 AND $2');

/** The output columns of the bulk read (its last SELECT, before FROM ids), unqualified. */
function selectList(text: string): string[] {
  const m = /\nSELECT (ids\.customer_id[\s\S]*?)\nFROM ids\b/.exec(text);
  if (!m) throw new Error('bulk read: no final SELECT … FROM ids');
  return m[1]!.split(',').map((c) =>
    c
      .trim()
      .replace(/^\w+\.\w+ AS /, '')
      .replace(/^\w+\./, ''),
  );
}

describe('the rebuild bulk read against the aggregate state declaration', () => {
  const columns = selectList(sql);
  // The watermark and marker columns are derived in Node from the srcs.
  const derived = new Set(['streams', 'seqs', 'markers', 'marker_times']);

  it('selects every declared aggregate', () => {
    expect(AGGREGATE_FIELDS.map((f) => f.column).filter((c) => !columns.includes(c))).toEqual([]);
  });

  it('selects every structural column it does not derive, and the srcs', () => {
    const wanted = [...STRUCTURAL_FACTS_COLUMNS.filter((c) => !derived.has(c)), ...REBUILD_SRC_COLUMNS];
    expect(wanted.filter((c) => !columns.includes(c))).toEqual([]);
  });

  it('selects nothing else', () => {
    const known = new Set<string>([
      ...AGGREGATE_FIELDS.map((f) => f.column),
      ...STRUCTURAL_FACTS_COLUMNS,
      ...REBUILD_SRC_COLUMNS,
    ]);
    expect(columns.filter((c) => !known.has(c))).toEqual([]);
  });

  it.each(AGGREGATE_FIELDS.map((f) => [f.code, f.column]))('%s is computed as %s by one of the CTEs', (_c, column) => {
    expect(sql).toMatch(new RegExp(`\\bAS ${column}\\b`));
  });
});

/**
 * The SQL the rebuild once derived positions with (`src ~ '^.+/[0-9]+$'`, `substring(src FROM
 * '^(.*)/[0-9]+$')` and the like) written with JavaScript regular expressions of the same meaning
 * (Postgres' `.` matches a newline, hence the `s` flag), BigInt for `::int8`.
 */
function reference(srcs: readonly string[], since: bigint) {
  const wm = new Map<string, bigint>();
  const markers: string[] = [];
  for (const src of srcs) {
    if (/^.+\/[0-9]+$/s.test(src) && !src.startsWith('pubsub:')) {
      const stream = /^(.*)\/[0-9]+$/s.exec(src)![1]!;
      const seq = BigInt(/\/([0-9]+)$/.exec(src)![1]!);
      if (!wm.has(stream) || seq > wm.get(stream)!) wm.set(stream, seq);
    }
    if (src.startsWith('pubsub:')) {
      const m = /@([0-9]+)$/.exec(src);
      if (m && BigInt(m[1]!) >= since) markers.push(`${src}=${BigInt(m[1]!)}`);
    }
  }
  return {
    wm: [...wm].map(([s, q]) => `${s}=${q}`).sort(),
    markers: markers.sort(),
  };
}

function derived(srcs: readonly string[], since: bigint) {
  const p = positionsFromSrcs(srcs, since);
  return {
    wm: p.streams.map((s, i) => `${s}=${p.seqs[i]}`).sort(),
    markers: p.markers.map((m, i) => `${m}=${p.markerTimes[i]}`).sort(),
  };
}

describe('positionsFromSrcs', () => {
  it('takes the highest seq per stream and the Pub/Sub markers since the horizon', () => {
    const srcs = [
      'cdp.purchases/0/17',
      'cdp.purchases/0/9',
      'cdp.purchases/1/3',
      'cdp.web/2/0007',
      'pubsub:cdp.records/m-1@1700000000000000',
      'pubsub:cdp.records/m-2@1600000000000000',
      'pubsub:cdp.records/m-3@soon',
      'no-seq',
      '/5',
    ];
    expect(derived(srcs, 1_650_000_000_000_000n)).toEqual({
      wm: ['cdp.purchases/0=17', 'cdp.purchases/1=3', 'cdp.web/2=7'],
      markers: ['pubsub:cdp.records/m-1@1700000000000000=1700000000000000'],
    });
  });

  it('compares sequences beyond 2^53 exactly', () => {
    expect(derived(['s/0/9007199254740993', 's/0/9007199254740992', 's/0/12'], 0n).wm).toEqual([
      's/0=9007199254740993',
    ]);
  });

  it('rejects a sequence beyond int8, as the SQL cast does', () => {
    expect(() => positionsFromSrcs(['s/0/9223372036854775808'], 0n)).toThrow(/out of range for int8/);
  });

  it('agrees with the rebuild query’s regular expressions on any srcs', () => {
    const part = fc.stringMatching(/^[a-z/@:.\n0-9é-]{0,6}$/);
    const digits = fc.stringMatching(/^[0-9]{1,17}$/);
    const src = fc.oneof(
      fc.tuple(part, digits).map(([a, d]) => `${a}/${d}`),
      fc.tuple(part, part, digits).map(([a, b, d]) => `pubsub:${a}/${b}@${d}`),
      fc.tuple(part, part).map(([a, b]) => `pubsub:${a}${b}`),
      part,
    );
    fc.assert(
      fc.property(fc.array(src, { maxLength: 12 }), fc.bigInt(0n, 10n ** 17n), (srcs, since) => {
        expect(derived(srcs, since)).toEqual(reference(srcs, since));
      }),
      { numRuns: 500 },
    );
  });
});
