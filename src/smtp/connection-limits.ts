import type { SMTPServer, SMTPServerError, SMTPServerSession } from 'smtp-server';

export interface ConnectionLimitOptions {
  /** Connections open at once from one peer address. */
  maxPerAddress: number;
  /** How long a connection may stay open without sending MAIL FROM (counted from connecting). */
  mailFromTimeoutMs: number;
}

interface Admitted {
  address: string;
  timer: NodeJS.Timeout;
}

/**
 * One peer must not block mail intake. smtp-server's own cap (maxClients) counts every peer together, so
 * a single address opening idle connections would lock every other sender out with 421. This adds a
 * cap per address, and closes connections that have not said MAIL FROM in time: an idle connection
 * costs a socket and memory, and a sender with mail to give says MAIL FROM within seconds.
 * Memory only: a map entry and a timer per connection.
 */
export class ConnectionLimits {
  private readonly byAddress = new Map<string, number>();
  private readonly admitted = new Map<string, Admitted>();
  private server: SMTPServer | null = null;

  constructor(private readonly opts: ConnectionLimitOptions) {}

  /** The server whose connections the MAIL FROM timeout closes. */
  attach(server: SMTPServer): void {
    this.server = server;
  }

  /** smtp-server's onConnect: refuses (421) a connection over its address's cap. */
  onConnect(session: SMTPServerSession): SMTPServerError | null {
    const address = session.remoteAddress;
    const open = this.byAddress.get(address) ?? 0;
    if (open >= this.opts.maxPerAddress) {
      return Object.assign(new Error(`Too many connections from your address (at most ${this.opts.maxPerAddress}); try again later`), { responseCode: 421 });
    }
    this.byAddress.set(address, open + 1);
    const timer = setTimeout(() => this.closeIdle(session.id), this.opts.mailFromTimeoutMs);
    timer.unref();
    this.admitted.set(session.id, { address, timer });
    return null;
  }

  /** smtp-server's onMailFrom: the sender is at work; the MAIL FROM timeout no longer applies. */
  onMailFrom(session: SMTPServerSession): void {
    const entry = this.admitted.get(session.id);
    if (entry) clearTimeout(entry.timer);
  }

  /** smtp-server's onClose (also called for connections refused before onConnect: those were never counted). */
  onClose(session: SMTPServerSession): void {
    const entry = this.admitted.get(session.id);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.admitted.delete(session.id);
    const left = (this.byAddress.get(entry.address) ?? 1) - 1;
    if (left > 0) this.byAddress.set(entry.address, left);
    else this.byAddress.delete(entry.address);
  }

  /** Open connections from `address` (all addresses when omitted); tests check what is released. */
  count(address?: string): number {
    return address === undefined ? this.admitted.size : (this.byAddress.get(address) ?? 0);
  }

  private closeIdle(sessionId: string): void {
    // Only the rare idle offender is looked up, so a scan of the open connections is fine here.
    for (const connection of this.server?.connections ?? []) {
      if (connection.id !== sessionId) continue;
      connection.send(421, `Timeout: no MAIL FROM within ${Math.round(this.opts.mailFromTimeoutMs / 1000)} s, closing connection`);
      connection.close();
      return;
    }
  }
}
