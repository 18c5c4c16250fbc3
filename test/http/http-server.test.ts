import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../src/http/http-server';
import { startServer, type TestServer } from '../support/server';

/**
 * createHttpServer: node builds each request and response on Express's prototypes, so Express's own
 * re-parenting (app.handle) has nothing to change; everything Express offers still works.
 */

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function serve(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** An Express app that reports what its handler sees, and which prototypes node built the objects with. */
function probeApp() {
  const app = express();
  app.use(express.json());
  app.post('/probe/:id', (req, res) => {
    res.status(201).set('X-Probe', 'yes').json({
      id: req.params.id,
      q: req.query.q,
      body: req.body,
      header: req.get('x-test'),
      ip: req.ip,
      reqIsAppRequest: Object.getPrototypeOf(req) === app.request,
      resIsAppResponse: Object.getPrototypeOf(res) === app.response,
      app: req.app === app && res.app === app,
    });
  });
  app.get('/fail', () => {
    throw new Error('boom');
  });
  app.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).json({ error: err.message });
  });
  return app;
}

/** Records, before Express sees it, whether each request arrived with Express's prototype already. */
function watchArrivals(server: Server, app: express.Express): boolean[] {
  const seen: boolean[] = [];
  server.prependListener('request', (req: IncomingMessage) => seen.push(Object.getPrototypeOf(req) === app.request));
  return seen;
}

async function probe(base: string) {
  const res = await fetch(`${base}/probe/42?q=x`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-test': 'hi' }, body: '{"a":1}' });
  return { status: res.status, header: res.headers.get('x-probe'), body: (await res.json()) as Record<string, unknown> };
}

describe('createHttpServer', () => {
  it('hands Express requests that already have its prototype, and Express works as usual', async () => {
    const app = probeApp();
    const server = createHttpServer(app);
    const arrivals = watchArrivals(server, app);
    const base = await serve(server);

    expect(await probe(base)).toEqual({
      status: 201,
      header: 'yes',
      body: { id: '42', q: 'x', body: { a: 1 }, header: 'hi', ip: '127.0.0.1', reqIsAppRequest: true, resIsAppResponse: true, app: true },
    });
    expect(arrivals).toEqual([true]);

    const failed = await fetch(`${base}/fail`);
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ error: 'boom' });
    expect((await fetch(`${base}/nowhere`)).status).toBe(404);
  });

  it('differs from a plain node server, where Express has to re-parent each request', async () => {
    const app = probeApp();
    const server = createServer(app);
    const arrivals = watchArrivals(server, app);
    const base = await serve(server);
    // Express re-parents: the handler sees its prototypes all the same, but the request did not arrive with them.
    expect((await probe(base)).body.reqIsAppRequest).toBe(true);
    expect(arrivals).toEqual([false]);
  });

  it('serves one app from two servers without stacking prototypes', async () => {
    const app = probeApp();
    const first = createHttpServer(app);
    const second = createHttpServer(app);
    const arrivals = [watchArrivals(first, app), watchArrivals(second, app)];
    const bases = [await serve(first), await serve(second)];
    for (const base of bases) expect((await probe(base)).body).toMatchObject({ reqIsAppRequest: true, resIsAppResponse: true, app: true });
    expect(arrivals).toEqual([[true], [true]]);
    // One layer under Express's own request prototype, not two.
    expect(Object.getPrototypeOf(app.request)).toBe(express.request);
    expect(Object.getPrototypeOf(app.response)).toBe(express.response);
  });
});

describe('the gateway, served by createHttpServer', () => {
  let s: TestServer;
  afterEach(() => s?.close());

  it('answers REST and GraphQL on requests born with its Express prototypes', async () => {
    s = await startServer();
    const app = s.app.app;
    const arrivals = watchArrivals(s.server, app);
    const created = await s.request('POST', '/api/v1/sessions', { body: { name: 'proto' } });
    expect(created.status).toBe(201);
    const read = await s.gql<{ session: { name: string } }>('query($id: ID!) { session(id: $id) { name } }', { id: created.body.id });
    expect(read.body.data?.session.name).toBe('proto');
    expect(arrivals).toEqual([true, true]);
  });
});
