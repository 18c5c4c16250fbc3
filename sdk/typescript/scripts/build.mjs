// Builds dist/esm (ES modules) and dist/cjs (CommonJS), each with .d.ts, from the same sources, and
// marks each folder's module kind with a package.json so Node reads both right.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const outDir = process.argv[2] ? resolve(process.argv[2]) : join(root, 'dist');

rmSync(outDir, { recursive: true, force: true });
for (const [config, folder, type] of [['tsconfig.json', 'esm', 'module'], ['tsconfig.cjs.json', 'cjs', 'commonjs']]) {
  const target = join(outDir, folder);
  execFileSync(process.execPath, [tsc, '-p', join(root, config), '--outDir', target], { stdio: 'inherit' });
  mkdirSync(target, { recursive: true });
  writeFileSync(join(target, 'package.json'), JSON.stringify({ type }) + '\n');
}
