import { useCallback, useEffect, useRef, useSyncExternalStore } from 'react';
import { type AnyVariables, type DocumentInput, useClient, useQuery, type UseQueryResponse, useSubscription } from 'urql';
import { errorToWords } from '../lib/errors';
import { type SocketStatus, socketStateOf } from './client';
import { EventsSubscription, SessionEventsSubscription } from './documents';

/** How often live views ask again when the socket cannot connect (and only then). */
export const FALLBACK_POLL_MS = 10_000;
/** Events that come in a burst (a mail and the wait it ends) cost one refresh. */
const COALESCE_MS = 100;
/**
 * The `events` feed starts "from now" when the server opens it, a moment the client cannot see: the list
 * is read again this long after the socket connects, so a session created in between is not missed.
 */
const SETTLE_MS = 500;

/** What makes a view stale: one session's events (resumed after `after`), or any event of yours. */
export type LiveFeed = { session: string; after: string | undefined } | { allSessions: true };

/** The live link's state, for the views to show. */
export function useSocketStatus(): SocketStatus {
  const state = socketStateOf(useClient());
  return useSyncExternalStore(state.subscribe, () => state.status);
}

/**
 * The one place the console keeps a view live. It reads the query once, subscribes to the view's feed
 * (graphql-ws on /graphql) and reads the query again when an event arrives; nothing is asked while
 * nothing happens. If the socket cannot connect, it polls every FALLBACK_POLL_MS while the page is
 * visible (the view says so), waiting out a rate limit for as long as the server says.
 *
 * `feed` gets the first answer: a session view subscribes after the last event it has read. A failed
 * refresh keeps the last answer on screen (with the error beside it) rather than blanking it.
 */
export function useLiveQuery<Data, Variables extends AnyVariables>(
  query: DocumentInput<Data, Variables>,
  variables: Variables,
  feed: (data: Data) => LiveFeed | null,
): UseQueryResponse<Data, Variables> {
  const [result, reexecute] = useQuery<Data, Variables>({ query, variables, requestPolicy: 'cache-and-network' });
  const variablesKey = JSON.stringify(variables);
  const last = useRef<{ key: string; data: Data | undefined }>({ key: variablesKey, data: undefined });
  if (last.current.key !== variablesKey) last.current = { key: variablesKey, data: undefined };
  if (result.data !== undefined) last.current.data = result.data;

  // The feed is chosen once, from the first answer: later answers must not restart the subscription.
  const chosen = useRef<LiveFeed | null>(null);
  if (!chosen.current && last.current.data !== undefined) chosen.current = feed(last.current.data);
  const live = chosen.current;

  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const refresh = useCallback(
    (delay = COALESCE_MS) => {
      if (pending.current) return;
      pending.current = setTimeout(() => {
        pending.current = undefined;
        reexecute({ requestPolicy: 'network-only' });
      }, delay);
    },
    [reexecute],
  );
  useEffect(() => () => clearTimeout(pending.current), []);

  const onEvent = useCallback(() => refresh(), [refresh]);
  const sessionFeed = live && 'session' in live ? live : null;
  const [sessionEvents] = useSubscription(
    { query: SessionEventsSubscription, variables: { sessionId: sessionFeed?.session ?? '', after: sessionFeed?.after ?? null }, pause: !sessionFeed },
    onEvent,
  );
  const [allEvents] = useSubscription({ query: EventsSubscription, variables: {}, pause: !(live && 'allSessions' in live) }, onEvent);
  // A refused subscription (a revoked key, a session gone) is read again over HTTP, which says why in words.
  const subscriptionError = sessionEvents.error ?? allEvents.error;
  useEffect(() => {
    if (subscriptionError) refresh();
  }, [subscriptionError, refresh]);

  const status = useSocketStatus();
  const outage = useRef(false);
  useEffect(() => {
    if (status === 'offline') outage.current = true;
    if (status !== 'live' || !live) return;
    // The list's feed starts "from now"; after an outage anything may have changed meanwhile.
    if ('allSessions' in live || outage.current) refresh(SETTLE_MS);
    outage.current = false;
  }, [status, live, refresh]);

  const quietUntil = useRef(0);
  const retryAfterSeconds = result.error ? errorToWords(result.error).retryAfterSeconds : undefined;
  useEffect(() => {
    if (retryAfterSeconds !== undefined) quietUntil.current = Date.now() + retryAfterSeconds * 1000;
  }, [result.error, retryAfterSeconds]);

  const polling = status === 'offline';
  useEffect(() => {
    if (!polling) return;
    const timer = setInterval(() => {
      if (document.visibilityState !== 'visible' || Date.now() < quietUntil.current) return;
      reexecute({ requestPolicy: 'network-only' });
    }, FALLBACK_POLL_MS);
    return () => clearInterval(timer);
  }, [polling, reexecute]);
  return [{ ...result, data: result.data ?? last.current.data }, reexecute];
}
