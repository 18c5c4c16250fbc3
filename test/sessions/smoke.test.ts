import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s?.close());

describe('smoke', () => {
  it('creates and reads a session over REST and GraphQL', async () => {
    const created = await s.request('POST', '/api/v1/sessions', { body: { name: 'flow' } });
    expect(created.status).toBe(201);
    const viaGql = await s.gql('query($id: ID!) { session(id: $id) { id name status } }', { id: created.body.id });
    expect(viaGql.body.data.session).toEqual({ id: created.body.id, name: 'flow', status: 'active' });
  });
});
