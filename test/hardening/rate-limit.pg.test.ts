import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { type GatewayProcess, startGatewayProcess } from '../support/process';

/**
 * Two gateway processes on one PostgreSQL schema share each key's budget: with
 * RATE_LIMIT_PER_MINUTE=10, requests alternating between A and B get exactly 10 admissions in the
 * minute, then 429 from both.
 */

const LIMIT = 10;
const KEY = 'sgk_rate_limit_pg_test_key_0000000000000';
const ROOT = join(__dirname, '..', '..');

let database: TestDatabase;
let a: GatewayProcess;
let b: GatewayProcess;

beforeAll(async () => {
  database = await createTestDatabase();
  const env = { DATABASE_URL: database.url, BOOTSTRAP_API_KEY: KEY, RATE_LIMIT_PER_MINUTE: String(LIMIT) };
  [a, b] = await Promise.all([startGatewayProcess(env), startGatewayProcess(env)]);
}, 120_000);

/** Another key in the shared database (the keys CLI, as an operator would): a fresh budget. */
async function newKey(owner: string): Promise<string> {
  const { stdout } = await promisify(execFile)(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'src', 'auth', 'keys.cli.ts'), 'create', '--owner', owner], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: database.url },
  });
  return stdout.trim().split('\n').pop()!;
}

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await database?.drop();
});

/** Windows are calendar minutes: late in one (second > 45), wait for the next so the count is not split. */
beforeEach(async () => {
  const now = new Date();
  const second = now.getUTCSeconds() + now.getUTCMilliseconds() / 1000;
  if (second > 45) await new Promise((r) => setTimeout(r, (60 - second) * 1000 + 200));
}, 30_000);

interface Reply {
  status: number;
  body: any;
  headers: Headers;
}
async function get(base: string, key: string, path = '/api/v1/sessions'): Promise<Reply> {
  const res = await fetch(base + path, { headers: { authorization: `Bearer ${key}` }, signal: AbortSignal.timeout(5_000) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

describe(`two instances, RATE_LIMIT_PER_MINUTE=${LIMIT}`, () => {
  it('alternating requests: exactly 10 admitted in all, then 429 on both', async () => {
    const replies: Reply[] = [];
    for (let i = 0; i < 2 * LIMIT + 4; i++) replies.push(await get(i % 2 ? b.url : a.url, KEY));
    const statuses = replies.map((r) => r.status);
    expect(statuses).toEqual([...Array(LIMIT).fill(200), ...Array(LIMIT + 4).fill(429)]);
    for (const r of replies.slice(LIMIT)) {
      expect(r.body).toEqual({ error: 'Too many requests', message: expect.any(String) });
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(r.headers.get('retry-after'))).toBeLessThanOrEqual(60);
      expect(r.headers.get('x-ratelimit-remaining')).toBe('0');
    }
    for (const r of replies.slice(0, LIMIT)) expect(r.headers.get('x-ratelimit-limit')).toBe(String(LIMIT));
    // Both instances refuse, by REST and by GraphQL.
    expect((await get(a.url, KEY)).status).toBe(429);
    expect((await get(b.url, KEY)).status).toBe(429);
    const gql = await fetch(`${b.url}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ sessions { pagination { total } } }' }),
    });
    expect(gql.status).toBe(429);
    expect(((await gql.json()) as any).errors[0].extensions.code).toBe('RATE_LIMITED');
  });

  it('a concurrent burst spread over both instances: exactly 10 admitted, the rest 429', async () => {
    const key = await newKey('burst');
    await new Promise((r) => setTimeout(r, 100));
    const replies = await Promise.all(Array.from({ length: 30 }, (_, i) => get(i % 2 ? b.url : a.url, key)));
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((st) => st === 200)).toHaveLength(LIMIT);
    expect(statuses.filter((st) => st === 429)).toHaveLength(30 - LIMIT);
    // Both instances took part in admitting and in refusing.
    expect((await get(a.url, key)).status).toBe(429);
    expect((await get(b.url, key)).status).toBe(429);
  });

  it('keys do not share budgets across instances either', async () => {
    const key = await newKey('fresh');
    for (let i = 0; i < LIMIT; i++) expect((await get(i % 2 ? b.url : a.url, key)).status).toBe(200);
    expect((await get(a.url, key)).status).toBe(429);
    expect((await get(b.url, key)).status).toBe(429);
  });
});
