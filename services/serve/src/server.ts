import type { Logger } from '@cdp360/config';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest, LogController } from 'fastify';
import type pg from 'pg';
import type { Registry } from 'prom-client';
import { type ApiKeyEntry, ApiKeyIndex, type Scope } from './api-keys';
import { registerDashboard } from './dashboard/dashboard';
import type { ErasureRequests } from './erasure-requests';
import { httpMetrics } from './http-metrics';
import { buildOpenApi } from './openapi';
import { PipelineScraper } from './pipeline-metrics';
import { HttpProblem, problem, sendProblem } from './problem';
import { fastifyUrl, parsePart } from './route-spec';
import { profileRoutes } from './routes';

export const API_VERSION = '1.0.0';

declare module 'fastify' {
  interface FastifyRequest {
    apiKey?: ApiKeyEntry;
  }
}

export interface ServerOptions {
  db: pg.Pool;
  keys: readonly ApiKeyEntry[];
  logger: Logger;
  rateLimitPerSecond: number;
  /** Where cdp_http_request_duration_seconds is registered. */
  registry?: Registry;
  /** /metrics URLs of updaters whose events per minute and freshness the dashboard charts. */
  pipelineMetricsUrls?: readonly string[];
  statsTtlMs?: number;
  /** Where DELETE /v1/profiles/{id} sends erasure requests (absent: it answers 503). */
  erasure?: ErasureRequests;
}

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m?.[1];
}

/** The route pattern of a request (never its query string: it may hold an email). */
function routeOf(req: FastifyRequest): string {
  return req.routeOptions.url ?? 'unmatched';
}

/** The API, its OpenAPI document and the dashboard, on one fastify instance (not listening yet). */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const perRequestChild = options.logger.isLevelEnabled('debug');
  const app = Fastify({
    loggerInstance: options.logger as unknown as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // A child logger per request (fastify's default) was the largest allocation of a request; below
    // debug no request logs more than a warning or an error, and those carry the request id themselves.
    childLoggerFactory: (logger, bindings, opts) => (perRequestChild ? logger.child(bindings, opts) : logger),
    bodyLimit: 64 * 1024,
    return503OnClosing: true,
    routerOptions: { maxParamLength: 200 },
  });
  const durations = options.registry ? httpMetrics(options.registry) : undefined;

  // Callback hooks rather than async ones: no promise and no microtask turn per request and hook.
  app.addHook('onResponse', (req, reply, done) => {
    const route = routeOf(req);
    const seconds = reply.elapsedTime / 1000;
    durations?.observe({ method: req.method, route, status: String(reply.statusCode) }, seconds);
    if (reply.statusCode >= 500) {
      req.log.warn(
        { reqId: req.id, method: req.method, route, status: reply.statusCode, key: req.apiKey?.name },
        'request failed',
      );
    } else {
      req.log.debug({ method: req.method, route, status: reply.statusCode, ms: reply.elapsedTime }, 'request');
    }
    done();
  });

  app.setErrorHandler((err, req, reply) => {
    if (err instanceof HttpProblem) return sendProblem(reply, err.problem);
    const e = err as { statusCode?: number; code?: string; message?: string };
    if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return sendProblem(reply, problem(415, 'unsupported-media-type', 'send application/json', 'body').problem);
    }
    if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendProblem(reply, problem(413, 'body-too-large', 'the body is over 64 KiB', 'body').problem);
    }
    if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
      const field = e.code?.startsWith('FST_ERR_CTP') ? 'body' : undefined;
      return sendProblem(
        reply,
        problem(e.statusCode, 'invalid-request', 'the request is not valid JSON or HTTP', field).problem,
      );
    }
    req.log.error({ reqId: req.id, err, route: routeOf(req) }, 'request failed');
    return sendProblem(reply, problem(500, 'internal', 'the server could not answer; see its log').problem);
  });
  app.setNotFoundHandler((req, reply) =>
    sendProblem(reply, problem(404, 'not-found', `no route ${req.method} ${req.url.split('?')[0]}`).problem),
  );

  const keys = new ApiKeyIndex(options.keys);
  /** The key's check, or the 401/403 problem that ends the request. */
  const authorize = (req: FastifyRequest, scope: Scope): HttpProblem | undefined => {
    const key = bearer(req);
    if (!key) return problem(401, 'unauthorized', 'send Authorization: Bearer <API key>');
    const entry = keys.find(key);
    if (!entry) return problem(401, 'unauthorized', 'the API key is not known');
    req.apiKey = entry;
    if (!entry.scopes.includes(scope))
      return problem(403, 'forbidden', `the key ${entry.name} lacks the ${scope} scope`);
    return undefined;
  };
  const requireScope = (scope: Scope) => (req: FastifyRequest, _reply: unknown, done: (err?: Error) => void) =>
    done(authorize(req, scope));

  await app.register(rateLimit, {
    global: false,
    hook: 'preHandler',
    max: options.rateLimitPerSecond,
    timeWindow: 1000,
    keyGenerator: (req) => req.apiKey?.name ?? req.ip,
    errorResponseBuilder: (_req, ctx) =>
      problem(429, 'rate-limited', `over ${ctx.max} requests per second for this key; retry after ${ctx.after}`),
  });

  const pii = (req: unknown) => (req as FastifyRequest).apiKey?.scopes.includes('profiles:read-pii') ?? false;
  const pipeline = new PipelineScraper(options.pipelineMetricsUrls ?? []);
  pipeline.start();
  app.addHook('onClose', async () => pipeline.stop());
  const routes = profileRoutes(
    { db: options.db, pipeline, statsTtlMs: options.statsTtlMs ?? 5000, erasure: options.erasure },
    pii,
  );
  const openapi = buildOpenApi(routes, API_VERSION);

  for (const r of routes) {
    app.route({
      method: r.method,
      url: fastifyUrl(r.path),
      onRequest: requireScope(r.scope),
      config: { rateLimit: {} },
      handler: async (req, reply) => {
        const input = {
          params: parsePart(r.params, req.params, 'path'),
          query: parsePart(r.query, req.query, 'query'),
          body: r.method === 'POST' ? parsePart(r.body, req.body, 'body') : undefined,
        };
        return r.handler(input, req, reply);
      },
    });
  }
  app.get('/openapi.json', async () => openapi);
  await registerDashboard(app);
  return app;
}
