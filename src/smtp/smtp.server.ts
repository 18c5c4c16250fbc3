import type { SMTPServerDataStream, SMTPServerError, SMTPServerSession } from 'smtp-server';
import type { InboxService } from '../inboxes/inbox.service';
import type { Logger } from '../logger';
import type { MessageService } from '../messages/message.service';
import { listenOn } from '../common/listen';
import { ConnectionLimits } from './connection-limits';
import { InboxFullError } from '../messages/inbox-quota';
import { MailIntake } from '../messages/mail-intake';
import type { IncomingMail } from '../messages/parse';
import { MessageLimitError } from '../messages/parse-limits';
import { DeliveryGate } from './delivery-gate';
import { InflightBytes } from './inflight-bytes';

export interface SmtpServerOptions {
  /** 0 = an ephemeral port (the bound one is returned). */
  port: number;
  host: string;
  maxMessageBytes: number;
  /** Bytes of mail received but not yet stored, across all connections (SMTP_MAX_INFLIGHT_BYTES). */
  maxInflightBytes?: number;
  messages: MessageService;
  inboxes: InboxService;
  logger: Logger;
  metrics?: { smtpMessage(result: 'accepted' | 'refused'): void; limitHit?(limit: string): void };
  /** Connections open at once, all peers (SMTP_MAX_CONNECTIONS; default 2,000). */
  maxConnections?: number;
  /** Connections open at once from one peer address (SMTP_MAX_CONNECTIONS_PER_IP; default 20). */
  maxConnectionsPerIp?: number;
  /** A connection that has not sent MAIL FROM this long after connecting is closed (default 30 s). */
  mailFromTimeoutMs?: number;
  /** How long close() lets open connections finish before it drops them (default 5 s). */
  closeTimeoutMs?: number;
}

export interface RunningSmtpServer {
  port: number;
  close(): Promise<void>;
}

// Sized for memory: 1,000 idle connections added about 6 MB of RSS (measured), so 2,000 cost ~12 MB.
const MAX_CONNECTIONS = 2000;
const MAX_CONNECTIONS_PER_IP = 20;
const MAIL_FROM_TIMEOUT_MS = 30_000;
const MAX_RECIPIENTS = 100;
const SOCKET_TIMEOUT_MS = 60_000;
const CLOSE_TIMEOUT_MS = 5_000;
// Bytes of mail parsed and stored at once: room for two of the largest messages. A message in that
// stage costs several times its size (measured: a 9.5 MB message grew RSS by ~45 MB parsing and ~44 MB
// storing), so this, not the in-flight cap, bounds that part of memory; two keep the database busy while
// the next one is parsed, and small messages pass many at a time (one group commit). See bench/README.md.
const PARSED_AT_ONCE = 2;

function smtpError(responseCode: number, message: string): SMTPServerError {
  return Object.assign(new Error(message), { responseCode });
}

const NO_SUCH_MAILBOX = () => smtpError(550, '5.1.1 No such mailbox');
const TOO_BIG = () => smtpError(552, '5.3.4 Message too big');
const TEMPORARY = () => smtpError(451, '4.3.0 Temporary failure, try again later');
const BUSY = () => smtpError(451, '4.3.2 Too much mail in flight, try again later');
const MAILBOX_FULL = () => smtpError(552, '5.2.2 Mailbox full');

/**
 * Inbound SMTP, MX-style: no AUTH, no TLS, any sender; recipients must be inboxes that accept mail
 * now. A message is stored whole or not at all: over the size limit it is refused with 552, never
 * truncated. Each accepted recipient gets the same parsed message through MessageService, the one
 * road every delivery takes (events, replay step, waits).
 */
export async function startSmtpServer(opts: SmtpServerOptions): Promise<RunningSmtpServer> {
  const { messages, inboxes, logger, maxMessageBytes } = opts;
  const heldBytes = new InflightBytes(opts.maxInflightBytes ?? 64 * 1024 * 1024);
  const gate = new DeliveryGate(PARSED_AT_ONCE * maxMessageBytes);
  const log = logger.child({ component: 'smtp' });
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p)).catch(() => {});
    return p;
  };

  /** A message the parser can never read: refused for good (554), so the sender does not retry it. */
  function refusedForGood(err: unknown): never {
    if (err instanceof MessageLimitError) {
      opts.metrics?.limitHit?.('mime_limit');
      throw smtpError(554, `5.6.0 Message refused: ${err.limit}`);
    }
    throw err;
  }

  /** Delivers the parsed message to every accepted recipient; the reply text, or an SMTP error. */
  async function deliver(parsed: IncomingMail, session: SMTPServerSession): Promise<string> {
    const recipients = [...new Set(session.envelope.rcptTo.map((r) => r.address.toLowerCase()))];
    const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
    // Headers are what a reader sees; a message without them still says who sent it to whom.
    const mail = { ...parsed, from: parsed.from || envelopeFrom, to: parsed.to.length ? parsed.to : recipients };
    let delivered = 0;
    let failed = 0;
    let full = 0;
    for (const rcpt of recipients) {
      try {
        const message = await messages.deliverToAddress(rcpt, mail);
        if (message) {
          delivered++;
          log.info({ messageId: message.id, inboxId: message.inboxId, sizeBytes: mail.sizeBytes }, 'message received over SMTP');
        } else {
          // Accepted at RCPT, but the inbox expired or was deleted before DATA ended.
          log.info({ rcpt }, 'recipient no longer accepts mail; delivery skipped');
        }
      } catch (err) {
        if (err instanceof InboxFullError) {
          // Filled up since RCPT TO: refused for this recipient only.
          full++;
          opts.metrics?.limitHit?.('inbox_quota');
          log.info({ rcpt }, 'inbox full; delivery refused');
          continue;
        }
        failed++;
        log.error({ err, rcpt }, 'SMTP delivery failed');
      }
    }
    // A temporary failure makes the sender retry: better a duplicate in one inbox than a lost message in another.
    if (failed) throw TEMPORARY();
    if (!delivered) throw full ? MAILBOX_FULL() : NO_SUCH_MAILBOX();
    return `2.0.0 Message accepted for ${delivered} mailbox${delivered === 1 ? '' : 'es'}`;
  }

  const limits = new ConnectionLimits({
    maxPerAddress: opts.maxConnectionsPerIp ?? MAX_CONNECTIONS_PER_IP,
    mailFromTimeoutMs: opts.mailFromTimeoutMs ?? MAIL_FROM_TIMEOUT_MS,
  });

  // Loaded on first use: a server that never needs it does not carry it (see the memory target in bench/README.md).
  const { SMTPServer } = await import('smtp-server');
  const server = new SMTPServer({
    name: 'sessions-gateway',
    banner: 'sessions-gateway',
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: maxMessageBytes,
    maxClients: opts.maxConnections ?? MAX_CONNECTIONS,
    maxRecipients: MAX_RECIPIENTS,
    socketTimeout: SOCKET_TIMEOUT_MS,
    closeTimeout: opts.closeTimeoutMs ?? CLOSE_TIMEOUT_MS,
    logger: false,
    // A reverse DNS lookup per connection (up to 1.5 s each) tells an inbox service nothing it uses.
    disableReverseLookup: true,

    onConnect(session, callback) {
      callback(limits.onConnect(session));
    },
    onClose(session) {
      limits.onClose(session);
    },

    onMailFrom(address, session, callback) {
      limits.onMailFrom(session);
      // Refused before DATA while the server holds its cap of mail in flight; SIZE= (RFC 1870) counts when sent.
      const declared = Number(address.args && (address.args as Record<string, string>).SIZE) || 0;
      if (heldBytes.hasRoomFor(declared)) return callback();
      opts.metrics?.limitHit?.('smtp_inflight_bytes');
      log.info({ inflight: heldBytes.used, declared }, 'SMTP mail refused for now: too much mail in flight');
      callback(BUSY());
    },

    onRcptTo(address, _session, callback) {
      const accepting = async () => {
        const inbox = await inboxes.findAccepting(address.address);
        // Early word for a full inbox; the delivery checks again. Any other failure here is left to DATA.
        if (inbox) await messages.requireRoom(inbox.id).catch((err: unknown) => {
          if (err instanceof InboxFullError) throw err;
          log.warn({ err }, 'SMTP inbox quota check failed; left to delivery');
        });
        return inbox;
      };
      track(accepting()).then(
        (inbox) => {
          if (!inbox) opts.metrics?.smtpMessage('refused');
          callback(inbox ? null : NO_SUCH_MAILBOX());
        },
        (err) => {
          if (err instanceof InboxFullError) {
            opts.metrics?.limitHit?.('inbox_quota');
            return callback(MAILBOX_FULL());
          }
          log.error({ err }, 'SMTP recipient lookup failed');
          callback(TEMPORARY());
        },
      );
    },

    onData(stream: SMTPServerDataStream, session, callback) {
      // The message is kept as it arrives (MailIntake, one copy), each byte reserved in `heldBytes` as it
      // comes, until the message is stored or dropped; then parsed and stored through the gate.
      const intake = new MailIntake();
      let held = 0;
      let received = 0;
      let refusal: SMTPServerError | null = null;
      let answered = false;
      const release = () => {
        heldBytes.release(held);
        held = 0;
      };
      // Decided before the end: nothing more is kept, the rest of DATA is only read (the reply comes after it).
      const refuse = (err: SMTPServerError) => {
        refusal = err;
        intake.discard();
        release();
      };
      const answer = (err: SMTPServerError | null, reply?: string) => {
        if (answered) return;
        answered = true;
        release();
        opts.metrics?.smtpMessage(err ? 'refused' : 'accepted');
        callback(err, reply);
      };
      stream.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (refusal) return;
        if (received > maxMessageBytes || stream.sizeExceeded) return refuse(TOO_BIG());
        if (!heldBytes.tryReserve(chunk.length, held)) return refuse(BUSY());
        held += chunk.length;
        intake.write(chunk);
      });
      stream.once('error', (err) => {
        // Typically the client went away mid-message: nothing is stored, there is nobody to answer.
        log.info({ err }, 'SMTP message not received in full');
        intake.discard();
        answer(TEMPORARY());
      });
      stream.once('end', () => {
        if (!refusal && stream.sizeExceeded) refuse(TOO_BIG());
        if (refusal === null) {
          track(gate.run(received, () => intake.parse().then((mail) => deliver(mail, session), refusedForGood))).then(
            (reply) => answer(null, reply),
            (err: SMTPServerError) => {
              if (err?.responseCode) return answer(err);
              log.error({ err }, 'SMTP message processing failed');
              answer(TEMPORARY());
            },
          );
          return;
        }
        if (refusal.responseCode === 552) {
          log.info({ bytes: received, limit: maxMessageBytes }, 'SMTP message refused: too big');
        } else {
          opts.metrics?.limitHit?.('smtp_inflight_bytes');
          log.info({ inflight: heldBytes.used, limit: heldBytes.max }, 'SMTP message refused for now: too much mail in flight');
        }
        answer(refusal);
      });
    },
  });
  limits.attach(server);
  // smtp-server re-emits its socket server's errors. A failure to listen is the caller's to explain
  // (main.ts: exit 3, one sentence), not an error log with a stack; later errors are logged.
  await listenOn(server, opts.port, opts.host);
  server.on('error', (err) => log.error({ err }, 'SMTP server error'));
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;

  let closing: Promise<void> | null = null;
  return {
    port,
    close: () => {
      // Stops accepting at once; open sessions get closeTimeout to finish, then a 421 and the door.
      // Deliveries already running are awaited, so the caller may close the database afterwards.
      closing ??= (async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await Promise.allSettled([...inFlight]);
      })();
      return closing;
    },
  };
}
