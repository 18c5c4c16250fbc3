import { ApiKeyService } from './auth/api-keys.service';
import type { Clock } from './common/clock';
import type { Config } from './config';
import type { Database } from './db/client';
import { HistoryService } from './history/history.service';
import { InboxService } from './inboxes/inbox.service';
import { SessionService } from './sessions/session.service';
import { WaitService } from './waits/wait.service';

/** Every service, wired once per app. Resolvers reach them through the request context. */
export interface Services {
  apiKeys: ApiKeyService;
  history: HistoryService;
  sessions: SessionService;
  inboxes: InboxService;
  waits: WaitService;
}

export function createServices(db: Database, config: Config, clock: Clock): Services {
  const history = new HistoryService(db, clock);
  return {
    apiKeys: new ApiKeyService(db, clock, config.authCacheTtlMs),
    history,
    sessions: new SessionService(db, history, clock),
    inboxes: new InboxService(db),
    waits: new WaitService(db),
  };
}
