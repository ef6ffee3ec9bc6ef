export * from './generator';
export * from './manifest';
export * from './ndjson';
export * from './wire';
