export * from './client';
export * from './produce';
export * from './topics';
