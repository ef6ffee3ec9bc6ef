export * from './aggregate-store';
export { createRedis } from './client';
export * from './keys';
export { defineScripts, loadLua, SCRIPTS } from './scripts';
