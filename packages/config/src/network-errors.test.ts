import {
  describeConnectionError,
  isCertificateError,
  isClientCertificateError,
  isTlsProtocolError,
  networkErrorCode,
} from './network-errors';

function nodeError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

describe('connection errors', () => {
  it('reads the socket error through the wrappers clients put around it', () => {
    const socket = nodeError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5999');
    const kafkajs = Object.assign(new Error('Connection error'), { name: 'KafkaJSConnectionError', cause: socket });
    const retries = Object.assign(new Error('retries exceeded'), { originalError: kafkajs });
    expect(networkErrorCode(retries)).toBe('ECONNREFUSED');
    expect(describeConnectionError(retries)).toBe('connection refused');
  });

  it('tells a certificate we do not trust from a port that does not speak TLS', () => {
    const cert = nodeError('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain');
    expect(isCertificateError(cert)).toBe(true);
    expect(isTlsProtocolError(cert)).toBe(false);
    expect(describeConnectionError(cert)).toBe('TLS: self-signed certificate in certificate chain');
    const plain = nodeError('ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version number');
    expect(isTlsProtocolError(plain)).toBe(true);
    expect(isCertificateError(plain)).toBe(false);
  });

  it('says so when the server wants or refuses our client certificate, without the OpenSSL dump', () => {
    const alert = nodeError(
      'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
      '80BCC863C07F0000:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 116',
    );
    expect(isClientCertificateError(alert)).toBe(true);
    expect(isCertificateError(alert)).toBe(false);
    expect(describeConnectionError(alert)).toBe('TLS: the server wants a client certificate');
  });

  it("falls back to the first line of the error's message", () => {
    expect(describeConnectionError(new Error('the database system is starting up\nmore'))).toBe(
      'the database system is starting up',
    );
    expect(describeConnectionError({ code: 'ETIMEDOUT' })).toBe('connect timed out');
  });

  it('survives a cause that points back at itself', () => {
    const e = new Error('loop') as Error & { cause?: unknown };
    e.cause = e;
    expect(describeConnectionError(e)).toBe('loop');
  });
});
