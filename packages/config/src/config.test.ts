import { ConfigError, loadConfig, parseRedisClusterNodes } from './config';

describe('REDIS_CLUSTER_NODES', () => {
  it('is unset by default: a single Redis at REDIS_URL', () => {
    expect(loadConfig({}).redisCluster).toBeUndefined();
    expect(loadConfig({ REDIS_CLUSTER_NODES: '' }).redisCluster).toBeUndefined();
  });

  it('takes host:port entries', () => {
    expect(loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7001, redis-2.internal:7002' }).redisCluster).toEqual({
      nodes: [
        { host: '127.0.0.1', port: 7001 },
        { host: 'redis-2.internal', port: 7002 },
      ],
      username: undefined,
      password: undefined,
      tls: false,
    });
  });

  it('takes URLs for a user, a password and TLS', () => {
    expect(parseRedisClusterNodes('rediss://app:s%40cret@10.0.0.1:6379,rediss://app:s%40cret@10.0.0.2:6379')).toEqual({
      nodes: [
        { host: '10.0.0.1', port: 6379 },
        { host: '10.0.0.2', port: 6379 },
      ],
      username: 'app',
      password: 's@cret',
      tls: true,
    });
    expect(parseRedisClusterNodes('redis://:pw@[::1]:7001,10.0.0.2:7002')).toMatchObject({
      nodes: [
        { host: '::1', port: 7001 },
        { host: '10.0.0.2', port: 7002 },
      ],
      password: 'pw',
      tls: false,
    });
  });

  it.each([
    ['127.0.0.1'],
    ['127.0.0.1:7001,'],
    ['127.0.0.1:0'],
    ['127.0.0.1:70000'],
    ['http://127.0.0.1:7001'],
    ['redis://127.0.0.1'],
    ['redis://127.0.0.1:7001/2'],
    ['redis://:a@h1:1,redis://:b@h2:2'],
    ['redis://h1:1,rediss://h2:2'],
  ])('refuses %s naming the variable and the form', (value) => {
    try {
      loadConfig({ REDIS_CLUSTER_NODES: value });
      throw new Error('accepted');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).variable).toBe('REDIS_CLUSTER_NODES');
      expect((err as Error).message).toMatch(/REDIS_CLUSTER_NODES=.* is not valid: expected .*host:port/);
    }
  });

  it('never shows a password in the error', () => {
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'redis://u:hunter2@h1:1,redis://u:other@h2:2' })).toThrow(
      /^(?!.*hunter2)(?!.*other).*REDIS_CLUSTER_NODES="redis:\/\/\*\*\*@h1:1,redis:\/\/\*\*\*@h2:2"/,
    );
  });
});
