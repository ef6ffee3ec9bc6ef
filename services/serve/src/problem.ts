import type { FastifyReply } from 'fastify';

/** An RFC 9457 problem details body. `type` is a stable code under our own URN namespace. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  /** The request field at fault, e.g. `query.limit` or `body.ids`. */
  field?: string;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export class HttpProblem extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
    this.name = 'HttpProblem';
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function problem(status: number, code: string, detail?: string, field?: string): HttpProblem {
  const p: Problem = { type: `urn:cdp360:problem:${code}`, title: TITLES[status] ?? 'Error', status };
  if (detail !== undefined) p.detail = detail;
  if (field !== undefined) p.field = field;
  return new HttpProblem(p);
}

export function sendProblem(reply: FastifyReply, p: Problem): FastifyReply {
  return reply.code(p.status).type(PROBLEM_CONTENT_TYPE).send(p);
}
