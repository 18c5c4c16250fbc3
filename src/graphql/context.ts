import DataLoader from 'dataloader';
import type { Principal } from '../auth/api-keys.service';
import type { TimelineEvent } from '../history/event.type';
import type { Inbox } from '../inboxes/inbox.type';
import type { Wait } from '../waits/wait.type';
import type { Services } from '../services';

/** Per-request batching: a page of 50 sessions loads all their inboxes in one query, not 50. */
export interface Loaders {
  sessionInboxes: DataLoader<string, Inbox[]>;
  sessionWaits: DataLoader<string, Wait[]>;
  sessionTimeline: DataLoader<string, TimelineEvent[]>;
}

export interface Context {
  requestId: string;
  principal: Principal;
  services: Services;
  loaders: Loaders;
}

export function createLoaders(services: Services): Loaders {
  return {
    sessionInboxes: new DataLoader((ids) => services.inboxes.bySessions(ids)),
    sessionWaits: new DataLoader((ids) => services.waits.bySessions(ids)),
    sessionTimeline: new DataLoader((ids) => services.history.timelines(ids)),
  };
}

export function createContext(requestId: string, principal: Principal, services: Services): Context {
  return { requestId, principal, services, loaders: createLoaders(services) };
}
