import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError } from './config-error';
import { databaseConnectionUrl } from './database-url';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
let dir: string;
let ca: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'cdp-db-url-'));
  ca = path.join(dir, 'ca.pem');
  writeFileSync(ca, PEM);
  writeFileSync(path.join(dir, 'not-pem.txt'), 'hello');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function refusal(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('databaseConnectionUrl', () => {
  it('leaves a URL without TLS settings exactly as given', () => {
    const raw = 'postgres://u:p%40ss@127.0.0.1:5432/test';
    expect(databaseConnectionUrl(raw, undefined)).toBe(raw);
  });

  it("asks node-postgres for libpq's sslmode meaning", () => {
    const url = new URL(databaseConnectionUrl('postgres://db/x?sslmode=require', undefined));
    expect(url.searchParams.get('sslmode')).toBe('require');
    expect(url.searchParams.get('uselibpqcompat')).toBe('true');
  });

  it('turns DATABASE_SSL_CA_FILE into sslrootcert and, with no sslmode, verify-full', () => {
    const url = new URL(databaseConnectionUrl('postgres://u:p@db/x', ca));
    expect(url.searchParams.get('sslrootcert')).toBe(ca);
    expect(url.searchParams.get('sslmode')).toBe('verify-full');
    expect(url.password).toBe('p');
  });

  it('keeps an explicit sslmode next to the CA file', () => {
    const url = new URL(databaseConnectionUrl('postgres://db/x?sslmode=verify-ca', ca));
    expect(url.searchParams.get('sslmode')).toBe('verify-ca');
  });

  it.each([
    ['postgres://db/x?sslmode=allow', undefined, 'DATABASE_URL', /sslmode="allow".*expected one of disable, prefer/],
    ['postgres://db/x?sslmode=no-verify', undefined, 'DATABASE_URL', /sslmode="no-verify"/],
    ['postgres://db/x?sslmode=verify-ca', undefined, 'DATABASE_SSL_CA_FILE', /verify-ca, which needs the CA/],
    ['postgres://db/x?sslmode=disable', 'CA', 'DATABASE_SSL_CA_FILE', /sslmode=disable: remove one/],
    ['postgres://db/x?sslrootcert=CA', 'CA', 'DATABASE_SSL_CA_FILE', /both name a CA/],
  ])('refuses %s (CA file %s), naming %s', (raw, caFile, variable, message) => {
    const err = refusal(() => databaseConnectionUrl(raw.replace('CA', ca), caFile === 'CA' ? ca : caFile));
    expect(err.variable).toBe(variable);
    expect(err.message).toMatch(message);
  });

  it('names the variable when a TLS file cannot be read or is not PEM', () => {
    const missing = refusal(() => databaseConnectionUrl('postgres://db/x', path.join(dir, 'nope.pem')));
    expect(missing.variable).toBe('DATABASE_SSL_CA_FILE');
    expect(missing.message).toMatch(/^DATABASE_SSL_CA_FILE=".*nope\.pem" cannot be read \(ENOENT\)/);
    const notPem = refusal(() => databaseConnectionUrl('postgres://db/x', path.join(dir, 'not-pem.txt')));
    expect(notPem.message).toMatch(/holds no PEM certificate/);
    const inUrl = refusal(() =>
      databaseConnectionUrl(`postgres://db/x?sslmode=verify-full&sslkey=${path.join(dir, 'nope.key')}`, undefined),
    );
    expect(inUrl.variable).toBe('DATABASE_URL');
    expect(inUrl.message).toMatch(/^DATABASE_URL's sslkey=".*nope\.key" cannot be read/);
  });
});
