import { DependencyConfigError, type DependencyFailure } from './dependency-errors';
import {
  describeConnectionError,
  isCertificateError,
  isClientCertificateError,
  isTlsProtocolError,
} from './network-errors';

/** Whether a connection failed on TLS in a way only other settings can fix (never a retry). */
export function isTlsSetupError(err: unknown): boolean {
  return isCertificateError(err) || isClientCertificateError(err) || isTlsProtocolError(err);
}

/** Which of a service's settings fix each TLS failure, for tlsSetupError's messages. */
export interface TlsFixes {
  /**
   * The variable naming the CA file, and whether one is given (the hint then says to point it at
   * another CA). Absent: the caller explains an untrusted certificate itself.
   */
  ca?: { variable: string; given: boolean };
  /** A client certificate the server refused (or wanted and did not get). */
  clientCertificate: { variable: string; hint: string };
  /** A port that does not speak TLS. Absent: the caller reports it its own way. */
  protocol?: { variable: string; hint: string };
}

/**
 * The DependencyConfigError (exit 2) for a TLS failure of `err` that `fixes` covers, checked in this
 * order: a server certificate we do not trust, a client certificate the server refused, a port that
 * does not speak TLS. Undefined when `err` is none of them.
 */
export function tlsSetupError(
  err: unknown,
  base: Pick<DependencyFailure, 'service' | 'address' | 'cause'>,
  fixes: TlsFixes,
): DependencyConfigError | undefined {
  if (fixes.ca && isCertificateError(err)) {
    const { variable, given } = fixes.ca;
    return new DependencyConfigError({
      ...base,
      variable,
      reason: `presented a certificate we do not trust (${describeConnectionError(err)})`,
      hint: `${given ? `point ${variable} at` : `set ${variable} to`} the CA that signed it, and connect by a host name the certificate names`,
    });
  }
  if (isClientCertificateError(err)) {
    return new DependencyConfigError({
      ...base,
      ...fixes.clientCertificate,
      reason: `refused the TLS connection (${describeConnectionError(err)})`,
    });
  }
  if (fixes.protocol && isTlsProtocolError(err)) {
    return new DependencyConfigError({
      ...base,
      ...fixes.protocol,
      reason: `does not speak TLS on this port (${describeConnectionError(err)})`,
    });
  }
  return undefined;
}
