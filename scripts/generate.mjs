#!/usr/bin/env node
// Generates both Prisma clients (SQLite and PostgreSQL) offline. `prisma generate` needs no schema
// engine, but the CLI insists on locating one first: pointing PRISMA_SCHEMA_ENGINE_BINARY at any
// existing file (the node binary) stops it from trying to download the native engine.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const prismaCli = join(root, 'node_modules', 'prisma', 'build', 'index.js');
const env = { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || process.execPath, PRISMA_HIDE_UPDATE_MESSAGE: '1' };

for (const provider of ['sqlite', 'postgresql']) {
  const schema = join(root, 'prisma', provider, 'schema.prisma');
  const run = spawnSync(process.execPath, [prismaCli, 'generate', '--schema', schema], { cwd: root, env, stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
