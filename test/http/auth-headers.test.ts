import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server';
import { type RawRequest, rawRequest } from './raw-http';

/**
 * The Authorization header, on every HTTP entry point that takes a key (REST, its SSE route, GraphQL
 * over POST and GET, MCP): a 401 names the scheme in WWW-Authenticate (RFC 9110 §11.6.1), and two
 * Authorization headers are refused with a 400 in the entry point's error shape, whichever key they hold.
 */
let s: TestServer;
beforeAll(async () => {
  s = await startServer({ env: { RATE_LIMIT_PER_MINUTE: '0' } });
});
afterAll(() => s?.close());

const WWW_AUTHENTICATE = 'Bearer realm="sessions-gateway"';
const json: [string, string] = ['Content-Type', 'application/json'];
const MCP_INIT = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 't', version: '1' } } });

type Shape = 'rest' | 'graphql';
/** Each entry point, as a raw request (headers added per case), and the shape of its error bodies. */
const ENTRY_POINTS: { name: string; shape: Shape; req: RawRequest }[] = [
  { name: 'REST GET', shape: 'rest', req: { method: 'GET', path: '/api/v1/sessions' } },
  { name: 'REST POST', shape: 'rest', req: { method: 'POST', path: '/api/v1/sessions', headers: [json], body: '{"name":"x"}' } },
  { name: 'REST SSE', shape: 'rest', req: { method: 'GET', path: '/api/v1/sessions/sess_x/events', headers: [['Accept', 'text/event-stream']] } },
  { name: 'GraphQL POST', shape: 'graphql', req: { method: 'POST', path: '/graphql', headers: [json], body: '{"query":"{ __typename }"}' } },
  {
    name: 'GraphQL GET',
    shape: 'graphql',
    req: { method: 'GET', path: '/graphql?query=%7B__typename%7D', headers: [['Accept', 'application/json'], ['Apollo-Require-Preflight', 'true']] },
  },
  { name: 'MCP POST', shape: 'rest', req: { method: 'POST', path: '/mcp', headers: [json, ['Accept', 'application/json, text/event-stream']], body: MCP_INIT } },
];

const withAuth = (req: RawRequest, ...values: string[]): RawRequest => ({ ...req, headers: [...(req.headers ?? []), ...values.map((v): [string, string] => ['Authorization', v])] });

describe('401 carries WWW-Authenticate: Bearer', () => {
  for (const { name, shape, req } of ENTRY_POINTS) {
    for (const [what, auth] of [['no key', []], ['wrong key', ['Bearer sgk_wrong_000000000000000000000000000']], ['Basic', ['Basic YWxpY2U6c2VjcmV0']]] as const) {
      it(`${name}, ${what}`, async () => {
        const r = await rawRequest(s.url, withAuth(req, ...auth));
        expect(r.status, r.text).toBe(401);
        expect(r.headers['www-authenticate']).toBe(WWW_AUTHENTICATE);
        if (shape === 'rest') expect(r.body).toEqual({ error: 'Unauthorized', message: 'Invalid or missing API key' });
        else expect(r.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
      });
    }
  }

  it('an admitted request carries no WWW-Authenticate', async () => {
    const r = await s.request('GET', '/api/v1/sessions');
    expect(r.status).toBe(200);
    expect(r.headers.get('www-authenticate')).toBeNull();
  });
});

describe('two Authorization headers: 400', () => {
  for (const { name, shape, req } of ENTRY_POINTS) {
    for (const [what, first, second] of [
      ['the same good key twice', 'good', 'good'],
      ['a good key, then a wrong one', 'good', 'Bearer sgk_wrong_000000000000000000000000000'],
      ['a wrong key, then a good one', 'Bearer sgk_wrong_000000000000000000000000000', 'good'],
    ] as const) {
      it(`${name}, ${what}`, async () => {
        const value = (v: string) => (v === 'good' ? `Bearer ${s.apiKey}` : v);
        const r = await rawRequest(s.url, withAuth(req, value(first), value(second)));
        expect(r.status, r.text).toBe(400);
        const message = 'Send one Authorization header, not 2';
        if (shape === 'rest') expect(r.body).toEqual({ error: 'Invalid request', message });
        else expect(r.body.errors).toEqual([expect.objectContaining({ message, extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) })]);
      });
    }
  }

  it('the header names differ in case only: still two', async () => {
    const r = await rawRequest(s.url, { method: 'GET', path: '/api/v1/sessions', headers: [['authorization', `Bearer ${s.apiKey}`], ['AUTHORIZATION', `Bearer ${s.apiKey}`]] });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: 'Invalid request', message: 'Send one Authorization header, not 2' });
  });

  it('one Authorization header is served', async () => {
    const r = await rawRequest(s.url, withAuth({ method: 'GET', path: '/api/v1/sessions' }, `Bearer ${s.apiKey}`));
    expect(r.status).toBe(200);
  });
});
