import { ConfigError, type KafkaConfig, loadConfig } from '@cdp360/config';
import { explainKafkaError } from '@cdp360/kafka';
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
    err = explainKafkaError(err, kafkaConfigOrNull());
    const code = (err as { code?: unknown }).code;
    if (err instanceof Error && typeof code === 'string' && code.startsWith('CDP_')) {
      process.stderr.write(`cdp: ${err.message} (${code})\n`);
      // Some say how to exit: 2 for a deployment or credential problem, 3 for a stalled consumer.
      const exitCode = (err as { exitCode?: unknown }).exitCode;
      process.exit(typeof exitCode === 'number' ? exitCode : 1);
    }
    process.stderr.write(`cdp: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });

function kafkaConfigOrNull(): KafkaConfig | null {
  try {
    return loadConfig().kafka;
  } catch {
    return null;
  }
}
