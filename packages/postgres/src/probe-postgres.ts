import {
  attemptsSummary,
  DependencyConfigError,
  DependencyUnavailableError,
  describeConnectionError,
  isTlsSetupError,
  probeWithRetry,
  redactUrl,
  tlsSetupError,
} from '@cdp360/config';
import pg from 'pg';

/** SQLSTATEs that mean our settings are wrong, not that the server is away: retrying cannot help. */
const REFUSED = {
  '28P01': 'credentials', // invalid_password
  '28000': 'credentials', // invalid_authorization_specification: no such role, no pg_hba entry
  '3D000': 'database', // invalid_catalog_name: the database does not exist
} as const;

// node-postgres raises these without a code, so their text is all there is to go by.
const NO_PASSWORD = /client password must be a (non-empty )?string/;
const NO_SSL_ON_SERVER = /server does not support SSL/;

export interface PostgresProbeOptions {
  /** How long to keep trying, ms (CDP_STARTUP_TIMEOUT_MS). */
  totalMs: number;
}

function isFatal(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : '';
  return (
    (typeof code === 'string' && code in REFUSED) ||
    NO_PASSWORD.test(message) ||
    NO_SSL_ON_SERVER.test(message) ||
    isTlsSetupError(err)
  );
}

/**
 * Checks at start that Postgres answers at `url` (one connection, `SELECT 1`), retrying while it
 * does not for up to `totalMs`. Throws DependencyUnavailableError when it never answered, and
 * DependencyConfigError (exit 2) when it answered but refused our settings: user or password, an
 * unknown database, TLS the server does not offer, a certificate our CA does not vouch for.
 */
export async function probePostgres(url: string, options: PostgresProbeOptions): Promise<void> {
  const outcome = await probeWithRetry(
    async (timeoutMs) => {
      const client = new pg.Client({
        connectionString: url,
        connectionTimeoutMillis: timeoutMs,
        application_name: 'cdp-startup-check',
      });
      client.on('error', () => {}); // a failed connect rejects below; nothing else may surface
      try {
        await client.connect();
        await client.query('SELECT 1');
      } finally {
        await client.end().catch(() => {});
      }
    },
    { totalMs: options.totalMs, isFatal },
  );
  if (outcome.ok) return;
  const err = outcome.error;
  const address = redactUrl(url);
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown }).code;
  const refused = typeof code === 'string' && code in REFUSED ? REFUSED[code as keyof typeof REFUSED] : undefined;
  const base = { service: 'postgres' as const, address, cause: err };
  if (refused === 'credentials' || NO_PASSWORD.test(message)) {
    throw new DependencyConfigError({
      ...base,
      variable: 'DATABASE_URL',
      reason: `refused the login (${NO_PASSWORD.test(message) ? 'the server asks for a password and DATABASE_URL has none' : message})`,
      hint:
        code === '28000'
          ? "check the user name and sslmode in DATABASE_URL against the server's pg_hba.conf"
          : 'fix the user name or password in DATABASE_URL',
    });
  }
  if (refused === 'database') {
    throw new DependencyConfigError({
      ...base,
      variable: 'DATABASE_URL',
      reason: `has no such database (${message})`,
      hint: 'create it, or name an existing one in DATABASE_URL',
    });
  }
  if (NO_SSL_ON_SERVER.test(message)) {
    throw new DependencyConfigError({
      ...base,
      variable: 'DATABASE_URL',
      reason: 'does not accept TLS connections',
      hint: "turn on ssl on the server, or drop DATABASE_URL's sslmode",
    });
  }
  const tlsError = tlsSetupError(err, base, {
    ca: {
      variable: 'DATABASE_SSL_CA_FILE',
      // Guarded: this is evaluated for every failure, and only a parseable URL can have met a certificate.
      given: URL.canParse(url) && new URL(url).searchParams.has('sslrootcert'),
    },
    clientCertificate: {
      variable: 'DATABASE_URL',
      hint: "give a client certificate the server trusts in DATABASE_URL's sslcert and sslkey",
    },
  });
  if (tlsError) throw tlsError;
  throw new DependencyUnavailableError({
    ...base,
    variable: 'DATABASE_URL',
    reason: `${describeConnectionError(err)} (${attemptsSummary(outcome)})`,
    hint: 'start Postgres, or point DATABASE_URL at a running server',
  });
}
