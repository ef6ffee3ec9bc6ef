import Module from 'node:module';
import path from 'node:path';
import type { Logger } from '@cdp360/config';
import pg from 'pg';
import type PostgratorType from 'postgrator';
import { inTransaction, withTransaction } from './transaction';

/** schemas/sql at the repository root, the same from src/ (ts, Jest) and from dist/ (built). */
export const MIGRATIONS_DIR = path.resolve(__dirname, '../../../schemas/sql');

/** Version table kept by postgrator; unqualified like the tables the migrations create. */
const SCHEMA_TABLE = 'schemaversion';

/** Advisory lock key held while migrating, so that two `cdp migrate` runs cannot interleave. */
const MIGRATE_LOCK_KEY = 3_600_001;

export interface AppliedMigration {
  version: number;
  name: string;
}

export interface MigrateResult {
  /** Migrations applied by this call, in order; empty when the database was already current. */
  applied: AppliedMigration[];
  /** The schema version after the call. */
  version: number;
}

export interface MigrateOptions {
  logger?: Pick<Logger, 'info'>;
  /** Folder of `NNN.do.name.sql` files; the repository's schemas/sql by default. */
  migrationsDir?: string;
}

type PostgratorCtor = typeof PostgratorType;

/**
 * postgrator 8 is published as an ES module only. Node >= 20.19 can require() it, but Jest's module
 * registry refuses ES modules (before Node 24.9) and this package also runs under Jest, so it is
 * loaded through Node's own CommonJS loader, which Jest does not wrap.
 */
function loadPostgrator(): PostgratorCtor {
  const load = (Module as unknown as { _load(request: string, parent: unknown, isMain: boolean): unknown })._load;
  const mod = load(require.resolve('postgrator'), null, false) as { default?: PostgratorCtor } & PostgratorCtor;
  return mod.default ?? mod;
}

/**
 * Brings the database to the latest migration in schemas/sql. Idempotent: a current database is left
 * as is, and so is one at a later version than the files know of. All pending migrations run in one
 * transaction under an advisory lock, so a failure leaves the database at its previous version and
 * concurrent runs apply each migration once. (A migration therefore cannot use statements that refuse
 * transactions, like CREATE INDEX CONCURRENTLY.) Checksums of applied migrations are verified: an
 * edited, already applied file is an error.
 */
export async function migrate(db: pg.Pool | string, options: MigrateOptions = {}): Promise<MigrateResult> {
  if (typeof db !== 'string') return withTransaction(db, (conn) => migrateIn(conn, options));
  const client = new pg.Client({ connectionString: db, application_name: 'cdp360-migrate' });
  await client.connect();
  try {
    // A one-off connection: a failed ROLLBACK needs nothing more, the connection ends here anyway.
    return await inTransaction(client, (conn) => migrateIn(conn, options));
  } finally {
    await client.end();
  }
}

/** The migration itself, inside the caller's transaction on `conn`. */
async function migrateIn(conn: pg.ClientBase, options: MigrateOptions): Promise<MigrateResult> {
  const { rows } = await conn.query<{ db: string }>('SELECT current_database() AS db');
  const Postgrator = loadPostgrator();
  const postgrator = new Postgrator({
    migrationPattern: path.join(options.migrationsDir ?? MIGRATIONS_DIR, '*.sql'),
    driver: 'pg',
    database: rows[0]!.db,
    schemaTable: SCHEMA_TABLE,
    newline: 'LF',
    execQuery: (query) => conn.query(query),
    execSqlScript: async (script) => {
      await conn.query(script);
    },
  });
  postgrator.on('migration-finished', (m) =>
    options.logger?.info({ version: m.version, migration: m.name }, 'migration applied'),
  );

  await conn.query('SELECT pg_advisory_xact_lock($1)', [MIGRATE_LOCK_KEY]);
  const current = await postgrator.getDatabaseVersion();
  const latest = await postgrator.getMaxVersion();
  // Never downward: an older build migrating a database that a newer one has moved on leaves it
  // alone (postgrator would run undo scripts to reach its own latest version). Checksums of what
  // was applied are checked either way (postgrator.migrate checks them too).
  let applied: PostgratorType.Migration[] = [];
  if (latest > current) applied = await postgrator.migrate(String(latest));
  else await postgrator.validateMigrations(current);
  const version = await postgrator.getDatabaseVersion();
  return { applied: applied.map((m) => ({ version: m.version, name: m.name })), version };
}
