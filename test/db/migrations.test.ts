// Guards the migrations: (a/b) prisma/<provider>/migrations still produce exactly the composed schema
// (a model edited without `scripts/migration-create.ts` fails here), and (c) the runtime migrator
// behaves like `prisma migrate deploy`, including several processes starting at once.
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { applyMigrations } from '../../src/db/migrate';
import { diffMigrationsToSchema, migrationsDirFor, ROOT } from '../../scripts/lib/schema-engine';
import { concurrentStarts, EXTRA, fixtureMigrations, HOLDINGS_AFTER, HOLDINGS_BEFORE, laterThan, migrationsBefore, names, sha256 } from './migration-fixtures';

// The SQLite half; the PostgreSQL half is migrations.pg.test.ts (run by the postgresql project only).
const HINT = 'prisma/models changed without a migration: run `npx tsx scripts/migration-create.ts --name <what_changed>`';
const tmp = mkdtempSync(path.join(tmpdir(), 'sg-migrations-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('migrations match the models', () => {
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
describe('runtime migrator: sqlite', () => {
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

  it('inbox_holdings counts what each inbox already held', async () => {
    const url = `file:${path.join(tmp, `holdings-${randomUUID()}.db`)}`;
    await applyMigrations({ url, migrationsDir: migrationsBefore('sqlite', 'inbox_holdings') });
    const before = new Database(url.slice('file:'.length));
    before.exec(HOLDINGS_BEFORE);
    before.close();
    expect((await applyMigrations({ url, migrationsDir: migrationsDirFor('sqlite') })).applied).toEqual([expect.stringMatching(/_inbox_holdings$/), ...laterThan('inbox_holdings')]);
    const after = new Database(url.slice('file:'.length), { readonly: true });
    expect(after.prepare('SELECT "id", "heldMessages", "heldBytes" FROM "Inbox" ORDER BY "id"').all()).toEqual(HOLDINGS_AFTER);
    after.close();
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

  it('waits for another process that holds the write lock of a new file, instead of failing at once', async () => {
    // Switching to WAL needs an exclusive lock; while another connection holds the write lock, SQLite
    // answers SQLITE_BUSY at once (no busy wait). Here another process holds it for 300 ms.
    const file = path.join(tmp, `locked-${randomUUID()}.db`);
    const holder = `const D = require('better-sqlite3'); const db = new D(process.env.FILE);
      db.exec('CREATE TABLE held (x)'); db.exec('BEGIN IMMEDIATE'); console.log('locked');
      setTimeout(() => { db.exec('COMMIT'); db.close(); }, 300);`;
    const child = spawn(process.execPath, ['-e', holder], { cwd: ROOT, env: { ...process.env, FILE: file }, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = once(child, 'exit');
    await once(child.stdout!, 'data'); // locked
    const { applied } = await applyMigrations({ url: `file:${file}` });
    expect(applied).toEqual(names(migrationsDirFor('sqlite')));
    expect((await exited)[0]).toBe(0);
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
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
