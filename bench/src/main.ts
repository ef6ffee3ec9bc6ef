import { spawnSync } from 'node:child_process';
import { missingNodeFlags } from '@cdp360/updater';
import { buildBenchProgram } from './program';

// The drain runs the updater in this process: with the V8 flags `cdp` runs with, so that it measures
// what users run. V8 reads them at start-up only, so a process started without them starts again with.
const missing = missingNodeFlags();
if (missing.length > 0) {
  const r = spawnSync(process.execPath, [...missing, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
  });
  process.exit(r.status ?? 1);
}

buildBenchProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    process.stderr.write(`cdp-bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
