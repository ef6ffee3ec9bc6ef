import { collectDefaultMetrics, Registry } from 'prom-client';

/** A registry of its own per service (no global default registry), with the process metrics. */
export function createRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: 'cdp_' });
  return registry;
}
