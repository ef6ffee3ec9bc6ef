import { ConfigError } from '@cdp360/config';
import { buildProgram } from './program';

// `cdp … | head` closes the pipe early: that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`cdp: configuration error: ${err.message}\n`);
      process.exit(2);
    }
    // Our own errors carry a stable code and a message written for the user: no stack needed.
    const code = (err as { code?: unknown }).code;
    if (err instanceof Error && typeof code === 'string' && code.startsWith('CDP_')) {
      process.stderr.write(`cdp: ${err.message} (${code})\n`);
      process.exit(1);
    }
    process.stderr.write(`cdp: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
