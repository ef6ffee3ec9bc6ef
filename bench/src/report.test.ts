import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freeResultPath } from './report';

describe('freeResultPath', () => {
  it("keeps an earlier run's file: the first free name of the day", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cdp-bench-results-'));
    expect(freeResultPath(dir, '2026-12-02-drain')).toBe(path.join(dir, '2026-12-02-drain.json'));
    writeFileSync(path.join(dir, '2026-12-02-drain.json'), '{}');
    expect(freeResultPath(dir, '2026-12-02-drain')).toBe(path.join(dir, '2026-12-02-drain-2.json'));
    writeFileSync(path.join(dir, '2026-12-02-drain-2.json'), '{}');
    expect(freeResultPath(dir, '2026-12-02-drain')).toBe(path.join(dir, '2026-12-02-drain-3.json'));
  });
});
