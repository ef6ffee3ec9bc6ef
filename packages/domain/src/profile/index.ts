export * from './customer360';
export * from './state';
