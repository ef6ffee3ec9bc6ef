import { ConfigError } from './config-error';
import {
  DependencyConfigError,
  DependencyUnavailableError,
  EXIT_CODES,
  exitCodeOf,
  StartupCheckError,
} from './dependency-errors';

const unreachable = new DependencyUnavailableError({
  service: 'redis',
  address: 'redis://127.0.0.1:5998',
  variable: 'REDIS_URL',
  reason: 'connection refused (7 attempts in 9.8 s)',
  hint: 'start Redis, or point REDIS_URL at a running server',
});
const refused = new DependencyConfigError({
  service: 'postgres',
  address: 'postgres://db:5432/x',
  variable: 'DATABASE_URL',
  reason: 'refused the login (password authentication failed for user "cdp")',
  hint: 'fix the user name or password in DATABASE_URL',
});

describe('start-up errors', () => {
  it('say which service, where, which variable and what to do, in one line', () => {
    expect(unreachable.message).toBe(
      'cannot reach Redis at redis://127.0.0.1:5998 (REDIS_URL): connection refused (7 attempts in 9.8 s); start Redis, or point REDIS_URL at a running server',
    );
    expect(unreachable.code).toBe('CDP_REDIS_UNAVAILABLE');
    expect(refused.message).toBe(
      'Postgres at postgres://db:5432/x refused the login (password authentication failed for user "cdp"); fix the user name or password in DATABASE_URL',
    );
  });

  it('give each service its own exit code, and a refused setting the configuration one', () => {
    expect(exitCodeOf(unreachable)).toBe(EXIT_CODES.redisUnavailable);
    expect(exitCodeOf(refused)).toBe(EXIT_CODES.config);
    expect(refused).toBeInstanceOf(ConfigError);
    expect(refused.variable).toBe('DATABASE_URL');
    const codes = Object.values(EXIT_CODES);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('report several failed checks with the first one deciding the exit code', () => {
    const err = new StartupCheckError([unreachable, refused]);
    expect(err.exitCode).toBe(12);
    expect(err.message.split('\n')).toEqual([unreachable.message, refused.message]);
  });
});
