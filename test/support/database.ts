import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh database for one test server: a SQLite file in a temp folder. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'sg-test-'));
  return {
    url: `file:${join(dir, `sessions-${randomBytes(4).toString('hex')}.db`)}`,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}
