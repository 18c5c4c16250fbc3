import { paginate } from '../paginate.js';
import type { RequestOptions, Transport } from '../transport.js';
import type {
  CompleteSessionResponse,
  CreateSessionParams,
  FailSessionParams,
  FailSessionResponse,
  ListSessionsParams,
  Replay,
  Session,
  SessionList,
  SessionListItem,
  Timeline,
} from '../types.js';

const path = (id: string, rest = '') => `/api/v1/sessions/${encodeURIComponent(id)}${rest}`;

/** `/api/v1/sessions`: workflows that group inboxes and waits. */
export class Sessions {
  constructor(private readonly transport: Transport) {}

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

  /** GET /sessions/{id}/timeline: the session's events, oldest first. */
  timeline(id: string, options?: RequestOptions): Promise<Timeline> {
    return this.transport.request({ method: 'GET', path: path(id, '/timeline'), retry: 'read', options });
  }

  /** POST /sessions/{id}/replay: the recorded steps. */
  replay(id: string, options?: RequestOptions): Promise<Replay> {
    return this.transport.request({ method: 'POST', path: path(id, '/replay'), retry: 'none', options });
  }
}
