import DataLoader from 'dataloader';
import type { Principal } from '../auth/api-keys.service';
import type { TimelineEvent } from '../history/event.type';
import type { StreamTransport } from '../history/live-events';
import type { Inbox } from '../inboxes/inbox.type';
import type { FileBody } from '../messages/message-files';
import type { Message, MessageAttachment } from '../messages/message.type';
import type { Wait } from '../waits/wait.type';
import type { Services } from '../services';

/** Per-request batching: a page of 50 sessions loads all their inboxes in one query, not 50. */
export interface Loaders {
  sessionInboxes: DataLoader<string, Inbox[]>;
  sessionInboxIds: DataLoader<string, string[]>;
  sessionWaits: DataLoader<string, Wait[]>;
  sessionWaitIds: DataLoader<string, string[]>;
  sessionTimeline: DataLoader<string, TimelineEvent[]>;
  /** Keyed by inboxPageKey: one page of an inbox's messages. */
  inboxMessages: DataLoader<string, Message[]>;
  messageAttachments: DataLoader<string, MessageAttachment[]>;
  inboxWaits: DataLoader<string, Wait[]>;
}

export interface Context {
  requestId: string;
  principal: Principal;
  services: Services;
  loaders: Loaders;
  /** Aborted when the client goes away or the server shuts down: long-polls return early. */
  readonly signal?: AbortSignal;
  /** Set for subscriptions: the connection (graphql-ws socket, SSE response) their streams run on. */
  readonly stream?: StreamTransport;
  /** Set by a download query (message source, attachment): REST streams these bytes as the body. */
  file?: FileBody;
}

/** Each loader is made when a resolver first asks for it: most requests need one or two, or none. */
class LazyLoaders implements Loaders {
  private readonly made: Partial<Loaders> = {};

  constructor(private readonly services: Services) {}

  get sessionInboxes() {
    return this.once('sessionInboxes', (ids) => this.services.inboxes.bySessions(ids));
  }

  get sessionInboxIds() {
    return this.once('sessionInboxIds', (ids) => this.services.inboxes.idsBySessions(ids));
  }

  get sessionWaits() {
    return this.once('sessionWaits', (ids) => this.services.waits.bySessions(ids));
  }

  get sessionWaitIds() {
    return this.once('sessionWaitIds', (ids) => this.services.waits.idsBySessions(ids));
  }

  get sessionTimeline() {
    return this.once('sessionTimeline', (ids) => this.services.history.timelines(ids));
  }

  get inboxMessages() {
    return this.once('inboxMessages', (keys) => this.services.messages.byInboxPages(keys));
  }

  get messageAttachments() {
    return this.once('messageAttachments', (ids) => this.services.messages.attachmentsOf(ids));
  }

  get inboxWaits() {
    return this.once('inboxWaits', (ids) => this.services.waits.byInboxes(ids));
  }

  private once<K extends keyof Loaders>(name: K, batch: Loaders[K] extends DataLoader<string, infer V> ? DataLoader.BatchLoadFn<string, V> : never): Loaders[K] {
    return (this.made[name] ??= new DataLoader(batch) as Loaders[K]) as Loaders[K];
  }
}

/**
 * `signal` is built on first use (only long-polls look at it). It is a getter on the prototype, not on
 * the object: Apollo copies the context's own properties per request, which would call an own getter.
 */
class RequestContext implements Context {
  readonly loaders: Loaders;
  file?: FileBody;
  private madeSignal?: AbortSignal;

  constructor(
    readonly requestId: string,
    readonly principal: Principal,
    readonly services: Services,
    private readonly makeSignal?: () => AbortSignal,
    readonly stream?: StreamTransport,
  ) {
    this.loaders = new LazyLoaders(services);
  }

  get signal(): AbortSignal | undefined {
    return this.makeSignal ? (this.madeSignal ??= this.makeSignal()) : undefined;
  }
}

export function createContext(requestId: string, principal: Principal, services: Services, signal?: () => AbortSignal, stream?: StreamTransport): Context {
  return new RequestContext(requestId, principal, services, signal, stream);
}
