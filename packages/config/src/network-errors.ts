/** Node's socket error codes, as a user reads them. */
const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connect timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed',
};

/**
 * TLS errors that mean "the server's certificate is not one we trust" (Node's codes): the fix is the
 * CA file or the host name, never a retry.
 */
const CERTIFICATE_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * TLS alerts from a server that refused our client certificate, or wanted one and got none (OpenSSL's
 * reasons as Node codes them).
 */
const CLIENT_CERTIFICATE_CODES: Record<string, string> = {
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: 'the server wants a client certificate',
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: 'the server refused our client certificate',
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN: 'the server refused our client certificate',
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: 'the server does not trust the CA of our client certificate',
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED: 'the server says our client certificate has expired',
};

/** TLS errors that mean "this port does not speak TLS" (or speaks it where we do not). */
const PROTOCOL_CODES = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'EPROTO']);

/** The error and its causes, outermost first (clients wrap socket errors in their own). */
export function errorChain(err: unknown): unknown[] {
  const chain: unknown[] = [];
  let e: unknown = err;
  while (e !== undefined && e !== null && chain.length < 8 && !chain.includes(e)) {
    chain.push(e);
    const next = e as { cause?: unknown; originalError?: unknown };
    e = next.cause ?? next.originalError;
  }
  return chain;
}

function codeOf(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The first Node error code in the chain that says what happened to the socket, if any. */
export function networkErrorCode(err: unknown): string | undefined {
  for (const e of errorChain(err)) {
    const code = codeOf(e);
    if (code && (code in NETWORK_REASONS || CERTIFICATE_CODES.has(code) || PROTOCOL_CODES.has(code))) return code;
  }
  return undefined;
}

/** Whether the server presented a certificate we do not trust (wrong or missing CA, wrong host name). */
export function isCertificateError(err: unknown): boolean {
  return errorChain(err).some((e) => CERTIFICATE_CODES.has(codeOf(e) ?? ''));
}

/** Whether the server refused our client certificate, or wanted one and got none. */
export function isClientCertificateError(err: unknown): boolean {
  return errorChain(err).some((e) => (codeOf(e) ?? '') in CLIENT_CERTIFICATE_CODES);
}

/** Whether TLS met a peer that does not speak it (a plaintext port), or the reverse. */
export function isTlsProtocolError(err: unknown): boolean {
  return errorChain(err).some((e) => PROTOCOL_CODES.has(codeOf(e) ?? ''));
}

/** A short reason for a connection failure: `connection refused`, `certificate: self-signed certificate in chain`. */
export function describeConnectionError(err: unknown): string {
  for (const e of errorChain(err)) {
    const code = codeOf(e);
    if (code && code in NETWORK_REASONS) return NETWORK_REASONS[code]!;
    if (code && code in CLIENT_CERTIFICATE_CODES) return `TLS: ${CLIENT_CERTIFICATE_CODES[code]}`;
    if (code && (CERTIFICATE_CODES.has(code) || PROTOCOL_CODES.has(code))) {
      return `TLS: ${firstLine((e as Error).message)}`;
    }
  }
  return err instanceof Error ? firstLine(err.message) : String(err);
}

function firstLine(s: string): string {
  return (s.split('\n')[0] ?? '').trim() || 'connection failed';
}
