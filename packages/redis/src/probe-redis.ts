import {
  attemptsSummary,
  DependencyConfigError,
  DependencyUnavailableError,
  describeConnectionError,
  isClientCertificateError,
  isTlsSetupError,
  probeWithRetry,
  type RedisClusterConfig,
  type RedisTlsFiles,
  redactUrl,
  tlsSetupError,
} from '@cdp360/config';
import { Redis } from 'ioredis';
import { redisTlsOptions } from './client';

/** Redis error codes (the reply's first word) that mean the credentials were refused. */
const AUTH_CODES = new Set(['WRONGPASS', 'NOAUTH', 'NOPERM']);

function replyCode(err: unknown): string | undefined {
  if ((err as Error | null)?.name !== 'ReplyError') return undefined;
  return /^[A-Z]+/.exec((err as Error).message)?.[0];
}

function isAuthError(err: unknown): boolean {
  const code = replyCode(err);
  // Redis < 6 answers a wrong password with `ERR invalid password`.
  return (code !== undefined && AUTH_CODES.has(code)) || /^ERR invalid password/.test((err as Error).message ?? '');
}

export interface RedisProbeOptions {
  /** How long to keep trying, ms (CDP_STARTUP_TIMEOUT_MS). */
  totalMs: number;
  tls?: RedisTlsFiles;
}

/**
 * Checks at start that Redis answers PING at `url`, retrying while it does not for up to `totalMs`.
 * Throws DependencyUnavailableError when it never answered, and DependencyConfigError (exit 2) when
 * it answered but refused the password, or its certificate is not one our CA vouches for.
 */
export async function probeRedis(url: string, options: RedisProbeOptions): Promise<void> {
  const tls = redisTlsOptions(url, options.tls);
  const outcome = await probeWithRetry(
    async (timeoutMs) => {
      const redis = new Redis(url, {
        lazyConnect: true,
        connectTimeout: timeoutMs,
        commandTimeout: timeoutMs,
        maxRetriesPerRequest: 0,
        enableOfflineQueue: false,
        retryStrategy: () => null,
        connectionName: 'cdp-startup-check',
        tls,
      });
      let failure: unknown;
      // The connect promise rejects with a generic "Connection is closed" when the socket failed;
      // the event says why (refused, TLS, AUTH). A server that wants a client certificate may reset
      // the connection as well as send its alert: the alert is the one that says what to fix.
      redis.on('error', (err) => {
        if (failure === undefined || isClientCertificateError(err)) failure = err;
      });
      try {
        await redis.connect();
        await redis.ping();
      } catch (err) {
        throw failure ?? err;
      } finally {
        redis.disconnect();
      }
    },
    {
      totalMs: options.totalMs,
      isFatal: (err) => isAuthError(err) || isTlsSetupError(err),
    },
  );
  if (outcome.ok) return;
  const err = outcome.error;
  const base = { service: 'redis' as const, address: redactUrl(url), cause: err };
  if (isAuthError(err)) {
    const code = replyCode(err);
    throw new DependencyConfigError({
      ...base,
      variable: 'REDIS_URL',
      reason:
        code === 'NOAUTH'
          ? 'asks for a password and REDIS_URL has none'
          : `refused the login (${(err as Error).message.split('\n')[0]})`,
      hint: `set the user name and password in REDIS_URL (${url.startsWith('rediss://') ? 'rediss' : 'redis'}://user:password@host:port)`,
    });
  }
  const tlsError = tlsSetupError(err, base, {
    ca: { variable: 'REDIS_TLS_CA_FILE', given: Boolean(options.tls?.caFile) },
    clientCertificate: {
      variable: 'REDIS_TLS_CERT_FILE',
      hint: 'set REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE to a client certificate signed by a CA the server trusts',
    },
    protocol: {
      variable: 'REDIS_URL',
      hint: 'use redis:// for a plaintext port, or the TLS port with rediss:// in REDIS_URL',
    },
  });
  if (tlsError) throw tlsError;
  throw new DependencyUnavailableError({
    ...base,
    variable: 'REDIS_URL',
    reason: `${describeConnectionError(err)} (${attemptsSummary(outcome)})`,
    hint: url.startsWith('rediss://')
      ? `start Redis, or point REDIS_URL at a running server (redis:// if that port does not speak TLS${options.tls?.certFile ? '' : '; REDIS_TLS_CERT_FILE if it wants a client certificate'})`
      : 'start Redis, or point REDIS_URL at a running server (rediss:// if it only accepts TLS)',
  });
}

/**
 * The same check for a Redis Cluster (REDIS_CLUSTER_NODES): every seed node is tried at once, with
 * the cluster's user, password and TLS, and one that answers is enough (the client learns the rest
 * of the cluster from it). When none does, the first node's failure is reported for them all.
 */
export async function probeRedisCluster(cluster: RedisClusterConfig, options: { totalMs: number }): Promise<void> {
  const auth =
    cluster.username || cluster.password
      ? `${encodeURIComponent(cluster.username ?? '')}:${encodeURIComponent(cluster.password ?? '')}@`
      : '';
  const scheme = cluster.tls ? 'rediss' : 'redis';
  const results = await Promise.allSettled(
    cluster.nodes.map((n) => probeRedis(`${scheme}://${auth}${n.host}:${n.port}`, { totalMs: options.totalMs })),
  );
  if (results.some((r) => r.status === 'fulfilled')) return;
  const first = (results[0] as PromiseRejectedResult).reason;
  const address = cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',');
  const failure = (e: DependencyConfigError | DependencyUnavailableError) => ({
    service: 'redis' as const,
    label: 'the Redis Cluster',
    address,
    variable: 'REDIS_CLUSTER_NODES',
    reason: e.reason,
    hint: e.hint.replaceAll('REDIS_URL', 'REDIS_CLUSTER_NODES'),
    cause: e.cause,
  });
  if (first instanceof DependencyConfigError) throw new DependencyConfigError(failure(first));
  if (first instanceof DependencyUnavailableError) throw new DependencyUnavailableError(failure(first));
  throw first;
}
