import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { RestRoute } from '../../src/http/rest-adapter';

/** Shared by the hardening suites: raw HTTP with a deadline, the documented statuses, the contract's checks. */

const doc = parse(readFileSync(join(__dirname, '..', '..', 'docs', 'openapi.yaml'), 'utf8'));

export const docPath = (route: RestRoute) => `/api/v1${route.path.replace(/:(\w+)/g, '{$1}')}`;
export const routeName = (route: RestRoute) => `${route.method} /api/v1${route.path}`;
export const successStatus = (route: RestRoute) => route.status ?? (route.method === 'DELETE' ? 204 : 200);

/** The statuses docs/openapi.yaml lists for the route (its own `responses`). */
export function documentedStatuses(route: RestRoute): Set<number> {
  const op = doc.paths[docPath(route)]?.[route.method.toLowerCase()];
  if (!op) throw new Error(`${routeName(route)} is not in docs/openapi.yaml`);
  return new Set(Object.keys(op.responses).map(Number));
}

/** The title the contract pairs with each status. */
export const TITLES: Record<number, string> = {
  400: 'Invalid request',
  401: 'Unauthorized',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict',
  413: 'Payload too large',
  415: 'Unsupported media type',
  429: 'Too many requests',
  500: 'Internal server error',
};

/**
 * Answers of the body parser, which reads every JSON body before any route runs (the "Errors"
 * section of the document lists them for all routes): they may come from a route whose own
 * `responses` do not list them, but then only with exactly these bodies.
 */
export const BODY_PARSER_ANSWERS: Record<number, { error: string; message: string }[]> = {
  400: [{ error: 'Invalid request', message: 'Request body is not valid JSON' }],
  413: [{ error: 'Payload too large', message: 'Request body is too large' }],
  415: [{ error: 'Unsupported media type', message: 'Request body must be UTF-8 JSON' }],
};
/** A path that is not valid percent-encoded UTF-8 cannot be routed: the router's own 400 (the Errors section's). */
export const UNDECODABLE_PATH = { error: 'Invalid request', message: 'The request could not be read' };
export const ROUTE_NOT_FOUND = { error: 'Not found', message: 'Route not found' };

/** Internals that must never reach a client: stack frames, SQL, the ORM, the engines. */
const LEAKS = [/\n\s*at /, /\bat [\w.<>]+ \(.*:\d+:\d+\)/, /\bSELECT\b/, /\bINSERT\b/, /\bUPDATE\b.*\bSET\b/, /prisma/i, /sqlite/i, /postgres/i, /node_modules/, /\.ts:\d+/];

export function leaks(text: string): string | null {
  const hit = LEAKS.find((re) => re.test(text));
  return hit ? `leaks ${hit}` : null;
}

export interface RawReply {
  status: number;
  headers: Headers;
  text: string;
  body: unknown;
}

export const DEADLINE_MS = 5_000;

/**
 * One request with a deadline, over node:http so nothing is normalized or refused on the way: the
 * path goes out byte for byte (`..`, `%00`), GET may carry a body, any Content-Type (or none) is sent.
 * A hang is a failure like any other, reported as status 0.
 */
export function send(
  url: string,
  method: string,
  path: string,
  opts: { key?: string | null; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawReply> {
  const headers: Record<string, string | number> = { ...opts.headers };
  if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  const body = opts.body === undefined ? undefined : Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(opts.body, 'utf8');
  if (body !== undefined) headers['content-length'] = body.length;
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    let settled = false;
    const done = (reply: RawReply) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(reply);
    };
    const fail = (why: string) => done({ status: 0, headers: new Headers(), text: why, body: undefined });
    const req = request({ hostname, port, method, path, headers, agent: false }, (res) => {
      // An event stream (SSE) that started is an answer: it would run until the session ends.
      if (res.headers['content-type']?.startsWith('text/event-stream')) {
        req.destroy();
        return done({ status: res.statusCode ?? 0, headers: new Headers(res.headers as Record<string, string>), text: '', body: undefined });
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => fail(`response error: ${e.message}`));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = undefined;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          parsed = text;
        }
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
        done({ status: res.statusCode ?? 0, headers: h, text, body: parsed });
      });
    });
    const timer = setTimeout(() => {
      fail(`no answer within ${DEADLINE_MS} ms`);
      req.destroy();
    }, DEADLINE_MS);
    // The server may answer (413) before it has read everything: a write error after that is not ours.
    req.on('error', (e) => setTimeout(() => fail(`request error: ${e.message}`), 200));
    req.end(body);
  });
}

/** Exactly `{error, message}`, both strings: null when it is, else what is wrong. */
export function contractBodyProblem(reply: RawReply): string | null {
  const b = reply.body as Record<string, unknown> | undefined;
  if (!/^application\/json/.test(reply.headers.get('content-type') ?? '')) return `content-type ${reply.headers.get('content-type')}`;
  if (!b || typeof b !== 'object' || Array.isArray(b)) return 'body is not a JSON object';
  const keys = Object.keys(b).sort().join(',');
  if (keys !== 'error,message') return `body keys are ${keys}`;
  if (typeof b.error !== 'string' || typeof b.message !== 'string') return 'error/message are not strings';
  if (TITLES[reply.status] !== undefined && b.error !== TITLES[reply.status]) return `title "${b.error}" for ${reply.status}`;
  if (b.message.trim() === '') return 'empty message';
  return null;
}

/** Deeply nested JSON, `{a:{a:…}}`, built as text so no serializer's recursion limit applies. */
export function nestedJsonText(depth: number, leaf = '1'): string {
  return '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);
}

export function nested(depth: number): Record<string, unknown> {
  let v: Record<string, unknown> = { leaf: true };
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

export const short = (s: string, n = 140) => (s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s);
