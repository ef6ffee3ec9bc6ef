import type { AddressInfo } from 'node:net';
import type { Config, Logger } from '@cdp360/config';
import { createRegistry, type MetricsServer, startMetricsServer } from '@cdp360/metrics';
import { createPool, refreshProductPopularity } from '@cdp360/postgres';
import { readApiKeysFile } from './api-keys';
import { openErasureRequests } from './erasure-requests';
import { buildServer } from './server';

export interface RunningServe {
  url: string;
  port: number;
  metricsPort: number | undefined;
  close(): Promise<void>;
}

export interface ServeOptions {
  config: Config;
  logger: Logger;
  host?: string;
  /** How often the recommendations baseline is refreshed, ms (0: only at start). */
  refreshEveryMs?: number;
  pipelineMetricsUrls?: readonly string[];
}

/**
 * cdp serve: checks the keys file and the database, then listens. Metrics and probes on
 * CDP_METRICS_PORT when set; /readyz is 503 while the database does not answer.
 */
export async function startServe(options: ServeOptions): Promise<RunningServe> {
  const { config, logger } = options;
  if (!config.apiKeysFile) {
    throw new Error('CDP_API_KEYS_FILE is not set: expected the path of a JSON file of API keys (cdp apikey create)');
  }
  const keys = readApiKeysFile(config.apiKeysFile);
  const db = createPool(config.databaseUrl, {
    applicationName: 'cdp-serve',
    max: 16,
    statementTimeoutMillis: 30_000,
    logger,
  });
  const registry = createRegistry('serve');
  let dbUp = false;
  const probe = async () => {
    try {
      await db.query('SELECT 1');
      dbUp = true;
    } catch (err) {
      if (dbUp) logger.warn({ err }, 'postgres does not answer');
      dbUp = false;
    }
  };
  try {
    await db.query('SELECT 1 FROM customer_360 LIMIT 1');
    dbUp = true;
  } catch (err) {
    await db.end();
    throw new Error(`postgres at DATABASE_URL cannot be read (${(err as Error).message}); run cdp migrate first?`);
  }
  const erasure = openErasureRequests(config, logger, { clientId: 'cdp-serve' });
  const app = await buildServer({
    db,
    keys,
    erasure,
    logger,
    rateLimitPerSecond: config.rateLimitPerSecond,
    registry,
    pipelineMetricsUrls: options.pipelineMetricsUrls ?? [],
  });
  const refresh = async () => {
    try {
      const t0 = Date.now();
      if (await refreshProductPopularity(db))
        logger.info({ ms: Date.now() - t0 }, 'recommendations baseline refreshed');
    } catch (err) {
      logger.warn({ err }, 'recommendations baseline refresh failed');
    }
  };
  await refresh();
  const timers: NodeJS.Timeout[] = [setInterval(probe, 5000)];
  if (options.refreshEveryMs) timers.push(setInterval(refresh, options.refreshEveryMs));
  for (const t of timers) t.unref();

  let metrics: MetricsServer | undefined;
  try {
    await app.listen({ port: config.httpPort, host: options.host ?? '0.0.0.0' });
    if (config.metricsPort !== undefined) {
      metrics = await startMetricsServer({
        port: config.metricsPort,
        registry,
        ready: () => (dbUp ? [] : ['postgres does not answer']),
      });
    }
  } catch (err) {
    await app.close();
    await erasure.close();
    await db.end();
    throw err;
  }
  const port = (app.server.address() as AddressInfo).port;
  const shownHost = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';
  return {
    url: `http://${shownHost}:${port}`,
    port,
    metricsPort: metrics?.port,
    close: async () => {
      for (const t of timers) clearInterval(t);
      await metrics?.close();
      await app.close();
      await erasure.close();
      await db.end();
    },
  };
}
