/**
 * API errors in words. The console never shows a blank page or a raw error object: every failure the
 * GraphQL API can give (its `extensions.code`) or the network can give becomes a sentence that says
 * what happened and what to do. Pure, tested.
 */

/** The parts of urql's CombinedError this needs (kept structural so it is testable without urql). */
export interface ApiErrorLike {
  networkError?: { message: string } | undefined;
  graphQLErrors?: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }>;
  response?: { status?: number } | undefined;
}

export type ErrorKind = 'unauthenticated' | 'not_found' | 'rate_limited' | 'conflict' | 'invalid' | 'network' | 'server';

export interface ErrorWords {
  kind: ErrorKind;
  title: string;
  detail: string;
  /** Seconds until a rate-limited request may be retried, when the server said. */
  retryAfterSeconds?: number;
}

export function errorToWords(error: ApiErrorLike, what = 'It'): ErrorWords {
  const first = error.graphQLErrors?.[0];
  const code = typeof first?.extensions?.code === 'string' ? first.extensions.code : undefined;
  switch (code) {
    case 'UNAUTHENTICATED':
      return {
        kind: 'unauthenticated',
        title: 'This API key was not accepted',
        detail: 'It is wrong, revoked or expired: sign in with a valid one (create one with npm run keys -- create --owner <you>).',
      };
    case 'NOT_FOUND':
      return { kind: 'not_found', title: `${what} was not found`, detail: 'It does not exist, or it belongs to another API key.' };
    case 'RATE_LIMITED': {
      const retry = Number(first?.extensions?.retryAfterSeconds);
      const retryAfterSeconds = Number.isFinite(retry) && retry >= 0 ? Math.ceil(retry) : undefined;
      return {
        kind: 'rate_limited',
        title: 'Too many requests',
        detail:
          retryAfterSeconds === undefined
            ? 'This key hit its rate limit. The console tries again shortly.'
            : `This key hit its rate limit. The console tries again in ${retryAfterSeconds} s.`,
        ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
      };
    }
    case 'CONFLICT':
      return { kind: 'conflict', title: 'Not possible in this state', detail: first!.message };
    case 'BAD_USER_INPUT':
      return { kind: 'invalid', title: 'The request was refused', detail: first!.message };
  }
  if (first) return { kind: 'server', title: 'The server could not answer', detail: first.message };
  if (error.networkError) {
    return {
      kind: 'network',
      title: 'The server cannot be reached',
      detail: `Check that sessions-gateway is running and the network is up (${error.networkError.message}).`,
    };
  }
  return { kind: 'server', title: 'Something went wrong', detail: 'The server gave an answer the console did not understand.' };
}
