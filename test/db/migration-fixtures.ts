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

