export * from './batch';
export * from './migrate';
export * from './pool';
