import { attemptsSummary, probeWithRetry } from './startup-probe';

/** A fake clock: sleeping advances it, so retries over seconds run in no time. */
function fakeClock() {
  let t = 0;
  return {
    now: () => t,
    sleep: async (ms: number) => {
      t += ms;
    },
    advance: (ms: number) => {
      t += ms;
    },
  };
}

describe('probeWithRetry', () => {
  it('succeeds on the first answer', async () => {
    const clock = fakeClock();
    const outcome = await probeWithRetry(async () => {}, { totalMs: 10_000, ...clock });
    expect(outcome).toEqual({ ok: true, attempts: 1, elapsedMs: 0 });
  });

  it('retries with doubling waits until the service answers', async () => {
    const clock = fakeClock();
    let calls = 0;
    const outcome = await probeWithRetry(
      async () => {
        if (++calls < 4) throw new Error('refused');
      },
      { totalMs: 10_000, ...clock },
    );
    expect(outcome).toEqual({ ok: true, attempts: 4, elapsedMs: 250 + 500 + 1000 });
  });

  it('gives up within the total, with the last error and how many attempts it made', async () => {
    const clock = fakeClock();
    const timeouts: number[] = [];
    const outcome = await probeWithRetry(
      async (timeoutMs) => {
        timeouts.push(timeoutMs);
        clock.advance(100); // each refused connect takes a little time
        throw new Error(`refused ${timeouts.length}`);
      },
      { totalMs: 10_000, ...clock },
    );
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect((outcome.error as Error).message).toBe(`refused ${outcome.attempts}`);
    expect(outcome.fatal).toBe(false);
    expect(outcome.elapsedMs).toBeLessThanOrEqual(10_000);
    // Attempts start at 0, 350, 950, 2050, 4150, 6250 and 8350 ms (100 ms each, then waits of 250, 500,
    // 1000 and 2000 ms); after the 7th a further 2 s wait would overrun the total.
    expect(outcome.attempts).toBe(7);
    expect(timeouts[0]).toBe(5_000); // never more than 5 s per attempt
    expect(timeouts.at(-1)).toBe(10_000 - 8350); // what was left when the last attempt started
  });

  it('stops at once on a fatal error', async () => {
    const clock = fakeClock();
    let calls = 0;
    const outcome = await probeWithRetry(
      async () => {
        calls++;
        throw new Error('password authentication failed');
      },
      { totalMs: 10_000, isFatal: (e) => (e as Error).message.startsWith('password'), ...clock },
    );
    expect(calls).toBe(1);
    expect(outcome).toMatchObject({ ok: false, fatal: true, attempts: 1 });
  });

  it('makes exactly one attempt with a total of 0, with the shortest timeout', async () => {
    const clock = fakeClock();
    const timeouts: number[] = [];
    const outcome = await probeWithRetry(
      async (t) => {
        timeouts.push(t);
        throw new Error('refused');
      },
      { totalMs: 0, ...clock },
    );
    expect(outcome).toMatchObject({ ok: false, attempts: 1 });
    expect(timeouts).toEqual([250]);
  });

  it('abandons an attempt that outlives its own timeout', async () => {
    const outcome = await probeWithRetry(() => new Promise<void>(() => {}), {
      totalMs: 0,
      maxAttemptMs: 1,
      abandonGraceMs: 50,
    });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect((outcome.error as Error).message).toBe('no answer within 0.3 s');
  });
});

describe('attemptsSummary', () => {
  it('says how hard we tried', () => {
    expect(attemptsSummary({ attempts: 1, elapsedMs: 40 })).toBe('1 attempt in 0.0 s');
    expect(attemptsSummary({ attempts: 7, elapsedMs: 9_950 })).toBe('7 attempts in 9.9 s');
  });
});
