export * from './rules';
export * from './trigger-event';
