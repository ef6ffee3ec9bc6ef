import { ConfigError } from './config-error';
import { checkPemFile } from './pem-file';

export interface RedisTlsFiles {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

/**
 * The TLS files for REDIS_URL, checked: they apply to a rediss:// URL only (setting them for a
 * plaintext redis:// URL is a mistake worth stopping for), the client certificate and key come
 * together, and each is a readable PEM file.
 */
export function redisTlsFiles(redisUrl: string, files: RedisTlsFiles): RedisTlsFiles {
  const given = (Object.entries(files) as [keyof RedisTlsFiles, string | undefined][]).filter(([, v]) => v);
  if (given.length === 0) return {};
  const variable = { caFile: 'REDIS_TLS_CA_FILE', certFile: 'REDIS_TLS_CERT_FILE', keyFile: 'REDIS_TLS_KEY_FILE' };
  if (!redisUrl.startsWith('rediss://')) {
    const first = variable[given[0]![0]];
    throw new ConfigError(first, `${first} is set but REDIS_URL is not a rediss:// URL: use rediss:// for TLS`);
  }
  if (Boolean(files.certFile) !== Boolean(files.keyFile)) {
    const missing = files.certFile ? 'REDIS_TLS_KEY_FILE' : 'REDIS_TLS_CERT_FILE';
    throw new ConfigError(missing, 'REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE go together: set both or neither');
  }
  const out: RedisTlsFiles = {};
  if (files.caFile) {
    checkPemFile(variable.caFile, variable.caFile, files.caFile, 'certificate');
    out.caFile = files.caFile;
  }
  if (files.certFile && files.keyFile) {
    checkPemFile(variable.certFile, variable.certFile, files.certFile, 'certificate');
    checkPemFile(variable.keyFile, variable.keyFile, files.keyFile, 'private key');
    out.certFile = files.certFile;
    out.keyFile = files.keyFile;
  }
  return out;
}
