import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOAD_CLIENTS, openLoop } from './http-load';

describe('openLoop', () => {
  let server: http.Server;
  let port: number;
  const seen: { method?: string; url?: string; body: string; auth?: string }[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, body, auth: req.headers.authorization });
        if (req.url === '/missing') {
          res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
        } else if (req.url === '/chunked') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write('{"a":');
          setTimeout(() => res.end('1}'), 2);
        } else {
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ echo: body.length }));
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it.each(LOAD_CLIENTS)('%s: sends every request on schedule and counts only 200 answers as done', async (client) => {
    seen.length = 0;
    let i = 0;
    const r = await openLoop({
      port,
      client,
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      rate: 400,
      seconds: 0.5,
      next: () => {
        i++;
        if (i % 10 === 0) return { path: '/missing', body: '{}' };
        if (i % 10 === 5) return { path: '/chunked', body: '{}' };
        return { path: `/p/${i}`, body: JSON.stringify({ ids: [i, 'é'] }) };
      },
    });
    expect(r.requests).toBe(200);
    expect(seen).toHaveLength(200);
    expect(r.errors).toBe(20);
    expect(r.p50Ms).toBeGreaterThan(0);
    expect(r.p99Ms).toBeGreaterThanOrEqual(r.p50Ms);
    const first = seen.find((s) => s.url === '/p/1');
    expect(first).toEqual({ method: 'POST', url: '/p/1', body: '{"ids":[1,"é"]}', auth: 'Bearer k' });
  });

  it('counts answers that never come as errors and a refused connection as errors', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const r = await openLoop({
      port: deadPort,
      method: 'GET',
      headers: {},
      rate: 100,
      seconds: 0.2,
      next: () => ({ path: '/' }),
    });
    expect(r.requests).toBe(20);
    expect(r.errors).toBe(20);
  });
});
