import { redactUrl } from './redact-url';

describe('redactUrl', () => {
  it('drops the user name and password', () => {
    expect(redactUrl('postgres://cdp:s3cret@db.example:5432/prod')).toBe('postgres://db.example:5432/prod');
    expect(redactUrl('rediss://default:p%40ss@cache:6380/2')).toBe('rediss://cache:6380/2');
    expect(redactUrl('redis://:only-a-password@127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });

  it('keeps sslmode and leaves out every other query parameter, which may hold a secret', () => {
    expect(redactUrl('postgres://db/x?password=p&sslmode=verify-full&sslkey=/k.pem&uselibpqcompat=true')).toBe(
      'postgres://db/x?sslmode=verify-full',
    );
  });

  it('never echoes a string it cannot parse (it may be a secret pasted in the wrong place)', () => {
    expect(redactUrl('not a url s3cret')).toBe('(invalid URL)');
  });
});
