import type { RequestHandler } from 'express';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { logAccess } from './access-log';
import { applyCors } from './cors';
import type { Metrics } from './metrics';
import { requestIdOf } from './request-id';
import type { HeaderList } from './security';

export interface FrameDeps {
  logger: Logger;
  metrics: Metrics;
  securityHeaders: HeaderList;
  corsOrigins: Config['corsOrigins'];
}

/**
 * What every request gets, in one Express layer: its request id (echoed as X-Request-Id), the security
 * headers, CORS, and once the response is finished its metrics and access-log line. Whoever handles
 * the request names its route pattern in `res.locals.route` (never the raw path: ids would make a
 * metrics label per request).
 */
export function requestFrame({ logger, metrics, securityHeaders, corsOrigins }: FrameDeps): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const requestId = requestIdOf(req);
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    for (const [name, value] of securityHeaders) res.setHeader(name, value);
    // Read now: by 'finish', a mounted router may have cut its mount point off (/api/v1/sessions → /sessions).
    const { method, path } = req;
    // 'finish' is emitted once; `on` spares the wrapper `once` builds per request.
    res.on('finish', () => {
      const nanos = Number(process.hrtime.bigint() - started);
      const route = typeof res.locals.route === 'string' ? res.locals.route : 'other';
      metrics.request(method, route, res.statusCode, nanos / 1e9);
      logAccess(logger, { requestId, method, path, status: res.statusCode, durationMs: Math.round(nanos / 1e4) / 100 });
    });
    if (applyCors(corsOrigins, req, res)) return;
    next();
  };
}
