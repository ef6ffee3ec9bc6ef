export * from './batch';
export * from './customer360';
export * from './facts';
export * from './migrate';
export * from './pool';
export * from './profile-facts';
export * from './updater-state';
export * from './reconcile';
