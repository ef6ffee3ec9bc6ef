import { readFileSync } from 'node:fs';
import path from 'node:path';
import { missingNodeFlags, NODE_FLAGS } from './node-flags';

const root = path.resolve(__dirname, '../../..');
const read = (rel: string) => readFileSync(path.join(root, rel), 'utf8');

describe('missingNodeFlags', () => {
  it('finds the flags on the command line or in NODE_OPTIONS, with either spelling and any value', () => {
    expect(missingNodeFlags([], undefined)).toEqual([...NODE_FLAGS]);
    expect(missingNodeFlags(['--max-semi-space-size=64'], undefined)).toEqual([]);
    expect(missingNodeFlags([], '--enable-source-maps --max_semi_space_size=32')).toEqual([]);
    expect(missingNodeFlags(['--cpu-prof'], '--enable-source-maps')).toEqual([...NODE_FLAGS]);
  });
});

describe('the places that start cdp pass the same flags', () => {
  const flags = NODE_FLAGS.join(' ');
  it('the repository bin and the packaged bin, in their shebang lines', () => {
    expect(read('services/cli/bin/cdp.js').split('\n')[0]).toBe(`#!/usr/bin/env -S node ${flags}`);
    expect(read('deploy/package/build.js')).toContain(`'#!/usr/bin/env -S node ${flags}'`);
  });

  it('the image (in NODE_OPTIONS) and the local demo', () => {
    expect(read('Dockerfile')).toMatch(new RegExp(`^ {4}NODE_OPTIONS=${flags} \\\\$`, 'm'));
    expect(read('deploy/local/demo.sh')).toContain(`cdp() { node ${flags} services/cli/bin/cdp.js "$@"; }`);
  });
});
