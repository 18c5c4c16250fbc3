/**
 * The console's routes, all under BASE (the server answers every deep link with the app). Pure, tested.
 */
export const BASE = '/console';

export type Route =
  | { page: 'sessions' }
  | { page: 'session'; id: string }
  | { page: 'message'; id: string; sessionId?: string }
  | { page: 'not_found'; path: string };

export function parseRoute(pathname: string, search = ''): Route {
  const rest = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : null;
  if (rest === null) return { page: 'not_found', path: pathname };
  const parts = rest.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'sessions')) return { page: 'sessions' };
  if (parts.length === 2 && parts[0] === 'sessions') return { page: 'session', id: parts[1]! };
  if (parts.length === 2 && parts[0] === 'messages') {
    const sessionId = new URLSearchParams(search).get('session') ?? undefined;
    return sessionId ? { page: 'message', id: parts[1]!, sessionId } : { page: 'message', id: parts[1]! };
  }
  return { page: 'not_found', path: pathname };
}

export function sessionsHref(): string {
  return `${BASE}/`;
}

export function sessionHref(id: string): string {
  return `${BASE}/sessions/${encodeURIComponent(id)}`;
}

export function messageHref(id: string, sessionId?: string | null): string {
  const q = sessionId ? `?session=${encodeURIComponent(sessionId)}` : '';
  return `${BASE}/messages/${encodeURIComponent(id)}${q}`;
}
