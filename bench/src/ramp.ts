/**
 * The rate ramp of the serve bench, apart from HTTP: double from `start` while a point is kept, then
 * halve the gap between the last rate kept and the first one missed, `bisections` times (or until the
 * gap is under 1/16 of the rate kept). A point that misses is measured once more before it counts as
 * missed (one noisy window on a shared machine should not end the ramp); both measurements are kept.
 */
export interface RampPoint<R> {
  rate: number;
  /** 1 for the first measurement of a rate, 2 for the re-measurement after a miss. */
  attempt: 1 | 2;
  kept: boolean;
  result: R;
}

export interface RampResult<R> {
  points: RampPoint<R>[];
  /** The highest rate kept, or null when the first rate missed twice. */
  best: number | null;
}

export async function rampRates<R>(options: {
  start: number;
  max: number;
  bisections: number;
  measure: (rate: number) => Promise<R>;
  kept: (r: R) => boolean;
  onPoint?: (p: RampPoint<R>) => void;
}): Promise<RampResult<R>> {
  const points: RampPoint<R>[] = [];
  const at = async (rate: number): Promise<boolean> => {
    for (const attempt of [1, 2] as const) {
      const result = await options.measure(rate);
      const p: RampPoint<R> = { rate, attempt, kept: options.kept(result), result };
      points.push(p);
      options.onPoint?.(p);
      if (p.kept) return true;
    }
    return false;
  };
  let best: number | null = null;
  let missed: number | null = null;
  for (let rate = options.start; rate <= options.max; rate *= 2) {
    if (!(await at(rate))) {
      missed = rate;
      break;
    }
    best = rate;
  }
  for (
    let step = 0;
    step < options.bisections && best !== null && missed !== null && missed - best > best / 16;
    step++
  ) {
    const rate = Math.round((best + missed) / 2);
    if (await at(rate)) best = rate;
    else missed = rate;
  }
  return { points, best };
}
