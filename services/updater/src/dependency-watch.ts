import { describeConnectionError, type Logger } from '@cdp360/config';
import type { RedisClient } from '@cdp360/redis';
import type { Pool } from 'pg';
import type { UpdaterEvents } from './instrumentation';

export type WatchedService = 'postgres' | 'redis' | 'kafka';

const NAMES: Record<WatchedService, string> = { postgres: 'Postgres', redis: 'Redis', kafka: 'Kafka' };

export interface DependencyWatchOptions {
  /** How often each service is asked while running, ms. */
  intervalMs?: number;
  /** How long a probe may take before the service counts as not answering, ms. */
  timeoutMs?: number;
}

/** How long after an outage failures are still taken as its consequences, ms. */
const AFTERMATH_MS = 30_000;

interface Probe {
  service: WatchedService;
  run: () => Promise<unknown>;
  inflight: Promise<unknown> | null;
  downSince: number | null;
}

/**
 * Keeps asking Postgres (`SELECT 1`), Redis (`PING`) and the Kafka brokers (metadata) whether they answer, so that the updater knows
 * when one is gone and when it is back: readiness (/readyz) says so, and the log gets one line when an
 * outage starts and one when it ends, whatever the number of units, connections and retries that fail
 * in between. A probe that does not answer within the timeout counts as an outage too (a stalled
 * network); at most one probe per service is in flight, so a stalled one never piles up connections.
 */
export class DependencyWatch {
  private readonly probes: Probe[];
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<void> | null = null;
  private readonly waiters = new Set<() => void>();

  constructor(
    deps: { db: Pool; redis: RedisClient; kafka?: () => Promise<unknown> },
    private readonly events: UpdaterEvents,
    private readonly logger: Logger,
    options: DependencyWatchOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 1_000;
    this.timeoutMs = options.timeoutMs ?? 3_000;
    const { db, redis } = deps;
    this.probes = [
      { service: 'postgres', run: () => db.query('SELECT 1'), inflight: null, downSince: null },
      {
        service: 'redis',
        run: () => (redis.status === 'ready' ? redis.ping() : Promise.reject(new Error(`connection ${redis.status}`))),
        inflight: null,
        downSince: null,
      },
    ];
    if (deps.kafka) this.probes.push({ service: 'kafka', run: deps.kafka, inflight: null, downSince: null });
  }

  start(): void {
    const tick = () => {
      this.check().finally(() => {
        if (this.timer) this.timer = setTimeout(tick, this.intervalMs);
      });
    };
    this.timer = setTimeout(tick, this.intervalMs);
  }

  /** Set by stop: the clients are being closed, so a probe failing now says nothing of the service. */
  private stopped = false;

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const wake of this.waiters) wake();
  }

  /** The services that did not answer at the last check. */
  get down(): WatchedService[] {
    return this.probes.filter((p) => p.downSince !== null).map((p) => p.service);
  }

  /** Asks every service now (joins a check under way); resolves when each answered or timed out. */
  check(): Promise<void> {
    this.checking ??= Promise.all(this.probes.map((p) => this.probe(p))).then(() => {
      this.checking = null;
    });
    return this.checking;
  }

  /**
   * A unit failed with `err`: asks the services now and tells whether one of them is down, or came
   * back less than AFTERMATH_MS ago (a publish that timed out in the outage, a producer sequence the
   * restarted broker refuses): the failure is then that outage's, already reported.
   */
  async explains(_err: unknown): Promise<boolean> {
    await this.check();
    return this.disrupted;
  }

  /** Whether a service is down now or was a moment ago (see explains). */
  get disrupted(): boolean {
    return this.down.length > 0 || Date.now() - this.lastRecovery < AFTERMATH_MS;
  }

  private lastRecovery = 0;

  /**
   * Resolves once every service answers again, `stillWanted()` turns false, or `maxMs` passed: a
   * failed unit waits here instead of being retried into the same outage again and again.
   */
  async untilUp(stillWanted: () => boolean, maxMs: number): Promise<void> {
    const until = Date.now() + maxMs;
    while (this.down.length > 0 && this.timer && stillWanted() && Date.now() < until) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          clearTimeout(t);
          resolve();
        };
        const t = setTimeout(wake, Math.min(250, Math.max(0, until - Date.now())));
        this.waiters.add(wake);
      });
    }
  }

  private async probe(p: Probe): Promise<void> {
    p.inflight ??= p.run().finally(() => {
      p.inflight = null;
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs / 1000} s`)), this.timeoutMs);
    });
    try {
      await Promise.race([p.inflight, timedOut]);
      this.markUp(p);
    } catch (err) {
      this.markDown(p, err);
    } finally {
      clearTimeout(timer);
    }
  }

  private markDown(p: Probe, err: unknown): void {
    if (p.downSince !== null || this.stopped) return;
    p.downSince = Date.now();
    this.publish();
    this.logger.warn(
      { service: p.service, reason: describeConnectionError(err) },
      `${NAMES[p.service]} unreachable (${describeConnectionError(err)}); units wait and are retried, nothing is committed until it is back`,
    );
  }

  private markUp(p: Probe): void {
    if (p.downSince === null) return;
    const downMs = Date.now() - p.downSince;
    p.downSince = null;
    this.lastRecovery = Date.now();
    this.publish();
    this.logger.info(
      { service: p.service, downMs },
      `${NAMES[p.service]} reachable again after ${(downMs / 1000).toFixed(1)} s`,
    );
    if (this.down.length === 0) for (const wake of [...this.waiters]) wake();
  }

  private publish(): void {
    this.events.setState({ unreachable: this.down.map((s) => NAMES[s]) });
  }
}
