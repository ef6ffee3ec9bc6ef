import { readFileSync } from 'node:fs';
import { ConfigError } from './config-error';

export type PemKind = 'certificate' | 'private key';

const MARKERS: Record<PemKind, RegExp> = {
  certificate: /-----BEGIN CERTIFICATE-----/,
  'private key': /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
};

/**
 * Checks at start that a TLS file named by configuration can be read and holds what it should (PEM),
 * so a wrong path fails with the variable's name instead of as a handshake error later. `setting`
 * is what the user wrote: a variable (`REDIS_TLS_CA_FILE`) or a URL parameter (`DATABASE_URL's
 * sslrootcert`); `variable` is the variable to name.
 */
export function checkPemFile(variable: string, setting: string, file: string, kind: PemKind): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(
      variable,
      `${setting}=${JSON.stringify(file)} cannot be read (${code}): expected the path of a readable PEM file with the ${kind}`,
    );
  }
  if (!MARKERS[kind].test(text)) {
    throw new ConfigError(
      variable,
      `${setting}=${JSON.stringify(file)} holds no PEM ${kind} (no "-----BEGIN ${kind === 'certificate' ? 'CERTIFICATE' : '… PRIVATE KEY'}-----" line)`,
    );
  }
}
