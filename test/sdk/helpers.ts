import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { RouteTable } from '../../src/http/route-table';
import { restRoutes } from '../../src/http/routes';

/** What the proxy does with one request. */
export type ProxyStep =
  /** Passes the request on and the answer back. */
  | 'forward'
  /** Passes the request on, lets the server finish it, then drops the client's connection unanswered. */
  | 'forward-then-drop'
  /** Drops the connection without passing the request on. */
  | 'drop'
  /** Answers 503 itself. */
  | '503'
  /** Answers 429 itself, with Retry-After: 1. */
  | '429';

export interface SeenRequest {
  method: string;
  path: string;
  idempotencyKey: string | undefined;
  step: ProxyStep;
}

export interface FlakyProxy {
  url: string;
  /** Every request that reached the proxy, in order. */
  seen: SeenRequest[];
  /** Steps for the next requests, in order; once used up, requests are forwarded. */
  plan(...steps: ProxyStep[]): void;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host', 'content-encoding']);

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * A tiny HTTP proxy in front of a real server that fails on cue: it answers 503 or 429 itself, or drops
 * the connection (before or after the server did the work), so clients' retries can be proven.
 */
export async function startFlakyProxy(target: string): Promise<FlakyProxy> {
  const steps: ProxyStep[] = [];
  const seen: SeenRequest[] = [];
  const server: Server = createServer(async (req, res) => {
    const step = steps.shift() ?? 'forward';
    const key = req.headers['idempotency-key'];
    seen.push({ method: req.method!, path: req.url!, idempotencyKey: typeof key === 'string' ? key : undefined, step });
    const body = await readAll(req);
    if (step === 'drop') return void req.socket.destroy();
    if (step === '503' || step === '429') {
      const reply = step === '503' ? { error: 'Internal server error', message: 'Service unavailable' } : { error: 'Too many requests', message: 'Slow down' };
      res.writeHead(Number(step), { 'content-type': 'application/json', ...(step === '429' && { 'retry-after': '1' }) });
      return void res.end(JSON.stringify(reply));
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string' && !HOP_BY_HOP.has(name)) headers[name] = value;
    const upstream = await fetch(target + req.url, { method: req.method, headers, body: body.length ? body : undefined });
    const text = Buffer.from(await upstream.arrayBuffer());
    if (step === 'forward-then-drop') return void req.socket.destroy();
    const out: Record<string, string> = {};
    upstream.headers.forEach((value, name) => {
      if (!HOP_BY_HOP.has(name)) out[name] = value;
    });
    res.writeHead(upstream.status, out);
    res.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    plan: (...next) => void steps.push(...next),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface CuttingProxy {
  url: string;
  /** The path and query of every request that reached the proxy, in order. */
  seen: { path: string; lastEventId: string | undefined }[];
  /** Cuts every open client connection now (midway through a streamed answer). */
  cut(): void;
  close(): Promise<void>;
}

/** A streaming HTTP proxy (answers pass through as they come, e.g. SSE) whose connections can be cut on cue. */
export async function startCuttingProxy(target: string): Promise<CuttingProxy> {
  const seen: CuttingProxy['seen'] = [];
  const sockets = new Set<Socket>();
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    const lastEventId = req.headers['last-event-id'];
    seen.push({ path: req.url!, lastEventId: typeof lastEventId === 'string' ? lastEventId : undefined });
    const forward = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode!, answer.headers);
      res.flushHeaders();
      answer.pipe(res);
    });
    forward.on('error', () => req.socket.destroy());
    res.on('close', () => forward.destroy());
    req.pipe(forward);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    cut: () => {
      for (const socket of sockets) socket.destroy();
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A URL where nothing listens (a port opened and closed again). */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** A plain-text RFC 822 message. */
export function rawMessage(to: string, subject: string, body: string, from = 'Sender <sender@example.test>'): string {
  return [`From: ${from}`, `To: ${to}`, `Subject: ${subject}`, 'Content-Type: text/plain; charset=utf-8', '', body, ''].join('\r\n');
}

/** The REST routes (as "METHOD /path") that none of the `sent` requests reached. */
export function uncoveredRoutes(sent: { method: string; path: string }[]): string[] {
  const table = new RouteTable(restRoutes);
  const reached = new Set<unknown>();
  for (const { method, path } of sent) {
    if (!path.startsWith('/api/v1/')) continue;
    const found = table.match(method, path.slice('/api/v1'.length));
    if (found.kind === 'route') reached.add(found.route);
  }
  return restRoutes.filter((route) => !reached.has(route)).map((route) => `${route.method} ${route.path}`);
}
