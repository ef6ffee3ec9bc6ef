import { loadConfig } from '@cdp360/config';
import { topicNames } from '@cdp360/domain';
import { applyReplay, type PartitionMove, parseReplayTarget, planReplay, type ReplayTarget } from '@cdp360/updater';
import { type Command, InvalidArgumentError } from 'commander';
import { cliKafka } from './topics';

function target(value: string): ReplayTarget {
  try {
    return parseReplayTarget(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function movesTable(moves: readonly PartitionMove[]): string {
  const rows = moves.map((m) => [`${m.topic}:${m.partition}`, m.current === '-1' ? '(none)' : m.current, m.target]);
  const header = ['partition', 'committed', 'target'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

/**
 * Moves a consumer group to earlier (or later) offsets. Replaying facts that were applied changes
 * nothing (their positions are known); facts that were missed get applied.
 */
export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description('move a consumer group to other offsets (the group must have no live members)')
    .requiredOption(
      '--to <target>',
      'earliest | latest | an RFC 3339 time | topic:partition:offset[,topic:partition:offset…]',
      target,
    )
    .option('--group <id>', 'consumer group id (default: CDP_GROUP_ID, else cdp-updater)')
    .option('--topics <names>', 'comma-separated topics (default: the seven input topics)')
    .option('--dry-run', 'show the current and target offsets without moving anything')
    .action(async (opts: { to: ReplayTarget; group?: string; topics?: string; dryRun?: boolean }) => {
      const config = loadConfig(opts.group ? { ...process.env, CDP_GROUP_ID: opts.group } : process.env);
      const topics = opts.topics
        ? opts.topics.split(',').map((t) => t.trim())
        : Object.values(topicNames(config.topicPrefix).inputs);
      const { kafka } = cliKafka(config, 'cdp-replay');
      const admin = kafka.admin();
      await admin.connect();
      try {
        const moves = await planReplay(admin, config.groupId, topics, opts.to);
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
