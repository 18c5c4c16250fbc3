import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../operations/helpers';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { call, type GatewayProcess, startGatewayProcess } from '../support/process';
import { sendOne } from '../support/raw-smtp';

// An inbox's holding (Inbox.heldMessages, heldBytes) and its quota, with two gateway processes taking
// mail for it at once over SMTP and HTTP: each delivery reads the row locked and adds to it in its own
// transaction, so the quota holds exactly and the row equals the messages.
const KEY = 'sgk_holdings_test_key_00000000000000000';
const QUOTA = 6;

let database: TestDatabase;
let a: GatewayProcess;
let b: GatewayProcess;

beforeAll(async () => {
  database = await createTestDatabase();
  const env = { DATABASE_URL: database.url, BOOTSTRAP_API_KEY: KEY, INBOX_MAX_MESSAGES: String(QUOTA), RATE_LIMIT_PER_MINUTE: '0' };
  // SMTP on both (SMTP_PORT=0, the test default, turns it off).
  [a, b] = await Promise.all([startGatewayProcess({ ...env, SMTP_PORT: String(await freePort()) }), startGatewayProcess({ ...env, SMTP_PORT: String(await freePort()) })]);
}, 120_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await database?.drop();
});

const smtpPortOf = (gateway: GatewayProcess) => Number(/SMTP:\s+smtp:\/\/[^\s]+:(\d+)/.exec(gateway.output())![1]);

async function holdingAndCount(inboxId: string) {
  const c = new pg.Client({ connectionString: database.url.replace(/\?schema=.*/, '') });
  await c.connect();
  try {
    const schema = new URL(database.url).searchParams.get('schema');
    const held = await c.query(`SELECT "heldMessages" AS messages, "heldBytes"::int AS bytes FROM "${schema}"."Inbox" WHERE id = $1`, [inboxId]);
    const counted = await c.query(`SELECT COUNT(*)::int AS messages, COALESCE(SUM("sizeBytes"), 0)::int AS bytes FROM "${schema}"."Message" WHERE "inboxId" = $1`, [inboxId]);
    return { held: held.rows[0], counted: counted.rows[0] };
  } finally {
    await c.end();
  }
}

describe('inbox holdings across two instances', () => {
  it('mail racing in over SMTP and HTTP through both instances fills the inbox to its quota exactly', async () => {
    const { body: session } = await call(a.url, KEY, 'POST', '/api/v1/sessions', { name: 'holdings' });
    const { body: inbox } = await call(a.url, KEY, 'POST', '/api/v1/inboxes', { sessionId: session.id });
    const ports = [smtpPortOf(a), smtpPortOf(b)];
    const smtp = Array.from({ length: 2 * QUOTA }, (_, k) => sendOne(ports[k % 2]!, inbox.emailAddress, `smtp ${k}`));
    const http = Array.from({ length: 2 * QUOTA }, (_, k) =>
      call([a, b][k % 2]!.url, KEY, 'POST', `/api/v1/inboxes/${inbox.id}/messages`, { from: 'app@example.test', subject: `http ${k}`, text: 'Your code is 551234' }),
    );
    const [smtpReplies, httpReplies] = await Promise.all([Promise.all(smtp), Promise.all(http)]);
    for (const r of smtpReplies) expect([250, 552]).toContain(r.code);
    for (const r of httpReplies) expect([201, 409]).toContain(r.status);
    const stored = smtpReplies.filter((r) => r.code === 250).length + httpReplies.filter((r) => r.status === 201).length;
    expect(stored).toBe(QUOTA);
    const { held, counted } = await holdingAndCount(inbox.id);
    expect(counted.messages).toBe(QUOTA);
    expect(held).toEqual(counted);
  });
});
