import os from 'node:os';
import { type DecodeResult, decodeMessage, decodeMessageByZod, type InputKind } from '@cdp360/domain';
import { generateEvents } from '@cdp360/generator';
import { fmt, machineInfo, median, round, type ScenarioResult } from './report';

export interface DecodeOptions {
  /** Messages generated (the realistic mix, invalid ones included) and decoded per round. */
  events: number;
  seed: number;
  /** Rounds per decoder; the two decoders alternate round by round. */
  rounds: number;
}

type Decoder = (kind: InputKind, key: Buffer | null, value: Buffer | null) => DecodeResult;

interface Round {
  cpuUs: number;
}

/**
 * The decoder alone, without I/O: the same generated messages decoded by `decodeMessage` (the fast
 * path, zod for what it is not sure of) and by `decodeMessageByZod` (zod alone), in alternating rounds
 * in one process, so the comparison survives a noisy machine. CPU is process.cpuUsage per round.
 */
export async function runDecode(options: DecodeOptions): Promise<ScenarioResult> {
  const load0 = os.loadavg()[0]!;
  const startedAt = new Date().toISOString();
  const messages: [InputKind, Buffer | null, Buffer][] = [];
  const customers = Math.max(50, Math.round(options.events / 22.3));
  for (const batch of generateEvents({ customers, idSpace: Math.max(1_000_000, customers), seed: options.seed })) {
    for (const m of batch) {
      messages.push([m.kind, m.key === null ? null : Buffer.from(m.key), Buffer.from(m.value)]);
    }
  }
  const decoders: [string, Decoder][] = [
    ['fast path', decodeMessage],
    ['zod only', decodeMessageByZod],
  ];
  const rounds = new Map<string, Round[]>(decoders.map(([n]) => [n, []]));
  const accepted = new Map<string, number>();
  // One unmeasured round each to warm up, then alternate.
  for (let r = -1; r < options.rounds; r++) {
    for (const [name, decode] of decoders) {
      const cpu0 = process.cpuUsage();
      let ok = 0;
      for (const [kind, key, value] of messages) if (decode(kind, key, value).ok) ok++;
      const cpu = process.cpuUsage(cpu0);
      if (r < 0) continue;
      accepted.set(name, ok);
      rounds.get(name)!.push({ cpuUs: cpu.user + cpu.system });
    }
  }
  const n = messages.length;
  const per = Object.fromEntries(
    decoders.map(([name]) => {
      const rs = rounds.get(name)!;
      return [
        name,
        {
          cpuUsPerEvent: round(median(rs.map((x) => x.cpuUs)) / n, 3),
          accepted: accepted.get(name),
          roundsCpuUsPerEvent: rs.map((x) => round(x.cpuUs / n, 3)),
        },
      ];
    }),
  ) as Record<string, { cpuUsPerEvent: number; accepted: number }>;
  const fast = per['fast path']!;
  const zod = per['zod only']!;
  if (fast.accepted !== zod.accepted) throw new Error('the two decoders accepted different numbers of messages');
  const ratios = rounds.get('fast path')!.map((x, i) => x.cpuUs / rounds.get('zod only')![i]!.cpuUs);
  return {
    scenario: 'decode',
    startedAt,
    machine: machineInfo(load0),
    options: { ...options },
    results: { messages: n, decoders: per, cpuRatioFastOverZod: round(median(ratios), 3) },
    method: [
      'The generated mix (invalid messages and duplicates included) is decoded from Buffers as the Kafka source gives them.',
      'The decoders alternate round by round after one warm-up round each; figures are medians over the rounds.',
      'CPU is process.cpuUsage (user + system) of the round.',
    ],
    table: [
      ['messages per round', fmt.int(n)],
      ['fast path CPU / event', `${fast.cpuUsPerEvent} µs`],
      ['zod only CPU / event', `${zod.cpuUsPerEvent} µs`],
      ['ratio fast / zod (median of pairs)', `${round(median(ratios), 3)}`],
      ['accepted', `${fmt.int(fast.accepted)} of ${fmt.int(n)}`],
    ],
  };
}
