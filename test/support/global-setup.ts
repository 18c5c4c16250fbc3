// globalSetup of the `postgresql` vitest project (see vitest.config.mts): finds PostgreSQL once per
// run (test/support/postgres.ts), creates the run's own database sg_test_<pid>_<random>, hands it to
// the workers as inject('sgPostgres') and drops it (and stops a throwaway cluster) at teardown.
// Each test server then gets its own schema in it (test/support/database.ts).
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { findPostgres, type FoundPostgres, type PostgresRun, processAlive, redact, SKIP_LINE } from './postgres';

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;
const quoteLiteral = (s: string) => `'${s.replace(/'/g, "''")}'`;

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
    await withClient(found.adminUrl, async (c) => {
      if (found.source !== 'throwaway') await dropOrphans(c);
      await c.query(`CREATE DATABASE ${quoteIdent(name)}`);
      await c.query(`COMMENT ON DATABASE ${quoteIdent(name)} IS ${quoteLiteral(`${RUN_NOTE} host=${hostname()} pid=${process.pid} started=${new Date().toISOString()}`)}`);
    });
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
        await dropDatabase(c, name);
      }),
  };
}

async function dropDatabase(c: pg.Client, name: string): Promise<void> {
  // Pools a test forgot to close would block the drop (WITH (FORCE) alone would need PostgreSQL 13+).
  await c
    .query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name])
    .catch(() => {}); // another role's sessions: then the DROP below says so
  await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
}

const RUN_NOTE = 'sessions-gateway test run';

/**
 * Databases of earlier runs on this host whose vitest process is gone (killed before its teardown).
 * Only this host's: a pid says nothing about another machine or container.
 */
async function dropOrphans(c: pg.Client): Promise<void> {
  const { rows } = await c.query<{ datname: string; note: string | null }>(
    `SELECT datname, shobj_description(oid, 'pg_database') AS note FROM pg_database WHERE datname LIKE 'sg\\_test\\_%'`,
  );
  for (const { datname, note } of rows) {
    const m = note && new RegExp(`^${RUN_NOTE} host=(\\S+) pid=(\\d+) `).exec(note);
    if (!m || m[1] !== hostname() || processAlive(Number(m[2]))) continue;
    await dropDatabase(c, datname).then(
      () => console.log(`PostgreSQL tests: dropped ${datname}, left behind by an interrupted run (pid ${m[2]})`),
      () => {},
    );
  }
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
