import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const SAFE_INCOMING_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * A sane incoming X-Request-Id (from a proxy) or a new one. It travels explicitly — in
 * `res.locals.requestId`, the GraphQL context and errors marked with it (graphql/errors.ts) — and not in
 * an AsyncLocalStorage: on Node 20 that turns on promise hooks, a cost on every promise of every request.
 */
export function requestIdOf(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && SAFE_INCOMING_ID.test(incoming) ? incoming : randomUUID();
}
