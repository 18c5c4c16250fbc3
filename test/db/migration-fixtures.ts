// Shared by migrations.test.ts (SQLite) and migrations.pg.test.ts: fixture migrations and concurrent starters.
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { migrationsDirFor, ROOT, type Provider } from '../../scripts/lib/schema-engine';

/** Fixture folders live here for the whole test run (the OS cleans the temp dir). */
const tmp = mkdtempSync(path.join(tmpdir(), 'sg-migration-fixtures-'));

// ---- runtime migrator ----------------------------------------------------------------------------

export const EXTRA = {
  '20990101000000_extra': 'CREATE TABLE "Extra" ("id" TEXT NOT NULL PRIMARY KEY);\n',
  '20990102000000_extra_note': 'ALTER TABLE "Extra" ADD COLUMN "note" TEXT;\n',
};
/** A few hundred ms of work inside a migration, so concurrent starters really collide in it. */
export const SLOW: Record<Provider, string> = {
  sqlite: 'WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 1000000) SELECT count(*) FROM n;\n',
  postgresql: 'SELECT pg_sleep(0.3);\n',
};

/** The real migrations plus a few more, so "each applied exactly once" means something. */
export function fixtureMigrations(provider: Provider, extra: Record<string, string> = EXTRA): string {
  const dir = path.join(tmp, `migrations-${provider}-${randomUUID()}`);
  cpSync(migrationsDirFor(provider), dir, { recursive: true });
  for (const [name, sql] of Object.entries({ ...extra, '20990101500000_slow': SLOW[provider] })) {
    mkdirSync(path.join(dir, name));
    writeFileSync(path.join(dir, name, 'migration.sql'), sql);
  }
  return dir;
}
export const names = (dir: string) => readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
export const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/**
 * Starts `count` real processes that each run applyMigrations, as concurrent app starts would. They
 * wait at a barrier (ready -> stdin "go") so the migrations really overlap instead of being spread
 * out by process start-up time.
 */
export async function concurrentStarts(count: number, url: string, migrationsDir: string): Promise<string[][]> {
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


// ---- data migrations -----------------------------------------------------------------------------

/** The names of the real migrations after the one named `name` (none yet, until a later one lands). */
export function laterThan(name: string, provider: Provider = 'sqlite'): string[] {
  const all = names(migrationsDirFor(provider));
  return all.slice(all.findIndex((n) => n.endsWith(`_${name}`)) + 1);
}

/** A copy of the real migrations up to, not including, the first whose name ends with `_${name}`. */
export function migrationsBefore(provider: Provider, name: string): string {
  const all = migrationsDirFor(provider);
  const cut = names(all).findIndex((n) => n.endsWith(`_${name}`));
  if (cut < 0) throw new Error(`no migration named ${name}`);
  const dir = path.join(tmp, `before-${name}-${provider}-${randomUUID()}`);
  mkdirSync(dir);
  for (const n of names(all).slice(0, cut)) cpSync(path.join(all, n), path.join(dir, n), { recursive: true });
  cpSync(path.join(all, 'migration_lock.toml'), path.join(dir, 'migration_lock.toml'));
  return dir;
}

/**
 * Rows written before inbox_holdings: two inboxes with messages (3 of 100+200+300 bytes, 1 of 5000)
 * and one without. After it, each inbox's heldMessages/heldBytes must say so (HOLDINGS_AFTER).
 */
export const HOLDINGS_BEFORE = `
  INSERT INTO "Owner" ("id", "name", "createdAt") VALUES ('own_1', 'acme', '2026-01-01T00:00:00.000+00:00');
  INSERT INTO "Inbox" ("id", "ownerId", "emailAddress", "metadata", "createdAt", "expiresAt") VALUES
    ('inb_a', 'own_1', 'a@x.test', '{}', '2026-01-01T00:00:00.000+00:00', '2026-01-02T00:00:00.000+00:00'),
    ('inb_b', 'own_1', 'b@x.test', '{}', '2026-01-01T00:00:00.000+00:00', '2026-01-02T00:00:00.000+00:00'),
    ('inb_c', 'own_1', 'c@x.test', '{}', '2026-01-01T00:00:00.000+00:00', '2026-01-02T00:00:00.000+00:00');
  INSERT INTO "Message" ("id", "ownerId", "inboxId", "fromAddr", "toAddrs", "subject", "sizeBytes", "receivedAt") VALUES
    ('msg_1', 'own_1', 'inb_a', 'f@x.test', 'a@x.test', 's', 100, '2026-01-01T00:00:01.000+00:00'),
    ('msg_2', 'own_1', 'inb_a', 'f@x.test', 'a@x.test', 's', 200, '2026-01-01T00:00:02.000+00:00'),
    ('msg_3', 'own_1', 'inb_a', 'f@x.test', 'a@x.test', 's', 300, '2026-01-01T00:00:03.000+00:00'),
    ('msg_4', 'own_1', 'inb_b', 'f@x.test', 'b@x.test', 's', 5000, '2026-01-01T00:00:04.000+00:00');
`;
export const HOLDINGS_AFTER = [
  { id: 'inb_a', heldMessages: 3, heldBytes: 600 },
  { id: 'inb_b', heldMessages: 1, heldBytes: 5000 },
  { id: 'inb_c', heldMessages: 0, heldBytes: 0 },
];
