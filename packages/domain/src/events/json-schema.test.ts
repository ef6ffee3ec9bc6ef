import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { eventJsonSchemas } from './json-schema';
import { INPUT_TOPICS } from './topics';

const DIR = path.resolve(__dirname, '../../../../schemas/events');
const REGENERATE = 'run `npm run schemas:generate` (after `npm run build`) and commit schemas/events/';

// biome-ignore lint/suspicious/noExplicitAny: walking generated JSON Schema documents
type Schema = Record<string, any>;

describe('schemas/events/*.json', () => {
  const generated = eventJsonSchemas();

  it('has one file per input topic and no other', () => {
    const files = readdirSync(DIR)
      .filter((f) => f.endsWith('.json'))
      .sort();
    const expected = INPUT_TOPICS.map((t) => `${t.topic}.json`).sort();
    if (JSON.stringify(files) !== JSON.stringify(expected)) {
      throw new Error(
        `schemas/events holds ${files.join(', ')} but the contract has ${expected.join(', ')}: ${REGENERATE}`,
      );
    }
  });

  it.each(INPUT_TOPICS.map((t) => t.topic))('%s.json matches the zod schemas', (topic) => {
    const onDisk = JSON.parse(readFileSync(path.join(DIR, `${topic}.json`), 'utf8'));
    if (JSON.stringify(onDisk) !== JSON.stringify(generated[topic])) {
      // toEqual shows the difference; the message says how to fix it.
      expect({ file: `schemas/events/${topic}.json`, fix: REGENERATE, schema: onDisk }).toEqual({
        file: `schemas/events/${topic}.json`,
        fix: REGENERATE,
        schema: generated[topic],
      });
    }
  });
});

describe('eventJsonSchemas', () => {
  const all = eventJsonSchemas();

  it('is deterministic', () => {
    expect(JSON.stringify(eventJsonSchemas())).toBe(JSON.stringify(all));
  });

  it.each(INPUT_TOPICS.map((t) => [t.topic, t.type, t.keyField] as const))(
    '%s pins type %s and names the key field %s',
    (topic, type, keyField) => {
      const s = all[topic] as Schema;
      expect(s.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(s.properties.type).toEqual({ const: type, type: 'string' });
      expect(s.required).toEqual(expect.arrayContaining(['specversion', 'id', 'source', 'type', 'time', 'data']));
      expect(s.required).not.toContain('datacontenttype');
      expect(s.description).toContain(`data.${keyField}`);
      // unknown attributes and fields are allowed, as the decoder ignores them
      expect(s.additionalProperties).toBeUndefined();
      expect(s.properties.data.additionalProperties).toBeUndefined();
      expect(s.properties.data.properties[keyField]).toEqual({ maximum: 2147483647, minimum: 1, type: 'integer' });
    },
  );

  it('says where JSON Schema falls short of the decoder', () => {
    const purchase = (all['cdp.purchases.v1'] as Schema).properties.data.properties;
    expect(purchase.total_amount.description).toMatch(/cannot express "at most 2 decimals"/);
    expect(purchase.purchase_date.description).toMatch(/cannot check that the date exists/);
    expect(purchase.items).toMatchObject({ minItems: 1, maxItems: 500 });
  });

  it('has patterns that agree with the decoder on typical values', () => {
    const purchase = (all['cdp.purchases.v1'] as Schema).properties;
    const money = new RegExp(purchase.data.properties.total_amount.anyOf[1].pattern);
    for (const ok of ['0', '19.99', '19.9', '007.50']) expect(money.test(ok)).toBe(true);
    for (const bad of ['1.234', '-1', '1e3', '', '.5', '1.']) expect(money.test(bad)).toBe(false);
    const date = new RegExp(purchase.data.properties.purchase_date.pattern);
    for (const ok of ['2024-02-29', '2026-11-20T23:30:00-05:00', '2026-11-20T23:30:00.123Z']) {
      expect(date.test(ok)).toBe(true);
    }
    for (const bad of ['2026-11-20T23:30:00', '20261120', '2026-11-20 ']) expect(date.test(bad)).toBe(false);
    const media = new RegExp(purchase.datacontenttype.pattern);
    for (const ok of ['application/json', 'Application/JSON; charset=utf-8', 'application/cloudevents+json']) {
      expect(media.test(ok)).toBe(true);
    }
    for (const bad of ['text/plain', 'application/xml', 'application/jsonx']) expect(media.test(bad)).toBe(false);
  });
});
