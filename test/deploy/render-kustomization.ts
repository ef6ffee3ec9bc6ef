// Renders a kustomization the way `kustomize build` does, for the features deploy/k8s uses and no
// more: resources (files and directories with a kustomization.yaml), namespace, labels (metadata only),
// images (newName/newTag) and patches that are RFC 6902 JSON patches with a target (kind, optional name).
// There is no kustomize on npm and no network at test time; anything else in a kustomization.yaml is
// an error here, so a new feature cannot slip past the validation unrendered.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { applyPatch, deepClone, type Operation } from 'fast-json-patch';
import { parseAllDocuments } from 'yaml';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  [k: string]: unknown;
}

interface Kustomization {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  resources?: string[];
  labels?: { pairs: Record<string, string>; includeSelectors?: boolean; includeTemplates?: boolean }[];
  images?: { name: string; newName?: string; newTag?: string }[];
  patches?: { path: string; target: { kind: string; name?: string } }[];
}

const SUPPORTED = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'labels', 'images', 'patches']);
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'StorageClass', 'PriorityClass']);

export function readYamlObjects(file: string): unknown[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
      return doc.toJS({ maxAliasCount: -1 });
    })
    .filter((o) => o !== null && o !== undefined);
}

function podSpecs(o: K8sObject): { containers?: { image?: string }[]; initContainers?: { image?: string }[] }[] {
  const spec = o.spec as { template?: { spec?: object }; jobTemplate?: { spec?: { template?: { spec?: object } } } };
  return [spec?.template?.spec, spec?.jobTemplate?.spec?.template?.spec].filter(Boolean) as never;
}

function setImage(image: string, rules: NonNullable<Kustomization['images']>): string {
  const at = image.lastIndexOf(':');
  const slash = image.lastIndexOf('/');
  const name = at > slash ? image.slice(0, at) : image;
  const tag = at > slash ? image.slice(at + 1) : undefined;
  const rule = rules.find((r) => r.name === name);
  if (!rule) return image;
  const newTag = rule.newTag ?? tag;
  return `${rule.newName ?? name}${newTag ? `:${newTag}` : ''}`;
}

/** The objects `kustomize build dir` would print, in resource order. */
export function renderKustomization(dir: string): K8sObject[] {
  const file = path.join(dir, 'kustomization.yaml');
  const [k] = readYamlObjects(file) as Kustomization[];
  if (!k) throw new Error(`${file} is empty`);
  const unknown = Object.keys(k).filter((key) => !SUPPORTED.has(key));
  if (unknown.length > 0) {
    throw new Error(
      `${file}: ${unknown.join(', ')} not supported by this renderer (test/deploy/render-kustomization.ts)`,
    );
  }
  let objects: K8sObject[] = [];
  for (const entry of k.resources ?? []) {
    const target = path.resolve(dir, entry);
    if (statSync(target).isDirectory()) objects.push(...renderKustomization(target));
    else objects.push(...(readYamlObjects(target) as K8sObject[]));
  }
  objects = objects.map((o) => deepClone(o) as K8sObject);
  for (const p of k.patches ?? []) {
    const ops = readYamlObjects(path.resolve(dir, p.path))[0] as Operation[];
    if (!Array.isArray(ops)) throw new Error(`${p.path}: only JSON 6902 patches (a list of operations) are supported`);
    const matched = objects.filter(
      (o) => o.kind === p.target.kind && (!p.target.name || o.metadata.name === p.target.name),
    );
    if (matched.length === 0) throw new Error(`${p.path}: its target ${JSON.stringify(p.target)} matches no object`);
    for (const o of matched) applyPatch(o, deepClone(ops) as Operation[], true, true);
  }
  for (const o of objects) {
    if (k.namespace && !CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = k.namespace;
    for (const l of k.labels ?? []) {
      if (l.includeSelectors || l.includeTemplates)
        throw new Error(`${file}: labels with includeSelectors/includeTemplates are not supported`);
      o.metadata.labels = { ...o.metadata.labels, ...l.pairs };
    }
    for (const spec of podSpecs(o)) {
      for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
        if (c.image && k.images) c.image = setImage(c.image, k.images);
      }
    }
  }
  return objects;
}
