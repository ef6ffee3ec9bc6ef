import { epochDay, fromEpochDay, INPUT_TOPICS, type InputKind } from '@cdp360/domain';
import { CAMPAIGN_THEMES, Catalog, CHANNELS, FIRST_CAMPAIGN_ID } from './catalog';
import { type BaseEvent, breakEvent } from './invalid';
import { emptyManifest, type Manifest, type TopicCounts } from './manifest';
import { customerRecord } from './people';
import { hash3, Rng, unit3 } from './random';
import {
  CONTENT_TYPE_HEADERS,
  DAY_MS,
  EXPECT_INVALID_HEADER,
  envelope,
  moneyValue,
  offsetTimestamp,
  utcDateOf,
  utcTimestamp,
  type WireMessage,
} from './wire';

export interface GeneratorOptions {
  /** Number of customers. */
  customers: number;
  /** Length of the event history in days, ending at `end`. */
  days?: number;
  /** Last day of the history (`YYYY-MM-DD`); fixed by default so a seed always gives the same bytes. */
  end?: string;
  /** Mean number of fact events (purchases, interactions, responses, sessions) per customer. */
  eventsPerCustomer?: number;
  /** Share of facts re-sent once, later, with the same business id and a new CloudEvents id. */
  duplicateRate?: number;
  /** Share of all messages that are deliberately invalid. */
  invalidRate?: number;
  seed?: number;
  /** Customer ids are spread over 1..idSpace (>= customers); benchmarks use a large key space. */
  idSpace?: number;
  /** Catalog size; default scales with customers, 300..5000. */
  products?: number;
  /** Number of campaigns; default about one a week. */
  campaigns?: number;
  /** Messages per yielded batch. */
  batchSize?: number;
  /**
   * Zipf exponent of customer activity (0, the default: none). Above 0 the customer of rank r (in
   * generation order) is weighted 1/r^zipf on top of the log-normal spread, so a few customers make
   * most of the facts, as real web traffic does; 1 is the classic Zipf law.
   */
  zipf?: number;
}

export type ResolvedOptions = Required<GeneratorOptions>;

export const DEFAULT_END = '2026-06-30';

export function resolveOptions(o: GeneratorOptions): ResolvedOptions {
  const days = o.days ?? 365;
  const r: ResolvedOptions = {
    customers: o.customers,
    days,
    end: o.end ?? DEFAULT_END,
    eventsPerCustomer: o.eventsPerCustomer ?? 20,
    duplicateRate: o.duplicateRate ?? 0.02,
    invalidRate: o.invalidRate ?? 0.01,
    seed: o.seed ?? 1,
    idSpace: o.idSpace ?? o.customers,
    products: o.products ?? Math.min(5000, Math.max(300, Math.round(o.customers / 2))),
    campaigns: o.campaigns ?? Math.max(8, Math.round(days / 7)),
    batchSize: o.batchSize ?? 2000, // small batches stay in the young generation: 10k halves the speed
    zipf: o.zipf ?? 0,
  };
  const int = (name: keyof ResolvedOptions, min: number, max: number) => {
    const v = r[name] as number;
    if (!Number.isInteger(v) || v < min || v > max)
      throw new RangeError(`${name} must be an integer in ${min}..${max}, got ${v}`);
  };
  const rate = (name: keyof ResolvedOptions, max: number) => {
    const v = r[name] as number;
    if (!(typeof v === 'number' && v >= 0 && v <= max)) throw new RangeError(`${name} must be in 0..${max}, got ${v}`);
  };
  int('customers', 1, 2_147_483_647);
  int('days', 1, 36_500);
  int('idSpace', r.customers, 2_147_483_647);
  int('products', 1, 1_000_000);
  int('campaigns', 1, 100_000);
  int('batchSize', 1, 10_000_000);
  int('seed', 0, 4_294_967_295);
  rate('eventsPerCustomer', 1_000_000);
  rate('duplicateRate', 1);
  rate('invalidRate', 0.9);
  rate('zipf', 4);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(r.end) || fromEpochDay(epochDay(r.end)) !== r.end) {
    throw new RangeError(`end must be a YYYY-MM-DD date, got ${r.end}`);
  }
  return r;
}

// Fact kinds in the order of the fact-mix table; index = item code.
const FACT_KINDS: readonly InputKind[] = ['web_session', 'purchase', 'campaign_response', 'service_interaction'];
const FACT_MIX_CUMULATIVE = [0.45, 0.7, 0.9, 1];
const INVALID_ITEM = 4;

const SOURCES: Record<InputKind, string> = {
  customer: 'crm',
  product: 'pim',
  campaign: 'marketing-platform',
  purchase: 'shop-backend',
  service_interaction: 'support-desk',
  campaign_response: 'marketing-platform',
  web_session: 'web-analytics',
  erasure_request: 'privacy-desk',
};
const TYPES = Object.fromEntries(INPUT_TOPICS.map((t) => [t.kind, t.type])) as Record<InputKind, string>;
const TOPICS = Object.fromEntries(INPUT_TOPICS.map((t) => [t.kind, t.topic])) as Record<InputKind, string>;

/** Years of registrations before the event window: customers existed before the history starts. */
const PRE_WINDOW_DAYS = 3 * 365;
/** Share of customers who register inside the window (the rest are older customers). */
const REGISTER_IN_WINDOW = 0.2;
const SALT_REG_WINDOW = 31;
const SALT_REG_DAY = 32;
const SALT_HAS_RECORD = 33;
const SALT_VERSIONS = 34;
const SALT_CAMPAIGN = 35;

/** Something scheduled for a given day: a record version, a late product, a duplicate re-send. */
type Scheduled =
  | { t: 'customer'; c: number; version: number; timeMs?: number }
  | { t: 'product'; p: number; version: number }
  | { t: 'dup'; kind: InputKind; key: string; dataJson: string };
type Item = number | Scheduled;

/**
 * A deterministic, streaming generator of realistic e-commerce events in wire format. Iterating it
 * yields batches of messages in the order a live system would log them (catalog first, then day by
 * day, all topics interleaved by time). `manifest` is complete once iteration has finished; each
 * iteration starts afresh and gives the same bytes.
 */
/** The options a manifest records; `zipf` only when set, so unskewed manifests read as before. */
function manifestOptions(o: ResolvedOptions): Record<string, number | string> {
  const { zipf, ...rest } = o;
  return zipf > 0 ? { ...rest, zipf } : rest;
}

export class EventGenerator implements Iterable<WireMessage[]> {
  readonly options: ResolvedOptions;
  manifest: Manifest;

  constructor(options: GeneratorOptions) {
    this.options = resolveOptions(options);
    this.manifest = emptyManifest(manifestOptions(this.options));
  }

  /** About how many messages one iteration produces (for progress bars). */
  get estimatedMessages(): number {
    const o = this.options;
    const valid =
      o.products + o.campaigns + o.customers * 1.1 + o.customers * o.eventsPerCustomer * (1 + o.duplicateRate);
    return Math.round(valid / (1 - o.invalidRate));
  }

  *[Symbol.iterator](): Generator<WireMessage[], void, undefined> {
    this.manifest = emptyManifest(manifestOptions(this.options));
    yield* new Run(this.options, this.manifest).batches();
  }
}

/** Shorthand for `new EventGenerator(options)`. */
export function generateEvents(options: GeneratorOptions): EventGenerator {
  return new EventGenerator(options);
}

/** One pass over the data set; all mutable state lives here. */
class Run {
  private readonly rng: Rng;
  private readonly seed: number;
  private readonly seedTag: string;
  private readonly catalog: Catalog;
  private readonly ids: Int32Array;
  private readonly regDay: Int32Array;
  private readonly cumWeight: Float64Array;
  private readonly spend: Float32Array;
  private readonly windowStart: number;
  private readonly end: number;
  private readonly histStart: number;
  private readonly campaignIds: number[] = [];
  private readonly scheduled = new Map<number, Scheduled[]>();
  private readonly counts: Record<InputKind, TopicCounts>;
  private out: WireMessage[] = [];
  private factSeq = 0;
  private invalidSeq = 0;
  private invalidCarry = 0;

  constructor(
    private readonly o: ResolvedOptions,
    private readonly manifest: Manifest,
  ) {
    this.seed = o.seed;
    this.rng = new Rng(o.seed);
    this.seedTag = o.seed.toString(36);
    this.catalog = new Catalog(o.seed, o.products);
    this.end = epochDay(o.end);
    this.windowStart = this.end - o.days + 1;
    this.histStart = this.windowStart - PRE_WINDOW_DAYS;
    this.counts = {} as Record<InputKind, TopicCounts>;
    for (const t of INPUT_TOPICS) this.counts[t.kind] = manifest.topics[t.topic]!;

    const n = o.customers;
    this.ids = new Int32Array(n);
    this.regDay = new Int32Array(n);
    this.cumWeight = new Float64Array(n);
    this.spend = new Float32Array(n);
    const stride = o.idSpace / n;
    const jitter = Math.floor(stride);
    let cum = 0;
    for (let i = 0; i < n; i++) {
      this.ids[i] = 1 + Math.floor(i * stride) + (jitter > 1 ? this.rng.int(0, jitter - 1) : 0);
      this.regDay[i] = this.registrationDay(i);
      // Activity is log-normal: most customers buy a little, a few buy a lot (LTV over 10,000).
      const spread = Math.exp(1.15 * this.rng.normal());
      cum += o.zipf > 0 ? spread / (i + 1) ** o.zipf : spread;
      this.cumWeight[i] = cum;
      this.spend[i] = Math.exp(0.45 * this.rng.normal());
    }
    manifest.customers.count = n;
  }

  private registrationDay(i: number): number {
    const inWindow = unit3(this.seed, i, SALT_REG_WINDOW) < REGISTER_IN_WINDOW && this.o.days > 1;
    const u = unit3(this.seed, i, SALT_REG_DAY);
    // In-window registrations stop a day early: activity comes strictly after registration.
    return inWindow
      ? this.windowStart + Math.floor(u * (this.o.days - 1))
      : this.histStart + Math.floor(u * PRE_WINDOW_DAYS);
  }

  *batches(): Generator<WireMessage[], void, undefined> {
    const o = this.o;
    yield* this.catalogPhase();

    // Customers in registration-day order (counting sort), so day d's registrations are a slice.
    const totalDays = this.end - this.histStart + 1;
    const dayStartIdx = new Int32Array(totalDays + 1);
    for (let i = 0; i < o.customers; i++) dayStartIdx[this.regDay[i]! - this.histStart + 1]!++;
    for (let d = 0; d < totalDays; d++) dayStartIdx[d + 1]! += dayStartIdx[d]!;
    const byReg = new Int32Array(o.customers);
    const fill = dayStartIdx.slice(0, totalDays);
    for (let i = 0; i < o.customers; i++) byReg[fill[this.regDay[i]! - this.histStart]!++] = i;

    const factsPerDay = this.factsPerDay();
    for (let day = this.histStart; day <= this.end; day++) {
      const d = day - this.histStart;
      const items: Item[] = [];
      for (let k = dayStartIdx[d]!; k < dayStartIdx[d + 1]!; k++) {
        const c = byReg[k]!;
        if (unit3(this.seed, c, SALT_HAS_RECORD) < 0.93) items.push({ t: 'customer', c, version: 1 });
      }
      const due = this.scheduled.get(day);
      if (due) {
        for (const s of due) items.push(s);
        this.scheduled.delete(day);
      }
      if (day >= this.windowStart) {
        const nFacts = factsPerDay[day - this.windowStart]!;
        for (let k = 0; k < nFacts; k++) items.push(this.factCode());
      }
      const invalidExpected = (items.length * o.invalidRate) / (1 - o.invalidRate) + this.invalidCarry;
      const nInvalid = Math.floor(invalidExpected);
      this.invalidCarry = invalidExpected - nInvalid;
      for (let k = 0; k < nInvalid; k++) items.push(INVALID_ITEM);
      if (items.length === 0) continue;

      this.shuffle(items);
      const times = new Float64Array(items.length);
      for (let k = 0; k < times.length; k++) times[k] = this.rng.float();
      times.sort();
      const dayMs = day * DAY_MS;
      const sameDayDups: Scheduled[] = [];
      for (let k = 0; k < items.length; k++) {
        // A gentle daily rhythm (busier in the evening UTC) that keeps the times sorted.
        const u = times[k]!;
        const ms = dayMs + Math.floor((u + 0.06 * Math.sin(2 * Math.PI * u)) * (DAY_MS - 1));
        this.emitItem(items[k]!, day, ms, sameDayDups);
        if (this.out.length >= o.batchSize) yield this.flush();
      }
      // Re-sends of today's facts that could not be pushed to a later day (the last days).
      let ms = dayMs + DAY_MS - 1;
      for (const s of sameDayDups) this.emitItem(s, day, ms++, sameDayDups);
      if (this.out.length >= o.batchSize) yield this.flush();
    }
    if (this.out.length > 0) yield this.flush();
    const t = this.manifest.totals;
    for (const c of Object.values(this.counts)) {
      t.validFirst += c.validFirst;
      t.duplicates += c.duplicates;
      t.invalid += c.invalid;
    }
  }

  private flush(): WireMessage[] {
    const b = this.out;
    this.out = [];
    return b;
  }

  /** Products and campaigns are published before anything references them (bar the late ones). */
  private *catalogPhase(): Generator<WireMessage[], void, undefined> {
    const o = this.o;
    let ms = (this.histStart - 1) * DAY_MS + 6 * 3_600_000;
    const pm = this.manifest.products;
    pm.catalog = o.products;
    for (let p = 0; p < o.products; p++) {
      const status = this.catalog.status(p);
      if (status === 'unknown') {
        pm.unknown++;
      } else if (status === 'late') {
        pm.late++;
        const day = this.windowStart + Math.floor(this.catalog.lateFraction(p) * o.days);
        this.schedule(day, { t: 'product', p, version: 1 });
      } else {
        pm.publishedFirst++;
        ms += 1000;
        this.emitProduct(p, 1, ms);
        if (this.catalog.hasUpdate(p)) {
          pm.updates++;
          this.schedule(this.windowStart + this.rng.int(0, o.days - 1), { t: 'product', p, version: 2 });
        }
      }
      if (this.out.length >= o.batchSize) yield this.flush();
    }

    const cm = this.manifest.campaigns;
    cm.total = o.campaigns;
    const span = o.days + 60;
    for (let i = 0; i < o.campaigns; i++) {
      const id = FIRST_CAMPAIGN_ID + i;
      this.campaignIds.push(id);
      if (unit3(this.seed, i, SALT_CAMPAIGN) < 0.08) {
        cm.unpublished++; // responses still reference it
        continue;
      }
      cm.published++;
      const start = this.windowStart - 30 + Math.floor((i * span) / o.campaigns);
      const startDate = fromEpochDay(start);
      const data: Record<string, unknown> = {
        campaign_id: id,
        campaign_name: `${CAMPAIGN_THEMES[i % CAMPAIGN_THEMES.length]} ${startDate.slice(0, 4)} #${i + 1}`,
        start_date: startDate,
        end_date: fromEpochDay(start + this.rng.int(7, 60)),
      };
      if (this.rng.chance(0.9)) data.channel = this.rng.pick(CHANNELS);
      ms += 1000;
      this.emitValid('campaign', String(id), ms, data);
      if (this.out.length >= o.batchSize) yield this.flush();
    }
  }

  /** Fact counts per window day: a slow growth trend, busier weekends and a holiday peak; sums exactly. */
  private factsPerDay(): Int32Array {
    const o = this.o;
    const w = new Float64Array(o.days);
    let sum = 0;
    for (let i = 0; i < o.days; i++) {
      const day = this.windowStart + i;
      const date = fromEpochDay(day);
      const dow = (day + 4) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
      const md = date.slice(5);
      let x = 1 + (0.4 * i) / o.days;
      if (dow === 0 || dow === 6) x *= 1.2;
      if (md >= '11-20' && md <= '12-24') x *= 1.6;
      w[i] = x;
      sum += x;
    }
    const total = Math.round(o.customers * o.eventsPerCustomer);
    const counts = new Int32Array(o.days);
    let carry = 0;
    for (let i = 0; i < o.days; i++) {
      const exact = (total * w[i]!) / sum + carry;
      counts[i] = Math.floor(exact + 1e-9);
      carry = exact - counts[i]!;
    }
    return counts;
  }

  private factCode(): number {
    const u = this.rng.float();
    let k = 0;
    while (u >= FACT_MIX_CUMULATIVE[k]!) k++;
    return k;
  }

  private schedule(day: number, s: Scheduled): void {
    const list = this.scheduled.get(day);
    if (list) list.push(s);
    else this.scheduled.set(day, [s]);
  }

  private shuffle(items: Item[]): void {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.rng.float() * (i + 1));
      const t = items[i]!;
      items[i] = items[j]!;
      items[j] = t;
    }
  }

  /** A customer registered before `day`, weighted by activity. */
  private activeCustomer(day: number): number {
    const cw = this.cumWeight;
    const n = cw.length;
    for (let attempt = 0; attempt < 16; attempt++) {
      const x = this.rng.float() * cw[n - 1]!;
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cw[mid]! > x) hi = mid;
        else lo = mid + 1;
      }
      if (this.regDay[lo]! < day) return lo;
    }
    // Rare (early days with few registered customers): take any registered customer.
    for (let i = 0; i < n; i++) if (this.regDay[i]! < day) return i;
    return 0;
  }

  private emitItem(item: Item, day: number, ms: number, sameDayDups: Scheduled[]): void {
    if (typeof item === 'number') {
      if (item === INVALID_ITEM) this.emitInvalid(day, ms);
      else this.emitFact(FACT_KINDS[item]!, day, ms, sameDayDups);
      return;
    }
    switch (item.t) {
      case 'customer':
        this.emitCustomer(item.c, item.version, item.timeMs ?? ms);
        break;
      case 'product':
        this.emitProduct(item.p, item.version, ms);
        break;
      case 'dup': {
        const c = this.counts[item.kind];
        c.messages++;
        c.duplicates++;
        this.push(item.kind, item.key, this.wrap(item.kind, ms, item.dataJson), CONTENT_TYPE_HEADERS);
        break;
      }
    }
  }

  private emitCustomer(c: number, version: number, ms: number): void {
    const id = this.ids[c]!;
    const regDay = this.regDay[c]!;
    const regDate = fromEpochDay(regDay);
    // A few producers send the registration date as a timestamp (same UTC date).
    const regField = hash3(this.seed, c, 41) % 30 === 0 ? `${regDate}T12:00:00+01:00` : regDate;
    this.emitValid('customer', String(id), ms, customerRecord(this.seed, id, version, regField));
    if (version !== 1) return;
    this.manifest.customers.withRecord++;
    // Later versions, and sometimes a stale copy that arrives after the newest one but is older.
    const u = unit3(this.seed, c, SALT_VERSIONS);
    const versions = u < 0.05 ? 3 : u < 0.15 ? 2 : 1;
    let last = regDay;
    let made = 1;
    for (let v = 2; v <= versions && last < this.end; v++) {
      last = this.rng.int(last + 1, Math.min(this.end, last + 120));
      this.schedule(last, { t: 'customer', c, version: v });
      made++;
    }
    if (made > 1) {
      this.manifest.customers.multiVersion++;
      if (last < this.end && this.rng.chance(0.5)) {
        const staleMs = regDay * DAY_MS + Math.floor(this.rng.float() * (last - regDay) * DAY_MS);
        this.schedule(this.rng.int(last + 1, this.end), { t: 'customer', c, version: 0, timeMs: staleMs });
        this.manifest.customers.staleVersions++;
      }
    }
  }

  private emitProduct(p: number, version: number, ms: number): void {
    const data = this.catalog.record(p, version);
    this.emitValid('product', String(data.product_id), ms, data);
  }

  /** CloudEvents `time`: mostly UTC `Z`, sometimes with the producer's local offset. */
  private eventTime(ms: number): string {
    return this.rng.chance(0.9) ? utcTimestamp(ms) : offsetTimestamp(ms, this.rng.pick(OFFSETS));
  }

  /**
   * A fact's date field: usually `YYYY-MM-DD`; near midnight often a timestamp whose local date is
   * not its UTC date (the UTC date counts); now and then a plain timestamp.
   */
  private dateField(ms: number, dayMs: number): string {
    const tod = ms - dayMs;
    const r = this.rng.float();
    if (tod < 2 * 3_600_000 && r < 0.4) return offsetTimestamp(ms, -this.rng.pick(WEST_OFFSETS));
    if (tod >= 22 * 3_600_000 && r < 0.4) return offsetTimestamp(ms, this.rng.pick(EAST_OFFSETS));
    if (r > 0.95) return offsetTimestamp(ms, this.rng.pick(OFFSETS));
    return utcDateOf(ms);
  }

  private money(cents: number): number | string {
    const r = this.rng.float();
    return moneyValue(cents, r < 0.4, r < 0.1);
  }

  private factData(kind: InputKind, c: number, day: number, ms: number, businessId: string): Record<string, unknown> {
    const rng = this.rng;
    const customer_id = this.ids[c]!;
    const date = this.dateField(ms, day * DAY_MS);
    switch (kind) {
      case 'purchase': {
        const s = this.spend[c]!;
        const nItems = 1 + Math.min(5, Math.floor(-Math.log(1 - rng.float()) * 1.2 * s));
        const withAmounts = rng.chance(0.85);
        const items: Array<Record<string, unknown>> = [];
        let total = 0;
        for (let i = 0; i < nItems; i++) {
          const u = rng.float();
          const p = Math.floor(u * u * this.o.products); // popular products first
          const quantity = 1 + Math.min(11, Math.floor(-Math.log(1 - rng.float()) * 0.35 * s));
          const line = this.catalog.priceCents(p) * quantity;
          total += line;
          const product_id = this.catalog.productId(p);
          items.push(withAmounts ? { product_id, quantity, amount: this.money(line) } : { product_id, quantity });
        }
        if (total < 5000 && rng.chance(0.5)) total += 599; // shipping
        const data: Record<string, unknown> = {
          transaction_id: businessId,
          customer_id,
          purchase_date: date,
          total_amount: this.money(total),
          items,
        };
        if (rng.chance(0.2)) data.currency = 'USD'; // unknown fields are ignored
        return data;
      }
      case 'service_interaction': {
        const r = rng.float();
        return {
          interaction_id: businessId,
          customer_id,
          interaction_date: date,
          satisfaction_score: r < 0.15 ? null : r < 0.25 ? 1 : r < 0.33 ? 2 : r < 0.48 ? 3 : r < 0.72 ? 4 : 5,
          resolution_status: rng.pick(STATUSES),
        };
      }
      case 'campaign_response': {
        const n = this.campaignIds.length;
        const near = Math.floor(((day - this.windowStart + 30) / (this.o.days + 60)) * n) + rng.int(-3, 0);
        const r = rng.float();
        return {
          response_id: businessId,
          customer_id,
          campaign_id: this.campaignIds[Math.max(0, Math.min(n - 1, near))]!,
          response_type: r < 0.6 ? 'Open' : r < 0.9 ? 'Click' : 'Conversion',
          response_date: date,
        };
      }
      default: {
        const pages = rng.chance(0.04) ? 0 : 1 + Math.min(199, Math.floor(-Math.log(1 - rng.float()) * 5));
        const seconds = pages * (8 + 70 * rng.float()) + 5 * rng.float();
        const data: Record<string, unknown> = {
          session_id: businessId,
          customer_id,
          visit_date: date,
          pages_viewed: pages,
          time_spent: rng.chance(0.7) ? Math.round(seconds * 1000) / 1000 : Math.round(seconds),
        };
        if (rng.chance(0.3)) data.device = rng.pick(DEVICES);
        return data;
      }
    }
  }

  private emitFact(kind: InputKind, day: number, ms: number, sameDayDups: Scheduled[]): void {
    const c = this.activeCustomer(day);
    const businessId = `${BUSINESS_PREFIX[kind]}-${this.seedTag}-${(++this.factSeq).toString(36)}`;
    const data = this.factData(kind, c, day, ms, businessId);
    const dataJson = JSON.stringify(data);
    const key = String(this.ids[c]);
    const counts = this.counts[kind];
    counts.messages++;
    counts.validFirst++;
    this.push(kind, key, this.wrap(kind, ms, dataJson), CONTENT_TYPE_HEADERS);
    if (this.o.duplicateRate > 0 && this.rng.chance(this.o.duplicateRate)) {
      const later = day + this.rng.int(0, 3);
      const dup: Scheduled = { t: 'dup', kind, key, dataJson };
      if (later > day && later <= this.end) this.schedule(later, dup);
      else sameDayDups.push(dup);
    }
  }

  private emitInvalid(day: number, ms: number): void {
    const rng = this.rng;
    // Mostly on the busy fact topics, like real producer bugs; a few on the reference topics.
    const r = rng.float();
    // Before the window only customer records flow, so only they can be broken there.
    const kind: InputKind =
      day < this.windowStart || r < 0.04
        ? 'customer'
        : r < 0.06
          ? 'product'
          : r < 0.07
            ? 'campaign'
            : FACT_KINDS[this.factCode()]!;
    let key: string;
    let data: Record<string, unknown>;
    const badId = `X${BUSINESS_PREFIX[kind] ?? ''}-${this.seedTag}-${(++this.invalidSeq).toString(36)}`;
    if (kind === 'customer') {
      const c = this.activeCustomer(day);
      key = String(this.ids[c]);
      data = { ...customerRecord(this.seed, this.ids[c]!, 9, fromEpochDay(this.regDay[c]!)) };
    } else if (kind === 'product') {
      const rec = this.catalog.record(rng.int(0, this.o.products - 1), 3);
      key = String(rec.product_id);
      data = { ...rec };
    } else if (kind === 'campaign') {
      const id = rng.pick(this.campaignIds);
      key = String(id);
      data = { campaign_id: id, campaign_name: 'Broken campaign', start_date: '2026-01-01', end_date: '2026-01-31' };
    } else {
      const c = this.activeCustomer(day);
      key = String(this.ids[c]);
      data = this.factData(kind, c, day, ms, badId);
    }
    const other = INPUT_TOPICS[(INPUT_TOPICS.findIndex((t) => t.kind === kind) + rng.int(1, 6)) % 7]!.type;
    const base: BaseEvent = {
      kind,
      key,
      id: rng.uuid(),
      source: SOURCES[kind],
      type: TYPES[kind],
      time: this.eventTime(ms),
      data,
    };
    const bad = breakEvent(base, rng, other);
    const counts = this.counts[kind];
    counts.messages++;
    counts.invalid++;
    counts.invalidReasons[bad.reason] = (counts.invalidReasons[bad.reason] ?? 0) + 1;
    this.push(kind, bad.key, bad.value, { ...CONTENT_TYPE_HEADERS, [EXPECT_INVALID_HEADER]: bad.reason });
  }

  private emitValid(kind: InputKind, key: string, ms: number, data: object): void {
    const counts = this.counts[kind];
    counts.messages++;
    counts.validFirst++;
    this.push(kind, key, this.wrap(kind, ms, JSON.stringify(data)), CONTENT_TYPE_HEADERS);
  }

  private wrap(kind: InputKind, ms: number, dataJson: string): string {
    return envelope(this.rng.uuid(), SOURCES[kind], TYPES[kind], this.eventTime(ms), dataJson);
  }

  private push(kind: InputKind, key: string | null, value: string | Buffer, headers: Record<string, string>): void {
    this.out.push({ kind, key, value, headers });
    this.manifest.totals.messages++;
  }
}

const BUSINESS_PREFIX: Partial<Record<InputKind, string>> = {
  purchase: 'ord',
  service_interaction: 'sr',
  campaign_response: 'resp',
  web_session: 'ws',
};
const STATUSES = [
  'Resolved',
  'Resolved',
  'Resolved',
  'Resolved',
  'Resolved',
  'Resolved',
  'Pending',
  'Pending',
  'Escalated',
];
const DEVICES = ['desktop', 'mobile', 'tablet'];
/** Minutes east of UTC. */
const OFFSETS = [-480, -300, -240, -180, 60, 120, 330, 540, 600];
/** Far enough west that 00:00-02:00 UTC is the previous local day. */
const WEST_OFFSETS = [180, 300, 360, 420, 480, 600];
/** Far enough east that 22:00-24:00 UTC is the next local day. */
const EAST_OFFSETS = [180, 330, 540, 600, 720];

/** Default (unprefixed) topic name of a kind. */
export function topicOf(kind: InputKind): string {
  return TOPICS[kind];
}
