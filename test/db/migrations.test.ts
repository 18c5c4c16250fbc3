// Guards the migrations: (a/b) prisma/<provider>/migrations still produce exactly the composed schema
// (a model edited without `scripts/migration-create.ts` fails here), and (c) the runtime migrator
// behaves like `prisma migrate deploy`, including several processes starting at once.
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { applyMigrations } from '../../src/db/migrate';
import { diffMigrationsToSchema, migrationsDirFor, ROOT, type Provider } from '../../scripts/lib/schema-engine';

// vitest.config.mts runs every file once per engine (SG_TEST_ENGINE=sqlite|postgresql): each project
// runs its engine's half. Without a project (engine unset) both halves run here.
const ENGINE = process.env.SG_TEST_ENGINE;
const runSqlite = ENGINE !== 'postgresql';
const runPg = ENGINE !== 'sqlite';
// The postgresql project hands over this run's own database; standalone, find a server ourselves.
const pgRun = runPg ? inject('sgPostgres') : undefined;
const PG_URL = pgRun?.url || process.env.TEST_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/test';
const SCHEMA_PREFIX = pgRun?.schemaPrefix ?? 'sg_test_';
const HINT = 'prisma/models changed without a migration: run `npx tsx scripts/migration-create.ts --name <what_changed>`';
const tmp = mkdtempSync(path.join(tmpdir(), 'sg-migrations-test-'));
let pgUp = false;

beforeAll(async () => {
  if (!runPg) return;
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  c.on('error', () => {});
  pgUp = await c.connect().then(() => c.query('SELECT 1').then(() => true), () => false);
  await c.end().catch(() => {});
  if (!pgUp) console.warn(`\n!!! PostgreSQL not reachable at ${PG_URL}: SKIPPING the PostgreSQL migration tests !!!\n`);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const skipWithoutPg = (ctx: { skip: () => void }) => {
  if (!pgUp) {
    console.warn(`!!! skipped: no PostgreSQL at ${PG_URL}`);
    ctx.skip();
  }
};

describe.runIf(runSqlite)('migrations match the models', () => {
  it('composed schema files are current', () => {
    // execFileSync throws (failing the test) on exit code 1, with the stale file named in stderr.
    execFileSync(process.execPath, [path.join(ROOT, 'scripts/prisma-schemas.mjs'), '--check'], { stdio: 'pipe' });
  });

  it('sqlite: migrations produce prisma/sqlite/schema.prisma', async () => {
    expect(await diffMigrationsToSchema({ provider: 'sqlite' }), HINT).toBeNull();
  });

  it('the check notices a model change that has no migration', async () => {
    // Guards the guard: a schema with one extra column must produce a non-empty diff.
    const schema = path.join(tmp, 'changed.prisma');
    const original = readFileSync(path.join(ROOT, 'prisma/sqlite/schema.prisma'), 'utf8');
    writeFileSync(schema, original.replace(/model Owner \{/, 'model Owner {\n  extraColumn String?'));
    expect(await diffMigrationsToSchema({ provider: 'sqlite', schemaPath: schema })).toMatch(/ALTER TABLE "Owner" ADD COLUMN "extraColumn"/);
  });
});

// ---- runtime migrator ----------------------------------------------------------------------------

const EXTRA = {
  '20990101000000_extra': 'CREATE TABLE "Extra" ("id" TEXT NOT NULL PRIMARY KEY);\n',
  '20990102000000_extra_note': 'ALTER TABLE "Extra" ADD COLUMN "note" TEXT;\n',
};
/** A few hundred ms of work inside a migration, so concurrent starters really collide in it. */
const SLOW: Record<Provider, string> = {
  sqlite: 'WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 1000000) SELECT count(*) FROM n;\n',
  postgresql: 'SELECT pg_sleep(0.3);\n',
};

/** The real migrations plus a few more, so "each applied exactly once" means something. */
function fixtureMigrations(provider: Provider, extra: Record<string, string> = EXTRA): string {
  const dir = path.join(tmp, `migrations-${provider}-${randomUUID()}`);
  cpSync(migrationsDirFor(provider), dir, { recursive: true });
  for (const [name, sql] of Object.entries({ ...extra, '20990101500000_slow': SLOW[provider] })) {
    mkdirSync(path.join(dir, name));
    writeFileSync(path.join(dir, name, 'migration.sql'), sql);
  }
  return dir;
}
const names = (dir: string) => readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/**
 * Starts `count` real processes that each run applyMigrations, as concurrent app starts would. They
 * wait at a barrier (ready -> stdin "go") so the migrations really overlap instead of being spread
 * out by process start-up time.
 */
async function concurrentStarts(count: number, url: string, migrationsDir: string): Promise<string[][]> {
  const code = `const { applyMigrations } = require(${JSON.stringify(path.join(ROOT, 'src/db/migrate.ts'))});
    console.log('ready');
    process.stdin.once('data', () => applyMigrations({ url: process.env.URL, migrationsDir: process.env.DIR })
      .then((r) => console.log(JSON.stringify(r.applied)), (e) => { console.error(e); process.exitCode = 1; }));`;
  const children = Array.from({ length: count }, () => {
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', '-e', code], { cwd: ROOT, env: { ...process.env, URL: url, DIR: migrationsDir } });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const ready = new Promise<void>((resolve) =>
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('ready\n')) resolve();
      }),
    );
    const done = new Promise<string[]>((resolve, reject) =>
      child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!)) : reject(new Error(`child exited ${code}: ${err}`)))),
    );
    return { child, ready, done };
  });
  await Promise.all(children.map((c) => c.ready));
  for (const c of children) c.child.stdin.end('go\n');
  return Promise.all(children.map((c) => c.done));
}

describe.runIf(runSqlite)('runtime migrator: sqlite', () => {
  it('migrates a fresh file, records like Prisma, and is idempotent', async () => {
    const dir = fixtureMigrations('sqlite');
    const file = path.join(tmp, 'nested/dir/fresh.db'); // parent dirs do not exist yet
    const url = `file:${path.relative(process.cwd(), file)}`; // relative to cwd, like file:./data/x.db
    expect((await applyMigrations({ url, migrationsDir: dir })).applied).toEqual(names(dir));

    const db = new Database(file, { readonly: true });
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['Owner', 'ApiKey', 'Session', 'Inbox', 'Message', 'Wait', 'Event', 'ReplayStep', 'Extra']));
    const rows = db.prepare('SELECT * FROM _prisma_migrations ORDER BY migration_name').all() as Record<string, unknown>[];
    db.close();
    expect(rows.map((r) => r.migration_name)).toEqual(names(dir));
    for (const r of rows) {
      expect(r.checksum).toBe(sha256(path.join(dir, String(r.migration_name), 'migration.sql')));
      expect(r.finished_at).toMatch(/^\d{4}-\d\d-\d\dT.*\+00:00$/);
      expect(r.applied_steps_count).toBe(1);
      expect(r.rolled_back_at).toBeNull();
    }

    expect((await applyMigrations({ url, migrationsDir: dir })).applied).toEqual([]);
  });

  it('uses prisma/sqlite/migrations by default, and the generated client works on the result', async () => {
    const url = `file:${path.join(tmp, 'default-dir.db')}`;
    expect((await applyMigrations({ url })).applied).toEqual(names(migrationsDirFor('sqlite')));
    const { PrismaClient } = await import('../../src/generated/sqlite/client');
    const { PrismaBetterSqlite3 } = await import('@prisma/adapter-better-sqlite3');
    const prisma = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url }) });
    try {
      await prisma.owner.create({ data: { id: 'o1', name: 'acme' } });
      expect(await prisma.owner.findUnique({ where: { id: 'o1' } })).toMatchObject({ name: 'acme' });
    } finally {
      await prisma.$disconnect();
    }
  });

  it('refuses an applied migration whose file changed, and a failed one', async () => {
    const dir = fixtureMigrations('sqlite');
    const file = path.join(tmp, `tamper-${randomUUID()}.db`);
    await applyMigrations({ url: `file:${file}`, migrationsDir: dir });
    const sql = path.join(dir, '20990101000000_extra', 'migration.sql');
    writeFileSync(sql, readFileSync(sql, 'utf8') + '-- edited\n');
    await expect(applyMigrations({ url: `file:${file}`, migrationsDir: dir })).rejects.toThrow(/20990101000000_extra.*checksum mismatch/);

    const db = new Database(file);
    db.prepare(`UPDATE _prisma_migrations SET finished_at = NULL WHERE migration_name = '20990102000000_extra_note'`).run();
    db.close();
    await expect(applyMigrations({ url: `file:${file}`, migrationsDir: dir })).rejects.toThrow(/20990102000000_extra_note failed earlier/);
  });

  it('rolls back a failing migration and keeps the ones before it', async () => {
    const dir = fixtureMigrations('sqlite', { ...EXTRA, '20990103000000_broken': 'CREATE TABLE "Half" ("id" TEXT);\nNOT SQL;\n' });
    const file = path.join(tmp, `broken-${randomUUID()}.db`);
    await expect(applyMigrations({ url: `file:${file}`, migrationsDir: dir })).rejects.toThrow(/20990103000000_broken failed and was rolled back/);
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT migration_name FROM _prisma_migrations').pluck().all()).toHaveLength(names(dir).length - 1);
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE name = 'Half'`).get()).toBeUndefined();
    db.close();
  });

  it('4 processes starting at once apply each migration exactly once', async () => {
    const dir = fixtureMigrations('sqlite');
    const file = path.join(tmp, `concurrent-${randomUUID()}.db`);
    const applied = (await concurrentStarts(4, `file:${file}`, dir)).flat();
    expect(applied.sort()).toEqual(names(dir));
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT migration_name FROM _prisma_migrations ORDER BY 1').pluck().all()).toEqual(names(dir));
    db.close();
  });
});

describe.runIf(runPg)('postgresql: drift check and runtime migrator (fresh schema per test)', () => {
  it('migrations produce prisma/postgresql/schema.prisma', async (ctx) => {
    skipWithoutPg(ctx);
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
    if (!pgUp || !schemas.length) return;
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
    await c.end();
  });

  it('migrates a fresh schema, is idempotent, and the generated client works', async (ctx) => {
    skipWithoutPg(ctx);
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

  it('4 processes starting at once apply each migration exactly once', async (ctx) => {
    skipWithoutPg(ctx);
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
