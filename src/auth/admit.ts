import type { Request, Response } from 'express';
import { RateLimitedError } from '../graphql/errors';
import type { RateLimiter } from '../protection/rate-limiter';
import type { ApiKeyService, Principal } from './api-keys.service';
import { authenticate } from './authenticate';

export type Admit = (req: Request, res: Response) => Promise<Principal>;

/**
 * The gate every API request passes, GraphQL and REST alike: a valid key, then its rate limit. The
 * X-RateLimit-* headers go on every admitted (and refused) response.
 */
export function createAdmit(keys: ApiKeyService, limiter: RateLimiter): Admit {
  return async (req, res) => {
    const principal = await authenticate(req.headers, keys);
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
