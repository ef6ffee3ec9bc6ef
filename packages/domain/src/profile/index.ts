export * from './aggregate-fields';
export * from './clv-score';
export * from './customer360';
export * from './state';
