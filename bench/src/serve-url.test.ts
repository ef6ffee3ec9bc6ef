import { socketDatabaseUrl } from './serve';

describe('socketDatabaseUrl', () => {
  it('keeps the user, database, port and parameters and points pg at the socket directory', () => {
    const url = socketDatabaseUrl(
      'postgres://postgres:pw@127.0.0.1:5433/cdp_bench_1?application_name=x',
      '/var/run/postgresql',
    );
    const u = new URL(url);
    expect([u.username, u.password, u.hostname, u.port, u.pathname]).toEqual([
      'postgres',
      'pw',
      'localhost',
      '5433',
      '/cdp_bench_1',
    ]);
    expect(u.searchParams.get('host')).toBe('/var/run/postgresql');
    expect(u.searchParams.get('application_name')).toBe('x');
  });
});
