import { formatCents, parseMoney } from '@cdp360/domain';
import type { Touchpoint, TouchpointKind } from './touchpoint';

/** A run of consecutive touchpoints of one kind, in time order. */
export interface JourneyStage {
  kind: TouchpointKind;
  first_date: string;
  last_date: string;
  count: number;
  /** Purchases: the orders' total, a decimal string; null for the other kinds. */
  amount: string | null;
  /** Campaign responses: the response types seen, in order of first appearance. */
  responses?: string[];
}

export interface Journey {
  customer_id: number;
  touchpoints: number;
  /** True when only the newest `touchpoints` were read (see the route's limit). */
  truncated: boolean;
  stages: JourneyStage[];
}

/** Stages from touchpoints given in time order (oldest first). */
export function buildJourney(customerId: number, oldestFirst: readonly Touchpoint[], truncated: boolean): Journey {
  const stages: JourneyStage[] = [];
  let cents = 0;
  for (const t of oldestFirst) {
    let stage = stages[stages.length - 1];
    if (!stage || stage.kind !== t.kind) {
      cents = 0;
      stage = { kind: t.kind, first_date: t.date, last_date: t.date, count: 0, amount: null };
      if (t.kind === 'campaign_response') stage.responses = [];
      stages.push(stage);
    }
    stage.count += 1;
    stage.last_date = t.date;
    if (t.kind === 'purchase') {
      const m = parseMoney(t.amount);
      cents += m.ok ? m.cents : 0;
      stage.amount = formatCents(cents);
    } else if (t.kind === 'campaign_response' && !stage.responses?.includes(t.response_type)) {
      stage.responses?.push(t.response_type);
    }
  }
  return { customer_id: customerId, touchpoints: oldestFirst.length, truncated, stages };
}

const LABELS: Record<TouchpointKind, [string, string]> = {
  session: ['Web session', 'Web sessions'],
  purchase: ['Purchase', 'Purchases'],
  service: ['Service interaction', 'Service interactions'],
  campaign_response: ['Campaign response', 'Campaign responses'],
};

/** Mermaid node style per kind; the class names are the touchpoint kinds. */
const CLASS_DEFS: Record<TouchpointKind, string> = {
  session: 'fill:#e3f2fd,stroke:#1e88e5',
  purchase: 'fill:#e8f5e9,stroke:#43a047',
  service: 'fill:#fff3e0,stroke:#fb8c00',
  campaign_response: 'fill:#f3e5f5,stroke:#8e24aa',
};

/** Text safe inside a quoted Mermaid label. */
function label(text: string): string {
  return text.replace(/[^A-Za-z0-9 .,:;_\-+/()×→]/g, ' ');
}

function stageLabel(s: JourneyStage): string {
  const [one, many] = LABELS[s.kind];
  const lines = [s.count === 1 ? one : `${s.count} ${many.toLowerCase()}`];
  lines.push(s.first_date === s.last_date ? s.first_date : `${s.first_date} → ${s.last_date}`);
  if (s.amount !== null) lines.push(s.amount);
  if (s.responses && s.responses.length > 0) lines.push(s.responses.join(', '));
  return lines.map(label).join('<br/>');
}

/**
 * The journey as a Mermaid flowchart: one node per stage, left to right in time order, each node
 * of the class named after its kind (so a renderer or a test can find the kinds).
 */
export function journeyMermaid(j: Journey): string {
  const out = ['flowchart LR'];
  if (j.stages.length === 0) {
    out.push('  empty["No touchpoints yet"]');
    return `${out.join('\n')}\n`;
  }
  j.stages.forEach((s, i) => {
    out.push(`  s${i}["${stageLabel(s)}"]:::${s.kind}`);
  });
  for (let i = 1; i < j.stages.length; i++) out.push(`  s${i - 1} --> s${i}`);
  const used = new Set(j.stages.map((s) => s.kind));
  for (const kind of Object.keys(CLASS_DEFS) as TouchpointKind[]) {
    if (used.has(kind)) out.push(`  classDef ${kind} ${CLASS_DEFS[kind]}`);
  }
  return `${out.join('\n')}\n`;
}
