import { type ClvCutPoints, estimateClvScore, type ProfileState } from '@cdp360/domain';
import { latestClvCutPoints } from '@cdp360/postgres';
import type { Pool } from 'pg';

/** How long cut points are used before asking again (runs are minutes apart). */
const MAX_AGE_MS = 5_000; // 5 s

/**
 * The last scoring run's CLV cut points, read from Postgres at most every few seconds, for estimating
 * the quintile of a customer whose lifetime value changed since that run.
 */
export class ClvCutPointsCache {
  private cutPoints: ClvCutPoints | null = null;
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private pending: Promise<ClvCutPoints | null> | null = null;

  constructor(
    private readonly db: Pool,
    private readonly clock: () => number = Date.now,
    private readonly maxAgeMs = MAX_AGE_MS,
  ) {}

  /** The latest cut points (null before the first scoring run); one query when stale. */
  async current(): Promise<ClvCutPoints | null> {
    if (this.clock() - this.fetchedAt < this.maxAgeMs) return this.cutPoints;
    this.pending ??= latestClvCutPoints(this.db)
      .then((c) => {
        this.cutPoints = c;
        this.fetchedAt = this.clock();
        return c;
      })
      .finally(() => {
        this.pending = null;
      });
    return this.pending;
  }

  /** An estimator for the rows of one unit (`clvScore` of customer360Row). */
  async estimator(): Promise<(s: ProfileState) => number | null> {
    const cuts = await this.current();
    return (s) => estimateClvScore(cuts, s.orders > 0 ? s.lifetimeValueCents : null, s.customerId);
  }
}

const caches = new WeakMap<Pool, ClvCutPointsCache>();

/** The cache of a pool's database, made on first use: one per pipeline's pool, no global client. */
export function clvCutPointsOf(db: Pool): ClvCutPointsCache {
  let c = caches.get(db);
  if (!c) {
    c = new ClvCutPointsCache(db);
    caches.set(db, c);
  }
  return c;
}
