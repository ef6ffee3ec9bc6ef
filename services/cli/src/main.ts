import {
  ConfigError,
  DependencyUnavailableError,
  EXIT_CODES,
  exitCodeOf,
  type KafkaConfig,
  loadConfig,
  StartupCheckError,
} from '@cdp360/config';
import { explainKafkaError } from '@cdp360/kafka';
import { buildProgram } from './program';

// `cdp … | head` closes the pipe early: that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

/** Stacks are for debugging: shown for our own errors only with LOG_LEVEL=debug or trace. */
const debug = ['debug', 'trace'].includes(process.env.LOG_LEVEL ?? '');

function stackOf(err: Error): string {
  const cause = err.cause instanceof Error ? `\ncaused by: ${err.cause.stack ?? err.cause.message}` : '';
  return `${err.stack ?? err.message}${cause}\n`;
}

/** One line for a service that could not be used at start, or a configuration problem. */
function problemLine(err: ConfigError | DependencyUnavailableError): string {
  return err instanceof ConfigError
    ? `cdp: configuration error: ${err.message}\n`
    : `cdp: ${err.message} (${err.code})\n`;
}

function exit(code: number, lines: string, errors: readonly Error[]): never {
  process.stderr.write(lines);
  if (debug) for (const e of errors) process.stderr.write(stackOf(e));
  process.exit(code);
}

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    if (err instanceof StartupCheckError) {
      exit(err.exitCode, err.failures.map(problemLine).join(''), err.failures);
    }
    if (err instanceof DependencyUnavailableError) exit(exitCodeOf(err), problemLine(err), [err]);
    if (err instanceof ConfigError) exit(EXIT_CODES.config, problemLine(err), [err]);
    // Our own errors carry a stable code and a message written for the user: no stack needed.
    err = explainKafkaError(err, kafkaConfigOrNull());
    const code = (err as { code?: unknown }).code;
    if (err instanceof Error && typeof code === 'string' && code.startsWith('CDP_')) {
      // Some say how to exit: 2 for a deployment or credential problem, 3 for a stalled consumer.
      const exitCode = (err as { exitCode?: unknown }).exitCode;
      exit(typeof exitCode === 'number' ? exitCode : EXIT_CODES.failure, `cdp: ${err.message} (${code})\n`, [err]);
    }
    process.stderr.write(`cdp: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(EXIT_CODES.failure);
  });

function kafkaConfigOrNull(): KafkaConfig | null {
  try {
    return loadConfig().kafka;
  } catch {
    return null;
  }
}
