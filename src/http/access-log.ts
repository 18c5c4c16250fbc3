import type { RequestHandler } from 'express';
import type { Logger } from '../logger';

/** One JSON line per request (with its request id, from the logger's mixin). No headers, no bodies. */
export function accessLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    // Read now: by 'finish', a mounted router may have cut its mount point off (/api/v1/sessions → /sessions).
    const path = req.path;
    res.once('finish', () => {
      const durationMs = Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100;
      const line = { requestId: res.locals.requestId, method: req.method, path, status: res.statusCode, durationMs };
      if (res.statusCode >= 500) logger.warn(line, 'request');
      else logger.info(line, 'request');
    });
    next();
  };
}
