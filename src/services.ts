import { ApiKeyService } from './auth/api-keys.service';
import type { Clock } from './common/clock';
import { Notifier } from './common/notifier';
import type { Config } from './config';
import type { Database } from './db/client';
import { HistoryService } from './history/history.service';
import { LiveEvents } from './history/live-events';
import { InboxService } from './inboxes/inbox.service';
import { MessageService } from './messages/message.service';
import { HeldLimit } from './protection/held-limit';
import { SessionService } from './sessions/session.service';
import { HeldWaits } from './waits/held-waits';
import { type WaitTelemetry, WaitService } from './waits/wait.service';

/** Every service, wired once per app. Resolvers reach them through the request context. */
export interface Services {
  apiKeys: ApiKeyService;
  history: HistoryService;
  sessions: SessionService;
  inboxes: InboxService;
  waits: WaitService;
  messages: MessageService;
  notifier: Notifier;
  /** The long-polls held on this instance (what the periodic sweep checks). */
  heldWaits: HeldWaits;
  /** MAX_HELD_PER_KEY: long-polls (and streams) one key may hold open at once on this instance. */
  heldLimit: HeldLimit;
  /** Open event streams and the feed they share. */
  live: LiveEvents;
}

export function createServices(db: Database, config: Config, clock: Clock, telemetry: WaitTelemetry = { waitEnded: () => {} }): Services {
  const notifier = new Notifier();
  const history = new HistoryService(db, clock, notifier);
  const sessions = new SessionService(db, history, clock);
  const inboxes = new InboxService(db, history, sessions, notifier, telemetry, clock, config.inboxDomain);
  const heldWaits = new HeldWaits(notifier);
  const heldLimit = new HeldLimit(config.maxHeldPerKey);
  const waits = new WaitService(db, history, sessions, inboxes, notifier, clock, telemetry, heldWaits, heldLimit);
  const apiKeys = new ApiKeyService(db, clock, config.authCacheTtlMs);
  const live = new LiveEvents(history, apiKeys, notifier, heldLimit, {
    maxStreamsPerKey: config.maxStreamsPerKey,
    bufferLimit: config.streamBufferEvents,
    catchUpMs: config.eventFeedCatchUpMs,
    // Half the auth cache TTL: a revoked key's streams close within the time its requests are refused.
    keyCheckMs: Math.max(100, Math.floor(config.authCacheTtlMs / 2)),
  });
  return {
    apiKeys,
    history,
    sessions,
    inboxes,
    waits,
    messages: new MessageService(db, history, inboxes, waits, clock, config.maxMessageBytes, { maxMessages: config.inboxMaxMessages, maxBytes: config.inboxMaxBytes }),
    notifier,
    heldWaits,
    heldLimit,
    live,
  };
}
