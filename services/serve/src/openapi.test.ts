import { readFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { buildOpenApi, openApiMarkdown } from './openapi';
import { PipelineScraper } from './pipeline-metrics';
import { profileRoutes } from './routes';
import { API_VERSION } from './server';

describe('OpenAPI document', () => {
  const routes = profileRoutes(
    { db: null as unknown as pg.Pool, pipeline: new PipelineScraper([]), statsTtlMs: 0 },
    () => false,
  );
  const doc = buildOpenApi(routes, API_VERSION) as {
    paths: Record<string, Record<string, { parameters: { name: string; in: string }[] }>>;
  };

  it('has every route with its path and query parameters from the zod schemas', () => {
    expect(doc.paths['/v1/profiles/{customer_id}/events']?.get?.parameters.map((p) => `${p.in}:${p.name}`)).toEqual([
      'path:customer_id',
      'query:before',
      'query:limit',
    ]);
  });

  it('is what docs/api.md says (regenerate with cdp serve --print-api-docs > docs/api.md)', () => {
    const file = path.resolve(__dirname, '../../../docs/api.md');
    expect(readFileSync(file, 'utf8')).toBe(openApiMarkdown(doc));
  });
});
