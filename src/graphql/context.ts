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
  sessionInboxIds: DataLoader<string, string[]>;
  sessionWaits: DataLoader<string, Wait[]>;
  sessionWaitIds: DataLoader<string, string[]>;
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

/** Each loader is made when a resolver first asks for it: most requests need one or two, or none. */
class LazyLoaders implements Loaders {
  private inboxesOfSessions?: Loaders['sessionInboxes'];
  private inboxIdsOfSessions?: Loaders['sessionInboxIds'];
  private waitsOfSessions?: Loaders['sessionWaits'];
  private waitIdsOfSessions?: Loaders['sessionWaitIds'];
  private timelinesOfSessions?: Loaders['sessionTimeline'];
  private messagesOfInboxes?: Loaders['inboxMessages'];
  private waitsOfInboxes?: Loaders['inboxWaits'];

  constructor(private readonly services: Services) {}

  get sessionInboxes(): Loaders['sessionInboxes'] {
    return (this.inboxesOfSessions ??= new DataLoader((ids) => this.services.inboxes.bySessions(ids)));
  }

  get sessionInboxIds(): Loaders['sessionInboxIds'] {
    return (this.inboxIdsOfSessions ??= new DataLoader((ids) => this.services.inboxes.idsBySessions(ids)));
  }

  get sessionWaitIds(): Loaders['sessionWaitIds'] {
    return (this.waitIdsOfSessions ??= new DataLoader((ids) => this.services.waits.idsBySessions(ids)));
  }

  get sessionWaits(): Loaders['sessionWaits'] {
    return (this.waitsOfSessions ??= new DataLoader((ids) => this.services.waits.bySessions(ids)));
  }

  get sessionTimeline(): Loaders['sessionTimeline'] {
    return (this.timelinesOfSessions ??= new DataLoader((ids) => this.services.history.timelines(ids)));
  }

  get inboxMessages(): Loaders['inboxMessages'] {
    return (this.messagesOfInboxes ??= new DataLoader((ids) => this.services.messages.byInboxes(ids)));
  }

  get inboxWaits(): Loaders['inboxWaits'] {
    return (this.waitsOfInboxes ??= new DataLoader((ids) => this.services.waits.byInboxes(ids)));
  }
}

/**
 * `signal` is built on first use (only long-polls look at it). It is a getter on the prototype, not on
 * the object: Apollo copies the context's own properties per request, which would call an own getter.
 */
class RequestContext implements Context {
  readonly loaders: Loaders;
  private madeSignal?: AbortSignal;

  constructor(
    readonly requestId: string,
    readonly principal: Principal,
    readonly services: Services,
    private readonly makeSignal?: () => AbortSignal,
  ) {
    this.loaders = new LazyLoaders(services);
  }

  get signal(): AbortSignal | undefined {
    return this.makeSignal ? (this.madeSignal ??= this.makeSignal()) : undefined;
  }
}

export function createContext(requestId: string, principal: Principal, services: Services, signal?: () => AbortSignal): Context {
  return new RequestContext(requestId, principal, services, signal);
}
