import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';

/**
 * The dashboard: our own page and scripts, and Plotly and Mermaid from their npm packages (resolved
 * with require.resolve, so it works wherever the packages are installed; no CDN).
 */
const STATIC_DIR = path.join(__dirname, 'static');

const ASSETS: Record<string, { file: () => string; type: string }> = {
  'plotly.min.js': { file: () => require.resolve('plotly.js-dist-min'), type: 'text/javascript; charset=utf-8' },
  'mermaid.min.js': {
    file: () => require.resolve('mermaid/dist/mermaid.min.js'),
    type: 'text/javascript; charset=utf-8',
  },
  'dashboard.js': { file: () => path.join(STATIC_DIR, 'dashboard.js'), type: 'text/javascript; charset=utf-8' },
  'dashboard.css': { file: () => path.join(STATIC_DIR, 'dashboard.css'), type: 'text/css; charset=utf-8' },
};

export async function registerDashboard(app: FastifyInstance): Promise<void> {
  const cache = new Map<string, Buffer>();
  const load = (name: string, file: string) => {
    let b = cache.get(name);
    if (!b) {
      b = readFileSync(file);
      cache.set(name, b);
    }
    return b;
  };
  const page = (_req: unknown, reply: import('fastify').FastifyReply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:")
      .send(load('index.html', path.join(STATIC_DIR, 'index.html')));
  app.get('/', page);
  app.get('/customer', page);
  app.get('/assets/:name', (req, reply) => {
    const name = (req.params as { name: string }).name;
    const asset = ASSETS[name];
    if (!asset) return reply.callNotFound();
    return reply.type(asset.type).header('cache-control', 'public, max-age=3600').send(load(name, asset.file()));
  });
}
