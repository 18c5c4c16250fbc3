import { type SessionEventsParams, streamSessionEvents } from '../event-stream.js';
import { paginate } from '../paginate.js';
import type { RequestOptions, Transport } from '../transport.js';
import type {
  CompleteSessionResponse,
  CreateSessionParams,
  FailSessionParams,
  FailSessionResponse,
  ListSessionsParams,
  CursorEvent,
  Replay,
  Session,
  SessionEvent,
  SessionList,
  SessionListItem,
  Timeline,
  TimelinePage,
  TimelinePageParams,
} from '../types.js';

/** A timeline page's size when iterating (the server's largest). */
const MAX_TIMELINE_PAGE = 500;

const path = (id: string, rest = '') => `/api/v1/sessions/${encodeURIComponent(id)}${rest}`;

/** `/api/v1/sessions`: workflows that group inboxes and waits. */
export class Sessions {
  constructor(
    private readonly transport: Transport,
    private readonly maxRetries: number,
  ) {}

  /** POST /sessions (retried safely: an Idempotency-Key is sent). */
  create(params: CreateSessionParams, options?: RequestOptions): Promise<Session> {
    return this.transport.request({ method: 'POST', path: '/api/v1/sessions', body: params, retry: 'create', options });
  }

  /** GET /sessions: one page, newest first. */
  list(params: ListSessionsParams = {}, options?: RequestOptions): Promise<SessionList> {
    return this.transport.request({ method: 'GET', path: '/api/v1/sessions', query: { ...params }, retry: 'read', options });
  }

  /** Every session matching `params`, page after page. */
  iterate(params: ListSessionsParams = {}, options?: RequestOptions): AsyncGenerator<SessionListItem, void, undefined> {
    return paginate(params, options, (p, o) => this.list(p, o));
  }

  /** GET /sessions/{id}: the session with its inbox and wait ids. */
  get(id: string, options?: RequestOptions): Promise<Session> {
    return this.transport.request({ method: 'GET', path: path(id), retry: 'read', options });
  }

  /** POST /sessions/{id}/complete. */
  complete(id: string, options?: RequestOptions): Promise<CompleteSessionResponse> {
    return this.transport.request({ method: 'POST', path: path(id, '/complete'), retry: 'none', options });
  }

  /** POST /sessions/{id}/fail with a reason. */
  fail(id: string, params: FailSessionParams, options?: RequestOptions): Promise<FailSessionResponse> {
    return this.transport.request({ method: 'POST', path: path(id, '/fail'), body: params, retry: 'none', options });
  }

  /**
   * GET /sessions/{id}/timeline: the session's events, oldest first. With `{ limit, after }` one page,
   * `{ events, next }`, whose events carry their cursor (a page of 50 when neither is set).
   */
  timeline(id: string, params?: undefined, options?: RequestOptions): Promise<Timeline>;
  timeline(id: string, params: TimelinePageParams, options?: RequestOptions): Promise<TimelinePage>;
  timeline(id: string, params?: TimelinePageParams, options?: RequestOptions): Promise<Timeline | TimelinePage> {
    // A page is asked for with a limit always, so that the answer is the paged shape its type says.
    const query = params && { limit: params.limit ?? 50, after: params.after };
    return this.transport.request({ method: 'GET', path: path(id, '/timeline'), query, retry: 'read', options });
  }

  /** Every timeline event after `params.after` (default: all), page after page (`limit` a page, default 500). */
  async *iterateTimeline(id: string, params: TimelinePageParams = {}, options?: RequestOptions): AsyncGenerator<CursorEvent, void, undefined> {
    let after = params.after;
    do {
      const page = await this.timeline(id, { limit: params.limit ?? MAX_TIMELINE_PAGE, after }, options);
      yield* page.events;
      after = page.next ?? undefined;
    } while (after !== undefined);
  }

  /**
   * GET /sessions/{id}/events: the session's events as they happen (first those after `after`, or all),
   * ending after `session.completed` / `session.failed`. A dropped connection is resumed from the last
   * cursor by itself, with nothing skipped or repeated. Break out of the loop (or abort `signal`) to stop.
   */
  events(id: string, params: SessionEventsParams = {}, options?: RequestOptions): AsyncGenerator<SessionEvent, void, undefined> {
    return streamSessionEvents(this.transport, this.maxRetries, path(id, '/events'), params, options);
  }

  /** POST /sessions/{id}/replay: the recorded steps. */
  replay(id: string, options?: RequestOptions): Promise<Replay> {
    return this.transport.request({ method: 'POST', path: path(id, '/replay'), retry: 'none', options });
  }
}
