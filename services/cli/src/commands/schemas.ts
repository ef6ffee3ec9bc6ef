import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { eventJsonSchemas } from '@cdp360/domain';
import type { Command } from 'commander';

/** schemas/events at the repository root, the same from src/ (ts) and from dist/ (built). */
export const EVENT_SCHEMAS_DIR = path.resolve(__dirname, '../../../../schemas/events');

/** The file text of every event JSON Schema: 2-space JSON and a trailing newline, keyed by file name. */
export function eventSchemaFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const [topic, schema] of Object.entries(eventJsonSchemas())) {
    files.set(`${topic}.json`, `${JSON.stringify(schema, null, 2)}\n`);
  }
  return files;
}

function readOrNull(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

export function registerSchemasCommand(program: Command): void {
  const schemas = program.command('schemas').description('JSON Schemas of the event contract');

  schemas
    .command('generate')
    .description('write schemas/events/<topic>.json from the zod schemas in @cdp360/domain')
    .option('--out <dir>', 'output folder', EVENT_SCHEMAS_DIR)
    .option('--check', 'write nothing; exit 1 if a file is missing or differs')
    .action((opts: { out: string; check?: boolean }) => {
      const files = eventSchemaFiles();
      const stale: string[] = [];
      for (const [name, text] of files) {
        const file = path.join(opts.out, name);
        if (readOrNull(file) === text) continue;
        stale.push(name);
        if (!opts.check) {
          mkdirSync(opts.out, { recursive: true });
          writeFileSync(file, text);
        }
      }
      const unknown = safeList(opts.out).filter((n) => n.endsWith('.json') && !files.has(n));
      for (const n of unknown) process.stderr.write(`note: ${n} is not generated from the contract (left alone)\n`);
      if (opts.check) {
        if (stale.length > 0) {
          process.stderr.write(`out of date: ${stale.join(', ')}; run npm run schemas:generate\n`);
          process.exitCode = 1;
        } else {
          process.stdout.write(`${files.size} event schemas are current\n`);
        }
        return;
      }
      process.stdout.write(
        stale.length === 0 ? `${files.size} event schemas already current\n` : `wrote ${stale.join(', ')}\n`,
      );
    });
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
