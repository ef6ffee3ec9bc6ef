import { randomBytes } from 'node:crypto';
import { createPool, migrate } from '@cdp360/postgres';
import pg from 'pg';

/** The server the test databases are created on; its own database is only used to issue CREATE DATABASE. */
export const ADMIN_DATABASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  /** cdp_t_<random>. */
  name: string;
  url: string;
  pool: pg.Pool;
  /** Closes the pool and drops the database (connections still open are terminated). */
  drop(): Promise<void>;
}

function urlFor(name: string): string {
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL, application_name: 'cdp-test-admin' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabaseOptions {
  /** Run the migrations (default true). */
  migrate?: boolean;
  /**
   * An ICU locale for the database's default collation (e.g. `en-US`), to prove that a query does
   * not depend on the server's default (often C or C.UTF-8, where text order is byte order anyway).
   */
  icuLocale?: string;
}

/**
 * A fresh database with a random name on the test server, migrated to the latest schema unless
 * `migrate: false`. Isolates a test file from every other one; call drop() when done.
 */
export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const name = `cdp_t_${randomBytes(6).toString('hex')}`;
  let locale = '';
  if (options.icuLocale !== undefined) {
    if (!/^[A-Za-z0-9-]+$/.test(options.icuLocale)) throw new Error(`not an ICU locale: ${options.icuLocale}`);
    locale = ` TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE '${options.icuLocale}'`;
  }
  // The name is generated here from hex digits only and the locale checked above, so both are safe
  // to put in the statement (CREATE DATABASE takes no parameters).
  await admin((c) => c.query(`CREATE DATABASE ${name}${locale}`));
  const url = urlFor(name);
  const pool = createPool(url, { applicationName: 'cdp-test', max: 4 });
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    await pool.end();
    await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  };
  try {
    if (options.migrate !== false) await migrate(pool);
  } catch (err) {
    await drop();
    throw err;
  }
  return { name, url, pool, drop };
}

/**
 * Registers beforeAll/afterAll hooks giving the calling test file its own migrated database. The
 * returned handle's fields are usable inside tests and hooks (not at module load).
 */
export function withDatabase(options: TestDatabaseOptions = {}): TestDatabase {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await createTestDatabase(options);
  });
  afterAll(async () => {
    await db?.drop();
  });
  const current = (): TestDatabase => {
    if (!db) throw new Error('withDatabase(): the database exists only inside tests and hooks');
    return db;
  };
  return {
    get name() {
      return current().name;
    },
    get url() {
      return current().url;
    },
    get pool() {
      return current().pool;
    },
    drop: () => current().drop(),
  };
}
