import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterAll, expect, it } from 'vitest';
import { LISTEN_BACKLOG } from '../../src/common/listen';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { type GatewayProcess, startGatewayProcess } from '../support/process';

// The kernel's accept queue of both listening sockets, as `ss` reports it (Send-Q of a listening TCP
// socket is its backlog): Node's default of 511 overflowed at bursts of new connections.
let database: TestDatabase;
let gateway: GatewayProcess;

afterAll(async () => {
  await gateway?.stop();
  await database?.drop();
});

function backlogOf(port: number): number {
  const line = execFileSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' }).trim();
  const [, , sendQ] = line.split(/\s+/);
  return Number(sendQ);
}

it('the HTTP and SMTP sockets listen with a backlog of 4096 (or the kernel cap), not 511', async () => {
  database = await createTestDatabase();
  // SMTP_PORT=0 turns mail off: a free port, found the usual way.
  const free = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => free.once('listening', r));
  const port = (free.address() as { port: number }).port;
  await new Promise((r) => free.close(r));
  gateway = await startGatewayProcess({ DATABASE_URL: database.url, SMTP_PORT: String(port) });
  const httpPort = Number(new URL(gateway.url).port);
  const smtpPort = Number(/SMTP:\s+smtp:\/\/[^\s]+:(\d+)/.exec(gateway.output())?.[1]);
  expect(smtpPort).toBeGreaterThan(0);
  const expected = Math.min(LISTEN_BACKLOG, Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8')));
  expect(expected).toBeGreaterThan(511);
  expect(backlogOf(httpPort)).toBe(expected);
  expect(backlogOf(smtpPort)).toBe(expected);
});
