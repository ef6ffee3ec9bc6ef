export * from './client';
export * from './produce';
export * from './topics';
export * from './dead-letter';
