/**
 * The V8 flags `cdp` runs with (the bins' shebang lines, the image's entrypoint): a young generation
 * of up to 128 MiB per semi-space instead of V8's 16 MiB. A unit of work keeps its thousands of
 * messages alive until it commits, so with small semi-spaces every scavenge during a unit copies
 * them again. 64 MiB against 16 cut the updater's CPU per event by about 10 % in the drain bench, and
 * 128 against 64 by about 15 % more (seven alternated pairs, every one in favour), for about 110 MiB
 * more peak memory; 256 gave nothing more (docs/benchmarks.md). V8 reads the size at start-up only:
 * it cannot be set from inside a running process.
 */
export const NODE_FLAGS = ['--max-semi-space-size=128'] as const;

/** The NODE_FLAGS this process was started without (on its command line or in NODE_OPTIONS). */
export function missingNodeFlags(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string | undefined = process.env.NODE_OPTIONS,
): string[] {
  const given = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)].map(flagName);
  return NODE_FLAGS.filter((f) => !given.includes(flagName(f)));
}

/** `--max-semi-space-size` of `--max-semi-space-size=128` (V8 also takes underscores). */
function flagName(arg: string): string {
  return arg.split('=')[0]!.replace(/_/g, '-');
}
