import { readFileSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

/**
 * `npm install` warns EBADENGINE for every installed package whose `engines.node` excludes the running
 * Node. This reads package-lock.json (offline) and checks each package against the oldest release of
 * every Node line our own `engines.node` allows, so a dependency update that drops one of them fails
 * here before a user sees the warning. .ci/run checks the real install log as well.
 */
const root = path.resolve(__dirname, '../..');
const readJson = (file: string) => JSON.parse(readFileSync(path.join(root, file), 'utf8'));

interface LockEntry {
  name?: string;
  version?: string;
  engines?: { node?: string } | string[];
  optional?: boolean;
  cpu?: string[];
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** The oldest version each `||` alternative allows: "^20.19 || ^22.12 || >=24" → 20.19.0, 22.12.0, 24.0.0. */
function oldestOfEachLine(range: string): string[] {
  return new semver.Range(range).set.map((comparators) =>
    semver.minVersion(comparators.map((c) => c.value).join(' '))!.version);
}

const nameOf = (key: string, entry: LockEntry) => entry.name ?? key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);

/**
 * npm skips an optional package built for another CPU (rolldown's wasm32 binding) and what only it
 * needs, without an engine check; everything else is installed somewhere we support.
 */
function installedOnRealMachines(packages: Record<string, LockEntry>): Set<string> {
  const wasmOnly = (e: LockEntry) => e.cpu !== undefined && e.cpu.every((cpu) => cpu.startsWith('wasm'));
  const dependents = new Map<string, string[]>();
  for (const [key, entry] of Object.entries(packages)) {
    for (const dep of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) {
      dependents.set(dep, [...(dependents.get(dep) ?? []), key]);
    }
  }
  const skipped = new Set<string>();
  let changed = true;
  while (changed) {
    changed = false;
    for (const [key, entry] of Object.entries(packages)) {
      if (skipped.has(key) || !entry.optional || key === '') continue;
      const users = dependents.get(nameOf(key, entry)) ?? [];
      if (wasmOnly(entry) || (users.length > 0 && users.every((user) => skipped.has(user)))) {
        skipped.add(key);
        changed = true;
      }
    }
  }
  return new Set(Object.keys(packages).filter((key) => !skipped.has(key)));
}

describe('Node versions', () => {
  const pkg = readJson('package.json');
  const lock = readJson('package-lock.json') as { packages: Record<string, LockEntry> };
  const lines = oldestOfEachLine(pkg.engines.node);

  it('package.json allows the current LTS lines from the release Prisma 7 needs, and the lockfile agrees', () => {
    expect(lines).toEqual(['20.19.0', '22.12.0', '24.0.0']);
    expect(lock.packages[''].engines).toEqual(pkg.engines);
    expect(semver.satisfies(process.version, pkg.engines.node), `this Node (${process.version}) is not one we support`).toBe(true);
  });

  it.each(lines)('every package that npm installs declares support for Node %s', (version) => {
    const installed = installedOnRealMachines(lock.packages);
    const refusing = Object.entries(lock.packages)
      .filter(([key]) => installed.has(key))
      .flatMap(([key, entry]) => {
        const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
        return range && !semver.satisfies(version, range) ? [`${nameOf(key, entry)}@${entry.version} wants node ${range} (${key})`] : [];
      });
    expect(refusing, 'npm install would warn EBADENGINE for these: override them to a version that declares it (package.json "overrides")').toEqual([]);
  });
});
