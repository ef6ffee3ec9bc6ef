import { formatCents } from '@cdp360/domain';
import type { ClientBase } from 'pg';
import { latestClvCutPoints, ltvTextCents } from './cut-points';
import { estimatedRows, withCheapRowHandover } from './planner';
import { type CaptureSql, type StepTriggers, withStepTriggers } from './trigger-capture';

/**
 * The row number at which quintile k starts among n rows, as NTILE(5) deals them: the first n % 5
 * quintiles get floor(n / 5) + 1 rows, the others floor(n / 5). `quintileStart` is the same in
 * JavaScript.
 */
const QUINTILE_START_SQL = '(k - 1) * (n / 5) + least(k - 1, n % 5) + 1';
const quintileStart = (k: number, n: number) => (k - 1) * Math.floor(n / 5) + Math.min(k - 1, n % 5) + 1;

/**
 * The batch's order for quintiles: non-buyers count as 0, customer_id breaks ties. This form ranks by
 * one sort of the table (the selection below avoids it on a large table); the ranking is one
 * sort and one window over it (the quintile and the row number). Where each quintile
 * starts follows from the row count (`total`, one more read of the same snapshot, far cheaper than a
 * second window marking the buckets' edges): NTILE(5) over n rows gives the first n % 5 quintiles
 * floor(n / 5) + 1 rows and the others floor(n / 5), so quintile k starts at row
 * (k - 1) * floor(n / 5) + least(k - 1, n % 5) + 1. Only the rows to write and the first rows of
 * quintiles 2-5 (the cut points) are kept (`marked`): on a day when no quintile moves, a handful of
 * rows. Each row to write is found again by its `ctid` (a TID scan, not a hash join with a second scan
 * of the table; see JOIN_BY_TID), in the order of the table's pages: in ranking order every write would
 * land on a random page, and with a table larger than shared_buffers each would read and write a page
 * back (at 1M rows 770,000 pages dirtied for 55,000 in the table, 13 of the statement's 20 s). The
 * snapshot's `ctid` stays the row's (its version cannot be vacuumed away under the snapshot; a
 * concurrent update is followed to the newest version), and the stored score is checked again on the
 * row reached.
 */
function scoreClvSql(capture: CaptureSql | null): string {
  return `WITH total AS MATERIALIZED (
  SELECT count(*) AS n FROM customer_360_rows
),
starts AS MATERIALIZED (
  SELECT k AS bucket, ${QUINTILE_START_SQL} AS rn
  FROM total, generate_series(2, 5) AS k
  WHERE ${QUINTILE_START_SQL} <= n
),
ranked AS (
  SELECT
    ctid AS tid,
    customer_id,
    COALESCE(total_lifetime_value, 0) AS ltv,
    customer_lifetime_value_score AS stored,
    ntile(5) OVER w AS score,
    row_number() OVER w AS rn
  FROM customer_360_rows
  WINDOW w AS (ORDER BY COALESCE(total_lifetime_value, 0), customer_id)
),
marked AS MATERIALIZED (
  SELECT r.*, r.rn IN (SELECT rn FROM starts) AS first_of_bucket
  FROM ranked r
  WHERE r.stored IS DISTINCT FROM r.score OR r.rn IN (SELECT rn FROM starts)
  ORDER BY r.tid
),
changed AS (
  UPDATE customer_360_rows AS c SET customer_lifetime_value_score = r.score
  FROM marked r
  WHERE r.stored IS DISTINCT FROM r.score
    AND c.ctid = r.tid
    AND c.customer_lifetime_value_score IS DISTINCT FROM r.score
  RETURNING 1${capture?.returning ?? ''}
)${capture?.cte ?? ''},
cuts AS (
  INSERT INTO scoring_clv_cut_points (run_id, bucket, ltv, customer_id)
  SELECT $1, score, ltv, customer_id
  FROM marked
  WHERE first_of_bucket
  RETURNING 1
)
SELECT
  (SELECT count(*) FROM changed)::int8 AS changed,
  (SELECT n FROM total)::int8 AS rows,
  (SELECT count(*) FROM cuts)::int AS cut_points`;
}

/**
 * Planner settings for the CLV statement, local to the step's transaction: its one join
 * (the rows to write against customer_360_rows) is to be a nested loop over TID scans. The planner prices
 * a TID scan as a random page read and would rather hash the rows to write and scan the table again.
 */
const JOIN_BY_TID = 'SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off';
const JOIN_DEFAULTS = 'SET LOCAL enable_hashjoin TO DEFAULT; SET LOCAL enable_mergejoin TO DEFAULT';

const SCORE_CLV_SQL = scoreClvSql(null);

/** The quintile before and after, for trigger rules watching it (`stored` is the value the ranking read). */
const CLV_VALUES = { customer_lifetime_value_score: { old: 'r.stored', new: 'r.score' } };

/**
 * Finding the cut points without sorting the table (a large table's path; `scoreClvSql` is the exact
 * form the selection falls back to). A row's place in the order is its key (lifetime value in cents,
 * customer_id).
 *
 * 1. A page sample (1 % of the rows, 30,000 to 200,000) gives, for each quintile's start, the keys a
 *    few standard errors either side: a key range, a region, that holds the start unless the sample
 *    was unlucky.
 * 2. One statement, so one snapshot, and two parallel scans: the rows below each region and the total
 *    counted, the rows inside the regions listed; a region's rows ranked after those below it give the
 *    row at each quintile's start. A start that falls outside every region is found again, from
 *    regions made of counted buckets: quantiles of the cents over the sample (`width_bucket` on int8
 *    is a binary search; a value frequent enough to fill several buckets, such as 0 for customers
 *    without purchases, gets buckets of its own, split by customer_id), counted in a parallel scan,
 *    each holding a start taken with its neighbours. Should a start fall outside those too (more rows
 *    moved between the two statements than a neighbouring bucket holds), the step sorts after all. A
 *    bad sample makes wider regions or uneven buckets, never a wrong answer.
 * 3. Each row's quintile is then 1 + the number of cut points at or below its key: a parallel read
 *    finds the rows whose stored quintile differs, written by id when they are few (the next day),
 *    else by one statement that reads and writes the table in page order (a first run). Either write
 *    computes the quintile from the row it reaches (a concurrent update is followed to the newest
 *    version).
 */
/** Below this many rows (estimated) one sort is as cheap as the selection's scans. */
const SELECT_FROM = 200_000;
/** Rows sampled: 1 % of the table, within these bounds. */
const SAMPLE_ROWS = { min: 30_000, max: 200_000 };
const BUCKETS = 1024;
/** A value with this many buckets' worth of the sample is split by customer_id. */
const HEAVY_BUCKETS = 4;
/** Up to this many changed quintiles are found by a read-only scan and written by id. */
const FEW_CHANGES = 20_000;

const VALUE = 'COALESCE(total_lifetime_value, 0)';
const CENTS = `(${VALUE} * 100)::int8`;
const KEY = `(${VALUE}, customer_id)`;
/** Beyond any numeric(14,2) value in cents. */
const NO_CENTS = 10n ** 15n;

const SAMPLE_SQL = `WITH s AS MATERIALIZED (
  SELECT ${CENTS} AS v, customer_id AS id FROM customer_360_rows TABLESAMPLE SYSTEM ($1)
)
SELECT (SELECT percentile_disc($2::float8[]) WITHIN GROUP (ORDER BY v) FROM s)::text[] AS bounds,
       (SELECT percentile_disc($2::float8[]) WITHIN GROUP (ORDER BY id) FROM s) AS ids,
       (SELECT array_agg(v) FROM (SELECT v FROM s GROUP BY v HAVING count(*) >= (SELECT count(*) FROM s) * $3::float8) h)::text[] AS heavy`;

/**
 * The share of the rows either side of a quintile's start that the sample's regions span: five
 * standard errors of a sampled quantile (measured at 30,000 sampled rows of 1M: at most 0.006 off in
 * 40 draws, against 0.014 here).
 */
const regionShare = (sampled: number) => 2.5 / Math.sqrt(sampled);

/** The sampled keys at fractions $2 of the sample's order (a row for each, none for an empty sample). */
const SAMPLE_KEYS_SQL = `WITH s AS MATERIALIZED (
  SELECT ${CENTS} AS v, customer_id AS id FROM customer_360_rows TABLESAMPLE SYSTEM ($1)
),
r AS (SELECT v, id, row_number() OVER (ORDER BY v, id) AS rn, count(*) OVER () AS n FROM s)
SELECT u.i, r.v::text AS v, r.id
FROM unnest($2::float8[]) WITH ORDINALITY AS u(f, i)
JOIN r ON r.rn = greatest(1, least(r.n, ceil(r.n * u.f)::int8))
ORDER BY u.i`;

/** Counts per bucket: $1 cents bounds, and with heavy values $2 those values and $3 the id bounds. */
function bucketCountsSql(heavy: boolean): string {
  const sub = heavy
    ? ` + CASE WHEN ${CENTS} = ANY($2::int8[]) THEN width_bucket(customer_id, $3::int[]) ELSE 0 END`
    : '';
  return `SELECT width_bucket(${CENTS}, $1::int8[])::int8 * 65536${sub} AS b, count(*)::int8 AS n
  FROM customer_360_rows GROUP BY 1`;
}

/** A key bound: rows at or above (cents, id) in the order. */
interface KeyBound {
  cents: bigint;
  id: number;
}

const before = (x: KeyBound, y: KeyBound) => x.cents < y.cents || (x.cents === y.cents && x.id < y.id);

/** Appends [lower, upper) to `regions` (in order), merged into the last one where they meet. */
function addRegion(regions: [KeyBound, KeyBound][], lower: KeyBound, upper: KeyBound): void {
  const last = regions[regions.length - 1];
  if (last && !before(last[1], lower)) last[1] = upper;
  else regions.push([lower, upper]);
}

/**
 * Cut points from the rows of `regions` key ranges ([lower, upper), disjoint and in order): $1 and
 * $2 the lower bound of the first region (value, id), $3 and $4 its upper bound, and so on. With the
 * previous run's `previous` cut points after them (value, id each) and a row limit last, the same
 * scans also count the rows whose stored quintile is not the one those cut points give
 * (`mismatched`), and list up to that many rows of the regions whose stored quintile is not the new
 * one (`moved`).
 */
function regionCutsSql(regions: number, previous: number): string {
  const p = (j: number, n: number) => `($${4 * j + n}::numeric, $${4 * j + n + 1}::int)`;
  const js = Array.from({ length: regions }, (_, j) => j);
  const inside = (j: number) => `(${KEY} >= ${p(j, 1)} AND ${KEY} < ${p(j, 3)})`;
  const limit = `$${4 * regions + 2 * previous + 1}`;
  const mismatched = previous
    ? `, count(*) FILTER (WHERE customer_lifetime_value_score IS DISTINCT FROM ${quintileSql('', previous, 4 * regions + 1)})::int8 AS mismatched`
    : '';
  const moved = previous
    ? `,
       (SELECT coalesce(json_agg(json_build_object('customer_id', id, 'stored', stored)), '[]') FROM (
          SELECT c.id, c.stored FROM cand c
          WHERE c.stored IS DISTINCT FROM 1 + (SELECT count(*) FROM found f WHERE (c.ltv, c.id) >= (f.ltv, f.id))::int
          LIMIT ${limit}) m) AS moved,
       (SELECT mismatched FROM below) AS mismatched`
    : '';
  return `WITH below AS MATERIALIZED (
  SELECT count(*)::int8 AS n${js.map((j) => `, count(*) FILTER (WHERE ${KEY} < ${p(j, 1)})::int8 AS r${j}`).join('')}${mismatched}
  FROM customer_360_rows
),
cand AS MATERIALIZED (
  SELECT CASE ${js.map((j) => `WHEN ${inside(j)} THEN ${j}`).join(' ')} END AS j, ${VALUE} AS ltv, ${CENTS} AS cents,
         customer_id AS id, customer_lifetime_value_score AS stored
  FROM customer_360_rows
  WHERE ${js.map(inside).join(' OR ')}
),
ranked AS (
  SELECT c.ltv, c.id,
         row_number() OVER (PARTITION BY c.j ORDER BY c.cents, c.id)
           + CASE c.j ${js.map((j) => `WHEN ${j} THEN b.r${j}`).join(' ')} END AS rnk
  FROM cand c, below b
),
starts AS (
  SELECT k, ${QUINTILE_START_SQL} AS rn
  FROM below, generate_series(2, 5) AS k
  WHERE ${QUINTILE_START_SQL} <= n
),
found AS MATERIALIZED (
  SELECT s.k, r.ltv, r.id FROM starts s JOIN ranked r ON r.rnk = s.rn
)
SELECT (SELECT n FROM below) AS rows,
       (SELECT count(*) FROM starts)::int AS wanted,
       coalesce((SELECT json_agg(json_build_object('bucket', k, 'ltv', ltv::text, 'id', id) ORDER BY k) FROM found),
                '[]') AS cuts${moved}`;
}

/**
 * The quintile of the row in scope (its columns qualified by `alias`, or not), from `cuts` cut points
 * bound as parameters $first, $first + 1 (value and id of the first), and so on.
 */
function quintileSql(alias: string, cuts: number, first: number): string {
  const a = alias ? `${alias}.` : '';
  const terms = Array.from(
    { length: cuts },
    (_, i) =>
      ` + ((COALESCE(${a}total_lifetime_value, 0), ${a}customer_id) >= ($${first + 2 * i}::numeric, $${first + 2 * i + 1}::int))::int`,
  );
  return `(1${terms.join('')})`;
}

/** Rows whose quintile differs (at most $1 of them); cut points from $2. */
function changedSql(cuts: number): string {
  return `SELECT customer_id, stored FROM (
    SELECT customer_id, customer_lifetime_value_score AS stored, ${quintileSql('', cuts, 2)} AS score
    FROM customer_360_rows
  ) s
  WHERE stored IS DISTINCT FROM score
  LIMIT $1`;
}

/** The rows of $1 (ids) with their read scores $2, written where their quintile differs; cut points from $3. */
function writeFewSql(capture: CaptureSql | null, cuts: number): string {
  const q = quintileSql('c', cuts, 3);
  return `WITH changed AS (
  UPDATE customer_360_rows AS c SET customer_lifetime_value_score = ${q}
  FROM unnest($1::int[], $2::int[]) AS r(customer_id, stored)
  WHERE c.customer_id = r.customer_id
    AND c.customer_lifetime_value_score IS DISTINCT FROM ${q}
  RETURNING 1${capture?.returning ?? ''}
)${capture?.cte ?? ''}
SELECT count(*)::int8 AS changed FROM changed`;
}

/**
 * Every row whose quintile differs, read and written in page order in one statement (a first run);
 * cut points from $1.
 */
function writeManySql(capture: CaptureSql | null, cuts: number): string {
  return `WITH changed AS (
  UPDATE customer_360_rows AS c SET customer_lifetime_value_score = ${quintileSql('c', cuts, 1)}
  FROM (SELECT ctid AS tid, customer_lifetime_value_score AS stored FROM customer_360_rows
        WHERE customer_lifetime_value_score IS DISTINCT FROM ${quintileSql('', cuts, 1)}) AS r
  WHERE c.ctid = r.tid
    AND c.customer_lifetime_value_score IS DISTINCT FROM ${quintileSql('c', cuts, 1)}
  RETURNING 1${capture?.returning ?? ''}
)${capture?.cte ?? ''}
SELECT count(*)::int8 AS changed FROM changed`;
}

/** The quintile before and after, for the selection's writes (`c` is the row written). */
const SELECT_VALUES = {
  customer_lifetime_value_score: { old: 'r.stored', new: 'c.customer_lifetime_value_score' },
};

/** How the step finds the quintiles: `auto` selects on a table of `selectFrom` rows or more (estimated). */
export interface ClvStepOptions {
  method?: 'auto' | 'sort' | 'select';
  selectFrom?: number;
  /** Up to this many changes are written by id after a read-only scan (default FEW_CHANGES). */
  fewChanges?: number;
}

interface Cut {
  bucket: number;
  /** numeric(14,2) as text. */
  ltv: string;
  id: number;
}

/**
 * The cut points by selection, or null when the exact sort is to be used instead (an empty sample, or
 * a start outside every region).
 */
async function cutsByBuckets(client: ClientBase, percent: number, known: Known): Promise<Selected | null> {
  const fractions = Array.from({ length: BUCKETS - 1 }, (_, i) => (i + 1) / BUCKETS);
  const sample = await client.query<{ bounds: string[] | null; ids: number[] | null; heavy: string[] | null }>(
    SAMPLE_SQL,
    [percent, fractions, HEAVY_BUCKETS / BUCKETS],
  );
  const drawn = sample.rows[0];
  if (!drawn?.bounds || !drawn.ids) return null;
  const heavy = new Set((drawn.heavy ?? []).map(BigInt));
  // Each heavy value alone in its bucket, [v, v + 1 cent).
  const bounds = [...new Set([...drawn.bounds.map(BigInt), ...heavy, ...[...heavy].map((v) => v + 1n)])].sort((x, y) =>
    x < y ? -1 : x > y ? 1 : 0,
  );
  const ids = [...new Set(drawn.ids)].sort((x, y) => x - y);
  const params: unknown[] = [bounds.map(String)];
  if (heavy.size > 0) params.push([...heavy].map(String), ids);
  const counts = await withCheapRowHandover(client, () =>
    client.query<{ b: string; n: string }>(bucketCountsSql(heavy.size > 0), params),
  );
  const buckets = counts.rows.map((r) => ({ b: Number(r.b), n: Number(r.n) })).sort((x, y) => x.b - y.b);
  // A bucket's key range: width_bucket gives i for bounds[i - 1] <= x < bounds[i].
  const range = (b: number): [KeyBound, KeyBound] => {
    const i = Math.floor(b / 65536);
    const j = b % 65536;
    const lo = i === 0 ? -NO_CENTS : bounds[i - 1]!;
    const hi = i === bounds.length ? NO_CENTS : bounds[i]!;
    if (!heavy.has(lo) || hi !== lo + 1n)
      return [
        { cents: lo, id: 0 },
        { cents: hi, id: 0 },
      ];
    return [
      { cents: lo, id: j === 0 ? 0 : ids[j - 1]! },
      j === ids.length ? { cents: hi, id: 0 } : { cents: lo, id: ids[j]! },
    ];
  };
  const total = buckets.reduce((sum, r) => sum + r.n, 0);
  // Each quintile's first row by these counts: its bucket and the buckets either side, merged where
  // they meet.
  const regions: [KeyBound, KeyBound][] = [];
  let upto = 0;
  let k = 2;
  buckets.forEach((r, i) => {
    while (k <= 5) {
      const start = quintileStart(k, total);
      if (start > total || start > upto + r.n) break;
      addRegion(
        regions,
        range(buckets[Math.max(0, i - 1)]!.b)[0],
        range(buckets[Math.min(buckets.length - 1, i + 1)]!.b)[1],
      );
      k++;
    }
    upto += r.n;
  });
  if (regions.length === 0) return total <= 1 ? { rows: total, cuts: [] } : null;
  return cutsInRegions(client, regions, known);
}

/** What the selection knows before it reads: the previous run's cut points, and how many moves are few. */
interface Known {
  previous: KeyBound[];
  fewChanges: number;
}

interface Selected {
  rows: number;
  cuts: Cut[];
  /**
   * The rows whose quintile changes (at most fewChanges + 1 of them), when the regions' rows alone tell:
   * every row kept the previous run's quintile, and each quintile's start and the previous run's lie in
   * the same region, so a row outside the regions keeps its place against every cut point.
   */
  moved?: { customer_id: number; stored: number | null }[];
}

const inRegion = (regions: [KeyBound, KeyBound][], key: KeyBound) =>
  regions.findIndex(([lo, hi]) => !before(key, lo) && before(key, hi));

/** The cut points if every quintile's first row lies in one of `regions`, else null. */
async function cutsInRegions(
  client: ClientBase,
  regions: [KeyBound, KeyBound][],
  known: Known,
): Promise<Selected | null> {
  const { previous } = known;
  const res = await withCheapRowHandover(client, () =>
    client.query<{
      rows: string;
      wanted: number;
      cuts: Cut[];
      moved?: { customer_id: number; stored: number | null }[];
      mismatched?: string;
    }>(regionCutsSql(regions.length, previous.length), [
      ...regions.flatMap(([lo, hi]) => [formatCents(lo.cents), lo.id, formatCents(hi.cents), hi.id]),
      ...previous.flatMap((k) => [formatCents(k.cents), k.id]),
      ...(previous.length > 0 ? [known.fewChanges + 1] : []),
    ]),
  );
  const { rows, wanted, cuts, moved, mismatched } = res.rows[0]!;
  if (cuts.length !== wanted) return null;
  const kept =
    moved !== undefined &&
    Number(mismatched) === 0 &&
    cuts.length === previous.length &&
    cuts.every((c, k) => {
      const j = inRegion(regions, { cents: ltvTextCents(c.ltv), id: c.id });
      return j >= 0 && j === inRegion(regions, previous[k]!);
    });
  return { rows: Number(rows), cuts, ...(kept ? { moved } : {}) };
}

/** The previous run's cut points (none before the first run). */
async function previousCuts(client: ClientBase): Promise<KeyBound[]> {
  const latest = await latestClvCutPoints(client);
  return (latest?.points ?? []).map((p) => ({ cents: p.ltvCents, id: p.customerId }));
}

/**
 * The regions straight from the sample: the sampled keys REGION_SHARE of the rows either side of
 * each quintile's start. Without counting buckets first, one statement finds the cut points whenever
 * the sample is that close (it is at these sizes unless the table is laid out by value); otherwise
 * the buckets are counted.
 */
async function selectCuts(client: ClientBase, estimate: number, known: Known): Promise<Selected | null> {
  const sampled = Math.min(SAMPLE_ROWS.max, Math.max(SAMPLE_ROWS.min, estimate / 100));
  const percent = estimate > sampled ? (100 * sampled) / estimate : 100;
  const share = regionShare(sampled);
  const fractions = [0.2, 0.4, 0.6, 0.8].flatMap((q) => [q - share, q + share]);
  const sample = await client.query<{ i: string; v: string; id: number }>(SAMPLE_KEYS_SQL, [percent, fractions]);
  if (sample.rows.length === fractions.length) {
    const keys = sample.rows.map((r) => ({ cents: BigInt(r.v), id: r.id }));
    const regions: [KeyBound, KeyBound][] = [];
    for (let k = 0; k < 4; k++) addRegion(regions, keys[2 * k]!, keys[2 * k + 1]!);
    const found = await cutsInRegions(client, regions, known);
    if (found) return found;
  }
  return cutsByBuckets(client, percent, known);
}

async function scoreBySort(client: ClientBase, runId: number, capture: CaptureSql | null) {
  await client.query(JOIN_BY_TID);
  const res = await client.query<{ changed: string; rows: string; cut_points: number }>(
    capture ? scoreClvSql(capture) : SCORE_CLV_SQL,
    [runId],
  );
  await client.query(JOIN_DEFAULTS);
  const r = res.rows[0]!;
  return { rows: Number(r.rows), changed: Number(r.changed), cutPoints: r.cut_points };
}

export interface ClvStepResult {
  /** customer_360 rows scored. */
  rows: number;
  /** Rows whose quintile was written. */
  changed: number;
  cutPoints: number;
  /** Personalization triggers the changed quintiles raised (queued in the outbox). */
  triggersQueued: number;
}

/**
 * customer_lifetime_value_score = NTILE(5) over every customer_360 row, in statements that write only
 * the rows whose score changes and record the run's cut points. Run it inside the step's transaction
 * (`client` in BEGIN): the scores, their cut points and the triggers they raise commit together.
 */
export async function scoreClvQuintiles(
  client: ClientBase,
  runId: number,
  triggers?: StepTriggers,
  options: ClvStepOptions = {},
): Promise<ClvStepResult> {
  const method = options.method ?? 'auto';
  const estimate = method === 'sort' ? -1 : await estimatedRows(client);
  const select = method === 'select' || (method === 'auto' && estimate >= (options.selectFrom ?? SELECT_FROM));
  const fewChanges = options.fewChanges ?? FEW_CHANGES;
  const selected = select
    ? await selectCuts(client, estimate, { previous: await previousCuts(client), fewChanges })
    : null;
  if (!selected) {
    const { result, triggersQueued } = await withStepTriggers(client, triggers, CLV_VALUES, (capture) =>
      scoreBySort(client, runId, capture),
    );
    return { ...result, triggersQueued };
  }
  const { cuts } = selected;
  const ltvs = cuts.map((c) => c.ltv);
  const ids = cuts.map((c) => c.id);
  const cutParams = cuts.flatMap((c) => [c.ltv, c.id]);
  const { result: changed, triggersQueued } = await withStepTriggers(
    client,
    triggers,
    SELECT_VALUES,
    async (capture) => {
      // The rows to write: known from the regions' rows alone when every row outside them kept the
      // previous run's quintile, else found by a parallel read.
      const few =
        selected.moved ??
        (
          await client.query<{ customer_id: number; stored: number | null }>(changedSql(cuts.length), [
            fewChanges + 1,
            ...cutParams,
          ])
        ).rows;
      if (few.length === 0) return 0;
      if (few.length <= fewChanges) {
        const w = await client.query<{ changed: string }>(writeFewSql(capture, cuts.length), [
          few.map((r) => r.customer_id),
          few.map((r) => r.stored),
          ...cutParams,
        ]);
        return Number(w.rows[0]!.changed);
      }
      await client.query(JOIN_BY_TID);
      const w = await client.query<{ changed: string }>(writeManySql(capture, cuts.length), cutParams);
      await client.query(JOIN_DEFAULTS);
      return Number(w.rows[0]!.changed);
    },
  );
  if (cuts.length > 0) {
    await client.query(
      `INSERT INTO scoring_clv_cut_points (run_id, bucket, ltv, customer_id)
       SELECT $1, * FROM unnest($2::int[], $3::numeric[], $4::int[])`,
      [runId, cuts.map((c) => c.bucket), ltvs, ids],
    );
  }
  return { rows: selected.rows, changed, cutPoints: cuts.length, triggersQueued };
}
