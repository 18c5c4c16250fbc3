import 'reflect-metadata';
import type { Server } from 'node:http';
import { createHttpServer } from '../../src/http/http-server';
import type { AddressInfo } from 'node:net';
import { type App, type AppDeps, createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { applyServerTimeouts } from '../../src/http/server-timeouts';
import { createTestDatabase } from './database';

export interface Reply<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface TestServer {
  url: string;
  /** A key of owner "alice" and one of owner "bob", for isolation tests. */
  apiKey: string;
  otherKey: string;
  app: App;
  /** The node server in front of the app (createHttpServer, as main.ts serves it). */
  server: Server;
  /** The SMTP port on 127.0.0.1 when started with `{ smtp: true }`, else null. */
  smtpPort: number | null;
  request<T = any>(method: string, path: string, opts?: { body?: unknown; rawBody?: string; key?: string | null; headers?: Record<string, string> }): Promise<Reply<T>>;
  gql<T = any>(query: string, variables?: Record<string, unknown>, key?: string | null): Promise<Reply<{ data?: T; errors?: any[] }>>;
  close(): Promise<void>;
}

/** A real server on 127.0.0.1 over a fresh, real database (SQLite file or PostgreSQL schema). */
export async function startServer(opts: { env?: Record<string, string>; deps?: AppDeps; smtp?: boolean } = {}): Promise<TestServer> {
  const database = await createTestDatabase();
  // Tests send many keyless and wrong-key requests from one address: the failed-authentication limit is off
  // unless a test turns it on (test/hardening/auth-failures.test.ts).
  const config = loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: 'silent', PORT: '0', BOOTSTRAP_API_KEY: 'sgk_bootstrap_for_tests_only', AUTH_FAILURES_PER_MINUTE: '0', ...opts.env });
  const app = await createApp(config, opts.deps);
  const apiKey = await app.services.apiKeys.create('alice');
  const otherKey = await app.services.apiKeys.create('bob');
  const server: Server = createHttpServer(app.app);
  applyServerTimeouts(server, config);
  app.attachWebSockets(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const smtpPort = opts.smtp ? await app.startSmtp({ port: 0, host: '127.0.0.1' }) : null;

  const request: TestServer['request'] = async (method, path, o = {}) => {
    const headers: Record<string, string> = { ...o.headers };
    const key = o.key === undefined ? apiKey : o.key;
    if (key !== null) headers.authorization = `Bearer ${key}`;
    let body: string | undefined = o.rawBody;
    if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(url + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, headers: res.headers, body: parsed as any, text };
  };

  return {
    url,
    apiKey,
    otherKey,
    app,
    server,
    smtpPort,
    request,
    gql: (query, variables, key) => request('POST', '/graphql', { body: { query, variables }, key }),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.close();
      await database.drop();
    },
  };
}
