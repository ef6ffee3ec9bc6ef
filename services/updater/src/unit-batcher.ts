/**
 * Coalesces batches that arrive concurrently (kafkajs hands one batch per partition to each of its
 * concurrent workers) into one unit of work, so every stage runs once per unit with one statement
 * per table and one Redis pipeline, whatever the number of partitions.
 *
 * A unit runs in one stage (`run`): units one after another, and each `submit` resolves when the unit
 * that took its items has completed (or rejects with its error). Or in two (`runStaged`): each
 * `submit` resolves (or rejects) with the unit's first stage, and the second stage goes on after it,
 * overlapping the next unit's first stage. First stages run in unit order, second stages too, and at
 * most two units are in flight (a first stage also waits for the second stage of the unit two
 * before it). A second stage handles its own failures (it is not awaited by anyone but `drained`).
 */
export interface UnitBatcherOptions<T, R> {
  /** Start a unit as soon as items of this total size wait. */
  maxItems: number;
  /** The size of an item (default 1): e.g. the messages of a partition batch. */
  sizeOf?: (item: T) => number;
  /** How long the first item of a unit waits for others, ms. */
  lingerMs: number;
  /** Runs a unit in one stage. */
  run?(items: T[]): Promise<R>;
  /** Runs a unit in two stages: the first resolves to its result and the second stage. */
  runStaged?(items: T[]): Promise<{ result: R; second: () => Promise<void> }>;
}

interface OpenUnit<T, R> {
  items: T[];
  size: number;
  promise: Promise<R>;
  resolve(r: R): void;
  reject(e: unknown): void;
}

const settled = (p: Promise<unknown>): Promise<void> =>
  p.then(
    () => {},
    () => {},
  );

export class UnitBatcher<T, R> {
  private open: OpenUnit<T, R> | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** The last unit's first stage, its second stage, and the second stage of the unit before it. */
  private lastFirst: Promise<void> = Promise.resolve();
  private lastSecond: Promise<void> = Promise.resolve();
  private secondBefore: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private readonly staged: (items: T[]) => Promise<{ result: R; second: () => Promise<void> }>;

  constructor(private readonly options: UnitBatcherOptions<T, R>) {
    const { run, runStaged } = options;
    if (runStaged) this.staged = runStaged;
    else if (run) this.staged = async (items) => ({ result: await run(items), second: async () => {} });
    else throw new Error('UnitBatcher needs run or runStaged');
  }

  /** Resolves once every unit submitted so far has run both its stages. */
  async drained(): Promise<void> {
    while (this.busy) {
      this.close();
      await this.lastSecond;
    }
  }

  /** Units queued or running. */
  get busy(): boolean {
    return this.inFlight > 0 || this.open !== null;
  }

  submit(items: readonly T[]): Promise<R> {
    if (!this.open) {
      let resolve!: (r: R) => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<R>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.open = { items: [], size: 0, promise, resolve, reject };
      this.timer = setTimeout(() => this.close(), this.options.lingerMs);
    }
    const unit = this.open;
    const sizeOf = this.options.sizeOf;
    for (const item of items) {
      unit.items.push(item);
      unit.size += sizeOf ? sizeOf(item) : 1;
    }
    if (unit.size >= this.options.maxItems) this.close();
    return unit.promise;
  }

  private close(): void {
    const unit = this.open;
    if (!unit) return;
    this.open = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.inFlight++;
    const gate = Promise.all([this.lastFirst, this.secondBefore]);
    // The unit's items go to the first stage only: held here, they would live through the second.
    const first = gate.then(() => {
      const items = unit.items;
      unit.items = [];
      return this.staged(items);
    });
    const previousSecond = this.lastSecond;
    const done = first.then(async ({ second }) => {
      await previousSecond;
      await second();
    });
    this.lastFirst = settled(first);
    this.secondBefore = previousSecond;
    this.lastSecond = settled(done).finally(() => {
      this.inFlight--;
    });
    // One stage: the second is empty, so the unit is complete with its first.
    first.then(({ result }) => unit.resolve(result), unit.reject);
    done.catch(() => {}); // a second stage handles its own failures
  }
}
