import { createLogger, loadConfig } from '@cdp360/config';
import { parseDuration } from '@cdp360/scorer';
import { buildServer, openApiMarkdown, startServe } from '@cdp360/serve';
import { type Command, InvalidArgumentError } from 'commander';

function period(value: string): number {
  const ms = parseDuration(value);
  if (ms === null) throw new InvalidArgumentError('expected a duration like 30s, 5m or 1h');
  return ms;
}

function urls(value: string): string[] {
  const list = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (list.some((u) => !/^https?:\/\//.test(u) || !URL.canParse(u))) {
    throw new InvalidArgumentError('expected comma-separated http:// URLs of /metrics endpoints');
  }
  return list;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('the profile API and the dashboard on CDP_HTTP_PORT (keys from CDP_API_KEYS_FILE)')
    .option('--host <host>', 'address to listen on', '0.0.0.0')
    .option('--refresh-every <duration>', 'how often the recommendations baseline is refreshed', period, 600_000)
    .option(
      '--pipeline-metrics <urls>',
      "updaters' /metrics URLs the dashboard charts events and freshness from",
      urls,
      [],
    )
    .option('--print-openapi', 'print the OpenAPI document and exit')
    .option('--print-api-docs', 'print the API reference in Markdown (docs/api.md) and exit')
    .action(
      async (opts: {
        host: string;
        refreshEvery: number;
        pipelineMetrics: string[];
        printOpenapi?: boolean;
        printApiDocs?: boolean;
      }) => {
        if (opts.printOpenapi || opts.printApiDocs) {
          // The document needs the routes only: no database, no keys.
          const app = await buildServer({
            db: null as never,
            keys: [],
            logger: createLogger({ level: 'silent' }),
            rateLimitPerSecond: 1,
          });
          const doc = (await app.inject({ url: '/openapi.json' })).json();
          await app.close();
          process.stdout.write(opts.printApiDocs ? openApiMarkdown(doc) : `${JSON.stringify(doc, null, 2)}\n`);
          return;
        }
        const config = loadConfig();
        const logger = createLogger({ level: config.logLevel, name: 'cdp-serve' });
        const serve = await startServe({
          config,
          logger,
          host: opts.host,
          refreshEveryMs: opts.refreshEvery,
          pipelineMetricsUrls: opts.pipelineMetrics,
        });
        logger.info({ url: serve.url, metricsPort: serve.metricsPort }, 'cdp serve listening');
        process.stderr.write(`cdp serve: dashboard and API at ${serve.url}/ (OpenAPI at ${serve.url}/openapi.json)\n`);
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once('SIGTERM', stop);
          process.once('SIGINT', stop);
        });
        await serve.close();
      },
    );
}
