import type { RequestHandler } from 'express';
import type { Logger } from '../logger';

/** One JSON line per request (with its request id, from the logger's mixin). No headers, no bodies. */
export function accessLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const durationMs = Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100;
      const line = { requestId: res.locals.requestId, method: req.method, path: req.path, status: res.statusCode, durationMs };
      if (res.statusCode >= 500) logger.warn(line, 'request');
      else logger.info(line, 'request');
    });
    next();
  };
}
