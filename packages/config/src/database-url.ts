import { ConfigError } from './config-error';
import { checkPemFile } from './pem-file';

/** libpq's sslmode values that node-postgres implements (it has no plaintext fallback, so no `allow`). */
export const SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;

const FILE_PARAMETERS = [
  ['sslrootcert', 'certificate'],
  ['sslcert', 'certificate'],
  ['sslkey', 'private key'],
] as const;

/**
 * The URL the Postgres clients connect with, from DATABASE_URL and DATABASE_SSL_CA_FILE:
 *
 * - `sslmode` keeps libpq's meaning (`require`: encrypted, server not verified; `verify-ca`: signed by
 *   the CA; `verify-full`: and the host name matches), which node-postgres applies when the URL also
 *   says `uselibpqcompat=true`; we add that, or pg would treat require/verify-ca as verify-full and
 *   print a multi-line warning.
 * - DATABASE_SSL_CA_FILE becomes the URL's `sslrootcert` (pg reads it on each connect) and, when no
 *   sslmode is given, turns on `verify-full`.
 * - Files named by the URL (sslrootcert, sslcert, sslkey) or the variable must be readable PEM now.
 *
 * Returns `raw` unchanged when it has nothing to do with TLS.
 */
export function databaseConnectionUrl(raw: string, caFile: string | undefined): string {
  const url = new URL(raw);
  const params = url.searchParams;
  const sslmode = params.get('sslmode');
  if (sslmode !== null && !(SSL_MODES as readonly string[]).includes(sslmode)) {
    throw new ConfigError(
      'DATABASE_URL',
      `DATABASE_URL has sslmode=${JSON.stringify(sslmode)}: expected one of ${SSL_MODES.join(', ')}`,
    );
  }
  for (const [name, kind] of FILE_PARAMETERS) {
    const file = params.get(name);
    if (file !== null) checkPemFile('DATABASE_URL', `DATABASE_URL's ${name}`, file, kind);
  }
  if (caFile === undefined && sslmode === null) return raw;
  if (caFile !== undefined) {
    checkPemFile('DATABASE_SSL_CA_FILE', 'DATABASE_SSL_CA_FILE', caFile, 'certificate');
    if (sslmode === 'disable') {
      throw new ConfigError(
        'DATABASE_SSL_CA_FILE',
        'DATABASE_SSL_CA_FILE is set but DATABASE_URL says sslmode=disable: remove one of them',
      );
    }
    if (params.has('sslrootcert')) {
      throw new ConfigError(
        'DATABASE_SSL_CA_FILE',
        "DATABASE_SSL_CA_FILE and DATABASE_URL's sslrootcert both name a CA: keep one of them",
      );
    }
    params.set('sslrootcert', caFile);
    if (sslmode === null) params.set('sslmode', 'verify-full');
  }
  if (params.get('sslmode') === 'verify-ca' && !params.has('sslrootcert')) {
    throw new ConfigError(
      'DATABASE_SSL_CA_FILE',
      'DATABASE_URL says sslmode=verify-ca, which needs the CA: set DATABASE_SSL_CA_FILE (or use sslmode=verify-full with a publicly trusted server certificate)',
    );
  }
  if (!params.has('uselibpqcompat')) params.set('uselibpqcompat', 'true');
  return url.toString();
}
