import { loadConfig } from '@cdp360/config';
import { type InputKind, topicNames } from '@cdp360/domain';
import {
  type EventGenerator,
  generateEvents,
  type Manifest,
  type WireMessage,
  writeNdjsonDir,
} from '@cdp360/generator';
import { cdpTopicSpecs, compressionType, createIdempotentProducer, ensureTopics, produceAll } from '@cdp360/kafka';
import { createPubSub, ensureTopology, orderedTopic, publishChunked } from '@cdp360/pubsub';
import { SingleBar } from 'cli-progress';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { checkServices } from '../startup-checks';
import { cliKafka, positiveInt } from './topics';

function rate(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n < 1)) throw new InvalidArgumentError('expected a number in [0, 1)');
  return n;
}

function nonNegative(value: string): number {
  const n = Number(value);
  if (!(Number.isFinite(n) && n >= 0)) throw new InvalidArgumentError('expected a number >= 0');
  return n;
}

function seed(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 4_294_967_295)
    throw new InvalidArgumentError('expected an integer in 0..4294967295');
  return n;
}

interface GenerateOptions {
  customers: number;
  days: number;
  end?: string;
  eventsPerCustomer: number;
  duplicateRate: number;
  invalidRate: number;
  seed: number;
  idSpace?: number;
  to: 'files' | 'kafka' | 'pubsub';
  out?: string;
  prefix?: string;
  partitions: number;
  group?: string;
}

function byKind(batch: readonly WireMessage[]): Map<InputKind, WireMessage[]> {
  const out = new Map<InputKind, WireMessage[]>();
  for (const m of batch) {
    let list = out.get(m.kind);
    if (!list) {
      list = [];
      out.set(m.kind, list);
    }
    list.push(m);
  }
  return out;
}

/**
 * Publishes the generated batches to the Pub/Sub topics, ordering key = the message key (the
 * customer id for customer-keyed topics), headers as attributes. Topics and the group's subscriptions
 * are created first if missing: Pub/Sub only delivers messages published after a subscription exists.
 * Topics are published one after another, a chunk at a time (many concurrent ordered publishes stall
 * the emulator); the next batch is generated while the previous one is in flight.
 */
async function publishToPubSub(
  gen: EventGenerator,
  prefix: string,
  groupId: string | undefined,
  onBatch: (n: number) => void,
): Promise<void> {
  const config = loadConfig();
  await checkServices(config, ['pubsub']);
  const pubsub = createPubSub({ projectId: config.pubsub.projectId, emulatorHost: config.pubsub.emulatorHost });
  try {
    const names = topicNames(prefix);
    const group = groupId ?? config.groupId;
    const result = await ensureTopology(pubsub, {
      inputTopics: Object.values(names.inputs),
      outputTopics: [names.deadLetter, names.profileTriggers],
      groupId: group,
    });
    for (const name of result.created) process.stderr.write(`created  ${name}\n`);
    const topics = new Map(Object.entries(names.inputs).map(([kind, t]) => [kind, orderedTopic(pubsub, t)]));
    const send = async (batch: WireMessage[]): Promise<void> => {
      for (const [kind, msgs] of byKind(batch)) {
        await publishChunked(
          topics.get(kind)!,
          msgs.map((m) => ({ orderingKey: m.key, data: m.value, attributes: m.headers })),
        );
      }
      onBatch(batch.length);
    };
    await sendOverlapped(gen, send);
  } finally {
    await pubsub.close();
  }
}

/**
 * Produces the generated batches to their topics. The next batch is generated while the previous
 * one is in flight, so at most two batches are in memory. Topics are created first if missing.
 */
async function produceToKafka(
  gen: EventGenerator,
  prefix: string,
  partitions: number,
  onBatch: (n: number) => void,
): Promise<void> {
  const config = loadConfig();
  await checkServices(config, ['kafka']);
  const { kafka } = cliKafka(config, 'cdp-generate');
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, { topics: cdpTopicSpecs(prefix), partitions });
  } finally {
    await admin.disconnect();
  }
  const names = topicNames(prefix).inputs;
  // Idempotent, so a request kafkajs retries after the broker wrote it is not written twice (placement:
  // StablePartitioner, the Java client's murmur2 by key).
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  try {
    const send = async (batch: WireMessage[]): Promise<void> => {
      // WireMessage is a kafkajs Message already (key, value, headers); `kind` is ignored by kafkajs.
      const topics = new Map([...byKind(batch)].map(([kind, msgs]) => [names[kind], msgs]));
      await produceAll(producer, topics, {
        batchSize: 1000,
        // A test data set in the codec production uses (KAFKA_COMPRESSION).
        compression: compressionType(config.kafka.compression),
      });
      onBatch(batch.length);
    };
    await sendOverlapped(gen, send);
  } finally {
    await producer.disconnect();
  }
}

/** Sends each generated batch while the next one is generated: at most two batches in memory. */
async function sendOverlapped(gen: EventGenerator, send: (batch: WireMessage[]) => Promise<void>): Promise<void> {
  let inFlight: Promise<void> = Promise.resolve();
  for (const batch of gen) {
    await inFlight;
    inFlight = send(batch);
  }
  await inFlight;
}

function summary(m: Manifest, destination: string, seconds: number): string {
  const rows = Object.entries(m.topics).map(([topic, c]) => [topic, c.messages, c.validFirst, c.duplicates, c.invalid]);
  rows.push(['total', m.totals.messages, m.totals.validFirst, m.totals.duplicates, m.totals.invalid]);
  const header = ['topic', 'messages', 'valid-first', 'duplicates', 'invalid'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r: Array<string | number>) =>
    r.map((v, i) => (i === 0 ? String(v).padEnd(widths[i]!) : String(v).padStart(widths[i]!))).join('  ');
  const rate = Math.round(m.totals.messages / Math.max(seconds, 1e-3));
  return [
    line(header),
    ...rows.map(line),
    '',
    `customers ${m.customers.count} (${m.customers.withRecord} with a record, ${m.customers.multiVersion} with several versions, ${m.customers.staleVersions} stale)`,
    `products ${m.products.catalog} (${m.products.late} late, ${m.products.unknown} never published); campaigns ${m.campaigns.total} (${m.campaigns.unpublished} never published)`,
    `${m.totals.messages} messages to ${destination} in ${seconds.toFixed(1)} s (${rate}/s)`,
    '',
  ].join('\n');
}

export function registerGenerateCommand(program: Command): void {
  program
    .command('generate')
    .description('generate a deterministic, realistic e-commerce event data set (to NDJSON files, Kafka or Pub/Sub)')
    .option('--customers <n>', 'number of customers', positiveInt, 1000)
    .option('--days <n>', 'length of the history in days', positiveInt, 365)
    .option('--end <date>', 'last day of the history, YYYY-MM-DD (fixed default for reproducibility)')
    .option('--events-per-customer <n>', 'mean fact events per customer', nonNegative, 20)
    .option('--duplicate-rate <r>', 'share of facts re-sent later with the same business id', rate, 0.02)
    .option('--invalid-rate <r>', 'share of messages that are invalid (labelled x-cdp-expect-invalid)', rate, 0.01)
    .option('--seed <n>', 'random seed: the same seed gives the same bytes', seed, 1)
    .option('--id-space <n>', 'spread customer ids over 1..n (default: --customers)', positiveInt)
    .addOption(new Option('--to <sink>', 'where to write').choices(['files', 'kafka', 'pubsub']).makeOptionMandatory())
    .option('--out <dir>', 'output directory for --to files')
    .option('--prefix <prefix>', 'topic name prefix for --to kafka|pubsub (default: CDP_TOPIC_PREFIX)')
    .option('--partitions <n>', 'partitions of topics created for --to kafka', positiveInt, 3)
    .option(
      '--group <id>',
      'for --to pubsub: the group whose subscriptions <group>.<topic> are created before publishing (default: CDP_GROUP_ID, else cdp-updater)',
    )
    .action(async (opts: GenerateOptions) => {
      if (opts.to === 'files' && !opts.out) throw new InvalidArgumentError('--to files needs --out <dir>');
      const gen = generateEvents({
        customers: opts.customers,
        days: opts.days,
        end: opts.end,
        eventsPerCustomer: opts.eventsPerCustomer,
        duplicateRate: opts.duplicateRate,
        invalidRate: opts.invalidRate,
        seed: opts.seed,
        idSpace: opts.idSpace,
      });
      const bar = process.stderr.isTTY
        ? new SingleBar({
            format: 'generate [{bar}] {percentage}% | {value}/{total} messages | {eta_formatted} left',
            stream: process.stderr,
            hideCursor: true,
          })
        : undefined;
      let done = 0;
      const progress = (n: number) => {
        done += n;
        if (bar && done > bar.getTotal()) bar.setTotal(done);
        bar?.update(done);
      };
      bar?.start(gen.estimatedMessages, 0);
      const started = process.hrtime.bigint();
      let destination: string;
      try {
        if (opts.to === 'files') {
          destination = opts.out!;
          await writeNdjsonDir(
            opts.out!,
            gen,
            () => gen.manifest,
            (b) => progress(b.length),
          );
        } else if (opts.to === 'pubsub') {
          const prefix = opts.prefix ?? loadConfig().topicPrefix;
          destination = `Pub/Sub topics ${prefix}cdp.*.v1`;
          await publishToPubSub(gen, prefix, opts.group, progress);
        } else {
          const prefix = opts.prefix ?? loadConfig().topicPrefix;
          destination = `Kafka topics ${prefix}cdp.*.v1`;
          await produceToKafka(gen, prefix, opts.partitions, progress);
        }
      } finally {
        if (bar) {
          bar.setTotal(done);
          bar.stop();
        }
      }
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      process.stdout.write(summary(gen.manifest, destination, seconds));
    });
}
