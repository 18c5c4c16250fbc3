import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type Gateway, httpCall } from '../operations/helpers';
import { KEY_PATTERN, runToExit, runUntilExit, startRunning } from './run';

// Each start-up failure, reproduced with the real process: the exact lines on stderr (no stack) and
// the documented exit code (README, "Start-up failures"). SQLite only; PostgreSQL's wait is in
// postgres-wait.pg.test.ts.
const TIMEOUT = 240_000;
let dir: string;
const running: Gateway[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sg-startup-'));
});
afterEach(async () => {
  for (const g of running.splice(0)) await g.kill();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fileUrl = (name: string) => `file:${join(dir, name)}`;

/** Something else listening on a port of 127.0.0.1. */
async function occupy(): Promise<{ port: number; close(): Promise<void> }> {
  const port = await freePort();
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('start-up failures', { timeout: TIMEOUT }, () => {
  it('bad settings: one line per setting, naming it, its value and what it must be; exit 2', async () => {
    const ended = await runUntilExit({ PORT: 'abc', CORS_ORIGINS: 'https://ok.example, foo', LOG_LEVEL: 'verbose', DATABASE_URL: 'mysql://app:s3cret@db/app', DATABASE_CONNECT_TIMEOUT_S: 'soon' });
    expect(ended.code).toBe(2);
    expect(ended.stderr).toBe(
      [
        'PORT must be an integer 0–65535 (got "abc")',
        'DATABASE_URL must be a file: URL (SQLite) or a postgresql:// URL (PostgreSQL) (got "mysql://app:***@db/app")',
        'DATABASE_CONNECT_TIMEOUT_S must be an integer 0–3600 (got "soon")',
        'CORS_ORIGINS: "foo" is not an origin like https://app.example',
        'LOG_LEVEL must be one of debug, info, warn, error, silent (got "verbose")',
        '',
      ].join('\n'),
    );
    expect(ended.stdout).toBe('');
  });

  it('ports taken (HTTP, then SMTP): exit 3 and no key; the next start that listens prints the key, which works', async () => {
    const taken = await occupy();
    try {
      const database = fileUrl('ports.db');
      const http = await runUntilExit({ DATABASE_URL: database, PORT: String(taken.port) });
      expect(http.code).toBe(3);
      expect(http.stderr).toBe(`Cannot listen on PORT ${taken.port} (HOST 127.0.0.1): another program is already listening there.\nStop that program, or set PORT to a free port.\n`);
      expect(http.stdout).not.toMatch(KEY_PATTERN);

      const smtp = await runUntilExit({ DATABASE_URL: database, SMTP_PORT: String(taken.port), SMTP_HOST: '127.0.0.1' });
      expect(smtp.code).toBe(3);
      expect(smtp.stderr).toBe(
        `Cannot listen on SMTP_PORT ${taken.port} (SMTP_HOST 127.0.0.1): another program is already listening there.\n` +
          'Stop that program, or set SMTP_PORT to a free port, or SMTP_PORT=0 to turn inbound mail off.\n',
      );
      expect(smtp.stdout).not.toMatch(KEY_PATTERN);

      const g = await startRunning({ DATABASE_URL: database });
      running.push(g);
      const keys = g.stdout().match(KEY_PATTERN) ?? [];
      expect(keys).toHaveLength(1);
      expect(g.stdout()).toContain('`npm run keys -- create --owner <name>` makes another one');
      expect((await httpCall(g.url, 'GET', '/api/v1/sessions', { key: keys[0] })).status).toBe(200);
    } finally {
      await taken.close();
    }
  });

  it('a SQLite path that cannot be opened: names the path and DATABASE_URL; exit 4', async () => {
    const path = join(dir, 'a-folder.db');
    mkdirSync(path); // a folder where the file should be: SQLite cannot open it, even as root
    const ended = await runUntilExit({ DATABASE_URL: `file:${path}` });
    expect(ended.code).toBe(4);
    expect(ended.stderr).toBe(
      `Cannot open the SQLite database ${path} (DATABASE_URL=file:${path}): unable to open database file.\n` +
        'Make sure its folder exists (or can be created) and this user may write there, or set DATABASE_URL to another file.\n',
    );
  });

  it('a SQLite folder that cannot be created (under /proc): exit 4 at once, for the gateway and the CLIs', async () => {
    // Node's recursive mkdir looped forever here (mkdir under /proc fails with ENOENT though /proc exists).
    const path = '/proc/sessions-gateway-test/data/sessions.db';
    const expected =
      `Cannot open the SQLite database ${path} (DATABASE_URL=file:${path}): no such file or folder.\n` +
      'Make sure its folder exists (or can be created) and this user may write there, or set DATABASE_URL to another file.\n';
    const [gateway, keys] = await Promise.all([
      runUntilExit({ DATABASE_URL: `file:${path}` }, 30_000),
      runToExit('src/auth/keys.cli.ts', ['create', '--owner', 'nowhere'], { DATABASE_URL: `file:${path}` }, 30_000),
    ]);
    expect([gateway.code, gateway.stderr]).toEqual([4, expected]);
    expect(keys.code).toBe(4);
    expect(keys.stderr).toContain(`Cannot open the SQLite database ${path}`);
  });

  it('a second gateway on one SQLite file refuses to start (exit 5); the CLIs work beside the first; SIGKILL leaves no lock', async () => {
    const database = fileUrl('shared.db');
    const first = await startRunning({ DATABASE_URL: database });
    running.push(first);
    const second = await runUntilExit({ DATABASE_URL: database });
    expect(second.code).toBe(5);
    expect(second.stderr).toBe(
      `Another sessions-gateway process is already running on the SQLite database ${join(dir, 'shared.db')} (DATABASE_URL=${database}).\n` +
        'SQLite serves one gateway process: stop the other one first, or run several instances on PostgreSQL (DATABASE_URL=postgresql://…).\n',
    );
    expect(second.stdout).not.toMatch(KEY_PATTERN);

    const [created, migrated] = await Promise.all([
      runToExit('src/auth/keys.cli.ts', ['create', '--owner', 'beside'], { DATABASE_URL: database }),
      runToExit('src/db/migrate.cli.ts', [], { DATABASE_URL: database }),
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(migrated.code, migrated.stderr).toBe(0);
    const key = created.stdout.trim();
    expect((await httpCall(first.url, 'GET', '/api/v1/sessions', { key })).status).toBe(200);

    await first.kill(); // SIGKILL: no clean-up; the kernel drops the lock with the process
    const after = await startRunning({ DATABASE_URL: database });
    running.push(after);
    expect((await httpCall(after.url, 'GET', '/api/v1/sessions', { key })).status).toBe(200);
  });
});
