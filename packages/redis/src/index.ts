export * from './aggregate-store';
export {
  connectRedis,
  createRedis,
  createRedisCluster,
  dataNodes,
  deleteKeys,
  isCluster,
  nodeAddress,
  type RedisClient,
} from './client';
export * from './keys';
export { defineScripts, loadLua, SCRIPTS } from './scripts';
export * from './shard-layout';
