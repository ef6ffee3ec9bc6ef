export * from './dates';
export * from './events/topics';
export * from './events/types';
export * from './money';
export * from './profile';
