import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The TypeScript SDK as a package: its generated types match docs/openapi.yaml, it builds to ESM and
 * CommonJS with declarations, both load in Node, and no `any` reaches a user's code.
 */

const root = join(__dirname, '..', '..');
const sdk = join(root, 'sdk', 'typescript');
const pkg = JSON.parse(readFileSync(join(sdk, 'package.json'), 'utf8'));
let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'sg-sdk-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

describe('@sessions-gateway/client package', () => {
  it('has types generated from docs/openapi.yaml that are up to date (npm run generate -w @sessions-gateway/client)', () => {
    const out = join(work, 'openapi.ts');
    const cli = join(root, 'node_modules', 'openapi-typescript', 'bin', 'cli.js');
    const args = pkg.scripts.generate.replace(/^openapi-typescript /, '').replace('src/generated/openapi.ts', out).split(' ');
    execFileSync(process.execPath, [cli, ...args], { cwd: sdk, stdio: 'pipe' });
    const checkedIn = readFileSync(join(sdk, 'src', 'generated', 'openapi.ts'), 'utf8');
    expect(readFileSync(out, 'utf8') === checkedIn, 'sdk/typescript/src/generated/openapi.ts is stale: run `npm run generate -w @sessions-gateway/client`').toBe(true);
  });

  it('builds to ESM and CommonJS with .d.ts, and both load', () => {
    const dist = join(work, 'dist');
    execFileSync(process.execPath, [join(sdk, 'scripts', 'build.mjs'), dist], { cwd: work, stdio: 'pipe' });
    for (const target of Object.values<any>(pkg.exports['.'])) {
      for (const file of [target.types, target.default]) statSync(join(dist, file.replace(/^\.\/dist\//, '')));
    }
    const cjs = execFileSync(process.execPath, ['-e', `const c = require(${JSON.stringify(join(dist, 'cjs', 'index.js'))}); console.log(typeof c.SessionsGateway, typeof c.RateLimitError)`]).toString();
    expect(cjs.trim()).toBe('function function');
    const esm = execFileSync(process.execPath, ['--input-type=module', '-e', `const c = await import(${JSON.stringify('file://' + join(dist, 'esm', 'index.js'))}); console.log(typeof c.SessionsGateway, typeof c.WaitTimeoutError)`]).toString();
    expect(esm.trim()).toBe('function function');

    // No `any` in any declaration a user's code sees.
    const declarations = filesUnder(dist).filter((f) => f.endsWith('.d.ts'));
    expect(declarations.length).toBeGreaterThan(10);
    const withAny = declarations.filter((f) => /\bany\b/.test(readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')));
    expect(withAny).toEqual([]);
  });

  it('has no runtime dependencies and is a workspace of the root package', () => {
    expect(pkg.dependencies ?? {}).toEqual({});
    const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(rootPkg.workspaces).toContain('sdk/typescript');
    expect(pkg.name).toBe('@sessions-gateway/client');
  });
});
