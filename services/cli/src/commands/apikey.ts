import { createApiKey, SCOPES, type Scope } from '@cdp360/serve';
import { type Command, InvalidArgumentError } from 'commander';

function scopes(value: string, previous: Scope[] = []): Scope[] {
  const list = value.split(',').map((s) => s.trim());
  for (const s of list) {
    if (!(SCOPES as readonly string[]).includes(s))
      throw new InvalidArgumentError(`unknown scope ${s}; one of ${SCOPES.join(', ')}`);
  }
  return [...previous, ...(list as Scope[])];
}

function keyName(value: string): string {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(value))
    throw new InvalidArgumentError('expected 1-64 characters from [A-Za-z0-9._-]');
  return value;
}

export function registerApiKeyCommand(program: Command): void {
  const apikey = program.command('apikey').description('API keys for cdp serve');
  apikey
    .command('create')
    .description('print a new key (shown once, keep it) and the entry to add to the CDP_API_KEYS_FILE array')
    .requiredOption('--name <name>', 'who the key is for; also the rate limit bucket', keyName)
    .option('--scopes <list>', `comma-separated, of ${SCOPES.join(', ')}`, scopes)
    .option('--json', 'print {"key", "entry"} as one JSON object')
    .action((opts: { name: string; scopes?: Scope[]; json?: boolean }) => {
      const { key, entry } = createApiKey(opts.name, opts.scopes ?? ['profiles:read']);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ key, entry })}\n`);
        return;
      }
      process.stdout.write(
        `key (shown once; send as Authorization: Bearer <key>):\n  ${key}\nentry for CDP_API_KEYS_FILE (a JSON array of these):\n  ${JSON.stringify(entry)}\n`,
      );
    });
}
