// deploy/k8s: the base and the gcp overlay rendered as kustomize would, every object validated against
// the Kubernetes API schemas that ship in the kubernetes-models package (no cluster, no download), then
// the properties the deployment relies on.
import path from 'node:path';
import { type K8sObject, renderKustomization } from './render-kustomization';
import { typecheckObjects } from './typecheck-objects';

const K8S = path.resolve(__dirname, '../../deploy/k8s');
const SHUTDOWN_DEADLINE_S = 10;

interface Container {
  name: string;
  image: string;
  args?: string[];
  restartPolicy?: string;
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  ports?: { name?: string; containerPort: number }[];
  securityContext?: {
    runAsNonRoot?: boolean;
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[] };
  };
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  terminationGracePeriodSeconds?: number;
  serviceAccountName?: string;
  volumes?: { name: string; secret?: { secretName: string } }[];
}
type Workload = K8sObject & {
  spec: {
    replicas?: number;
    selector?: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
};

/** The kubernetes-models class for an object's apiVersion and kind (e.g. apps/v1 Deployment). */
function modelFor(o: K8sObject): new (data: unknown) => { validate(): void } {
  const mod = require(`kubernetes-models/${o.apiVersion}`) as Record<string, unknown>;
  const model = mod[o.kind];
  if (typeof model !== 'function') throw new Error(`kubernetes-models has no ${o.apiVersion} ${o.kind}`);
  return model as never;
}

function byKind<T = Workload>(objects: K8sObject[], kind: string, name: string): T {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in the rendered objects`);
  return found as unknown as T;
}
const workloads = (objects: K8sObject[]) =>
  objects.filter((o) => o.kind === 'Deployment' || o.kind === 'Job') as Workload[];
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

describe.each([
  ['base', path.join(K8S, 'base')],
  ['gcp overlay', path.join(K8S, 'overlays/gcp')],
])('deploy/k8s %s', (_name, dir) => {
  const objects = renderKustomization(dir);

  it('renders the expected objects, each valid against the Kubernetes API schema', () => {
    const names = objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();
    expect(names).toEqual(
      [
        'ConfigMap/cdp360-config',
        'Deployment/cdp-scorer',
        'Deployment/cdp-serve',
        'Deployment/cdp-updater',
        'HorizontalPodAutoscaler/cdp-serve',
        'Job/cdp-migrate',
        'Job/cdp-topics',
        'Namespace/cdp360',
        'PodDisruptionBudget/cdp-serve',
        'PodDisruptionBudget/cdp-updater',
        'Service/cdp-serve',
        'Service/cdp-updater-metrics',
        'ServiceAccount/cdp360',
      ].sort(),
    );
    for (const o of objects) {
      const Model = modelFor(o);
      expect(() => new Model(o).validate()).not.toThrow();
      if (o.kind !== 'Namespace') expect(o.metadata.namespace).toBe('cdp360');
      expect(o.metadata.labels?.['app.kubernetes.io/part-of']).toBe('cdp360');
    }
  });

  it('runs every container as non-root on a read-only root file system, without privileges', () => {
    for (const w of workloads(objects)) {
      const pod = w.spec.template.spec;
      expect(pod.securityContext?.runAsNonRoot).toBe(true);
      expect(pod.serviceAccountName).toBe('cdp360');
      for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
        const where = `${w.kind}/${w.metadata.name} container ${c.name}`;
        expect({ where, ...c.securityContext }).toMatchObject({
          where,
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
      }
    }
  });

  it('gives each cdp container the config and secret references, and the image of the kustomization', () => {
    const image = objects
      .flatMap((o) => (workloads([o])[0]?.spec.template.spec.containers ?? []).map((c) => c.image))
      .filter((i, n, all) => all.indexOf(i) === n);
    expect(image).toHaveLength(1);
    expect(image[0]).toMatch(/cdp360:\d+\.\d+\.\d+$/);
    expect(objects.some((o) => o.kind === 'ConfigMap' && o.metadata.name === 'cdp360-config')).toBe(true);
    for (const w of workloads(objects)) {
      const cdp = w.spec.template.spec.containers.find((c) => c.name === 'cdp')!;
      expect(cdp.envFrom).toEqual([
        { configMapRef: { name: 'cdp360-config' } },
        { secretRef: { name: 'cdp360-secrets' } },
      ]);
    }
  });

  it('updaters: ready on /readyz, stopped gracefully, bounded by the partitions, one disruption at a time', () => {
    const updater = byKind(objects, 'Deployment', 'cdp-updater');
    const pod = updater.spec.template.spec;
    const cdp = pod.containers.find((c) => c.name === 'cdp')!;
    expect(cdp.args).toEqual(['updater']);
    expect(cdp.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
    expect(cdp.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect(cdp.ports).toContainEqual({ name: 'metrics', containerPort: 9464 });
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(SHUTDOWN_DEADLINE_S);

    const topicsArgs = byKind(objects, 'Job', 'cdp-topics').spec.template.spec.containers[0]!.args!;
    const partitions = Number(topicsArgs[topicsArgs.indexOf('--partitions') + 1]);
    expect(partitions).toBeGreaterThan(0);
    expect(updater.spec.replicas).toBeLessThanOrEqual(partitions);

    const pdb = byKind(objects, 'PodDisruptionBudget', 'cdp-updater') as K8sObject & {
      spec: { maxUnavailable: number; selector: { matchLabels: Record<string, string> } };
    };
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(matches(pdb.spec.selector.matchLabels, updater.spec.template.metadata.labels)).toBe(true);
  });

  it('scorer and serve: probes, a Service and an autoscaler that point at the right pods', () => {
    const scorer = byKind(objects, 'Deployment', 'cdp-scorer');
    expect(scorer.spec.template.spec.containers[0]!.args?.[0]).toBe('scorer');
    expect(scorer.spec.replicas).toBeGreaterThanOrEqual(2);

    const serve = byKind(objects, 'Deployment', 'cdp-serve');
    const labels = serve.spec.template.metadata.labels;
    expect(serve.spec.replicas).toBeUndefined();
    const cdp = serve.spec.template.spec.containers.find((c) => c.name === 'cdp')!;
    expect(cdp.args?.[0]).toBe('serve');
    expect(cdp.readinessProbe?.httpGet?.path).toBe('/readyz');
    const keysVolume = serve.spec.template.spec.volumes?.find((v) => v.secret);
    expect(keysVolume?.secret?.secretName).toBe('cdp360-api-keys');

    const service = byKind(objects, 'Service', 'cdp-serve') as K8sObject & {
      spec: { selector: Record<string, string>; ports: { targetPort: string }[] };
    };
    expect(matches(service.spec.selector, labels)).toBe(true);
    const portNames = new Set(cdp.ports?.map((p) => p.name));
    for (const p of service.spec.ports) expect(portNames.has(p.targetPort)).toBe(true);

    const hpa = byKind(objects, 'HorizontalPodAutoscaler', 'cdp-serve') as K8sObject & {
      spec: { scaleTargetRef: { kind: string; name: string }; minReplicas: number; maxReplicas: number };
    };
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'cdp-serve' });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
  });

  it('migrates in a Job that retries and runs once', () => {
    const job = byKind<Workload & { spec: { backoffLimit: number } }>(objects, 'Job', 'cdp-migrate');
    expect(job.spec.template.spec.containers[0]!.args).toEqual(['migrate']);
    expect(job.spec.backoffLimit).toBeGreaterThan(0);
  });
});

describe('deploy/k8s gcp overlay', () => {
  const objects = renderKustomization(path.join(K8S, 'overlays/gcp'));

  it('uses Pub/Sub, Cloud SQL through the Auth Proxy as a native sidecar, Memorystore and Workload Identity', () => {
    const config = byKind<K8sObject & { data: Record<string, string> }>(objects, 'ConfigMap', 'cdp360-config');
    expect(config.data).toMatchObject({ CDP_TRANSPORT: 'pubsub' });
    expect(config.data.KAFKA_BROKERS).toBeUndefined();
    expect(new URL(config.data.DATABASE_URL!).host).toBe('127.0.0.1:5432');
    expect(config.data.REDIS_CLUSTER_NODES).toMatch(/:\d+$/);
    for (const w of workloads(objects)) {
      const proxy = w.spec.template.spec.initContainers?.find((c) => c.name === 'cloud-sql-proxy');
      expect({ workload: w.metadata.name, restartPolicy: proxy?.restartPolicy }).toEqual({
        workload: w.metadata.name,
        restartPolicy: 'Always',
      });
      expect(proxy?.args).toContain('--auto-iam-authn');
      expect(w.spec.template.spec.containers[0]!.image).toMatch(/-docker\.pkg\.dev\/.+\/cdp360:/);
    }
    const sa = byKind(objects, 'ServiceAccount', 'cdp360');
    expect((sa.metadata.annotations as Record<string, string>)['iam.gke.io/gcp-service-account']).toMatch(
      /@.+\.iam\.gserviceaccount\.com$/,
    );
  });
});

describe('unknown fields', () => {
  it('no rendered object has a field its Kubernetes type lacks, and a misspelt one is caught', () => {
    const objects = [
      ...renderKustomization(path.join(K8S, 'base')),
      ...renderKustomization(path.join(K8S, 'overlays/gcp')),
    ];
    const typo = structuredClone(objects.find((o) => o.metadata.name === 'cdp-updater')!) as Workload;
    const container = typo.spec.template.spec.containers[0] as unknown as Record<string, unknown>;
    container.readinesProbe = container.readinessProbe;
    delete container.readinessProbe;
    expect(typecheckObjects(objects, [typo])).toEqual([]);
  }, 60_000);
});

describe('render-kustomization and the schemas catch mistakes', () => {
  it('a wrong type in a rendered object fails validation', () => {
    const updater = structuredClone(
      renderKustomization(path.join(K8S, 'base')).find((o) => o.metadata.name === 'cdp-updater')!,
    ) as Workload;
    (updater.spec.template.spec.containers[0]!.ports![0] as { containerPort: unknown }).containerPort = 'nine';
    const Model = modelFor(updater);
    expect(() => new Model(updater).validate()).toThrow(/containerPort must be integer/);
  });
});
