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
  signal?: AbortSignal;
}

export function createLoaders(services: Services): Loaders {
  return {
    sessionInboxes: new DataLoader((ids) => services.inboxes.bySessions(ids)),
    sessionWaits: new DataLoader((ids) => services.waits.bySessions(ids)),
    sessionTimeline: new DataLoader((ids) => services.history.timelines(ids)),
    inboxMessages: new DataLoader((ids) => services.messages.byInboxes(ids)),
    inboxWaits: new DataLoader((ids) => services.waits.byInboxes(ids)),
  };
}

export function createContext(requestId: string, principal: Principal, services: Services, signal?: AbortSignal): Context {
  return { requestId, principal, services, loaders: createLoaders(services), signal };
}
