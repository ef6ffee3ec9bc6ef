import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** Why a service is not ready; an empty list means ready. */
export type ReadinessCheck = () => string[];

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * /metrics (Prometheus text), /healthz (the process answers) and /readyz (200 when `ready()` lists
 * no reason, else 503 with the reasons) on their own port, so that scraping and probes never queue
 * behind the service's work.
 */
export async function startMetricsServer(options: {
  port: number;
  host?: string;
  registry: Registry;
  ready: ReadinessCheck;
}): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      options.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': options.registry.contentType }).end(text),
        () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics collection failed\n'),
      );
    } else if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"alive"}\n');
    } else if (path === '/readyz') {
      const reasons = options.ready();
      res
        .writeHead(reasons.length === 0 ? 200 : 503, { 'content-type': 'application/json' })
        .end(`${JSON.stringify(reasons.length === 0 ? { status: 'ready' } : { status: 'not ready', reasons })}\n`);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: /metrics, /healthz, /readyz\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
