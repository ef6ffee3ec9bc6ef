/**
 * JSON Schema (draft 2020-12) of each input topic's CloudEvent, generated from the zod schemas so the
 * published files cannot drift from what the decoder accepts (a unit test compares them).
 */
import { z } from 'zod';
import { jsonSchemaMeta } from './fields';
import { cloudEventSchema } from './schemas';
import { INPUT_TOPICS } from './topics';

const COMMENT = 'Generated from packages/domain/src/events by `npm run schemas:generate`; do not edit.';

const ENVELOPE_NOTE =
  'A CloudEvents 1.0 event in JSON structured mode, UTF-8. The message key (Kafka key, Pub/Sub ordering ' +
  'key) must be the decimal string of data.%KEY%. Unknown envelope attributes and unknown data fields are ' +
  'ignored. Lengths count Unicode characters; strings stored in Postgres text must not contain U+0000 or ' +
  'unpaired surrogates. Some rules (money decimals, real calendar dates, timestamps naming a real instant) ' +
  'are checked by the decoder only; see the descriptions.';

/** Object keys sorted, except the members of `properties`, which keep the contract's field order. */
function canonical(value: unknown, keepOrder = false): unknown {
  if (Array.isArray(value)) return value.map((v) => canonical(v));
  if (typeof value !== 'object' || value === null) return value;
  const obj = value as Record<string, unknown>;
  const keys = keepOrder ? Object.keys(obj) : Object.keys(obj).sort();
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = canonical(obj[k], k === 'properties' && !keepOrder);
  return out;
}

/** The JSON Schema of every input topic's CloudEvent, keyed by topic name (`cdp.purchases.v1`). */
export function eventJsonSchemas(): Record<string, object> {
  const out: Record<string, object> = {};
  for (const t of INPUT_TOPICS) {
    const generated = z.toJSONSchema(cloudEventSchema(t.kind), {
      target: 'draft-2020-12',
      io: 'input',
      metadata: jsonSchemaMeta,
      unrepresentable: 'throw',
      reused: 'inline',
    });
    const schema = {
      ...generated,
      $comment: COMMENT,
      title: `${t.topic}: CloudEvent of type ${t.type}`,
      description: ENVELOPE_NOTE.replace('%KEY%', t.keyField),
    };
    out[t.topic] = canonical(schema) as object;
  }
  return out;
}
