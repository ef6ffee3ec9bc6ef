import { ApiKeyIndex, ApiKeysFileError, createApiKey, findApiKey, parseApiKeys, sha256Hex } from './api-keys';

describe('API keys', () => {
  it('creates a key whose digest is the entry, and finds it', () => {
    const { key, entry } = createApiKey('crm', ['profiles:read']);
    expect(entry).toEqual({ name: 'crm', sha256: sha256Hex(key), scopes: ['profiles:read'] });
    const other = createApiKey('bi', ['profiles:read', 'profiles:read-pii']);
    expect(findApiKey([other.entry, entry], key)).toEqual(entry);
    expect(findApiKey([other.entry, entry], `${key}x`)).toBeUndefined();
  });

  it.each([
    ['not json', 'is not JSON'],
    ['{}', 'entry (root)'],
    ['[{"name":"a","sha256":"00","scopes":["profiles:read"]}]', 'entry 0.sha256'],
    [`[{"name":"a","sha256":"${'0'.repeat(64)}","scopes":["admin"]}]`, 'entry 0.scopes.0'],
    [
      `[{"name":"a","sha256":"${'0'.repeat(64)}","scopes":["profiles:read"]},{"name":"a","sha256":"${'1'.repeat(64)}","scopes":["profiles:read"]}]`,
      'appears twice',
    ],
  ])('refuses %s', (text, message) => {
    expect(() => parseApiKeys(text)).toThrow(ApiKeysFileError);
    expect(() => parseApiKeys(text)).toThrow(message);
  });
});

describe('ApiKeyIndex', () => {
  it('finds what findApiKey finds, the first time and again', () => {
    const a = createApiKey('crm', ['profiles:read']);
    const b = createApiKey('bi', ['profiles:read', 'profiles:read-pii']);
    const index = new ApiKeyIndex([b.entry, a.entry]);
    for (let i = 0; i < 3; i++) {
      expect(index.find(a.key)).toEqual(a.entry);
      expect(index.find(b.key)).toEqual(b.entry);
      expect(index.find(`${a.key}x`)).toBeUndefined();
      expect(index.find('')).toBeUndefined();
    }
  });
});
