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

/** A customer record for customer `id` with test names and the given dates (overridable fields). */
export function customerEvent(
  id: number,
  fields: { date_of_birth?: string | null; registration_date?: string } & Record<string, unknown> = {},
  options: { id?: string; time?: string } = {},
): WireMessage {
  return wireEvent(
    'customer',
    {
      customer_id: id,
      first_name: `First${id}`,
      last_name: 'Tester',
      email: `c${id}@example.com`,
      phone_number: null,
      date_of_birth: '1990-01-01',
      registration_date: '2024-01-01',
      ...fields,
    },
    options,
  );
}
