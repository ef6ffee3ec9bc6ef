import type { Logger } from '@cdp360/config';
import {
  customer360Row,
  DEFAULT_TRIGGER_RULES,
  type ErasureRequest,
  type Fact,
  type ProfileState,
  profileErasedTrigger,
  type TriggerRules,
  utcDate,
} from '@cdp360/domain';
import {
  type Customer360Column,
  customersWhoBought,
  deleteCustomerData,
  describeSqlRejection,
  erasedAnything,
  type FactOutcome,
  lockCustomer360Rows,
  productsChangedSince,
  queueTriggers,
  raiseUpdaterState,
  readUpdaterState,
  recordErasures,
  recordInteractions,
  recordPurchases,
  recordResponses,
  recordSessions,
  type SourcedFact,
  type SourcedRecord,
  sqlRejection,
  suppressCustomers,
  suppressedAmong,
  upsertCampaigns,
  upsertCustomer360,
  upsertCustomer360Rows,
  upsertCustomers,
  upsertProducts,
  withTransaction,
} from '@cdp360/postgres';
import type { AggregateStore, ApplyOp } from '@cdp360/redis';
import { publishQueuedTriggers, queueRaisedTriggers, type TriggerSink } from '@cdp360/trigger-outbox';
import type { Pool } from 'pg';
import { CatalogCache } from './catalog-cache';
import { clvCutPointsOf } from './clv-cut-points';
import { UpdaterEvents } from './instrumentation';
import { Refused, writeIsolating } from './isolate-rejects';
import { type RebuildProgress, type RebuildResult, rebuildAggregates } from './rebuild';
import { type Accepted, decodeUnit, sortUnit } from './sort-unit';
import { type DeadLetterSink, type Rejected, type SourceMessage, sourceId, sourcePosition } from './source';
import type { Counters } from './stats';

export interface PipelineDeps {
  db: Pool;
  store: AggregateStore;
  deadLetters: DeadLetterSink;
  logger: Logger;
  /** Injected clock: the as-of date is today's UTC date unless fixed. */
  clock?: () => Date;
  /** Fixed as-of date (CDP_AS_OF) for reproducible runs. */
  asOf?: string;
  /**
   * Personalization triggers: the rules (defaults when omitted) and where they are published (none:
   * they stay queued in Postgres for an updater to publish).
   */
  triggers?: { sink?: TriggerSink; rules?: TriggerRules };
  /** Where the pipeline and its sources report what they do (metrics listen); a fresh one when omitted. */
  events?: UpdaterEvents;
  /**
   * Where erased customers' tombstones go (a null value for their key on the customers topic, so a
   * compacted copy drops their record); none: no tombstones are written.
   */
  tombstones?: TombstoneSink;
}

/** Writes tombstones for erased customers' keys; resolves once they are durable. */
export interface TombstoneSink {
  send(customerIds: readonly number[]): Promise<void>;
}

export interface UnitResult {
  counters: Counters;
  /** Customers whose customer_360 row was written. */
  rowsWritten: number;
  /** Whether Redis had lost its state and was rebuilt during this unit. */
  recovered: boolean;
  /** Personalization triggers raised by this unit's row changes. */
  triggers: number;
  /** Dead letters by reason code. */
  deadLetters: Map<string, number>;
  /** CloudEvents time of each accepted message; filled only when someone listens to unit events. */
  eventTimes: string[];
  /** Customers erased by this unit's (first-seen) erasure requests. */
  erased: number;
}

/** Rows are upserted in chunks so one huge catalog change can't build a giant statement. */
const ROW_CHUNK = 5000;

/** A write the database refuses is tried this many times in all before it is split (see writeIsolating). */
const REFUSED_ATTEMPTS = 2;
const REFUSED_RETRY_MS = 100;

/**
 * The transport-neutral heart of the updater. One unit of work (a batch of messages from any number
 * of topics and partitions) flows: decode → dead-letter rejects → record facts durably in Postgres →
 * apply to Redis aggregates (idempotent per position) → derive and upsert the touched customers'
 * rows. When `processUnit` resolves, every effect of the unit is durable and its positions may be
 * committed; when it rejects, nothing may be committed (a redelivery is safe).
 */
export class ProfilePipeline {
  private readonly catalog: CatalogCache;
  private epoch = 0;
  /** Products changed in the catalog whose buyers' rows still have to be re-derived. */
  private pendingCatalog: number[] = [];
  /** How many entries have been dropped from the front of pendingCatalog since the start. */
  private pendingDropped = 0;
  private readonly log: Logger;
  readonly events: UpdaterEvents;

  constructor(private readonly deps: PipelineDeps) {
    this.events = deps.events ?? new UpdaterEvents();
    this.catalog = new CatalogCache(deps.db);
    this.log = deps.logger.child({ component: 'pipeline' });
  }

  get catalogSize(): number {
    return this.catalog.size;
  }

  asOfDate(): string {
    return this.deps.asOf ?? utcDate((this.deps.clock ?? (() => new Date()))());
  }

  /**
   * Loads the catalog, makes sure Redis holds a complete state (rebuilding it from the facts if it
   * does not) and picks up catalog changes whose rows were not re-derived before a crash.
   */
  async start(): Promise<void> {
    await this.catalog.refresh();
    const settled = await readUpdaterState(this.deps.db, 'catalog_settled');
    this.pendingCatalog = await productsChangedSince(this.deps.db, settled);
    this.pendingDropped = 0;
    await this.ensureRedisState();
    await this.publishTriggers();
  }

  private async ensureRedisState(): Promise<boolean> {
    const started = Date.now();
    this.events.setState({ rebuilding: true });
    try {
      const result = await rebuildAggregates(
        { db: this.deps.db, store: this.deps.store, logger: this.log },
        { onlyIfLost: true },
      );
      this.epoch = result.epoch;
      if (result.rebuilt) this.events.emit('rebuild', { durationMs: Date.now() - started, reason: 'redis-lost' });
      return result.rebuilt;
    } finally {
      this.events.setState({ rebuilding: false });
    }
  }

  async processUnit(messages: readonly SourceMessage[]): Promise<UnitResult> {
    return (await this.prepareUnit(messages))();
  }

  /**
   * The first stage of a unit: decode, record the facts and records, send the dead letters, apply to
   * Redis and read the touched customers' states. It resolves to the second stage, which writes their
   * rows (with the triggers they raise), settles catalog changes and publishes the triggers; when that
   * resolves, the unit is done as `processUnit` describes. The second stage may be called again if it
   * fails.
   *
   * The next unit's first stage may run while this unit's second stage does (see UnitBatcher), as
   * long as second stages run in unit order: rows are then written from states at least as new as the
   * previous unit's, a crash between the stages leaves the unit uncommitted (its redelivery finds its
   * facts recorded and its Redis ops applied, and writes the rows), and an erasure in the next unit
   * is caught by the purge that ends this one, as an erasure by another updater is.
   */
  async prepareUnit(messages: readonly SourceMessage[]): Promise<() => Promise<UnitResult>> {
    // Who each message is about, and who is suppressed: before this unit, or by its own erasure
    // requests, which are recorded first so the unit ends erased whatever its order.
    const unit = decodeUnit(messages);
    const suppressed = await suppressedAmong(
      this.deps.db,
      unit.subjects.filter((s): s is number => s !== null),
    );
    for (const e of unit.erasures) suppressed.add(e.data.customerId);
    const { counters, rejected, customers, products, campaigns, facts } = sortUnit(messages, unit, suppressed);
    const erased = unit.erasures.length > 0 ? await this.erase(unit.erasures, counters) : 0;
    const deadLetterCodes = new Map<string, number>();
    for (const r of rejected) deadLetterCodes.set(r.code, (deadLetterCodes.get(r.code) ?? 0) + 1);

    // Dead letters travel while the facts are recorded; both must be durable before the commit.
    const deadLettered = rejected.length > 0 ? this.deps.deadLetters.send(rejected) : Promise.resolve();
    deadLettered.catch(() => {}); // awaited below; avoid an unhandled rejection meanwhile

    // Every table is written at once (one statement each); the catalog is refreshed after this unit's
    // product records are in, so changes from this unit and from other instances are both seen.
    // Rows the database refuses (a constraint, a trigger) are isolated by writing fewer at a time;
    // the messages that carry them are dead-lettered, never applied to Redis, and the rest go on.
    const db = this.deps.db;
    // The catalog's changes join the pending ones as soon as the cache holds them: should this unit
    // fail later on (Redis unreachable, say), its retry finds the cache already current, and only the
    // pending list still says whose rows wait for the change.
    const [outcomes, productsDone, campaignsDone, customersDone] = await Promise.all([
      this.recordFacts(facts),
      this.upsertIsolating('product_catalog', products, (xs) => upsertProducts(db, xs)).then(async (done) => {
        for (const id of await this.catalog.refresh()) this.pendingCatalog.push(id);
        return done;
      }),
      this.upsertIsolating('marketing_campaigns', campaigns, (xs) => upsertCampaigns(db, xs)),
      this.upsertIsolating('customer_info', customers, (xs) => upsertCustomers(db, xs)),
    ]);
    const refused: Rejected[] = [];
    // A redelivered record that changes nothing is a duplicate (a redelivered fact adds no row either).
    const count = <T>(list: readonly Accepted<T>[], done: readonly (boolean | Refused)[]) =>
      list.forEach((a, i) => {
        const r = done[i];
        if (r instanceof Refused) refused.push(this.refusal(a, r));
        else counters.add(a.message.topic, r ? 'duplicate' : 'applied');
      });
    count(products, productsDone);
    count(campaigns, campaignsDone);
    count(customers, customersDone);

    const ops: ApplyOp[] = [];
    const touched = new Set<number>();
    customers.forEach((c, i) => {
      if (customersDone[i] instanceof Refused) return;
      ops.push({ data: c.data, pos: sourcePosition(c.message), time: c.time });
      touched.add(c.data.customerId);
    });
    facts.forEach((f, i) => {
      const outcome = outcomes[i]!;
      if (outcome instanceof Refused) {
        refused.push(this.refusal(f, outcome));
        return;
      }
      if (outcome === 'duplicate') {
        counters.add(f.message.topic, 'duplicate');
        return;
      }
      counters.add(f.message.topic, 'applied');
      ops.push({ data: f.data, pos: sourcePosition(f.message) });
      touched.add(f.data.customerId);
    });

    // Catalog changes (from this unit, an earlier one that failed, or any other instance) re-derive
    // the rows of their buyers. The entries taken are counted from the start of the list's history,
    // so a second stage that ends after the next unit has taken the same ones drops each once.
    const changedProducts = [...new Set(this.pendingCatalog)];
    const pendingTakenUpTo = this.pendingDropped + this.pendingCatalog.length;
    const catalogRevision = this.catalog.revision;
    if (changedProducts.length > 0) {
      for (const id of await customersWhoBought(this.deps.db, changedProducts)) touched.add(id);
    }

    const refusedSent = this.sendRefused(refused, counters, deadLetterCodes);
    refusedSent.catch(() => {}); // awaited below

    const ids = [...touched].sort((a, b) => a - b);
    const { states, recovered } = await this.applyToRedis(ops, ids);
    const eventTimes: string[] = [];
    if (this.events.listenerCount('unit') > 0) {
      for (const list of [customers, products, campaigns, facts]) for (const a of list) eventTimes.push(a.time);
    }
    await Promise.all([deadLettered, refusedSent]);

    // Every step of the second stage may be run again after a failure: the row upsert admits states
    // at least as new as the stored ones and compares under lock, so a repeat raises no trigger twice.
    // Built outside this function's scope so that it holds only what it uses, not the unit's messages
    // and decoded events (which the garbage collector would otherwise copy while the stage runs).
    return this.secondStage({
      states,
      ids,
      changedProducts,
      catalogRevision,
      pendingTakenUpTo,
      result: { counters, recovered, erased, deadLetters: deadLetterCodes, eventTimes },
    });
  }

  /** A unit's second stage (see prepareUnit): it may be called again after a failure. */
  private secondStage(u: {
    states: ProfileState[];
    ids: number[];
    changedProducts: number[];
    catalogRevision: bigint;
    pendingTakenUpTo: number;
    result: Omit<UnitResult, 'rowsWritten' | 'triggers'>;
  }): () => Promise<UnitResult> {
    return async () => {
      let rowsWritten = 0;
      let triggers = 0;
      for (let i = 0; i < u.states.length; i += ROW_CHUNK) {
        const r = await this.writeRows(u.states.slice(i, i + ROW_CHUNK));
        rowsWritten += r.rows;
        triggers += r.triggers;
      }
      if (u.changedProducts.length > 0) {
        await raiseUpdaterState(this.deps.db, 'catalog_settled', u.catalogRevision);
        const drop = u.pendingTakenUpTo - this.pendingDropped;
        if (drop > 0) {
          this.pendingCatalog = this.pendingCatalog.slice(drop);
          this.pendingDropped = u.pendingTakenUpTo;
        }
      }
      // A customer erased by another updater (or by the next unit) while this unit was being written:
      // its writes may have landed after that erasure deleted the data, so delete again (the erasure
      // committed the suppression before deleting, so one of the two always sees the other's writes).
      if (u.ids.length > 0) await this.purgeSuppressed(u.ids);
      // Rows (and the triggers they raised) are committed: now the triggers may go out.
      if (triggers > 0 || u.result.erased > 0) await this.publishTriggers();
      return { ...u.result, rowsWritten, triggers };
    };
  }

  /**
   * Applies a unit's erasure requests: suppression committed first, then in one transaction each
   * request recorded by its CloudEvents id, the data of each newly requested customer deleted and a
   * profile_erased trigger queued (none when nothing was known about them); then their Redis keys
   * (again for a repeat, in case a crash came between the commit and the delete) and the tombstones.
   * Returns how many customers had data erased.
   */
  private async erase(erasures: readonly Accepted<ErasureRequest>[], counters: Counters): Promise<number> {
    const ids = [...new Set(erasures.map((e) => e.data.customerId))];
    await suppressCustomers(this.deps.db, ids);
    const outcomes = await withTransaction(this.deps.db, async (client) => {
      const done = await recordErasures(
        client,
        erasures.map((e) => ({
          requestId: e.eventId!,
          customerId: e.data.customerId,
          requestedAt: e.time,
          reason: e.data.reason,
          requestedBy: e.data.requestedBy,
          src: sourceId(e.message),
        })),
      );
      const erased = done.filter((o) => o.fresh && erasedAnything(o.deleted)).map((o) => o.customerId);
      await queueTriggers(client, erased.map(profileErasedTrigger));
      return done;
    });
    const redisKeys = await this.deps.store.deleteCustomers(ids);
    const fresh = outcomes.filter((o) => o.fresh);
    if (this.deps.tombstones && fresh.length > 0) {
      await this.deps.tombstones.send([...new Set(fresh.map((o) => o.customerId))]);
    }
    outcomes.forEach((o, i) => {
      counters.add(erasures[i]!.message.topic, o.fresh ? 'applied' : 'duplicate');
    });
    const erased = fresh.filter((o) => erasedAnything(o.deleted)).length;
    this.log.info({ requests: erasures.length, fresh: fresh.length, erased, redisKeys }, 'erasure requests applied');
    return erased;
  }

  /** Deletes again whatever of these customers is there if they became suppressed meanwhile. */
  private async purgeSuppressed(customerIds: readonly number[]): Promise<void> {
    const late = [...(await suppressedAmong(this.deps.db, customerIds))];
    if (late.length === 0) return;
    await withTransaction(this.deps.db, async (client) => {
      for (const id of late) await deleteCustomerData(client, id);
    });
    await this.deps.store.deleteCustomers(late);
    this.log.warn({ customers: late.length }, 'customers erased while this unit ran: their writes were deleted again');
  }

  /**
   * Upserts the rows derived from these states in one transaction, with the triggers their changes
   * raise queued in the same transaction (old rows are read under lock to compare).
   */
  private async writeRows(states: readonly ProfileState[]): Promise<{ rows: number; triggers: number }> {
    const asOf = this.asOfDate();
    const clv = await clvCutPointsOf(this.deps.db).estimator(); // quintile estimate until the next scoring run
    const rows = states.map((s) => ({ row: customer360Row(s, this.catalog.lookup, asOf, clv(s)), version: s.version }));
    const rules = this.deps.triggers ? (this.deps.triggers.rules ?? DEFAULT_TRIGGER_RULES) : null;
    if (!rules) return { rows: (await upsertCustomer360(this.deps.db, rows)).length, triggers: 0 };
    // The rules read only the columns they watch: those are all the old and new rows need to carry.
    const watched = watchedColumns(rules);
    return withTransaction(this.deps.db, async (client) => {
      const old = await lockCustomer360Rows(
        client,
        rows.map((r) => r.row.customer_id),
        watched,
      );
      // Compare with the rows as stored: the upsert may keep columns it does not own (the CLV score).
      const written = await upsertCustomer360Rows(client, rows, watched);
      const versionOf = new Map(rows.map((r) => [r.row.customer_id, r.version.toString()]));
      const changes = written.map((next) => ({
        old: old.get(next.customer_id) ?? null,
        next,
        version: versionOf.get(next.customer_id)!,
      }));
      const raised = await queueRaisedTriggers(client, rules, changes);
      return { rows: written.length, triggers: raised.length };
    });
  }

  /**
   * Rebuilds every customer's Redis aggregates from the durable facts under a new epoch (rows are not
   * touched: see rederive).
   */
  async rebuildAggregates(onProgress?: (p: RebuildProgress) => void): Promise<RebuildResult> {
    const started = Date.now();
    this.events.setState({ rebuilding: true });
    try {
      const r = await rebuildAggregates({ db: this.deps.db, store: this.deps.store, logger: this.log }, { onProgress });
      this.epoch = r.epoch;
      this.events.emit('rebuild', { durationMs: Date.now() - started, reason: 'requested' });
      return r;
    } finally {
      this.events.setState({ rebuilding: false });
    }
  }

  /**
   * Derives and writes the rows of these customers from their current aggregates, raising triggers
   * for what changes (a rebuild with new logic, a repair).
   */
  async rederive(customerIds: readonly number[]): Promise<{ rows: number; triggers: number }> {
    const ids = [...customerIds].sort((a, b) => a - b);
    let rows = 0;
    let triggers = 0;
    for (let i = 0; i < ids.length; i += ROW_CHUNK) {
      const { states } = await this.applyToRedis([], ids.slice(i, i + ROW_CHUNK));
      const r = await this.writeRows(states);
      rows += r.rows;
      triggers += r.triggers;
    }
    if (triggers > 0) await this.publishTriggers();
    return { rows, triggers };
  }

  /**
   * Publishes every queued trigger (this unit's, and any left by a crash). Without a sink (a rebuild
   * from the command line) triggers stay queued for the next updater to send.
   */
  async publishTriggers(): Promise<number> {
    if (!this.deps.triggers?.sink) return 0;
    const count = await publishQueuedTriggers(this.deps.db, this.deps.triggers.sink, this.log);
    if (count > 0) this.events.emit('triggersPublished', { count });
    return count;
  }

  /**
   * Upserts reference records, isolating the ones the database refuses: one entry per record, whether
   * it repeated what was stored (a redelivery that changes nothing) when written (or older than the
   * stored one), Refused when the database would not take it.
   */
  private upsertIsolating<T>(
    table: string,
    records: readonly Accepted<T>[],
    upsert: (records: readonly SourcedRecord<T>[]) => Promise<{ repeated: readonly boolean[] }>,
  ): Promise<(boolean | Refused)[]> {
    return writeIsolating(
      records,
      async (xs) => (await upsert(xs.map(sourcedRecord))).repeated,
      this.isolateOptions(table),
    );
  }

  private isolateOptions(table: string) {
    return {
      attempts: REFUSED_ATTEMPTS,
      retryDelayMs: REFUSED_RETRY_MS,
      onSplit: (items: number) => this.events.emit('split', { table, items }),
    };
  }

  /** The dead letter of a message whose data the database refused, with a reason free of personal data. */
  private refusal(a: Accepted<unknown>, r: Refused): Rejected {
    // Only customer records carry personal data; business ids and amounts may stay in the reason.
    const personal = (a.data as { kind?: string }).kind === 'customer' ? textsOf(a.data) : [];
    const rejection = sqlRejection(r.error, personal);
    return {
      message: a.message,
      code: 'database_rejected',
      reason: rejection ? describeSqlRejection(rejection) : 'the database rejected it',
    };
  }

  /** Dead-letters the refused messages (counted, logged without their data); resolves once durable. */
  private sendRefused(refused: readonly Rejected[], counters: Counters, codes: Map<string, number>): Promise<void> {
    if (refused.length === 0) return Promise.resolve();
    for (const r of refused) counters.add(r.message.topic, 'deadLettered');
    codes.set('database_rejected', (codes.get('database_rejected') ?? 0) + refused.length);
    this.log.warn(
      {
        refused: refused.length,
        messages: refused.slice(0, 10).map((r) => `${r.message.stream}/${r.message.seq}`),
        reason: refused[0]!.reason,
      },
      'the database refused some messages of this unit; they go to the dead-letter topic, the rest is applied',
    );
    return this.deps.deadLetters.send(refused);
  }

  private async recordFacts(facts: readonly Accepted<Fact>[]): Promise<(FactOutcome | Refused)[]> {
    const groups: Record<Fact['kind'], { index: number[]; items: SourcedFact<Fact>[] }> = {
      purchase: { index: [], items: [] },
      service_interaction: { index: [], items: [] },
      campaign_response: { index: [], items: [] },
      web_session: { index: [], items: [] },
    };
    facts.forEach((f, i) => {
      const g = groups[f.data.kind];
      g.index.push(i);
      g.items.push({ data: f.data, src: sourceId(f.message) });
    });
    const db = this.deps.db;
    const results = await Promise.all([
      writeIsolating(
        groups.purchase.items as SourcedFact<Extract<Fact, { kind: 'purchase' }>>[],
        (xs) => recordPurchases(db, xs),
        this.isolateOptions('purchase_transactions'),
      ),
      writeIsolating(
        groups.service_interaction.items as SourcedFact<Extract<Fact, { kind: 'service_interaction' }>>[],
        (xs) => recordInteractions(db, xs),
        this.isolateOptions('customer_service'),
      ),
      writeIsolating(
        groups.campaign_response.items as SourcedFact<Extract<Fact, { kind: 'campaign_response' }>>[],
        (xs) => recordResponses(db, xs),
        this.isolateOptions('campaign_responses'),
      ),
      writeIsolating(
        groups.web_session.items as SourcedFact<Extract<Fact, { kind: 'web_session' }>>[],
        (xs) => recordSessions(db, xs),
        this.isolateOptions('website_behavior'),
      ),
    ]);
    const outcomes: (FactOutcome | Refused)[] = new Array(facts.length);
    const order = [groups.purchase, groups.service_interaction, groups.campaign_response, groups.web_session];
    order.forEach((g, k) => {
      g.index.forEach((factIndex, j) => {
        outcomes[factIndex] = results[k]![j]!;
      });
    });
    return outcomes;
  }

  /**
   * Applies the ops and reads the touched states in one pipeline. If Redis lost its state (the epoch
   * key vanished before or during the pipeline), rebuilds it from Postgres, which already holds this
   * unit's facts, and runs the same ops again: the watermarks make the repeat exact.
   */
  private async applyToRedis(ops: ApplyOp[], ids: number[]) {
    let recovered = false;
    for (let attempt = 1; ; attempt++) {
      const r = await this.deps.store.applyAndRead(ops, ids, this.epoch);
      if (r.epochIntact) return { states: r.states, recovered };
      this.log.warn(
        { attempt, epoch: this.epoch },
        'Redis lost its state (epoch key missing); rebuilding from Postgres',
      );
      await this.ensureRedisState();
      recovered = true;
      if (attempt >= 5) throw new Error('Redis keeps losing its state; giving up on this batch');
    }
  }
}

/** Every text in a record (names, emails, …): cut out of a database message before it is shown. */
function textsOf(data: unknown, out: string[] = []): string[] {
  if (typeof data === 'string') out.push(data);
  else if (Array.isArray(data)) for (const v of data) textsOf(v, out);
  else if (data && typeof data === 'object') {
    for (const [k, v] of Object.entries(data)) if (k !== 'kind') textsOf(v, out);
  }
  return out;
}

const watchedOf = new WeakMap<TriggerRules, Customer360Column[]>();

/** The columns the enabled rules watch (a trigger is evaluated on these alone). */
function watchedColumns(rules: TriggerRules): Customer360Column[] {
  let cols = watchedOf.get(rules);
  if (!cols) {
    cols = [...new Set(Object.values(rules).flatMap((r) => (r.enabled ? [r.column as Customer360Column] : [])))];
    watchedOf.set(rules, cols);
  }
  return cols;
}

function sourcedRecord<T>(a: Accepted<T>): SourcedRecord<T> {
  return { data: a.data, src: sourceId(a.message), time: a.time, seq: a.message.seq };
}
