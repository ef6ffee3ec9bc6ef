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
  type RedisClientOptions,
  redisTlsOptions,
} from './client';
export * from './keys';
export { probeRedis, probeRedisCluster, type RedisProbeOptions } from './probe-redis';
export { defineScripts, loadLua, SCRIPTS } from './scripts';
export * from './shard-layout';
