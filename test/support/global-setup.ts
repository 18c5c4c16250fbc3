// globalSetup of the `postgresql` vitest project (see vitest.config.mts): finds PostgreSQL once per
// run (test/support/postgres.ts), creates the run's own database sg_test_<pid>_<random>, hands it to
// the workers as inject('sgPostgres') and drops it (and stops a throwaway cluster) at teardown.
// Each test server then gets its own schema in it (test/support/database.ts).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { findPostgres, type FoundPostgres, type PostgresRun, redact, SKIP_LINE } from './postgres';

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  u.searchParams.delete('schema');
  return u.toString();
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const u = new URL(url);
  u.searchParams.delete('schema');
  const c = new pg.Client({ connectionString: u.toString(), connectionTimeoutMillis: 10_000 });
  c.on('error', () => {});
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => {});
  }
}

interface RunDatabase {
  run: PostgresRun;
  description: string;
  drop(): Promise<void>;
}

/**
 * The run's own database. A TEST_DATABASE_URL whose role may not create databases is used as is,
 * with this run's schemas swept at the end instead.
 */
async function createRunDatabase(found: FoundPostgres, tag: string): Promise<RunDatabase> {
  const name = `sg_test_${process.pid}_${tag}`;
  const schemaPrefix = `t_${tag}_`;
  try {
    await withClient(found.adminUrl, (c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`));
  } catch (e) {
    if (found.source !== 'env' || (e as { code?: string }).code !== '42501') throw e;
    return {
      run: { url: withDatabase(found.adminUrl, new URL(found.adminUrl).pathname.slice(1)), schemaPrefix },
      description: `its database (no CREATEDB: schemas ${schemaPrefix}* are dropped afterwards)`,
      drop: () =>
        withClient(found.adminUrl, async (c) => {
          const { rows } = await c.query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)`, [schemaPrefix]);
          for (const r of rows) await c.query(`DROP SCHEMA IF EXISTS ${quoteIdent(r.nspname)} CASCADE`);
        }),
    };
  }
  return {
    run: { url: withDatabase(found.adminUrl, name), schemaPrefix },
    description: `database ${name}`,
    drop: () =>
      withClient(found.adminUrl, async (c) => {
        // Pools a test forgot to close would block the drop; WITH (FORCE) alone needs PostgreSQL 13+.
        await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
        await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
      }),
  };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = (msg: string) => console.log(msg);
  const found = await findPostgres(log);
  if (!found) {
    // vitest.config.mts leaves this project out when none of the three is possible, so this is a
    // server that went away in between: fail rather than skip.
    throw new Error(`PostgreSQL went away after vitest.config.mts found it: ${SKIP_LINE.replace(/^.*?: /, '')}`);
  }
  let db: RunDatabase;
  try {
    db = await createRunDatabase(found, randomBytes(4).toString('hex'));
  } catch (e) {
    await found.stop?.();
    throw e;
  }
  project.provide('sgPostgres', db.run);
  log(`PostgreSQL tests: ${found.source} server ${redact(found.adminUrl)}, ${db.description}`);

  return async () => {
    try {
      await db.drop();
    } finally {
      await found.stop?.();
    }
  };
}
