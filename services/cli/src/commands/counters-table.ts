import type { Counters } from '@cdp360/updater';

/** The per-topic outcome counters as an aligned text table (every message is in one column). */
export function countersTable(counters: Counters): string {
  const rows = Object.entries(counters.toJSON()).map(([topic, c]) => [
    topic,
    c.applied,
    c.duplicate,
    c.deadLettered,
    c.suppressed,
  ]);
  const t = counters.totals();
  rows.push(['total', t.applied, t.duplicate, t.deadLettered, t.suppressed]);
  const header = ['topic', 'applied', 'duplicate', 'dead-lettered', 'suppressed'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r: (string | number)[]) =>
    r.map((v, i) => (i === 0 ? String(v).padEnd(widths[i]!) : String(v).padStart(widths[i]!))).join('  ');
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}
