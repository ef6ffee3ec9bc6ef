export * from './client';
export * from './dead-letter';
export * from './produce';
export * from './topics';
