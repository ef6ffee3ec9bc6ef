import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Scope } from './api-keys';
import { problem } from './problem';

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  /** application/json unless told. */
  contentType?: string;
}

/** One API route: what it validates, what it answers, and the handler; /openapi.json is built from these. */
export interface RouteSpec<P = unknown, Q = unknown, B = unknown> {
  method: 'GET' | 'POST' | 'DELETE';
  /** The OpenAPI path, e.g. /v1/profiles/{customer_id}. */
  path: string;
  summary: string;
  scope: Scope;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  responses: Record<number, ResponseSpec>;
  handler: (input: { params: P; query: Q; body: B }, req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
}

// biome-ignore lint/suspicious/noExplicitAny: a list of routes of different input types
export type AnyRouteSpec = RouteSpec<any, any, any>;

export function defineRoute<P, Q, B>(spec: RouteSpec<P, Q, B>): RouteSpec<P, Q, B> {
  return spec;
}

/** The fastify URL of an OpenAPI path: {x} becomes :x and a literal colon is doubled. */
export function fastifyUrl(path: string): string {
  return path.replace(/:/g, '::').replace(/\{([a-z_]+)\}/g, ':$1');
}

/** Parses one part of the request, or throws a 400 problem naming the first bad field. */
export function parsePart<T>(schema: z.ZodType<T> | undefined, value: unknown, part: 'path' | 'query' | 'body'): T {
  if (!schema) return undefined as T;
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = [part, ...(issue?.path ?? []).map(String)].join('.');
  const detail = issue?.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : issue?.message;
  throw problem(400, 'invalid-request', `${field}: ${detail ?? 'invalid'}`, field);
}
