// Dev/test-only access to Prisma's schema engine. The Prisma CLI cannot run `migrate` here (its native
// schema-engine binary cannot be downloaded), so we drive the WebAssembly build of the same engine
// through driver adapters. Never imported by src/: the runtime migrator (src/db/migrate.ts) is plain SQL.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlQuery,
} from '@prisma/driver-adapter-utils';
import type { MigrationList, SchemaEngine } from '@prisma/schema-engine-wasm/schema_engine_bg';

export type Provider = 'sqlite' | 'postgresql';
export const PROVIDERS: Provider[] = ['sqlite', 'postgresql'];
export const ROOT = resolve(__dirname, '../..');
export const DEFAULT_SHADOW_SERVER_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

export const migrationsDirFor = (p: Provider) => join(ROOT, 'prisma', p, 'migrations');
export const schemaPathFor = (p: Provider) => join(ROOT, 'prisma', p, 'schema.prisma');

// ---- wasm loading --------------------------------------------------------------------------------

type Glue = typeof import('@prisma/schema-engine-wasm/schema_engine_bg');
// tsconfig's lib is ES2022 (no DOM) and @types/node 20 does not declare WebAssembly: type what we use.
const WA = (globalThis as unknown as {
  WebAssembly: {
    Module: new (bytes: Uint8Array) => object;
    Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
    RuntimeError: new () => Error;
  };
}).WebAssembly;
let gluePromise: Promise<Glue> | undefined;

/** The wasm-bindgen glue keeps the instance in module state, so instantiate once per process. */
function loadGlue(): Promise<Glue> {
  gluePromise ??= (async () => {
    // The glue reports Rust panics through this global (the Prisma CLI installs the same registry).
    const g = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: { message: string; set_message(m: string): void } };
    g.PRISMA_WASM_PANIC_REGISTRY ??= { message: '', set_message(m) { this.message = m; } };
    const glue: Glue = await import('@prisma/schema-engine-wasm/schema_engine_bg');
    // prisma@7.10.0 ships the byte-identical engine build; prefer it so the engine always matches the
    // CLI, and fall back to the copy inside the glue package (same version, pinned in package.json).
    const candidates = [
      join(ROOT, 'node_modules/prisma/build/schema_engine_bg.wasm'),
      join(ROOT, 'node_modules/@prisma/schema-engine-wasm/schema_engine_bg.wasm'),
    ];
    const file = candidates.find((f) => existsSync(f))!;
    const module = new WA.Module(readFileSync(file));
    const instance = new WA.Instance(module, { './schema_engine_bg.js': glue as never });
    glue.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return glue;
  })();
  return gluePromise;
}

/** Rust panics surface as `RuntimeError: unreachable`; attach the real message when there is one. */
async function engineCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const panic = (globalThis as { PRISMA_WASM_PANIC_REGISTRY?: { message: string } }).PRISMA_WASM_PANIC_REGISTRY;
    if (e instanceof WA.RuntimeError && panic?.message) throw new Error(`${what}: schema engine panic: ${panic.message}`);
    const msg = e instanceof Error ? e.message : typeof e === 'object' ? JSON.stringify(e) : String(e);
    throw new Error(`${what}: ${msg}`);
  }
}

// ---- adapters ------------------------------------------------------------------------------------

/** better-sqlite3's `prepare` rejects multi-statement SQL, which the engine sends through executeRaw. */
function routeScriptsToExec(adapter: SqlDriverAdapter): SqlDriverAdapter {
  const isMulti = (e: unknown) => e instanceof RangeError && /more than one statement/.test(e.message);
  const override = {
    async executeRaw(q: SqlQuery) {
      try {
        return await adapter.executeRaw(q);
      } catch (e) {
        if (!isMulti(e) || q.args.length) throw e;
        await adapter.executeScript(q.sql);
        return 0;
      }
    },
    async queryRaw(q: SqlQuery) {
      try {
        return await adapter.queryRaw(q);
      } catch (e) {
        if (!isMulti(e) || q.args.length) throw e;
        await adapter.executeScript(q.sql);
        return { columnNames: [], columnTypes: [], rows: [] };
      }
    },
  };
  // A Proxy (not Object.create) because the adapter's methods use #private fields of the real instance.
  return new Proxy(adapter, {
    get(target, prop) {
      if (prop in override) return override[prop as keyof typeof override];
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/**
 * adapter-pg maps no column type for `"char"` (OID 18), yet the engine's catalog queries return such
 * columns (relkind, contype, ...). Report them as text (OID 25): the text value is the same.
 */
class CharAsTextClient extends pg.Client {
  override query(...args: any[]): any {
    const fix = (r: any) => {
      for (const res of Array.isArray(r) ? r : [r]) for (const f of res?.fields ?? []) if (f.dataTypeID === 18) f.dataTypeID = 25;
      return r;
    };
    const last = args[args.length - 1];
    if (typeof last === 'function') args[args.length - 1] = (err: unknown, res: unknown) => last(err, err ? res : fix(res));
    const ret = (super.query as (...a: any[]) => any)(...args);
    return ret && typeof ret.then === 'function' ? ret.then(fix) : ret;
  }
}

function withDatabase(serverUrl: string, database: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${database}`;
  u.searchParams.delete('schema'); // Prisma's ?schema= (e.g. from TEST_DATABASE_URL) means nothing in a fresh database
  return u.toString();
}

/**
 * Runs `fn` with a freshly created, empty database `sg_shadow_<random>` on the server of `serverUrl`,
 * dropped afterwards. Shadow work must never touch real data, so everything happens in there.
 */
export async function withThrowawayPgDatabase<T>(serverUrl: string, fn: (url: string) => Promise<T>): Promise<T> {
  const name = `sg_shadow_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
    try {
      return await fn(withDatabase(serverUrl, name));
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
}

type Factory = ReturnType<typeof bindMigrationAwareSqlAdapterFactory>;

/** An engine connected to throwaway databases only (main and shadow), plus its cleanup. */
async function throwawayFactory(provider: Provider, pgUrl?: string): Promise<{ factory: Factory; close(): Promise<void> }> {
  if (provider === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'sg-engine-'));
    const base = new PrismaBetterSqlite3({ url: `file:${join(dir, 'main.db')}` }, { shadowDatabaseUrl: `file:${join(dir, 'shadow.db')}` });
    // engine.free() leaves adapter connections open (and possibly locking): close them ourselves.
    const opened: SqlDriverAdapter[] = [];
    const track = (a: SqlDriverAdapter) => (opened.push(a), routeScriptsToExec(a));
    const raw: SqlMigrationAwareDriverAdapterFactory = {
      provider: base.provider,
      adapterName: base.adapterName,
      connect: async () => track(await base.connect()),
      connectToShadowDb: async () => track(await base.connectToShadowDb()),
    };
    const close = async () => {
      await Promise.all(opened.map((a) => a.dispose().catch(() => {})));
      rmSync(dir, { recursive: true, force: true });
    };
    return { factory: bindMigrationAwareSqlAdapterFactory(raw), close };
  }
  // Our own pools instead of PrismaPg.connectToShadowDb(): given a connection string, that method's
  // shadow pool keeps the string's database, i.e. it would "shadow" into the main database.
  const pools = [0, 1].map(() => new pg.Pool({ connectionString: pgUrl, Client: CharAsTextClient, max: 2 }));
  // Idle clients get killed when the throwaway database is dropped; that must not crash the process.
  for (const p of pools) p.on('error', () => {});
  const raw: SqlMigrationAwareDriverAdapterFactory = {
    provider: 'postgres',
    adapterName: '@prisma/adapter-pg',
    connect: () => new PrismaPg(pools[0]).connect(),
    connectToShadowDb: () => new PrismaPg(pools[1]).connect(),
  };
  return { factory: bindMigrationAwareSqlAdapterFactory(raw), close: async () => void (await Promise.all(pools.map((p) => p.end()))) };
}

// ---- migrations ----------------------------------------------------------------------------------

/** Same shape the Prisma CLI builds from a migrations folder (directories sorted by name). */
export function readMigrationsList(dir: string): MigrationList {
  const lockPath = join(dir, 'migration_lock.toml');
  const dirs = existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()) : [];
  return {
    baseDir: dir,
    lockfile: { path: 'migration_lock.toml', content: existsSync(lockPath) ? readFileSync(lockPath, 'utf8') : null },
    shadowDbInitScript: '',
    migrationDirectories: dirs
      .map((d) => d.name)
      .sort((a, b) => a.localeCompare(b))
      .map((name) => {
        const file = join(dir, name, 'migration.sql');
        const content = existsSync(file)
          ? { tag: 'ok' as const, value: readFileSync(file, 'utf8') }
          : { tag: 'error' as const, value: `missing ${file}` };
        return { path: name, migrationFile: { path: 'migration.sql', content } };
      }),
  };
}

export const lockfileContent = (provider: Provider) =>
  `# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "${provider}"\n`;

export interface DiffOptions {
  provider: Provider;
  migrationsDir?: string;
  schemaPath?: string;
  /** PostgreSQL server to create the throwaway database on (its own database is never used). */
  shadowServerUrl?: string;
}

/**
 * SQL that brings a database migrated with `migrationsDir` to `schemaPath`, or null when there is
 * nothing to do — `prisma migrate diff --from-migrations … --to-schema … --script`.
 */
export async function diffMigrationsToSchema(opts: DiffOptions): Promise<string | null> {
  const { provider } = opts;
  const schemaPath = opts.schemaPath ?? schemaPathFor(provider);
  const list = readMigrationsList(opts.migrationsDir ?? migrationsDirFor(provider));
  // The engine picks the connector from the lock file; before the first migration there is none yet.
  list.lockfile.content ??= lockfileContent(provider);
  const run = async (pgUrl?: string) => {
    const { factory, close } = await throwawayFactory(provider, pgUrl);
    const glue = await loadGlue();
    let engine: SchemaEngine | undefined;
    try {
      const content = readFileSync(schemaPath, 'utf8');
      const log = process.env.DEBUG_SCHEMA_ENGINE ? (...a: unknown[]) => console.error('[schema-engine]', ...a) : () => {};
      engine = await engineCall('SchemaEngine.new', () => glue.SchemaEngine.new({ datamodels: [[schemaPath, content]] }, log, factory));
      const e = engine;
      const res = await engineCall('diff', () =>
        e.diff({
          from: { tag: 'migrations', ...list },
          to: { tag: 'schemaDatamodel', files: [{ path: schemaPath, content }] },
          script: true,
          exitCode: true, // 0 = empty diff, 2 = changes
          filters: { externalTables: [], externalEnums: [] },
        }),
      );
      return res.exitCode === 0 ? null : (res.stdout ?? '');
    } finally {
      engine?.free();
      await close();
    }
  };
  if (provider === 'sqlite') return run();
  return withThrowawayPgDatabase(opts.shadowServerUrl ?? process.env.SHADOW_DATABASE_URL ?? DEFAULT_SHADOW_SERVER_URL, run);
}
