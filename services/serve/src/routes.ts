import {
  ProfileJsonReader,
  type ProfileStats,
  profileExists,
  readProfileStats,
  readRecommendations,
  readTouchpoints,
  type TouchpointRow,
} from '@cdp360/postgres';
import type pg from 'pg';
import { decodeCursor, encodeCursor } from './cursor';
import type { ErasureRequests } from './erasure-requests';
import { buildJourney, journeyMermaid } from './journey';
import type { PipelineScraper } from './pipeline-metrics';
import { problem } from './problem';
import { etagMatches, profileColumns, profileEtag } from './profile-view';
import { type AnyRouteSpec, defineRoute, type ResponseSpec } from './route-spec';
import {
  batchGetBody,
  batchGetResponse,
  customerIdParams,
  EVENTS_DEFAULT_LIMIT,
  emailQuery,
  eraseQuery,
  eraseResponse,
  eventsQuery,
  eventsResponse,
  journeyQuery,
  journeyResponse,
  pipelineResponse,
  profileSchema,
  profilesSchema,
  RECOMMENDATIONS_DEFAULT_LIMIT,
  recommendationsQuery,
  recommendationsResponse,
  statsResponse,
} from './schemas';
import type { Touchpoint } from './touchpoint';

/** How many touchpoints a journey reads at most (the newest). */
export const JOURNEY_MAX_TOUCHPOINTS = 1000;

function touchpoint(r: TouchpointRow): Touchpoint {
  return { kind: r.kind, id: r.id, date: r.date, ...r.details } as Touchpoint;
}

/** The 404 of the routes of one customer; the body is the problem+json that orNotFound throws. */
const NO_SUCH_CUSTOMER: Record<404, ResponseSpec> = { 404: { description: 'no such customer' } };

/**
 * What a read found for customer `id`, or a 404 problem+json when it found no profile: null or
 * undefined from a read, false from profileExists.
 */
function orNotFound<T>(id: number, found: T | null | undefined | false): T {
  if (found === null || found === undefined || found === false) {
    throw problem(404, 'not-found', `no profile with customer_id ${id}`);
  }
  return found;
}

export interface RoutesContext {
  db: pg.Pool;
  pipeline: PipelineScraper;
  /** Seconds a /v1/stats answer is reused (it scans customer_360). */
  statsTtlMs: number;
  /** Where DELETE /v1/profiles/{id} sends its erasure request; without it the route answers 503. */
  erasure?: ErasureRequests;
}

/** The /v1 routes. `pii(req)` tells whether the caller's key may see personal columns. */
export function profileRoutes(ctx: RoutesContext, pii: (req: unknown) => boolean): AnyRouteSpec[] {
  let stats: { at: number; value: Promise<ProfileStats> } | undefined;
  // Profiles come from Postgres as the JSON the API sends (one reader per column set), so a read costs
  // no parse into objects and no serialisation here.
  const withPii = new ProfileJsonReader(profileColumns(true), 'pii');
  const withoutPii = new ProfileJsonReader(profileColumns(false), 'public');
  const reader = (req: unknown) => (pii(req) ? withPii : withoutPii);
  const list = (profiles: readonly { json: string }[]) => `[${profiles.map((p) => p.json).join(',')}]`;
  return [
    defineRoute({
      method: 'GET',
      path: '/v1/profiles/{customer_id}',
      summary: 'One customer_360 row by customer id',
      scope: 'profiles:read',
      params: customerIdParams,
      responses: {
        200: { description: 'the profile; ETag header', schema: profileSchema },
        304: { description: 'If-None-Match matched the current ETag' },
        ...NO_SUCH_CUSTOMER,
      },
      handler: async ({ params }, req, reply) => {
        const id = Number(params.customer_id);
        const stored = orNotFound(id, await reader(req).byId(ctx.db, id));
        const body = stored.json;
        const etag = profileEtag(stored.version, body);
        reply.header('etag', etag).header('cache-control', 'private, no-cache');
        if (etagMatches(req.headers['if-none-match'], etag)) return reply.code(304).send();
        return reply.type('application/json').send(body);
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/v1/profiles/{customer_id}',
      summary:
        'Erase and suppress a customer: sends an erasure request, which the updater applies like cdp erase (facts, record, Redis state and row deleted; later events suppressed)',
      scope: 'profiles:erase',
      params: customerIdParams,
      query: eraseQuery,
      responses: {
        202: { description: 'the request is on the erasure-requests topic', schema: eraseResponse },
        503: { description: 'this server has no broker to send erasure requests to' },
      },
      handler: async ({ params, query }, req, reply) => {
        const id = Number(params.customer_id);
        if (!ctx.erasure) throw problem(503, 'erasure-unavailable', 'this server sends no erasure requests');
        const requestedBy = (req as { apiKey?: { name: string } }).apiKey?.name;
        const [requestId] = await ctx.erasure.send({ customerIds: [id], reason: query.reason, requestedBy });
        return reply.code(202).send({ customer_id: id, request_id: requestId, status: 'accepted' });
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/v1/profiles',
      summary: 'Profiles by email, ignoring case',
      scope: 'profiles:read',
      query: emailQuery,
      responses: { 200: { description: 'the profiles with this email (possibly none)', schema: profilesSchema } },
      handler: async ({ query }, req, reply) => {
        const rows = await reader(req).byEmail(ctx.db, query.email);
        return reply.type('application/json').send(`{"profiles":${list(rows)}}`);
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/v1/profiles:batchGet',
      summary: 'Up to 100 profiles by customer id',
      scope: 'profiles:read',
      body: batchGetBody,
      responses: { 200: { description: 'the profiles found, and the ids not found', schema: batchGetResponse } },
      handler: async ({ body }, req, reply) => {
        const ids = [...new Set(body.ids)];
        const rows = await reader(req).byIds(ctx.db, ids);
        const found = new Set(rows.map((s) => s.customerId));
        const missing = ids.filter((id) => !found.has(id));
        return reply.type('application/json').send(`{"profiles":${list(rows)},"missing":${JSON.stringify(missing)}}`);
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/v1/profiles/{customer_id}/events',
      summary: 'The customer’s touchpoints, newest first, a page at a time',
      scope: 'profiles:read',
      params: customerIdParams,
      query: eventsQuery,
      responses: {
        200: { description: 'a page of touchpoints; next_cursor is null on the last page', schema: eventsResponse },
        ...NO_SUCH_CUSTOMER,
      },
      handler: async ({ params, query }) => {
        const id = Number(params.customer_id);
        const limit = query.limit === undefined ? EVENTS_DEFAULT_LIMIT : Number(query.limit);
        let before: ReturnType<typeof decodeCursor> = null;
        if (query.before !== undefined) {
          before = decodeCursor(query.before);
          if (!before)
            throw problem(400, 'invalid-request', 'query.before: not a cursor from this API', 'query.before');
        }
        orNotFound(id, await profileExists(ctx.db, id));
        const rows = await readTouchpoints(ctx.db, id, { before: before ?? undefined, limit: limit + 1 });
        const page = rows.slice(0, limit);
        const last = page[page.length - 1];
        return {
          events: page.map(touchpoint),
          next_cursor:
            rows.length > limit && last ? encodeCursor({ date: last.date, rank: last.rank, id: last.id }) : null,
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/v1/profiles/{customer_id}/journey',
      summary: 'The touchpoints as a journey of stages in time order (JSON, or Mermaid with format=mermaid)',
      scope: 'profiles:read',
      params: customerIdParams,
      query: journeyQuery,
      responses: {
        200: { description: 'the journey', schema: journeyResponse },
        ...NO_SUCH_CUSTOMER,
      },
      handler: async ({ params, query }, _req, reply) => {
        const id = Number(params.customer_id);
        orNotFound(id, await profileExists(ctx.db, id));
        const rows = await readTouchpoints(ctx.db, id, { limit: JOURNEY_MAX_TOUCHPOINTS + 1 });
        const truncated = rows.length > JOURNEY_MAX_TOUCHPOINTS;
        const journey = buildJourney(id, rows.slice(0, JOURNEY_MAX_TOUCHPOINTS).reverse().map(touchpoint), truncated);
        if (query.format === 'mermaid')
          return reply.type('text/vnd.mermaid; charset=utf-8').send(journeyMermaid(journey));
        return journey;
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/v1/profiles/{customer_id}/recommendations',
      summary: 'Products of the favourite category or brand not bought yet, most bought first',
      scope: 'profiles:read',
      params: customerIdParams,
      query: recommendationsQuery,
      responses: {
        200: { description: 'the recommendations (possibly none)', schema: recommendationsResponse },
        ...NO_SUCH_CUSTOMER,
      },
      handler: async ({ params, query }) => {
        const id = Number(params.customer_id);
        const limit = query.limit === undefined ? RECOMMENDATIONS_DEFAULT_LIMIT : Number(query.limit);
        const recommendations = orNotFound(id, await readRecommendations(ctx.db, id, limit));
        return { customer_id: id, recommendations };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/v1/stats',
      summary: 'Counts by segment, churn risk and CLV quintile; lifetime value and engagement histograms',
      scope: 'profiles:read',
      responses: { 200: { description: 'the counts', schema: statsResponse } },
      handler: async () => {
        const now = Date.now();
        if (!stats || now - stats.at > ctx.statsTtlMs) {
          const value = readProfileStats(ctx.db);
          stats = { at: now, value };
          value.catch(() => {
            if (stats?.value === value) stats = undefined;
          });
        }
        return stats.value;
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/v1/pipeline',
      summary:
        "Events per minute and event-to-commit freshness from the updaters' metrics (cdp serve --pipeline-metrics)",
      scope: 'profiles:read',
      responses: { 200: { description: 'the series of the last hour', schema: pipelineResponse } },
      handler: async () => ctx.pipeline.snapshot(),
    }),
  ];
}
