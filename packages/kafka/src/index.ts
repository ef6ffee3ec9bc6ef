export * from './client';
export * from './dead-letter';
export * from './group-lag';
export * from './produce';
export * from './producer';
export * from './replay';
export * from './topics';
