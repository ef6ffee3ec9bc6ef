/**
 * What the dashboard charts from the updaters' /metrics: events per minute (the rate of
 * cdp_updater_messages_total over all topics and outcomes) and the event-to-commit freshness
 * histogram (cdp_updater_event_freshness_seconds), summed over every updater scraped.
 */
export const MESSAGES_METRIC = 'cdp_updater_messages_total';
export const FRESHNESS_METRIC = 'cdp_updater_event_freshness_seconds_bucket';

export interface PipelineSnapshot {
  sources: number;
  /** Samples of the last hour, oldest first. */
  events_per_minute: { at: string; value: number }[];
  /** Cumulative buckets turned into per-bucket counts; le in seconds ("+Inf" last). */
  freshness: { le: string; count: number }[];
}

/** Sums of the two metrics in one Prometheus text exposition. */
export function parseExposition(text: string): { messages: number; freshness: Map<string, number> } {
  let messages = 0;
  const freshness = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.length === 0) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const value = Number(m[3]);
    if (!Number.isFinite(value)) continue;
    if (m[1] === MESSAGES_METRIC) messages += value;
    else if (m[1] === FRESHNESS_METRIC) {
      const le = /le="([^"]+)"/.exec(m[2] ?? '')?.[1];
      if (le) freshness.set(le, (freshness.get(le) ?? 0) + value);
    }
  }
  return { messages, freshness };
}

export class PipelineScraper {
  private samples: { at: number; messages: number }[] = [];
  private freshness = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly urls: readonly string[],
    private readonly everyMs = 5_000,
  ) {}

  start(): void {
    if (this.urls.length === 0 || this.timer) return;
    void this.scrape();
    this.timer = setInterval(() => void this.scrape(), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  async scrape(): Promise<void> {
    let messages = 0;
    const freshness = new Map<string, number>();
    let ok = 0;
    await Promise.all(
      this.urls.map(async (url) => {
        try {
          const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
          if (!res.ok) return;
          const p = parseExposition(await res.text());
          messages += p.messages;
          for (const [le, n] of p.freshness) freshness.set(le, (freshness.get(le) ?? 0) + n);
          ok += 1;
        } catch {
          // An updater that does not answer is left out of this sample.
        }
      }),
    );
    if (ok === 0) return;
    this.samples.push({ at: Date.now(), messages });
    if (this.samples.length > 241) this.samples.shift();
    this.freshness = freshness;
  }

  snapshot(): PipelineSnapshot {
    const perMinute: PipelineSnapshot['events_per_minute'] = [];
    for (let i = 1; i < this.samples.length; i++) {
      const a = this.samples[i - 1];
      const b = this.samples[i];
      if (!a || !b || b.at <= a.at) continue;
      // A restarted updater starts its counter again: a drop is not negative traffic.
      const delta = Math.max(0, b.messages - a.messages);
      perMinute.push({ at: new Date(b.at).toISOString(), value: Math.round((delta * 60_000) / (b.at - a.at)) });
    }
    const les = [...this.freshness.keys()].sort((x, y) =>
      x === '+Inf' ? 1 : y === '+Inf' ? -1 : Number(x) - Number(y),
    );
    let prev = 0;
    const freshness = les.map((le) => {
      const cumulative = this.freshness.get(le) ?? 0;
      const count = Math.max(0, cumulative - prev);
      prev = cumulative;
      return { le, count };
    });
    return { sources: this.urls.length, events_per_minute: perMinute, freshness };
  }
}
