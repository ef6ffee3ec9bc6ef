import { randomUUID } from 'node:crypto';
import { type InputKind, inputTopic } from '@cdp360/domain';
import type { WireMessage } from '@cdp360/generator';

/** A hand-written CloudEvent on its topic, keyed as the contract says (override anything). */
export function wireEvent(
  kind: InputKind,
  data: Record<string, unknown>,
  options: { id?: string; time?: string; key?: string | null } = {},
): WireMessage {
  const t = inputTopic(kind);
  const key = options.key !== undefined ? options.key : String(data[t.keyField]);
  return {
    kind,
    key,
    value: JSON.stringify({
      specversion: '1.0',
      id: options.id ?? randomUUID(),
      source: 'test',
      type: t.type,
      time: options.time ?? '2026-06-01T12:00:00Z',
      datacontenttype: 'application/json',
      data,
    }),
  };
}
