import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

export interface McpSession {
  id: string;
  ownerId: string;
  transport: StreamableHTTPServerTransport;
  /** Requests (and GET streams) open on it; the idle timer runs only when there are none. */
  open: number;
  lastUsed: number;
  idle?: NodeJS.Timeout;
}

/**
 * The MCP sessions of this instance, by id and by owner. A session holds memory only (a server and
 * its transport), so what bounds it is time and count: a session idle for `idleMs` is closed, and an
 * owner at `maxPerOwner` sessions has its longest-idle one closed to open another (clients that never
 * send DELETE must not pile up).
 */
export class McpSessions {
  private readonly byId = new Map<string, McpSession>();
  private readonly byOwner = new Map<string, Set<McpSession>>();

  constructor(
    private readonly idleMs: number,
    readonly maxPerOwner: number,
  ) {}

  /** The session, if it exists and belongs to this owner (to anyone else it does not exist). */
  get(id: string, ownerId: string): McpSession | undefined {
    const session = this.byId.get(id);
    return session && session.ownerId === ownerId ? session : undefined;
  }

  /** Room for one more session of the owner: false when it has `maxPerOwner`, all of them busy. */
  makeRoom(ownerId: string): boolean {
    const own = this.byOwner.get(ownerId);
    if (!own || own.size < this.maxPerOwner) return true;
    let oldest: McpSession | undefined;
    for (const s of own) if (s.open === 0 && (!oldest || s.lastUsed < oldest.lastUsed)) oldest = s;
    if (!oldest) return false;
    this.remove(oldest);
    void oldest.transport.close().catch(() => {});
    return true;
  }

  add(session: McpSession): void {
    this.byId.set(session.id, session);
    let own = this.byOwner.get(session.ownerId);
    if (!own) this.byOwner.set(session.ownerId, (own = new Set()));
    own.add(session);
  }

  remove(session: McpSession): void {
    clearTimeout(session.idle);
    if (this.byId.get(session.id) === session) this.byId.delete(session.id);
    const own = this.byOwner.get(session.ownerId);
    own?.delete(session);
    if (own?.size === 0) this.byOwner.delete(session.ownerId);
  }

  /** A request (or stream) starts on the session. */
  begin(session: McpSession): void {
    clearTimeout(session.idle);
    session.open += 1;
  }

  /** A request (or stream) on the session ended; with none left, its idle time starts. */
  end(session: McpSession): void {
    session.open -= 1;
    session.lastUsed = Date.now();
    if (session.open > 0 || this.byId.get(session.id) !== session) return;
    session.idle = setTimeout(() => {
      this.remove(session);
      void session.transport.close().catch(() => {});
    }, this.idleMs);
    session.idle.unref();
  }

  all(): McpSession[] {
    return [...this.byId.values()];
  }

  async closeAll(): Promise<void> {
    const all = this.all();
    for (const session of all) this.remove(session);
    await Promise.all(all.map((s) => s.transport.close().catch(() => {})));
  }
}
