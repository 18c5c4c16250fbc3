import { createServer } from 'node:net';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { call, type GatewayProcess, startGatewayProcess } from '../support/process';

// A wait with `since` created on instance B while the mail arrives over SMTP at instance A: the inbox
// lock orders the two transactions across processes, so the mail is never lost nor taken twice.
const KEY = 'sgk_since_race_test_key_000000000000000';

let database: TestDatabase;
let a: GatewayProcess;
let b: GatewayProcess;
let smtpPort: number;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  database = await createTestDatabase();
  smtpPort = await freePort();
  const env = { DATABASE_URL: database.url, BOOTSTRAP_API_KEY: KEY, RATE_LIMIT_PER_MINUTE: '0', SMTP_HOST: '127.0.0.1' };
  [a, b] = await Promise.all([startGatewayProcess({ ...env, SMTP_PORT: String(smtpPort) }), startGatewayProcess(env)]);
}, 120_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await database?.drop();
});

describe('since across two instances on one PostgreSQL database', () => {
  it('mail over SMTP to A and a wait on B at the same moment: 200 rounds, each mail taken exactly once', async () => {
    const mailer = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true, pool: true, maxConnections: 5 });
    try {
      const rounds = 200;
      const inboxes = await Promise.all(Array.from({ length: rounds }, async () => (await call(a.url, KEY, 'POST', '/api/v1/inboxes', {})).body));
      // 25 rounds in flight at a time: the race is per inbox, and 200 at once would only measure the
      // connection pool's wait limit on a shared test machine.
      const round = async (inbox: any, i: number) => {
          const code = String(300000 + i);
          const since = new Date(Date.now() - 2000).toISOString();
          const [, created] = await Promise.all([
            mailer.sendMail({ from: 'app@example.test', to: inbox.emailAddress, subject: 'Code', text: `Your code is ${code}` }),
            call(b.url, KEY, 'POST', '/api/v1/waits', { inboxId: inbox.id, type: 'otp', since, timeoutSeconds: 60 }),
          ]);
          expect(created.status, `${JSON.stringify(created.body)} ${b.output().slice(-3000)}`).toBe(201);
          const done = await call(i % 2 ? a.url : b.url, KEY, 'GET', `/api/v1/waits/${created.body.id}?waitSeconds=30`);
          return { status: done.body.status, value: done.body.result?.value, expected: code };
      };
      const outcomes = [];
      for (let i = 0; i < rounds; i += 25) outcomes.push(...(await Promise.all(inboxes.slice(i, i + 25).map((inbox, j) => round(inbox, i + j)))));
      for (const o of outcomes) expect(o).toEqual({ status: 'completed', value: o.expected, expected: o.expected });
    } finally {
      mailer.close();
    }
  }, 180_000);
});
