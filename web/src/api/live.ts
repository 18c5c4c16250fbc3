import { useEffect, useRef } from 'react';
import { type AnyVariables, type DocumentInput, useQuery, type UseQueryResponse } from 'urql';
import { errorToWords } from '../lib/errors';

/** How often live views ask again while the tab is visible. */
export const POLL_MS = 2000;

/**
 * The one place the console keeps a view live. Until the API has subscriptions this re-runs the query
 * every POLL_MS while the page is visible (a background tab asks nothing), and waits out a rate limit
 * for as long as the server says. When subscriptions land, this hook is what changes: subscribe to the
 * session's events and re-run the query on each one.
 *
 * A failed refresh keeps the last answer on screen (with the error beside it) rather than blanking it.
 */
export function useLiveQuery<Data, Variables extends AnyVariables>(
  query: DocumentInput<Data, Variables>,
  variables: Variables,
): UseQueryResponse<Data, Variables> {
  const [result, reexecute] = useQuery<Data, Variables>({ query, variables, requestPolicy: 'cache-and-network' });
  const variablesKey = JSON.stringify(variables);
  const last = useRef<{ key: string; data: Data | undefined }>({ key: variablesKey, data: undefined });
  if (last.current.key !== variablesKey) last.current = { key: variablesKey, data: undefined };
  if (result.data !== undefined) last.current.data = result.data;

  const quietUntil = useRef(0);
  const retryAfterSeconds = result.error ? errorToWords(result.error).retryAfterSeconds : undefined;
  useEffect(() => {
    if (retryAfterSeconds !== undefined) quietUntil.current = Date.now() + retryAfterSeconds * 1000;
  }, [result.error, retryAfterSeconds]);

  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState !== 'visible' || Date.now() < quietUntil.current) return;
      reexecute({ requestPolicy: 'network-only' });
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [reexecute]);
  return [{ ...result, data: result.data ?? last.current.data }, reexecute];
}
