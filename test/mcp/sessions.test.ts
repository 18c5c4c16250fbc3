import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';
import { startServer, type TestServer } from '../support/server';
import { PROTOCOL_VERSION, rawMcp } from './helpers';

// MCP sessions hold memory on the instance that opened them: bounded by idle time and per owner.
// Two servers: one that drops sessions after 1 s idle, one with the default (30 min).
let quick: TestServer;
let normal: TestServer;
let s: TestServer;
beforeAll(async () => {
  quick = await startServer({ env: { MCP_SESSION_IDLE_SECONDS: '1', RATE_LIMIT_PER_MINUTE: '0' } });
  normal = await startServer({ env: { RATE_LIMIT_PER_MINUTE: '0' } });
});
afterAll(async () => {
  await quick?.close();
  await normal?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const raw = () => rawMcp(s, s.apiKey);
const mcp: ReturnType<typeof rawMcp>['call'] = (...args) => raw().call(...args);
const open = () => raw().initialize();
const openSession = () => raw().openSession();

async function alive(id: string): Promise<boolean> {
  const res = await mcp('POST', { jsonrpc: '2.0', id: 9, method: 'ping' }, id);
  await res.text();
  if (res.status !== 200 && res.status !== 404) throw new Error(`ping answered ${res.status}`);
  return res.status === 200;
}

describe('MCP sessions', () => {
  it('closes a session nobody uses after MCP_SESSION_IDLE_SECONDS, but not one with a stream open', async () => {
    s = quick;
    const idle = await openSession();
    const listening = await openSession();
    const stop = new AbortController();
    const stream = await mcp('GET', undefined, listening, stop.signal);
    expect(stream.status).toBe(200);
    await sleep(2500);
    expect(await alive(idle)).toBe(false);
    expect(await alive(listening)).toBe(true);
    stop.abort();
  });

  it("keeps at most 100 per owner: the longest-idle goes; when all are in use, 429 in REST's words", async () => {
    s = normal;
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) ids.push(await openSession());
    // A 101st session replaces the longest-idle one.
    const extra = await openSession();
    expect(await alive(ids[0])).toBe(false);
    expect(await alive(extra)).toBe(true);
    const inUse = [...ids.slice(1), extra];

    const stop = new AbortController();
    const streams = await Promise.all(inUse.map((id) => mcp('GET', undefined, id, stop.signal)));
    expect(streams.every((r) => r.status === 200)).toBe(true);
    const refused = await open();
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual({
      error: 'Too many requests',
      message: 'At most 100 MCP sessions per owner can be in use at once; end one (DELETE /mcp) first',
    });
    stop.abort();
    // Another owner is not affected.
    const bobs = await rawMcp(s, s.otherKey).initialize();
    expect(bobs.status).toBe(200);
  }, 60_000);

  it('MCP_SESSION_IDLE_SECONDS is validated (1 to 86400)', () => {
    expect(loadConfig({}).mcpSessionIdleSeconds).toBe(1800);
    for (const bad of ['0', '86401', 'soon']) {
      expect(() => loadConfig({ MCP_SESSION_IDLE_SECONDS: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ MCP_SESSION_IDLE_SECONDS: bad })).toThrow(/MCP_SESSION_IDLE_SECONDS/);
    }
  });

  it('ends a session on DELETE', async () => {
    s = normal;
    const id = await openSession();
    const res = await fetch(`${s.url}/mcp`, { method: 'DELETE', headers: { authorization: `Bearer ${s.apiKey}`, 'mcp-session-id': id, 'mcp-protocol-version': PROTOCOL_VERSION } });
    expect(res.status).toBe(200);
    expect(await alive(id)).toBe(false);
  });
});
