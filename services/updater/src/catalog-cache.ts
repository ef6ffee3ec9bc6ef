import type { CatalogEntry } from '@cdp360/domain';
import { catalogChangesSince } from '@cdp360/postgres';
import type { Pool } from 'pg';

/**
 * The product catalog in memory, for favourites. Refreshed from Postgres by revision before each
 * batch, so changes recorded by any updater instance are seen.
 */
export class CatalogCache {
  private readonly entries = new Map<number, CatalogEntry>();
  private revision_ = -1n;

  constructor(private readonly db: Pool) {}

  readonly lookup = (productId: number): CatalogEntry | undefined => this.entries.get(productId);

  /** The catalog revision the cache reflects. */
  get revision(): bigint {
    return this.revision_;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Pulls changes since the last refresh; returns the ids whose category or brand changed (or are new). */
  async refresh(): Promise<number[]> {
    const { changes, revision } = await catalogChangesSince(this.db, this.revision_);
    this.revision_ = revision;
    const changed: number[] = [];
    for (const c of changes) {
      const cur = this.entries.get(c.productId);
      if (!cur || cur.category !== c.category || cur.brand !== c.brand) {
        this.entries.set(c.productId, { category: c.category, brand: c.brand });
        changed.push(c.productId);
      }
    }
    return changed;
  }
}
