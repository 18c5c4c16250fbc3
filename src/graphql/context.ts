import DataLoader from 'dataloader';
import type { Principal } from '../auth/api-keys.service';
import type { TimelineEvent } from '../history/event.type';
import type { Inbox } from '../inboxes/inbox.type';
import type { Message } from '../messages/message.type';
import type { Wait } from '../waits/wait.type';
import type { Services } from '../services';

/** Per-request batching: a page of 50 sessions loads all their inboxes in one query, not 50. */
export interface Loaders {
  sessionInboxes: DataLoader<string, Inbox[]>;
  sessionWaits: DataLoader<string, Wait[]>;
  sessionTimeline: DataLoader<string, TimelineEvent[]>;
  inboxMessages: DataLoader<string, Message[]>;
  inboxWaits: DataLoader<string, Wait[]>;
}

export interface Context {
  requestId: string;
  principal: Principal;
  services: Services;
  loaders: Loaders;
  /** Aborted when the client goes away or the server shuts down: long-polls return early. */
  readonly signal?: AbortSignal;
}

type Batches = { [K in keyof Loaders]: (services: Services) => (ids: readonly string[]) => Promise<unknown[]> };

const BATCHES: Batches = {
  sessionInboxes: (s) => (ids) => s.inboxes.bySessions(ids),
  sessionWaits: (s) => (ids) => s.waits.bySessions(ids),
  sessionTimeline: (s) => (ids) => s.history.timelines(ids),
  inboxMessages: (s) => (ids) => s.messages.byInboxes(ids),
  inboxWaits: (s) => (ids) => s.waits.byInboxes(ids),
};

/** Each loader is made when a resolver first asks for it: most requests need one or two, or none. */
export function createLoaders(services: Services): Loaders {
  const made: Partial<Loaders> = {};
  const loaders = {} as Loaders;
  for (const name of Object.keys(BATCHES) as (keyof Loaders)[]) {
    Object.defineProperty(loaders, name, {
      get: () => (made[name] ??= new DataLoader(BATCHES[name](services)) as never),
      enumerable: true,
    });
  }
  return loaders;
}

/** `signal` is built on first use (only long-polls look at it). */
export function createContext(requestId: string, principal: Principal, services: Services, signal?: () => AbortSignal): Context {
  let made: AbortSignal | undefined;
  return {
    requestId,
    principal,
    services,
    loaders: createLoaders(services),
    get signal() {
      return signal ? (made ??= signal()) : undefined;
    },
  };
}

/** Hands children loaded together with their session to the loaders, so no second query runs. */
export function primeSessionChildren(loaders: Loaders, found: { session: { id: string }; inboxes?: Inbox[]; waits?: Wait[] }): void {
  if (found.inboxes) loaders.sessionInboxes.prime(found.session.id, found.inboxes);
  if (found.waits) loaders.sessionWaits.prime(found.session.id, found.waits);
}
