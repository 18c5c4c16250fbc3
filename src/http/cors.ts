import type { Request, Response } from 'express';
import type { Config } from '../config';

/**
 * CORS for browser frontends on other origins; no headers at all unless CORS_ORIGINS is set. Returns
 * true when it answered the request itself (a preflight).
 */
export function applyCors(origins: Config['corsOrigins'], req: Request, res: Response): boolean {
  const origin = req.headers.origin;
  if (!origins || !origin) return false;
  if (origins !== '*' && !origins.includes(origin)) return false;
  res.setHeader('Access-Control-Allow-Origin', origins === '*' ? '*' : origin);
  if (origins !== '*') res.append('Vary', 'Origin');
  res.setHeader('Access-Control-Expose-Headers', 'X-Request-Id, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Mcp-Session-Id');
  if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, DELETE, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, Idempotency-Key, X-Request-Id, Apollo-Require-Preflight, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-Id');
    res.setHeader('Access-Control-Max-Age', '600');
    res.status(204).end();
    return true;
  }
  return false;
}
