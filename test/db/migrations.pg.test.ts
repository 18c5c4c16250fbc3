// PostgreSQL half of migrations.test.ts. Guards the migrations: (a/b) prisma/<provider>/migrations still produce exactly the composed schema
// (a model edited without `scripts/migration-create.ts` fails here), and (c) the runtime migrator
// behaves like `prisma migrate deploy`, including several processes starting at once.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { applyMigrations } from '../../src/db/migrate';
import { diffMigrationsToSchema, migrationsDirFor } from '../../scripts/lib/schema-engine';
import { concurrentStarts, fixtureMigrations, HOLDINGS_AFTER, HOLDINGS_BEFORE, laterThan, migrationsBefore, names } from './migration-fixtures';

// The postgresql project hands over this run's own database (test/support/global-setup.ts).
const pgRun = inject('sgPostgres')!;
const PG_URL = pgRun.url;
const SCHEMA_PREFIX = pgRun.schemaPrefix;
const HINT = 'prisma/models changed without a migration: run `npx tsx scripts/migration-create.ts --name <what_changed>`';
const tmp = mkdtempSync(path.join(tmpdir(), 'sg-migrations-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('postgresql: drift check and runtime migrator (fresh schema per test)', () => {
  it('migrations produce prisma/postgresql/schema.prisma', async () => {
    // The engine's shadow database is a throwaway sg_shadow_* database on PG_URL's server.
    expect(await diffMigrationsToSchema({ provider: 'postgresql', shadowServerUrl: PG_URL }), HINT).toBeNull();
  });

  const schemas: string[] = [];
  const freshSchemaUrl = () => {
    const u = new URL(PG_URL);
    const schema = `${SCHEMA_PREFIX}mig_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    schemas.push(schema);
    u.searchParams.set('schema', schema);
    return { url: u.toString(), schema };
  };
  afterAll(async () => {
    if (!schemas.length) return;
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
    await c.end();
  });

  it('inbox_holdings counts what each inbox already held', async () => {
    const { url, schema } = freshSchemaUrl();
    await applyMigrations({ url, migrationsDir: migrationsBefore('postgresql', 'inbox_holdings') });
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    try {
      await c.query(`SET search_path TO "${schema}"`);
      await c.query(HOLDINGS_BEFORE);
      expect((await applyMigrations({ url })).applied).toEqual([expect.stringMatching(/_inbox_holdings$/), ...laterThan('inbox_holdings', 'postgresql')]);
      const rows = await c.query('SELECT "id", "heldMessages", "heldBytes"::int AS "heldBytes" FROM "Inbox" ORDER BY "id"');
      expect(rows.rows).toEqual(HOLDINGS_AFTER);
    } finally {
      await c.end();
    }
  });

  it('migrates a fresh schema, is idempotent, and the generated client works', async () => {
    const { url, schema } = freshSchemaUrl();
    const expected = names(migrationsDirFor('postgresql'));
    expect((await applyMigrations({ url })).applied).toEqual(expected);
    expect((await applyMigrations({ url })).applied).toEqual([]);

    const { PrismaClient } = await import('../../src/generated/postgresql/client');
    const { PrismaPg } = await import('@prisma/adapter-pg');
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: PG_URL }, { schema }) });
    try {
      await prisma.owner.create({ data: { id: 'o1', name: 'acme' } });
      expect(await prisma.owner.count()).toBe(1);
      const rows = await prisma.$queryRawUnsafe<{ applied_steps_count: number; finished_at: Date | null }[]>(
        `SELECT applied_steps_count, finished_at FROM "${schema}"._prisma_migrations`,
      );
      expect(rows).toHaveLength(expected.length);
      for (const r of rows) expect(r).toMatchObject({ applied_steps_count: 1, finished_at: expect.any(Date) });
    } finally {
      await prisma.$disconnect();
    }
  });

  it('4 processes starting at once apply each migration exactly once', async () => {
    const dir = fixtureMigrations('postgresql');
    const { url, schema } = freshSchemaUrl();
    const applied = (await concurrentStarts(4, url, dir)).flat();
    expect(applied.sort()).toEqual(names(dir));
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    const { rows } = await c.query(`SELECT migration_name FROM "${schema}"._prisma_migrations ORDER BY 1`);
    await c.end();
    expect(rows.map((r) => r.migration_name)).toEqual(names(dir));
  });
});
