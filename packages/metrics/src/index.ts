export { type MetricsServer, type ReadinessCheck, startMetricsServer } from './metrics-server';
export { createRegistry } from './registry';
