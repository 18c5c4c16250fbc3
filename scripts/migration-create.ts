// Writes the next migration for each provider: the SQL that takes a database built from the existing
// prisma/<provider>/migrations to the composed prisma/<provider>/schema.prisma. Stand-in for
// `prisma migrate dev --create-only`, which cannot run here (no native schema engine).
//
//   npx tsx scripts/migration-create.ts --name add_foo [--provider sqlite|postgresql|all]
//
// PostgreSQL needs a server for the throwaway shadow database: SHADOW_DATABASE_URL, default
// postgresql://postgres@127.0.0.1:5432/postgres (only a temporary sg_shadow_* database is touched).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { diffMigrationsToSchema, lockfileContent, migrationsDirFor, PROVIDERS, ROOT, type Provider } from './lib/schema-engine';

/** Prisma names migration folders with a UTC timestamp, YYYYMMDDHHMMSS. */
const timestamp = (d = new Date()) => d.toISOString().replace(/\D/g, '').slice(0, 14);

async function main() {
  const { values } = parseArgs({ options: { name: { type: 'string' }, provider: { type: 'string', default: 'all' } } });
  const name = values.name ?? '';
  if (!/^[a-z0-9]+(_[a-z0-9]+)*$/.test(name)) throw new Error('--name <snake_name> is required (lowercase letters, digits, _)');
  const providers: Provider[] =
    values.provider === 'all' ? PROVIDERS : PROVIDERS.filter((p) => p === values.provider);
  if (!providers.length) throw new Error(`--provider must be sqlite, postgresql or all (got ${values.provider})`);

  // The diff targets the composed schemas, so compose them from prisma/models first.
  execFileSync(process.execPath, [join(ROOT, 'scripts/prisma-schemas.mjs')], { stdio: 'inherit' });

  const stamp = timestamp(); // one stamp for all providers keeps their folders paired
  for (const provider of providers) {
    const sql = await diffMigrationsToSchema({ provider });
    if (sql === null) {
      console.log(`${provider}: no changes`);
      continue;
    }
    const dir = migrationsDirFor(provider);
    const target = join(dir, `${stamp}_${name}`);
    if (existsSync(target)) throw new Error(`${target} already exists`);
    mkdirSync(target, { recursive: true });
    writeFileSync(join(target, 'migration.sql'), sql);
    writeFileSync(join(dir, 'migration_lock.toml'), lockfileContent(provider));
    console.log(`${provider}: wrote ${join(target, 'migration.sql')}`);
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
