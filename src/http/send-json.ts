import type { Response } from 'express';

/**
 * `res.status(status).json(body)` without Express's `send` machinery (ETag, freshness check, type
 * lookups), which costs a fast route more than its own work: our answers are always fresh JSON.
 */
export function sendJson(res: Response, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  // Node leaves the body out of a HEAD response by itself.
  res.end(text);
}
