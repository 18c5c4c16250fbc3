import type { Request, Response } from 'express';
import { RateLimitedError } from '../graphql/errors';
import type { AuthFailureLimiter } from '../protection/auth-failure-limiter';
import type { RateLimiter } from '../protection/rate-limiter';
import type { ApiKeyService, Principal } from './api-keys.service';
import { authenticate } from './authenticate';

export type Admit = (req: Request, res: Response) => Promise<Principal>;

/**
 * The gate every API request passes, GraphQL and REST alike: a valid key, then its rate limit. The
 * X-RateLimit-* headers go on every admitted (and refused) response.
 */
export function createAdmit(
  keys: ApiKeyService,
  limiter: RateLimiter,
  failures?: AuthFailureLimiter,
  onLimit?: (limit: 'auth_failures') => void,
): Admit {
  return async (req, res) => {
    const principal = failures?.enabled ? await authenticateCounted(req, res, keys, failures, onLimit) : await authenticate(req.headers, keys);
    if (!limiter.enabled) return principal;
    const decision = await limiter.consume(principal.keyId);
    res.setHeader('X-RateLimit-Limit', String(decision.limit));
    res.setHeader('X-RateLimit-Remaining', String(decision.remaining));
    res.setHeader('X-RateLimit-Reset', String(decision.resetSeconds));
    if (!decision.allowed) {
      res.setHeader('Retry-After', String(decision.resetSeconds));
      throw new RateLimitedError(`Rate limit of ${decision.limit} requests per minute exceeded; retry in ${decision.resetSeconds} s`, decision.resetSeconds);
    }
    return principal;
  };
}

/** authenticate, refusing an address past its failed attempts (429), and counting its failures. */
async function authenticateCounted(req: Request, res: Response, keys: ApiKeyService, failures: AuthFailureLimiter, onLimit?: (limit: 'auth_failures') => void): Promise<Principal> {
  // req.ip: the socket's address, or the proxy's client address when Express is told to trust it.
  const address = req.ip ?? req.socket.remoteAddress ?? '';
  const wait = failures.blockedFor(address);
  if (wait > 0) {
    onLimit?.('auth_failures');
    res.setHeader('Retry-After', String(wait));
    throw new RateLimitedError(`Too many failed authentication attempts from this address (at most ${failures.limitPerMinute} a minute); retry in ${wait} s`, wait);
  }
  try {
    return await authenticate(req.headers, keys);
  } catch (err) {
    failures.fail(address);
    throw err;
  }
}
