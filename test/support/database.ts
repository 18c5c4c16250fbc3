import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import type { PostgresRun } from './postgres';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

export type TestEngine = 'sqlite' | 'postgresql';

/** The engine of the vitest project running this file (vitest.config.mts sets SG_TEST_ENGINE). */
export function testEngine(): TestEngine {
  return process.env.SG_TEST_ENGINE === 'postgresql' ? 'postgresql' : 'sqlite';
}

/**
 * A fresh database for one test server: a SQLite file in a temp folder, or (postgresql project) a
 * schema `t_<random>` in this run's PostgreSQL database, created by test/support/global-setup.ts.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  return testEngine() === 'postgresql' ? createPostgresSchema() : createSqliteFile();
}

async function createSqliteFile(): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'sg-test-'));
  return {
    url: `file:${join(dir, `sessions-${randomBytes(4).toString('hex')}.db`)}`,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function createPostgresSchema(): Promise<TestDatabase> {
  const run: PostgresRun | undefined = inject('sgPostgres');
  if (!run) throw new Error('SG_TEST_ENGINE=postgresql, but no PostgreSQL run database was provided: run the tests through vitest.config.mts (its postgresql project)');
  const schema = `${run.schemaPrefix}${randomBytes(6).toString('hex')}`;
  const onRunDb = (sql: string) => withClient(run.url, (c) => c.query(sql));
  // Created here, not only by the migrator, so the URL is usable whatever the test does with it.
  await onRunDb(`CREATE SCHEMA "${schema}"`);
  const url = new URL(run.url);
  url.searchParams.set('schema', schema);
  return {
    url: url.toString(),
    drop: async () => {
      await onRunDb(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    },
  };
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  c.on('error', () => {});
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => {});
  }
}
