import { type Config, loadConfig } from '@cdp360/config';
import { topicNames } from '@cdp360/domain';
import { applyReplay, type PartitionMove, parseReplayTarget, planReplay } from '@cdp360/kafka';
import {
  applyPubSubReplay,
  createPubSub,
  deleteSnapshots,
  formatDuration,
  type PubSubGroup,
  parsePubSubReplayTarget,
  planPubSubReplay,
  type SubscriptionSeek,
  snapshotLabel,
  snapshotSubscriptions,
} from '@cdp360/pubsub';
import { type Command, InvalidArgumentError } from 'commander';
import { checkServices, transportService } from '../startup-checks';
import { transportName } from './arguments';
import { cliKafka } from './topics';

/**
 * `--to` is checked for its form when parsed; which targets a transport accepts is decided once the
 * transport is known (Pub/Sub has no offsets, Kafka no snapshots).
 */
function target(value: string): string {
  try {
    if (value.startsWith('snapshot:')) parsePubSubReplayTarget(value);
    else parseReplayTarget(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  return value;
}

function label(value: string): string {
  try {
    return snapshotLabel(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

/** A text table: first column left-aligned, the others as `alignRight` says. */
function table(header: readonly string[], rows: readonly string[][], alignRight: readonly boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) =>
    r
      .map((v, i) => (alignRight[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

function movesTable(moves: readonly PartitionMove[]): string {
  const rows = moves.map((m) => [`${m.topic}:${m.partition}`, m.current === '-1' ? '(none)' : m.current, m.target]);
  return table(['partition', 'committed', 'target'], rows, [false, true, true]);
}

function seeksTable(plan: readonly SubscriptionSeek[]): string {
  const rows = plan.map((p) => [
    p.subscription,
    p.ackedRetentionMs > 0 ? formatDuration(p.ackedRetentionMs) : 'no',
    'time' in p.seekTo ? `time ${p.seekTo.time.toISOString()}` : `snapshot ${p.seekTo.snapshot}`,
    p.note ?? '',
  ]);
  return table(['subscription', 'keeps acked', 'seek to', 'note'], rows, [false, true, false, false]);
}

interface ReplayOptions {
  to?: string;
  snapshot?: string;
  deleteSnapshot?: string;
  transport?: 'kafka' | 'pubsub';
  group?: string;
  topics?: string;
  dryRun?: boolean;
}

const NO_LIVE_CHECK =
  'Pub/Sub cannot tell whether updaters are attached: stop the group first for a predictable run (a running one just receives the messages again, and they change nothing already applied)';

async function replayOnPubSub(config: Config, topics: string[], opts: ReplayOptions): Promise<void> {
  const pubsub = createPubSub({ projectId: config.pubsub.projectId, emulatorHost: config.pubsub.emulatorHost });
  const group: PubSubGroup = { groupId: config.groupId, topicPrefix: config.topicPrefix, topics };
  const where = `group ${config.groupId} on Pub/Sub project ${config.pubsub.projectId}${config.pubsub.emulatorHost ? ` (emulator ${config.pubsub.emulatorHost})` : ''}`;
  const out = (s: string) => process.stdout.write(s);
  try {
    if (opts.snapshot !== undefined) {
      const names = await snapshotSubscriptions(pubsub, group, opts.snapshot);
      out(`${where}\n${table(['snapshot'], [...names.map((n) => [n])], [false])}`);
      out(`took ${names.length} snapshots; replay to this point with \`cdp replay --to snapshot:${opts.snapshot}\`\n`);
      return;
    }
    if (opts.deleteSnapshot !== undefined) {
      const { deleted, absent } = await deleteSnapshots(pubsub, group, opts.deleteSnapshot);
      out(
        `${where}\n${table(
          ['snapshot', 'result'],
          [...deleted.map((n) => [n, 'deleted']), ...absent.map((n) => [n, 'not there'])],
          [false, false],
        )}`,
      );
      out(`deleted ${deleted.length} snapshots\n`);
      return;
    }
    const plan = await planPubSubReplay(pubsub, group, parsePubSubReplayTarget(opts.to!));
    out(`${where}\n${seeksTable(plan)}`);
    if (opts.dryRun) {
      out('dry run: nothing sought\n');
      return;
    }
    await applyPubSubReplay(pubsub, plan);
    out(`sought ${plan.length} subscriptions; start the updater to replay. ${NO_LIVE_CHECK}\n`);
  } finally {
    await pubsub.close();
  }
}

/**
 * Moves a consumer group to earlier (or later) offsets on Kafka, or seeks its subscriptions on
 * Pub/Sub. Replaying facts that were applied changes nothing (their positions are known); facts that
 * were missed get applied.
 */
export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description(
      'move a consumer group to other offsets (Kafka; the group must have no live members) or seek its subscriptions to a time or snapshot (Pub/Sub)',
    )
    .option(
      '--to <target>',
      'earliest | latest | an RFC 3339 time | Kafka: topic:partition:offset[,…] | Pub/Sub: snapshot:NAME',
      target,
    )
    .option('--snapshot <name>', "Pub/Sub: take a snapshot of each of the group's subscriptions now", label)
    .option('--delete-snapshot <name>', "Pub/Sub: delete the group's snapshots taken with --snapshot <name>", label)
    .option('--transport <name>', 'kafka or pubsub (default: CDP_TRANSPORT, else kafka)', transportName)
    .option('--group <id>', 'consumer group id (default: CDP_GROUP_ID, else cdp-updater)')
    .option('--topics <names>', 'comma-separated topics (default: the input topics)')
    .option('--dry-run', 'show the current and target offsets (Pub/Sub: the seeks) without moving anything')
    .action(async (opts: ReplayOptions, cmd: Command) => {
      const actions = [opts.to, opts.snapshot, opts.deleteSnapshot].filter((a) => a !== undefined).length;
      if (actions !== 1) {
        cmd.error('error: give exactly one of --to <target>, --snapshot <name>, --delete-snapshot <name>', {
          exitCode: 2,
        });
      }
      const env = { ...process.env };
      if (opts.group !== undefined) env.CDP_GROUP_ID = opts.group;
      if (opts.transport !== undefined) env.CDP_TRANSPORT = opts.transport;
      const config = loadConfig(env);
      await checkServices(config, [transportService(config.transport)]);
      const topics = opts.topics
        ? opts.topics.split(',').map((t) => t.trim())
        : Object.values(topicNames(config.topicPrefix).inputs);
      if (config.transport === 'pubsub') {
        if (opts.to !== undefined) {
          try {
            parsePubSubReplayTarget(opts.to);
          } catch (err) {
            cmd.error(`error: option '--to <target>' argument '${opts.to}' is invalid. ${(err as Error).message}`, {
              exitCode: 2,
            });
          }
        }
        await replayOnPubSub(config, topics, opts);
        return;
      }
      if (opts.to === undefined || opts.to.startsWith('snapshot:')) {
        cmd.error(
          'error: snapshots (--snapshot, --delete-snapshot, --to snapshot:NAME) are Pub/Sub only (CDP_TRANSPORT=pubsub or --transport pubsub); on Kafka replay to earliest, latest, a time or offsets',
          { exitCode: 2 },
        );
      }
      const { kafka } = cliKafka(config, 'cdp-replay');
      const admin = kafka.admin();
      await admin.connect();
      try {
        const moves = await planReplay(admin, config.groupId, topics, parseReplayTarget(opts.to!));
        process.stdout.write(`group ${config.groupId}\n${movesTable(moves)}`);
        if (opts.dryRun) {
          process.stdout.write('dry run: nothing moved\n');
          return;
        }
        await applyReplay(kafka, admin, config.groupId, moves);
        process.stdout.write(`moved ${moves.length} partitions; start the updater to replay\n`);
      } finally {
        await admin.disconnect();
      }
    });
}
