import type { Client } from 'pg';
import type { Notifier } from '../common/notifier';
import type { Logger } from '../logger';

const CHANNEL = 'sessions_gateway';
const RETRY_MS = [250, 500, 1000, 2000, 5000];

/**
 * Carries Notifier topics between gateway instances with PostgreSQL LISTEN/NOTIFY, on one dedicated
 * connection that reconnects by itself. Lost notifications only delay a wake-up: each instance's
 * periodic sweep (WaitService.sweepHeld) reads which waits ended since its last run (the event table)
 * and wakes those it holds, so the database stays the truth.
 */
export function bridgeNotifierOverPostgres(url: string, notifier: Notifier, logger: Logger): { close(): Promise<void> } {
  const connection = new URL(url);
  const schema = connection.searchParams.get('schema');
  connection.searchParams.delete('schema');
  // NOTIFY is database-wide; instances on one database but different schemas must not wake each other.
  const channel = schema ? `${CHANNEL}_${schema}`.slice(0, 63) : CHANNEL;
  let client: Client | null = null;
  let closed = false;
  let attempt = 0;
  let retryTimer: NodeJS.Timeout | undefined;

  const connect = async () => {
    const { Client } = await import('pg');
    const c = new Client({ connectionString: connection.toString(), connectionTimeoutMillis: 5_000 });
    c.on('notification', (msg) => {
      if (msg.channel === channel && msg.payload) notifier.receive(msg.payload);
    });
    c.on('error', (err) => {
      logger.warn({ err }, 'notification connection lost; reconnecting');
      drop(c);
    });
    try {
      await c.connect();
      await c.query(`LISTEN "${channel}"`);
      if (closed) return void c.end().catch(() => {});
      client = c;
      attempt = 0;
    } catch (err) {
      logger.warn({ err }, 'notification connection failed; retrying');
      drop(c);
    }
  };

  const drop = (c: Client) => {
    c.removeAllListeners('notification');
    c.end().catch(() => {});
    if (client === c) client = null;
    if (closed || retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void connect();
    }, RETRY_MS[Math.min(attempt++, RETRY_MS.length - 1)]);
    retryTimer.unref();
  };

  // One NOTIFY statement in flight at a time, carrying every topic raised meanwhile: a burst (many
  // waits ending at once) becomes a few statements instead of overlapping queries on one client, which
  // pg queues without bound and warns about.
  const pending = new Set<string>();
  let sending = false;
  const flush = async () => {
    sending = true;
    try {
      while (pending.size && client) {
        const topics = [...pending];
        pending.clear();
        await client.query('SELECT pg_notify($1, topic) FROM unnest($2::text[]) AS topic', [channel, topics]).catch(() => {
          /* the receiving instances' sweep covers a lost notification */
        });
      }
    } finally {
      sending = false;
    }
  };
  notifier.bridge((topic) => {
    if (!client) return;
    pending.add(topic);
    if (!sending) void flush();
  });
  void connect();

  return {
    close: async () => {
      closed = true;
      clearTimeout(retryTimer);
      const c = client;
      client = null;
      await c?.end().catch(() => {});
    },
  };
}
