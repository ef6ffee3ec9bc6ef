/**
 * The serve bench's floor: the least a Node HTTP server can do for GET /v1/profiles/{id} on this
 * machine, measured by the same client in the same sitting as `cdp serve`, so that cdp serve's
 * latency can be read against what the machine allows rather than against a number alone.
 *
 *   node bench/dist/floor-server.js memory    answers a real profile's JSON from memory
 *   node bench/dist/floor-server.js postgres  runs cdp serve's own by-id statement per request
 *
 * Both are node:http with keep-alive and nothing else: no fastify, no authentication, no rate limit,
 * no metrics, no ETag. `postgres` uses a pool of 16 connections as cdp serve does (DATABASE_URL).
 * It prints its port on stdout once it listens and stops on SIGTERM.
 */
import http from 'node:http';
import { CUSTOMER_360_COLUMNS } from '@cdp360/domain';
import { ProfileJsonReader } from '@cdp360/postgres';
import pg from 'pg';

const FLOOR_MODES = ['memory', 'postgres'] as const;
type FloorMode = (typeof FLOOR_MODES)[number];

/** Profiles held by the memory floor: real bodies, so the answers have cdp serve's sizes. */
const MEMORY_PROFILES = 10_000;

async function main(): Promise<void> {
  const mode = process.argv[2] as FloorMode;
  if (!FLOOR_MODES.includes(mode)) throw new Error(`floor-server: mode must be one of ${FLOOR_MODES.join(', ')}`);
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('floor-server: DATABASE_URL is not set');
  // A Postgres that does not answer fails the floor within seconds instead of leaving the bench waiting.
  const pool = new pg.Pool({
    connectionString: url,
    max: 16,
    application_name: `cdp-bench-floor-${mode}`,
    connectionTimeoutMillis: 10_000,
  });
  const reader = new ProfileJsonReader(CUSTOMER_360_COLUMNS, 'floor');
  let answer: (id: number) => Promise<string | null>;
  if (mode === 'memory') {
    const ids = await pool.query<{ customer_id: number }>(
      `SELECT customer_id FROM customer_360 ORDER BY customer_id LIMIT ${MEMORY_PROFILES}`,
    );
    const bodies = (
      await reader.byIds(
        pool,
        ids.rows.map((r) => r.customer_id),
      )
    ).map((p) => p.json);
    await pool.end();
    if (bodies.length === 0) throw new Error('floor-server: customer_360 is empty');
    answer = async (id) => bodies[id % bodies.length]!;
  } else {
    answer = async (id) => (await reader.byId(pool, id))?.json ?? null;
  }
  const server = http.createServer((req, res) => {
    const id = Number((req.url ?? '').slice((req.url ?? '').lastIndexOf('/') + 1));
    answer(id).then(
      (body) => {
        if (body === null) {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      },
      () => res.writeHead(500).end(),
    );
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(`${typeof address === 'object' && address ? address.port : ''}\n`);
  });
  process.once('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
    if (mode === 'postgres') void pool.end();
  });
}

main().catch((err: Error) => {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
});
