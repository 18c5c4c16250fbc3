import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from '../logger';
import { sendJson } from './send-json';

/** The contract's error body: `{ "error": <title>, "message": <detail> }`. */
export function sendError(res: Response, status: number, error: string, message: string): void {
  sendJson(res, status, { error, message });
}

/**
 * Errors raised by Express itself or its body parser: malformed JSON, oversized bodies, and anything
 * unexpected (logged, then masked). GraphQL requests get a GraphQL-shaped body, everything else the
 * contract's shape.
 */
export function httpErrorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (res.headersSent) return;
    const { status, title, message } = describe(err);
    if (status >= 500) log.error({ err }, 'unhandled error');
    // The GraphQL endpoint marks its route before reading the body (also for /graphql/ and /GRAPHQL).
    if (res.locals.route === '/graphql') {
      res.status(status).json({ errors: [{ message, extensions: { code: status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST' } }] });
      return;
    }
    sendError(res, status, title, message);
  };
}

function describe(err: { type?: string; status?: number; statusCode?: number }): { status: number; title: string; message: string } {
  switch (err?.type) {
    case 'entity.parse.failed':
      return { status: 400, title: 'Invalid request', message: 'Request body is not valid JSON' };
    case 'entity.too.large':
      return { status: 413, title: 'Payload too large', message: 'Request body is too large' };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { status: 415, title: 'Unsupported media type', message: 'Request body must be UTF-8 JSON' };
    case 'request.aborted':
      return { status: 400, title: 'Invalid request', message: 'Request was aborted' };
  }
  const status = err?.status ?? err?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, title: 'Invalid request', message: 'The request could not be read' };
  }
  return { status: 500, title: 'Internal server error', message: 'Unexpected error' };
}
