// The workspaces' package.json files agree on what the published package states: one version (the
// bundle prints services/cli's, the package carries the root's) and the real Node.js minimum.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const manifest = (dir: string) => JSON.parse(readFileSync(path.join(ROOT, dir, 'package.json'), 'utf8'));
const workspaces = ['packages', 'services'].flatMap((top) =>
  readdirSync(path.join(ROOT, top)).map((d) => `${top}/${d}`),
);

describe('package.json files', () => {
  const root = manifest('.');

  it('say Node.js >= 20.19 (require() of ES modules, which postgrator 8 needs) everywhere', () => {
    expect(root.engines).toEqual({ node: '>=20.19' });
    for (const dir of [...workspaces, 'bench'])
      expect({ dir, engines: manifest(dir).engines }).toEqual({ dir, engines: root.engines });
  });

  it('carry one version (cdp --version prints it: test/integration/install.test.ts)', () => {
    for (const dir of [...workspaces, 'bench'])
      expect({ dir, version: manifest(dir).version }).toEqual({ dir, version: root.version });
  });

  it('name the licence whose text is in LICENSE', () => {
    expect(root.license).toBe('Apache-2.0');
    const text = readFileSync(path.join(ROOT, 'LICENSE'), 'utf8');
    expect(text).toContain('Apache License');
    expect(text).toContain('Version 2.0, January 2004');
    expect(text).toContain('END OF TERMS AND CONDITIONS');
  });
});
