/**
 * Coalesces batches that arrive concurrently (kafkajs hands one batch per partition to each of its
 * concurrent workers) into one unit of work, so every stage runs once per unit with one statement
 * per table and one Redis pipeline, whatever the number of partitions. Units run one after another.
 * Each `submit` resolves when the unit that took its items has completed (or rejects with its error).
 */
export interface UnitBatcherOptions<T, R> {
  /** Start a unit as soon as items of this total size wait. */
  maxItems: number;
  /** The size of an item (default 1): e.g. the messages of a partition batch. */
  sizeOf?: (item: T) => number;
  /** How long the first item of a unit waits for others, ms. */
  lingerMs: number;
  run(items: T[]): Promise<R>;
}

interface OpenUnit<T, R> {
  items: T[];
  size: number;
  promise: Promise<R>;
  resolve(r: R): void;
  reject(e: unknown): void;
}

export class UnitBatcher<T, R> {
  private open: OpenUnit<T, R> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();
  private inFlight = 0;

  constructor(private readonly options: UnitBatcherOptions<T, R>) {}

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
    this.running = this.running
      .then(() => this.options.run(unit.items))
      .then(unit.resolve, unit.reject)
      .finally(() => {
        this.inFlight--;
      });
  }
}
