import { connect, type Socket } from 'node:net';

export interface SmtpReply {
  code: number;
  text: string;
}

/**
 * A raw SMTP conversation over a socket, for tests that must see the server's exact replies: every
 * reply is read whole (multi-line included), and the transcript keeps those nobody asked for (a 421
 * at shutdown, say).
 */
export class RawSmtp {
  private buffer = '';
  private lines: string[] = [];
  private replies: SmtpReply[] = [];
  private waiters: ((r: SmtpReply) => void)[] = [];
  /** Every reply received, in order. */
  readonly transcript: SmtpReply[] = [];
  /** When the server closed the connection (null while open). */
  closedAt: number | null = null;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', () => {});
    socket.on('close', () => (this.closedAt = Date.now()));
  }

  /** `localAddress` (e.g. 127.0.0.2) makes the connection come from another loopback address. */
  static async open(port: number, localAddress?: string): Promise<{ smtp: RawSmtp; greeting: SmtpReply }> {
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const smtp = new RawSmtp(socket);
    return { smtp, greeting: await smtp.reply() };
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\r\n')) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 2);
      this.lines.push(line);
      if (/^\d{3}(?: |$)/.test(line)) {
        const reply = { code: Number(line.slice(0, 3)), text: this.lines.map((l) => l.slice(4)).join('\n') };
        this.lines = [];
        this.transcript.push(reply);
        const waiter = this.waiters.shift();
        if (waiter) waiter(reply);
        else this.replies.push(reply);
      }
    }
  }

  reply(timeoutMs = 10_000): Promise<SmtpReply> {
    const ready = this.replies.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no SMTP reply within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push((r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
  }

  command(line: string): Promise<SmtpReply> {
    this.socket.write(`${line}\r\n`);
    return this.reply();
  }

  /** DATA, then the message (dot-stuffed) and its terminator; the reply to the message. */
  async data(message: string): Promise<SmtpReply> {
    const go = await this.command('DATA');
    if (go.code !== 354) return go;
    const body = message.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..');
    this.socket.write(`${body}${body.endsWith('\r\n') ? '' : '\r\n'}.\r\n`);
    return this.reply();
  }

  /** Writes without waiting for a reply (a message cut short, say). */
  write(text: string): void {
    this.socket.write(text);
  }

  /** Resolves when the server closes the connection. */
  closed(): Promise<void> {
    return new Promise((resolve) => (this.socket.destroyed ? resolve() : this.socket.once('close', () => resolve())));
  }

  destroy(): void {
    this.socket.destroy();
  }

  async quit(): Promise<void> {
    await this.command('QUIT').catch(() => undefined);
    this.socket.end();
  }
}

/** A small plain-text message to `to`, as raw RFC 5322 text. */
export const rawMessage = (to: string, subject: string, body = 'Your code is 482913.') =>
  [`From: Sender <sender@example.test>`, `To: ${to}`, `Subject: ${subject}`, 'Content-Type: text/plain; charset=utf-8', '', body, ''].join('\r\n');

/** One message over its own SMTP connection: the reply to its data, or the refusal of its RCPT TO. */
export async function sendOne(port: number, to: string, subject: string): Promise<SmtpReply> {
  const { smtp } = await RawSmtp.open(port);
  try {
    const ehlo = await smtp.command('EHLO client.test');
    if (ehlo.code !== 250) throw new Error(`EHLO: ${ehlo.code} ${ehlo.text}`);
    const mailFrom = await smtp.command('MAIL FROM:<sender@example.test>');
    if (mailFrom.code !== 250) throw new Error(`MAIL FROM: ${mailFrom.code} ${mailFrom.text}`);
    const rcpt = await smtp.command(`RCPT TO:<${to}>`);
    if (rcpt.code !== 250) return rcpt;
    return await smtp.data(rawMessage(to, subject));
  } finally {
    await smtp.quit();
  }
}
