import { ConfigError } from '@cdp360/config';
import { buildProgram } from './program';

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`cdp: configuration error: ${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`cdp: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
