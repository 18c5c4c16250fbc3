// Runtime migrator: applies prisma/<provider>/migrations/*/migration.sql the way `prisma migrate deploy`
// does, with the same `_prisma_migrations` bookkeeping, so the Prisma CLI and this code can take turns
// on one database. Production start runs it, hence plain better-sqlite3/pg: no Prisma CLI, no wasm.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ensureFolderOf } from './sqlite-folder';

import { type Provider, providerOf, sqlitePath } from './url';

export interface ApplyMigrationsOptions {
  /** `file:./data/app.db` (relative to cwd) or `postgresql://…` / `postgres://…` (`?schema=x` honoured). */
  url: string;
  /** Defaults to prisma/<provider>/migrations at the repo root. */
  migrationsDir?: string;
  log?: (msg: string) => void;
}

// src/db and dist/db are both two levels below the repo root, so this works from tsx and from dist.
const ROOT = path.resolve(__dirname, '../..');
/** Prisma's own advisory lock key, so we also serialize against a concurrent `prisma migrate`. */
const PG_LOCK_ID = 72707369;
/** How long a concurrent SQLite starter waits for the one holding the write lock. */
const SQLITE_BUSY_TIMEOUT_MS = 120_000;

interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

/** Folders sorted by name (the CLI's order); checksum = sha256 hex of the file bytes, as Prisma does. */
function readMigrations(dir: string, provider: Provider): MigrationFile[] {
  if (!existsSync(dir)) throw new Error(`Migrations directory not found: ${dir}`);
  const lock = path.join(dir, 'migration_lock.toml');
  const locked = existsSync(lock) ? /provider\s*=\s*"([^"]+)"/.exec(readFileSync(lock, 'utf8'))?.[1] : undefined;
  if (locked && locked !== provider) throw new Error(`${lock} is for provider "${locked}", but the database URL is ${provider}`);
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort((a, b) => a.localeCompare(b))
    .map((name) => {
      const file = path.join(dir, name, 'migration.sql');
      if (!existsSync(file)) throw new Error(`Migration ${name} has no migration.sql (${file})`);
      const bytes = readFileSync(file);
      return { name, sql: bytes.toString('utf8'), checksum: createHash('sha256').update(bytes).digest('hex') };
    });
}

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: unknown;
  rolled_back_at: unknown;
}

/** Pending migrations, after refusing a history that `migrate deploy` would refuse too. */
function pendingMigrations(files: MigrationFile[], rows: MigrationRow[], log: (m: string) => void): MigrationFile[] {
  const live = rows.filter((r) => r.rolled_back_at == null); // rolled-back attempts are audit trail only
  const failed = live.filter((r) => r.finished_at == null).map((r) => r.migration_name);
  if (failed.length) {
    throw new Error(
      `Refusing to migrate: migration(s) ${failed.join(', ')} failed earlier (finished_at and rolled_back_at are null in ` +
        `_prisma_migrations). Fix the database by hand, then mark them with \`prisma migrate resolve\`.`,
    );
  }
  const applied = new Map(live.map((r) => [r.migration_name, r.checksum]));
  const edited = files.filter((f) => applied.has(f.name) && applied.get(f.name) !== f.checksum).map((f) => f.name);
  if (edited.length) {
    throw new Error(
      `Refusing to migrate: applied migration(s) ${edited.join(', ')} were modified after they were applied ` +
        `(checksum mismatch). Restore the original migration.sql and put changes in a new migration.`,
    );
  }
  const known = new Set(files.map((f) => f.name));
  for (const name of applied.keys()) if (!known.has(name)) log(`warning: applied migration ${name} is not in the migrations directory`);
  return files.filter((f) => !applied.has(f.name));
}

const migrationError = (name: string, e: unknown) =>
  new Error(`Migration ${name} failed and was rolled back: ${e instanceof Error ? e.message : String(e)}`, { cause: e });

// ---- SQLite --------------------------------------------------------------------------------------

const SQLITE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

/** Prisma (driver-adapter engine) stores SQLite timestamps as `2024-01-02T03:04:05.678+00:00`. */
const sqliteNow = () => new Date().toISOString().replace('Z', '+00:00');

/**
 * Entirely synchronous on purpose: with no await between BEGIN and COMMIT, several callers in one
 * process cannot interleave, and across processes `BEGIN IMMEDIATE` (+ busy timeout) serializes them.
 */
function applySqlite(url: string, files: MigrationFile[], log: (m: string) => void): string[] {
  const file = sqlitePath(url);
  ensureFolderOf(file);
  const db = new Database(file, { timeout: SQLITE_BUSY_TIMEOUT_MS });
  const applied: string[] = [];
  try {
    // Prisma's table-redefinition scripts rely on foreign keys being off (else DROP TABLE cascades
    // deletes); their own `PRAGMA foreign_keys=OFF` is a no-op inside a transaction, so do it here.
    db.pragma('foreign_keys = OFF');
    // WAL is a property of the database file: set once here, every later connection uses it.
    switchToWal(db);
    db.exec('BEGIN IMMEDIATE'); // the write lock, held for the whole run
    try {
      db.exec(SQLITE_TABLE);
      const rows = db.prepare('SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"').all() as MigrationRow[];
      const insert = db.prepare(
        'INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count) VALUES (?, ?, ?, ?, NULL, NULL, ?, 1)',
      );
      for (const m of pendingMigrations(files, rows, log)) {
        log(`Applying migration ${m.name}`);
        const startedAt = sqliteNow();
        db.exec('SAVEPOINT sg_migration'); // one transaction per migration, nested in the lock
        try {
          db.exec(m.sql);
          const violations = db.pragma('foreign_key_check') as unknown[];
          if (violations.length) throw new Error(`foreign key check failed: ${JSON.stringify(violations.slice(0, 5))}`);
          insert.run(randomUUID(), m.checksum, sqliteNow(), m.name, startedAt);
          db.exec('RELEASE sg_migration');
          applied.push(m.name);
        } catch (e) {
          db.exec('ROLLBACK TO sg_migration');
          db.exec('RELEASE sg_migration');
          db.exec('COMMIT'); // keep the migrations before this one, like separate transactions would
          throw migrationError(m.name, e);
        }
      }
      db.exec('COMMIT');
    } catch (e) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw e;
    }
  } finally {
    db.close();
  }
  return applied;
}

/**
 * `PRAGMA journal_mode = WAL`, retried until the busy timeout. Switching needs an exclusive lock, and while
 * another connection holds the write lock SQLite answers SQLITE_BUSY at once, without waiting in the busy
 * handler (it would deadlock): two instances starting on a new file at the same time hit it.
 */
function switchToWal(db: Database.Database): void {
  const deadline = Date.now() + SQLITE_BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (e) {
      if ((e as { code?: unknown }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw e;
      // Synchronous, as the whole migration run is (see applySqlite).
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 25);
    }
  }
}

// ---- PostgreSQL ----------------------------------------------------------------------------------

const PG_TABLE = `CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
)`;

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

/**
 * One dedicated connection holding Prisma's advisory lock for the whole run: concurrent starters
 * wait, then find everything applied. Each migration runs in its own transaction (unlike Prisma,
 * which runs scripts bare), so statements that refuse transactions (CREATE INDEX CONCURRENTLY)
 * are not supported.
 */
async function applyPostgres(url: string, files: MigrationFile[], log: (m: string) => void): Promise<string[]> {
  const u = new URL(url);
  const schema = u.searchParams.get('schema'); // Prisma's convention, unknown to pg: strip it
  u.searchParams.delete('schema');
  const { Client } = await import('pg');
  const client = new Client({ connectionString: u.toString() });
  await client.connect();
  const applied: string[] = [];
  try {
    await client.query(`SELECT pg_advisory_lock(${PG_LOCK_ID})`);
    try {
      if (schema) {
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`); // under the lock: no race
        await client.query(`SET search_path TO ${quoteIdent(schema)}`);
      }
      await client.query(PG_TABLE);
      const { rows } = await client.query<MigrationRow>('SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations');
      for (const m of pendingMigrations(files, rows, log)) {
        log(`Applying migration ${m.name}`);
        const startedAt = new Date();
        await client.query('BEGIN');
        try {
          await client.query(m.sql); // simple-query protocol: multi-statement scripts are fine
          await client.query(
            `INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
             VALUES ($1, $2, clock_timestamp(), $3, NULL, NULL, $4, 1)`,
            [randomUUID(), m.checksum, m.name, startedAt],
          );
          await client.query('COMMIT');
          applied.push(m.name);
        } catch (e) {
          await client.query('ROLLBACK').catch(() => {});
          throw migrationError(m.name, e);
        }
      }
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${PG_LOCK_ID})`).catch(() => {});
    }
  } finally {
    await client.end();
  }
  return applied;
}

// ---- entry ---------------------------------------------------------------------------------------

export async function applyMigrations(opts: ApplyMigrationsOptions): Promise<{ applied: string[] }> {
  const provider = providerOf(opts.url);
  const log = opts.log ?? (() => {});
  const dir = opts.migrationsDir ?? path.join(ROOT, 'prisma', provider, 'migrations');
  const files = readMigrations(dir, provider); // before touching the database: bad folders fail fast
  const applied = provider === 'sqlite' ? applySqlite(opts.url, files, log) : await applyPostgres(opts.url, files, log);
  log(applied.length ? `Applied ${applied.length} migration(s)` : 'No pending migrations');
  return { applied };
}
