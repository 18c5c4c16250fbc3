import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server';

// List totals come from per-owner counters kept in the same transactions as the sessions; they must
// equal a real count of the rows whatever order and concurrency the changes came in.
let s: TestServer;
beforeAll(async () => {
  s = await startServer({ env: { RATE_LIMIT_PER_MINUTE: '0' } });
});
afterAll(() => s?.close());

describe('session totals', () => {
  it('stay equal to the rows through concurrent creates, completes, fails and races', async () => {
    const key = await s.app.services.apiKeys.create('counts-owner');
    const created = await Promise.all(Array.from({ length: 12 }, (_, i) => s.request('POST', '/api/v1/sessions', { key, body: { name: `c${i}` } })));
    const ids = created.map((r) => r.body.id as string);
    await Promise.all([
      ...ids.slice(0, 4).flatMap((id) => [1, 2, 3].map(() => s.request('POST', `/api/v1/sessions/${id}/complete`, { key }))),
      ...ids.slice(4, 7).map((id) => s.request('POST', `/api/v1/sessions/${id}/fail`, { key, body: { reason: 'x' } })),
      // complete and fail racing on the same sessions: one wins each, the counts follow the winner
      ...ids.slice(7, 10).flatMap((id) => [
        s.request('POST', `/api/v1/sessions/${id}/complete`, { key }),
        s.request('POST', `/api/v1/sessions/${id}/fail`, { key, body: { reason: 'y' } }),
      ]),
    ]);

    const ownerId = (await s.app.db.prisma.owner.findUniqueOrThrow({ where: { name: 'counts-owner' } })).id;
    for (const status of [undefined, 'active', 'completed', 'failed'] as const) {
      const listed = await s.request('GET', `/api/v1/sessions?limit=1${status ? `&status=${status}` : ''}`, { key });
      const real = await s.app.db.prisma.session.count({ where: { ownerId, ...(status ? { status } : {}) } });
      expect(listed.body.pagination.total, `total for ${status ?? 'all'}`).toBe(real);
    }
    expect((await s.request('GET', '/api/v1/sessions?limit=1', { key })).body.pagination.total).toBe(12);
  });
});
