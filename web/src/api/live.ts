import { useEffect } from 'react';
import { type AnyVariables, type DocumentInput, useQuery, type UseQueryResponse } from 'urql';

/** How often live views ask again while the tab is visible. */
export const POLL_MS = 2000;

/**
 * The one place the console keeps a view live. Until the API has subscriptions this re-runs the query
 * every POLL_MS while the page is visible (a background tab asks nothing). When subscriptions land,
 * this hook is what changes: subscribe to the session's events and re-run the query on each one.
 */
export function useLiveQuery<Data, Variables extends AnyVariables>(
  query: DocumentInput<Data, Variables>,
  variables: Variables,
  opts: { pause?: boolean } = {},
): UseQueryResponse<Data, Variables> {
  const response = useQuery<Data, Variables>({ query, variables, pause: opts.pause ?? false, requestPolicy: 'cache-and-network' });
  const [, reexecute] = response;
  useEffect(() => {
    if (opts.pause) return;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') reexecute({ requestPolicy: 'network-only' });
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [reexecute, opts.pause]);
  return response;
}
