import { buildBenchProgram } from './program';

buildBenchProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    process.stderr.write(`cdp-bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
