// Strict field check for rendered Kubernetes objects: the JSON schemas of kubernetes-models check types,
// required fields and enums but accept unknown fields (the API server would drop or reject them). Here
// each object becomes an object literal typed with the package's TypeScript interface (IDeployment, …),
// and tsc's excess-property check names every field the API does not have, e.g. `readinesProbe`.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { K8sObject } from './render-kustomization';

const ROOT = path.resolve(__dirname, '../..');

/**
 * tsc's error lines for the objects (empty when all are valid). `mustFail` objects are each expected to
 * fail (under @ts-expect-error): one that passes is an error too, so the check proves it can fail.
 */
export function typecheckObjects(objects: readonly K8sObject[], mustFail: readonly K8sObject[] = []): string[] {
  // Inside the checkout (git-ignored .cache) so that `kubernetes-models` resolves from node_modules.
  mkdirSync(path.join(ROOT, '.cache'), { recursive: true });
  const dir = mkdtempSync(path.join(ROOT, '.cache', 'k8s-typecheck-'));
  try {
    const imports = new Map<string, string>();
    const typeOf = (o: K8sObject) => {
      const module = `kubernetes-models/${o.apiVersion}/${o.kind}`;
      const alias = `T${imports.size}`;
      if (!imports.has(module)) imports.set(module, `import type { I${o.kind} as ${alias} } from '${module}';`);
      return imports.get(module)!.match(/ as (T\d+) /)![1];
    };
    const lines: string[] = [];
    objects.forEach((o, i) => {
      lines.push(`// ${o.kind}/${o.metadata.name}`, `export const o${i}: ${typeOf(o)} = ${JSON.stringify(o)};`);
    });
    mustFail.forEach((o, i) => {
      lines.push(`// must fail: ${o.kind}/${o.metadata.name}`, '// @ts-expect-error');
      lines.push(`export const bad${i}: ${typeOf(o)} = ${JSON.stringify(o)};`);
    });
    const file = [...imports.values(), ...lines];
    writeFileSync(path.join(dir, 'objects.ts'), `${file.join('\n')}\n`);
    // "objects.ts(12,34): error …" → "Deployment/cdp-updater: error …" (the comment line above names it).
    const named = (line: string) =>
      line.replace(/^.*objects\.ts\((\d+),\d+\): /, (_m, n: string) => `${file[Number(n) - 2]?.slice(3) ?? '?'}: `);
    writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          skipLibCheck: true,
          types: [],
        },
        files: ['objects.ts'],
      }),
    );
    try {
      execFileSync(path.join(ROOT, 'node_modules/.bin/tsc'), ['-p', dir], { encoding: 'utf8', stdio: 'pipe' });
      return [];
    } catch (err) {
      const out = `${(err as { stdout?: string }).stdout ?? ''}${(err as { stderr?: string }).stderr ?? ''}`;
      return out
        .split('\n')
        .filter((l) => l.trim())
        .map(named);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
