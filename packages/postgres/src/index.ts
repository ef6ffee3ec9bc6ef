export * from './batch';
export * from './migrate';
export * from './pool';
export * from './customer360';
export * from './facts';
