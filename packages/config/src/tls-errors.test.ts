import { DependencyConfigError } from './dependency-errors';
import { isTlsSetupError, type TlsFixes, tlsSetupError } from './tls-errors';

function nodeError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

const base = { service: 'redis' as const, address: 'rediss://cache:6380' };
const fixes: TlsFixes = {
  ca: { variable: 'X_CA_FILE', given: false },
  clientCertificate: { variable: 'X_CERT_FILE', hint: 'set X_CERT_FILE' },
  protocol: { variable: 'X_URL', hint: 'use the TLS port' },
};
const untrusted = nodeError('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain');
const refused = nodeError('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'tlsv13 alert certificate required');
const plaintext = nodeError('ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version number');
const down = nodeError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:6380');

describe('TLS failures the settings fix', () => {
  it('names the CA variable for a certificate we do not trust, set or pointed elsewhere', () => {
    const unset = tlsSetupError(untrusted, base, fixes);
    expect(unset).toBeInstanceOf(DependencyConfigError);
    expect(unset).toMatchObject({
      variable: 'X_CA_FILE',
      reason: 'presented a certificate we do not trust (TLS: self-signed certificate in certificate chain)',
      hint: 'set X_CA_FILE to the CA that signed it, and connect by a host name the certificate names',
    });
    expect(tlsSetupError(untrusted, base, { ...fixes, ca: { variable: 'X_CA_FILE', given: true } })?.hint).toBe(
      'point X_CA_FILE at the CA that signed it, and connect by a host name the certificate names',
    );
  });

  it('names the client certificate variable and the port, each with its own hint', () => {
    expect(tlsSetupError(refused, base, fixes)).toMatchObject({
      variable: 'X_CERT_FILE',
      reason: 'refused the TLS connection (TLS: the server wants a client certificate)',
      hint: 'set X_CERT_FILE',
    });
    expect(tlsSetupError(plaintext, base, fixes)).toMatchObject({
      variable: 'X_URL',
      reason: 'does not speak TLS on this port (TLS: wrong version number)',
      hint: 'use the TLS port',
    });
  });

  it('leaves to the caller what its fixes do not cover, and every other failure', () => {
    const { ca: _ca, protocol: _p, ...clientOnly } = fixes;
    expect(tlsSetupError(untrusted, base, clientOnly)).toBeUndefined();
    expect(tlsSetupError(plaintext, base, clientOnly)).toBeUndefined();
    expect(tlsSetupError(down, base, fixes)).toBeUndefined();
    expect([untrusted, refused, plaintext, down].map(isTlsSetupError)).toEqual([true, true, true, false]);
  });
});
